"""Pure, rule-based quiz grading: no ORM, no clock, no randomness.

The submit service, `regrade_quiz`, the admin's validation and the quiz.yaml importer all use
these functions on plain values, so a quiz is graded (and checked) the same way everywhere.

Kinds and the answers they take:
    single      "B"            exact match on one option key
    multiple    ["A", "C"]     all-or-nothing, or partial credit when the quiz allows it
    true_false  true           exact
    short       "text"         against a list of accepted answers, normalised
    numeric     3.14           within an absolute and/or relative tolerance
"""

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

SINGLE, MULTIPLE, TRUE_FALSE, SHORT, NUMERIC = (
    "single",
    "multiple",
    "true_false",
    "short",
    "numeric",
)
KINDS = (SINGLE, MULTIPLE, TRUE_FALSE, SHORT, NUMERIC)
CHOICE_KINDS = (SINGLE, MULTIPLE)
# Without an explicit tolerance a numeric answer must be equal up to float representation noise.
DEFAULT_ABS_TOLERANCE = 1e-9
MAX_SHORT_ANSWER_LENGTH = 500
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class QuestionSpec:
    """What grading needs to know about one question."""

    id: int
    kind: str
    answer: Any
    options: tuple[str, ...] = ()  # the option keys, e.g. ("A", "B", "C")
    points: int = 1
    tolerance: float | None = None
    rel_tolerance: float | None = None
    explanation: str = ""


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


# --- normalising -----------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """Compare short answers by meaning, not by typing accidents: Unicode NFKC (full-width
    letters, ligatures), case folding, surrounding and repeated whitespace."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _WHITESPACE.sub(" ", text).strip()


def _is_number(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _option_key(spec: QuestionSpec, value: Any) -> str | None:
    """The option key `value` names (case and surrounding whitespace ignored), or None."""
    if not isinstance(value, str):
        return None
    wanted = value.strip().casefold()
    return next((key for key in spec.options if key.casefold() == wanted), None)


# --- checking answers --------------------------------------------------------------------------


def answer_problem(spec: QuestionSpec, value: Any) -> str | None:
    """Why `value` is not an answer of the right shape for this question, or None if it is."""
    options = ", ".join(spec.options)
    if spec.kind == SINGLE:
        if not isinstance(value, str):
            return f'expected one option key as a string, such as "{spec.options[0]}"'
        if _option_key(spec, value) is None:
            return f'"{value}" is not one of the options ({options})'
    elif spec.kind == MULTIPLE:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return 'expected a list of option keys, such as ["A", "C"]'
        unknown = [item for item in value if _option_key(spec, item) is None]
        if unknown:
            return f"not among the options ({options}): {', '.join(map(str, unknown))}"
    elif spec.kind == TRUE_FALSE:
        if not isinstance(value, bool):
            return "expected true or false"
    elif spec.kind == SHORT:
        if not isinstance(value, str):
            return "expected a text answer"
        if len(value) > MAX_SHORT_ANSWER_LENGTH:
            return f"answers are at most {MAX_SHORT_ANSWER_LENGTH} characters"
        if "\x00" in value:
            return "the answer contains a NUL character"
    elif spec.kind == NUMERIC:
        if not _is_number(value):
            return "expected a number, such as 3.14"
    else:
        return f"unknown question kind {spec.kind!r}"
    return None


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
    *, kind: str, option_keys: Sequence[Any], answer: Any, tolerance: Any = None, rel_tolerance=None
) -> dict[str, list[str]]:
    """Why a question's answer key does not fit its kind and options, by field name
    ("options", "answer", "tolerance", "rel_tolerance"). Empty when the question is sound."""
    problems: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        problems.setdefault(field_name, []).append(message)

    keys = [str(key) for key in option_keys]
    listed = ", ".join(keys)
    if kind in CHOICE_KINDS:
        if len(keys) < 2:
            add("options", "A choice question needs at least two options.")
        if len({key.casefold() for key in keys}) != len(keys):
            add("options", "Option keys must be unique.")
        if any(not key.strip() for key in keys):
            add("options", "Every option needs a key, such as A.")
    elif keys:
        add("options", f"A {kind.replace('_', '/')} question has no options; remove them.")

    if kind == SINGLE:
        if not isinstance(answer, str) or not answer.strip():
            add("answer", "The answer key of a single-choice question is one option key, e.g. B.")
        elif answer not in keys:
            add("answer", f'The answer key "{answer}" is not one of the options ({listed}).')
    elif kind == MULTIPLE:
        if not isinstance(answer, list) or not answer:
            add("answer", "The answer key of a multiple-choice question lists option keys.")
        else:
            unknown = [str(item) for item in answer if item not in keys]
            if unknown:
                add(
                    "answer",
                    f"The answer key names {', '.join(unknown)}, which "
                    f"{'is' if len(unknown) == 1 else 'are'} not among the options ({listed}).",
                )
            if len(set(map(str, answer))) != len(answer):
                add("answer", "The answer key lists an option twice.")
    elif kind == TRUE_FALSE:
        if not isinstance(answer, bool):
            add("answer", "The answer key of a true/false question is true or false.")
    elif kind == SHORT:
        if (
            not isinstance(answer, list)
            or not answer
            or not all(isinstance(item, str) and normalize_text(item) for item in answer)
        ):
            add("answer", "A short-answer question needs a list of accepted answers (text).")
    elif kind == NUMERIC:
        if not _is_number(answer):
            add("answer", "The answer key of a numeric question is a number.")
    else:
        add("kind", f"Unknown question kind {kind!r}; use one of {', '.join(KINDS)}.")

    for name, value in (("tolerance", tolerance), ("rel_tolerance", rel_tolerance)):
        if value is None:
            continue
        if kind != NUMERIC:
            add(name, "Only numeric questions have a tolerance.")
        elif not _is_number(value) or value < 0:
            add(name, "A tolerance is a number of at least 0.")
    return problems


# --- grading -----------------------------------------------------------------------------------


def _score_question(spec: QuestionSpec, value: Any, *, partial_credit: bool) -> Fraction:
    """The fraction of the question's points earned (0..1). An answer of the wrong shape earns 0."""
    if answer_problem(spec, value) is not None:
        return Fraction(0)
    if spec.kind == SINGLE:
        return Fraction(int(_option_key(spec, value) == spec.answer))
    if spec.kind == MULTIPLE:
        chosen = {_option_key(spec, item) for item in value}
        wanted = set(spec.answer)
        if chosen == wanted:
            return Fraction(1)
        if not partial_credit:
            return Fraction(0)
        # Each wrong choice cancels a right one, so ticking every box earns nothing.
        hits, misses = len(chosen & wanted), len(chosen - wanted)
        return Fraction(max(0, hits - misses), len(wanted))
    if spec.kind == TRUE_FALSE:
        return Fraction(int(value == spec.answer))
    if spec.kind == SHORT:
        accepted = {normalize_text(item) for item in spec.answer}
        return Fraction(int(normalize_text(value) in accepted))
    if spec.kind == NUMERIC:
        return Fraction(int(_within_tolerance(spec, float(value))))
    return Fraction(0)


def _within_tolerance(spec: QuestionSpec, value: float) -> bool:
    expected = float(spec.answer)
    allowed = DEFAULT_ABS_TOLERANCE if spec.tolerance is None else float(spec.tolerance)
    if spec.rel_tolerance is not None:
        allowed = max(allowed, float(spec.rel_tolerance) * abs(expected))
    return abs(value - expected) <= allowed


def shown_answer(spec: QuestionSpec) -> Any:
    """The correct answer as feedback, in the shape a student would have sent it."""
    if spec.kind == SHORT:
        return spec.answer[0]
    if spec.kind == MULTIPLE:
        order = list(spec.options)
        return sorted(spec.answer, key=lambda key: order.index(key) if key in order else len(order))
    return spec.answer


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
