"""A chapter's quiz in the course folder format: `chapters/NN-<slug>/quiz.yaml`.

    slug: python-values-and-names-quiz
    title: "Quiz: Values, Names and Types"
    difficulty: beginner            # beginner | intermediate | advanced
    pass_percent: 70
    partial_credit: true            # multiple-choice questions may earn part of their points
    required_tier: premium          # optional; absent means "the chapter's tier"
    published: true
    questions:
      - order: 1
        kind: single                # single | multiple | true_false | short | numeric
        prompt: What does `7 / 2` evaluate to?
        options: {A: "3", B: "3.5"}  # single and multiple only
        answer: B                   # multiple: [A, C]; true_false: true; short: [accepted, ...];
                                    # numeric: 3.5 (with optional tolerance / rel_tolerance)
        explanation: ...
        points: 1

`content.course_import.import_course` calls `import_quiz` for each chapter folder (matching the quiz
by slug and its questions by position) and `export_quiz` writes the same format back."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError as DjangoValidationError

from content.course_files import CourseFileError, load_yaml, read_text
from content.models import Chapter
from coursecompanion.rows import save_if_changed
from quizzes import grading, kinds
from quizzes.models import Question, Quiz

QUIZ_FILE = "quiz.yaml"
QUIZ_KEYS = (
    "slug",
    "title",
    "difficulty",
    "pass_percent",
    "partial_credit",
    "required_tier",
    "published",
    "questions",
)
QUESTION_KEYS = (
    "order",
    "kind",
    "prompt",
    "options",
    "answer",
    "tolerance",
    "rel_tolerance",
    "explanation",
    "points",
)
# Long lines stay on one line: exports diff line by line and re-export byte for byte.
YAML_WIDTH = 1_000_000


# --- import ----------------------------------------------------------------------------------


def _line_numbers(text: str) -> tuple[dict[str, int], list[int]]:
    """Where each top-level key and each question starts (1-based), for error messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}, []
    if not isinstance(root, yaml.MappingNode):
        return {}, []
    keys: dict[str, int] = {}
    questions: list[int] = []
    for key_node, value_node in root.value:
        keys[str(key_node.value)] = key_node.start_mark.line + 1
        if key_node.value == "questions" and isinstance(value_node, yaml.SequenceNode):
            questions = [item.start_mark.line + 1 for item in value_node.value]
    return keys, questions


@contextmanager
def _blamed_on(path: Path, line: int | None, prefix: str = "") -> Iterator[None]:
    try:
        yield
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            message = "; ".join(
                f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
                for name, messages in error.message_dict.items()
            )
        else:
            message = "; ".join(error.messages)
        raise CourseFileError(path, f"{prefix}{message}", line=line) from error


def _question_values(path: Path, line: int | None, raw: Any) -> dict[str, Any]:
    def fail(message: str) -> CourseFileError:
        where = f"question {raw.get('order', '?')}: " if isinstance(raw, dict) else ""
        return CourseFileError(path, where + message, line=line)

    if not isinstance(raw, dict):
        raise fail("each question must be a YAML mapping")
    unknown = sorted(str(key) for key in raw if key not in QUESTION_KEYS)
    if unknown:
        raise fail(f"unknown field(s): {', '.join(unknown)}")
    missing = [key for key in ("order", "kind", "prompt", "answer") if key not in raw]
    if missing:
        raise fail(f"missing required field(s): {', '.join(missing)}")
    if not isinstance(raw["order"], int) or isinstance(raw["order"], bool) or raw["order"] < 1:
        raise fail("order must be a whole number of at least 1")
    kind = raw["kind"]
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        raise fail("options must be a mapping of key to text, such as {A: yes, B: no}")
    question_kind = kinds.kind_of(kind) if isinstance(kind, str) else None
    answer = question_kind.from_yaml(raw["answer"]) if question_kind else raw["answer"]
    values = {
        "order": raw["order"],
        "kind": kind,
        "prompt": raw["prompt"],
        "options": [{"key": str(key), "text": str(text)} for key, text in options.items()],
        "answer": answer,
        "tolerance": raw.get("tolerance"),
        "rel_tolerance": raw.get("rel_tolerance"),
        "explanation": raw.get("explanation") or "",
        "points": raw.get("points", 1),
    }
    if kind not in grading.KINDS:
        raise fail(f"kind must be one of {', '.join(grading.KINDS)}")
    problems = grading.question_problems(
        kind=kind,
        option_keys=[option["key"] for option in values["options"]],
        answer=answer,
        tolerance=values["tolerance"],
        rel_tolerance=values["rel_tolerance"],
    )
    if problems:
        raise fail(" ".join(message for messages in problems.values() for message in messages))
    return values


def import_quiz(*, chapter: Chapter, folder: Path, report) -> None:
    """Create or update the chapter's quiz from `folder/quiz.yaml` (if the file exists).

    Questions are matched by position; questions no longer in the file are deleted. A folder
    without quiz.yaml leaves the chapter's quizzes alone (they may hold students' attempts).
    Raises CourseFileError naming the file and line."""
    path = Path(folder) / QUIZ_FILE
    if not path.exists():
        return
    text = read_text(path)
    data = load_yaml(path, text)
    key_lines, question_lines = _line_numbers(text)
    if not isinstance(data, dict):
        raise CourseFileError(path, "must be a YAML mapping", line=1)
    unknown = [str(key) for key in data if key not in QUIZ_KEYS]
    if unknown:
        raise CourseFileError(
            path, f"unknown field(s): {', '.join(unknown)}", line=key_lines.get(unknown[0])
        )
    missing = [key for key in ("slug", "title", "questions") if key not in data]
    if missing:
        raise CourseFileError(path, f"missing required field(s): {', '.join(missing)}", line=1)
    questions = data["questions"]
    if not isinstance(questions, list) or not questions:
        raise CourseFileError(
            path, "questions must be a non-empty list", line=key_lines.get("questions")
        )
    incoming: dict[int, dict[str, Any]] = {}
    for index, raw in enumerate(questions):
        line = question_lines[index] if index < len(question_lines) else None
        values = _question_values(path, line, raw)
        if values["order"] in incoming:
            raise CourseFileError(path, f"two questions have order {values['order']}", line=line)
        incoming[values["order"]] = {**values, "_line": line}

    slug = data["slug"]
    quiz = Quiz.objects.select_related("chapter").filter(slug=slug).first()
    if quiz is not None and quiz.chapter_id != chapter.id:
        raise CourseFileError(
            path,
            f"the quiz slug '{slug}' already belongs to chapter '{quiz.chapter.slug}'",
            line=key_lines.get("slug"),
        )
    quiz = quiz or Quiz(chapter=chapter)
    with _blamed_on(path, 1):
        save_if_changed(
            quiz,
            {
                "slug": slug,
                "title": data["title"],
                "difficulty": data.get("difficulty", Chapter.Difficulty.BEGINNER),
                "pass_percent": data.get("pass_percent", 70),
                "partial_credit": bool(data.get("partial_credit", False)),
                "required_tier": data.get("required_tier") or None,
                "published": bool(data.get("published", False)),
            },
            report,
            f"quiz {slug}",
        )

    existing = {question.order: question for question in quiz.questions.all()}
    for order, question in existing.items():
        if order not in incoming:
            question.delete()
            report.deleted.append(f"question {slug}/{order}")
    for order, values in sorted(incoming.items()):
        line = values.pop("_line")
        question = existing.get(order) or Question(quiz=quiz)
        with _blamed_on(path, line, f"question {order}: "):
            save_if_changed(question, values, report, f"question {slug}/{order}")


# --- export ----------------------------------------------------------------------------------


def _question_data(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"order": question.order, "kind": question.kind}
    data["prompt"] = question.prompt
    if kinds.KINDS[question.kind].has_options:
        data["options"] = {option["key"]: option["text"] for option in question.options}
    data["answer"] = question.answer
    if question.tolerance is not None:
        data["tolerance"] = question.tolerance
    if question.rel_tolerance is not None:
        data["rel_tolerance"] = question.rel_tolerance
    data["explanation"] = question.explanation
    data["points"] = question.points
    return data


def export_quiz(*, chapter: Chapter) -> dict[str, bytes]:
    """The chapter's first quiz as quiz.yaml bytes ({} when it has none). Deterministic:
    exporting, importing into an empty database and exporting again gives the same bytes."""
    quiz = chapter.quizzes.order_by("id").first()
    if quiz is None:
        return {}
    data: dict[str, Any] = {
        "slug": quiz.slug,
        "title": quiz.title,
        "difficulty": quiz.difficulty,
        "pass_percent": quiz.pass_percent,
        "partial_credit": quiz.partial_credit,
    }
    if quiz.required_tier:
        data["required_tier"] = quiz.required_tier
    data["published"] = quiz.published
    data["questions"] = [_question_data(q) for q in quiz.questions.order_by("order")]
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=YAML_WIDTH)
    return {QUIZ_FILE: text.encode("utf-8")}
