"""Pure, rule-based quiz grading: no ORM, no clock, no randomness.

The submit service, `regrade_quiz`, the admin's validation and the quiz.yaml importer all use
these functions on plain values, so a quiz is graded (and checked) the same way everywhere.
What each kind accepts and how it scores is declared in quizzes/kinds.py.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from quizzes import kinds
from quizzes.kinds import QuestionSpec, normalize_text

__all__ = ["QuestionSpec", "normalize_text"]

# The kind codes, as the models and files name them (quizzes/kinds.py defines each kind).
SINGLE, MULTIPLE, TRUE_FALSE, SHORT, NUMERIC = (
    kinds.SINGLE.code,
    kinds.MULTIPLE.code,
    kinds.TRUE_FALSE.code,
    kinds.SHORT.code,
    kinds.NUMERIC.code,
)
KINDS = tuple(kinds.KINDS)
CHOICE_KINDS = tuple(code for code, kind in kinds.KINDS.items() if kind.has_options)


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    correct: bool
    points: int
    points_awarded: float
    your_answer: Any
    correct_answer: Any
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "correct": self.correct,
            "points": self.points,
            "points_awarded": self.points_awarded,
            "your_answer": self.your_answer,
            "correct_answer": self.correct_answer,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class GradeResult:
    score: float
    max_score: int
    percent: float
    passed: bool
    results: tuple[QuestionResult, ...] = field(default_factory=tuple)


# --- checking answers --------------------------------------------------------------------------


def answer_problem(spec: QuestionSpec, value: Any) -> str | None:
    """Why `value` is not an answer of the right shape for this question, or None if it is."""
    kind = kinds.kind_of(spec.kind)
    if kind is None:
        return f"unknown question kind {spec.kind!r}"
    return kind.answer_problem(spec, value)


def answers_problems(
    questions: Sequence[QuestionSpec], answers: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every problem with a submission (keys are question ids as strings, as JSON sends them):
    unknown question ids, missing answers, wrong shapes. Empty when the submission is valid."""
    by_id = {str(spec.id): spec for spec in questions}
    problems: list[dict[str, Any]] = []
    for key in sorted(answers, key=str):
        if key not in by_id:
            problems.append(
                {"question_id": _as_id(key), "message": "no such question in this quiz"}
            )
    for key, spec in by_id.items():
        if key not in answers:
            problems.append({"question_id": spec.id, "message": "missing answer"})
            continue
        problem = answer_problem(spec, answers[key])
        if problem:
            problems.append({"question_id": spec.id, "message": problem})
    return problems


def _as_id(key: str) -> int | str:
    try:
        return int(key)
    except (TypeError, ValueError):
        return key


# --- checking answer keys (editors' side) ------------------------------------------------------


def question_problems(
    *,
    kind: str,
    option_keys: Sequence[Any],
    answer: Any,
    tolerance: Any = None,
    rel_tolerance: Any = None,
) -> dict[str, list[str]]:
    """Why a question's answer key does not fit its kind and options, by field name
    ("options", "answer", "tolerance", "rel_tolerance"). Empty when the question is sound."""
    problems: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        problems.setdefault(field_name, []).append(message)

    keys = [str(key) for key in option_keys]
    question_kind = kinds.kind_of(kind)
    if question_kind is None:
        add("kind", f"Unknown question kind {kind!r}; use one of {', '.join(KINDS)}.")
    else:
        kinds.check_options(question_kind, keys, add)
        question_kind.check_key(answer, keys, add)

    for name, value in (("tolerance", tolerance), ("rel_tolerance", rel_tolerance)):
        if value is None:
            continue
        if question_kind is None or not question_kind.takes_tolerance:
            add(name, "Only numeric questions have a tolerance.")
        elif not kinds.is_number(value) or value < 0:
            add(name, "A tolerance is a number of at least 0.")
    return problems


# --- grading -----------------------------------------------------------------------------------


def _score_question(spec: QuestionSpec, value: Any, *, partial_credit: bool) -> Fraction:
    """The fraction of the question's points earned (0..1). An answer of the wrong shape earns 0."""
    if answer_problem(spec, value) is not None:
        return Fraction(0)
    return kinds.KINDS[spec.kind].score(spec, value, partial_credit)


def shown_answer(spec: QuestionSpec) -> Any:
    """The correct answer as feedback, in the shape a student would have sent it."""
    kind = kinds.kind_of(spec.kind)
    return kind.shown_answer(spec) if kind is not None else spec.answer


def grade(
    *,
    questions: Sequence[QuestionSpec],
    answers: Mapping[int, Any],
    pass_percent: float,
    partial_credit: bool = False,
) -> GradeResult:
    """Grade `answers` (question id -> answer) against `questions`.

    Missing answers and answers of the wrong shape score 0; answers to questions that are not in
    `questions` are ignored (so attempts can be re-graded after a question is removed)."""
    total = Fraction(0)
    max_score = 0
    results = []
    for spec in questions:
        given = answers.get(spec.id)
        earned = _score_question(spec, given, partial_credit=partial_credit) * spec.points
        total += earned
        max_score += spec.points
        results.append(
            QuestionResult(
                question_id=spec.id,
                correct=earned == spec.points,
                points=spec.points,
                points_awarded=_round(earned),
                your_answer=given,
                correct_answer=shown_answer(spec),
                explanation=spec.explanation,
            )
        )
    percent = total * 100 / max_score if max_score else Fraction(0)
    return GradeResult(
        score=_round(total),
        max_score=max_score,
        percent=_round(percent),
        passed=max_score > 0 and percent >= Fraction(str(pass_percent)),
        results=tuple(results),
    )


def _round(value: Fraction) -> float:
    # Exact arithmetic until here, so the order of the answers cannot change a rounding.
    return round(float(value), 2)
