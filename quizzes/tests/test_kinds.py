"""The question-kind table: every kind's own rules agree with each other, and every place that
lists kinds (the model's choices, the admin's help, the submit schema) reads the table."""

import pytest

from quizzes import grading, kinds
from quizzes.models import Question
from quizzes.schemas import SubmitIn

SOUND_KEYS = {
    "single": (["A", "B"], "B"),
    "multiple": (["A", "B", "C"], ["A", "C"]),
    "true_false": ([], True),
    "short": ([], ["loop", "a loop"]),
    "numeric": ([], 3.5),
}


def test_the_table_covers_every_kind_the_model_offers():
    assert set(kinds.KINDS) == set(SOUND_KEYS) == {value for value, _ in Question.Kind.choices}
    assert [label for _, label in Question.Kind.choices] == [
        kind.label for kind in kinds.KINDS.values()
    ]
    description = SubmitIn.model_fields["answers"].description
    assert all(f"{code} {kind.answer_shape}" in description for code, kind in kinds.KINDS.items())


@pytest.mark.parametrize("code", list(SOUND_KEYS))
def test_a_sound_key_survives_the_admin_text_and_quiz_yaml(code):
    kind = kinds.KINDS[code]
    options, key = SOUND_KEYS[code]
    assert grading.question_problems(kind=code, option_keys=options, answer=key) == {}
    assert kind.key_from_text(kind.key_as_text(key)) == key
    assert kind.from_yaml(key) == key


@pytest.mark.parametrize("code", list(SOUND_KEYS))
def test_the_example_answer_has_the_kind_shape(code):
    kind = kinds.KINDS[code]
    options, key = SOUND_KEYS[code]
    spec = grading.QuestionSpec(id=1, kind=code, answer=key, options=tuple(options))
    assert grading.answer_problem(spec, kind.answer_example) is None
    assert grading.answer_problem(spec, grading.shown_answer(spec)) is None


def test_unreadable_admin_keys_say_why():
    with pytest.raises(kinds.FormError, match="true or false"):
        kinds.TRUE_FALSE.key_from_text("maybe")
    with pytest.raises(kinds.FormError, match="not a number"):
        kinds.NUMERIC.key_from_text("007")
