"""Question kinds, one table: each kind declares here, in one place, the answer a student sends,
how its answer key is checked and normalised, how it is graded and shown as feedback, how it
reads from quiz.yaml, and how the admin form writes and reads its key as text. grading.py,
models.py, admin.py and course_files.py only look kinds up here, so adding a kind touches this
module alone.

Pure: no ORM, no clock, no randomness.

Kinds and the answers they take:
    single      "B"            exact match on one option key
    multiple    ["A", "C"]     all-or-nothing, or partial credit when the quiz allows it
    true_false  true           exact
    short       "text"         against a list of accepted answers, normalised
    numeric     3.14           within an absolute and/or relative tolerance
"""

import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

# Without an explicit tolerance a numeric answer must be equal up to float representation noise.
DEFAULT_ABS_TOLERANCE = 1e-9
MAX_SHORT_ANSWER_LENGTH = 500
_WHITESPACE = re.compile(r"\s+")
TRUE_WORDS = {"true", "yes", "t", "y", "1"}
FALSE_WORDS = {"false", "no", "f", "n", "0"}


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


class FormError(ValueError):
    """An answer key typed in the admin that cannot be read; the message is for the editor."""


# --- shared rules ------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """Compare short answers by meaning, not by typing accidents: Unicode NFKC (full-width
    letters, ligatures), case folding, surrounding and repeated whitespace."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _WHITESPACE.sub(" ", text).strip()


def is_number(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def option_key(spec: QuestionSpec, value: Any) -> str | None:
    """The option key `value` names (case and surrounding whitespace ignored), or None."""
    if not isinstance(value, str):
        return None
    wanted = value.strip().casefold()
    return next((key for key in spec.options if key.casefold() == wanted), None)


def _as_text(answer: Any) -> str:
    return answer if isinstance(answer, str) else json.dumps(answer)


# --- the kinds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """Everything one question kind decides. `add(field, message)` collects key problems."""

    code: str
    label: str  # in the admin's kind menu
    key_help: str  # how an editor types the answer key in the admin (HTML)
    answer_shape: str  # what a student sends, as JSON (the submit schema shows it)
    answer_example: Any  # the same as a value, for the schema's example
    has_options: bool
    # Why a student's answer is not of this kind's shape, or None.
    answer_problem: Callable[[QuestionSpec, Any], str | None]
    # Check an answer key against the option keys: add(field name, message) for each problem.
    check_key: Callable[[Any, list[str], Callable[[str, str], None]], None]
    # The fraction (0..1) of the points an answer of the right shape earns.
    score: Callable[[QuestionSpec, Any, bool], Fraction]
    # The correct answer as feedback, in the shape a student would have sent it.
    shown_answer: Callable[[QuestionSpec], Any] = lambda spec: spec.answer
    # quiz.yaml's answer as stored (YAML is lenient: `answer: 1` for option "1", one text).
    from_yaml: Callable[[Any], Any] = lambda answer: answer
    # The admin form's text for a stored key, and the key for the text an editor typed.
    key_as_text: Callable[[Any], str] = _as_text
    key_from_text: Callable[[str], Any] = lambda text: text
    takes_tolerance: bool = False


def _single_answer_problem(spec: QuestionSpec, value: Any) -> str | None:
    if not isinstance(value, str):
        return f'expected one option key as a string, such as "{spec.options[0]}"'
    if option_key(spec, value) is None:
        return f'"{value}" is not one of the options ({", ".join(spec.options)})'
    return None


def _single_key(answer: Any, keys: list[str], add: Callable[[str, str], None]) -> None:
    if not isinstance(answer, str) or not answer.strip():
        add("answer", "The answer key of a single-choice question is one option key, e.g. B.")
    elif answer not in keys:
        add("answer", f'The answer key "{answer}" is not one of the options ({", ".join(keys)}).')


SINGLE = Kind(
    code="single",
    answer_shape='"B"',
    answer_example="B",
    label="Single choice",
    key_help="Single: <code>B</code>.",
    has_options=True,
    answer_problem=_single_answer_problem,
    check_key=_single_key,
    score=lambda spec, value, partial: Fraction(int(option_key(spec, value) == spec.answer)),
    from_yaml=lambda answer: answer if isinstance(answer, list | dict | bool) else str(answer),
)


def _multiple_answer_problem(spec: QuestionSpec, value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return 'expected a list of option keys, such as ["A", "C"]'
    unknown = [item for item in value if option_key(spec, item) is None]
    if unknown:
        return f"not among the options ({', '.join(spec.options)}): {', '.join(unknown)}"
    return None


def _multiple_key(answer: Any, keys: list[str], add: Callable[[str, str], None]) -> None:
    if not isinstance(answer, list) or not answer:
        add("answer", "The answer key of a multiple-choice question lists option keys.")
        return
    unknown = [str(item) for item in answer if item not in keys]
    if unknown:
        add(
            "answer",
            f"The answer key names {', '.join(unknown)}, which "
            f"{'is' if len(unknown) == 1 else 'are'} not among the options ({', '.join(keys)}).",
        )
    if len(set(map(str, answer))) != len(answer):
        add("answer", "The answer key lists an option twice.")


def _multiple_score(spec: QuestionSpec, value: Any, partial_credit: bool) -> Fraction:
    chosen = {option_key(spec, item) for item in value}
    wanted = set(spec.answer)
    if chosen == wanted:
        return Fraction(1)
    if not partial_credit:
        return Fraction(0)
    # Each wrong choice cancels a right one, so ticking every box earns nothing.
    hits, misses = len(chosen & wanted), len(chosen - wanted)
    return Fraction(max(0, hits - misses), len(wanted))


def _in_option_order(spec: QuestionSpec) -> list[str]:
    order = list(spec.options)
    return sorted(spec.answer, key=lambda key: order.index(key) if key in order else len(order))


MULTIPLE = Kind(
    code="multiple",
    answer_shape='["A", "C"]',
    answer_example=["A", "C"],
    label="Multiple choice",
    key_help="Multiple: <code>A, C</code>.",
    has_options=True,
    answer_problem=_multiple_answer_problem,
    check_key=_multiple_key,
    score=_multiple_score,
    shown_answer=_in_option_order,
    from_yaml=lambda answer: [str(item) for item in answer] if isinstance(answer, list) else answer,
    key_as_text=lambda answer: (
        ", ".join(map(str, answer)) if isinstance(answer, list) else (_as_text(answer))
    ),
    key_from_text=lambda text: [item for item in re.split(r"[,\s]+", text) if item],
)


def _true_false_key(answer: Any, keys: list[str], add: Callable[[str, str], None]) -> None:
    if not isinstance(answer, bool):
        add("answer", "The answer key of a true/false question is true or false.")


def _true_false_from_text(text: str) -> bool:
    word = text.casefold()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise FormError("Write true or false.")
    return word in TRUE_WORDS


TRUE_FALSE = Kind(
    code="true_false",
    answer_shape="true",
    answer_example=True,
    label="True / false",
    key_help="True/false: <code>true</code> or <code>false</code>.",
    has_options=False,
    answer_problem=lambda spec, value: (
        None if isinstance(value, bool) else "expected true or false"
    ),
    check_key=_true_false_key,
    score=lambda spec, value, partial: Fraction(int(value == spec.answer)),
    key_as_text=lambda answer: (
        ("true" if answer else "false") if isinstance(answer, bool) else _as_text(answer)
    ),
    key_from_text=_true_false_from_text,
)


def _short_answer_problem(spec: QuestionSpec, value: Any) -> str | None:
    if not isinstance(value, str):
        return "expected a text answer"
    if len(value) > MAX_SHORT_ANSWER_LENGTH:
        return f"answers are at most {MAX_SHORT_ANSWER_LENGTH} characters"
    if "\x00" in value:
        return "the answer contains a NUL character"
    return None


def _short_key(answer: Any, keys: list[str], add: Callable[[str, str], None]) -> None:
    if (
        not isinstance(answer, list)
        or not answer
        or not all(isinstance(item, str) and normalize_text(item) for item in answer)
    ):
        add("answer", "A short-answer question needs a list of accepted answers (text).")


def _short_score(spec: QuestionSpec, value: Any, partial_credit: bool) -> Fraction:
    accepted = {normalize_text(item) for item in spec.answer}
    return Fraction(int(normalize_text(value) in accepted))


SHORT = Kind(
    code="short",
    answer_shape='"text"',
    answer_example="type",
    label="Short answer",
    key_help="Short: one accepted answer per line.",
    has_options=False,
    answer_problem=_short_answer_problem,
    check_key=_short_key,
    score=_short_score,
    shown_answer=lambda spec: spec.answer[0],
    from_yaml=lambda answer: [answer] if isinstance(answer, str) else answer,
    key_as_text=lambda answer: (
        "\n".join(map(str, answer)) if isinstance(answer, list) else _as_text(answer)
    ),
    key_from_text=lambda text: [line.strip() for line in text.splitlines() if line.strip()],
)


def _numeric_key(answer: Any, keys: list[str], add: Callable[[str, str], None]) -> None:
    if not is_number(answer):
        add("answer", "The answer key of a numeric question is a number.")


def within_tolerance(spec: QuestionSpec, value: float) -> bool:
    expected = float(spec.answer)
    allowed = DEFAULT_ABS_TOLERANCE if spec.tolerance is None else float(spec.tolerance)
    if spec.rel_tolerance is not None:
        allowed = max(allowed, float(spec.rel_tolerance) * abs(expected))
    return abs(value - expected) <= allowed


def _number_from_text(text: str) -> int | float:
    try:
        number: int | float = json.loads(text) if re.fullmatch(r"-?\d+", text) else float(text)
    except ValueError:
        raise FormError(f"'{text}' is not a number.") from None
    return number


NUMERIC = Kind(
    code="numeric",
    answer_shape="3.14",
    answer_example=3.14,
    label="Numeric",
    key_help="Numeric: a number (add a tolerance below if needed).",
    has_options=False,
    answer_problem=lambda spec, value: (
        None if is_number(value) else "expected a number, such as 3.14"
    ),
    check_key=_numeric_key,
    score=lambda spec, value, partial: Fraction(int(within_tolerance(spec, float(value)))),
    key_from_text=_number_from_text,
    takes_tolerance=True,
)


KINDS: dict[str, Kind] = {
    kind.code: kind for kind in (SINGLE, MULTIPLE, TRUE_FALSE, SHORT, NUMERIC)
}


def kind_of(code: str | None) -> Kind | None:
    return KINDS.get(code) if code is not None else None


def check_options(kind: Kind, keys: Sequence[str], add: Callable[[str, str], None]) -> None:
    """Choice kinds need two or more distinct, non-empty option keys; other kinds none."""
    if kind.has_options:
        if len(keys) < 2:
            add("options", "A choice question needs at least two options.")
        if len({key.casefold() for key in keys}) != len(keys):
            add("options", "Option keys must be unique.")
        if any(not key.strip() for key in keys):
            add("options", "Every option needs a key, such as A.")
    elif keys:
        add("options", f"A {kind.code.replace('_', '/')} question has no options; remove them.")
