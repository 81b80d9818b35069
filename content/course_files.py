"""The course folder format: Markdown files with YAML front matter, readable and diffable.

    course.yaml
    chapters/NN-<chapter-slug>/chapter.md        front matter: chapter fields; body: summary
    chapters/NN-<chapter-slug>/NN-<section>.md   front matter: title, order; body: the section
    chapters/NN-<chapter-slug>/quiz.yaml         (read by the quizzes app)

Bodies are kept verbatim: the reader drops only the single newline that ends the file."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coursecompanion.errors import Invalid

FRONT_MATTER_DELIMITER = "---"


class CourseFileError(Invalid):
    code = "course_file_invalid"

    def __init__(self, path: Path, message: str, *, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}", details={"file": str(path), "line": line})
        self.path, self.line = path, line


@dataclass
class SectionFile:
    path: Path
    fields: dict[str, Any]
    content: str


@dataclass
class ChapterFolder:
    path: Path
    fields: dict[str, Any]
    summary: str
    sections: list[SectionFile] = field(default_factory=list)


@dataclass
class CourseFolder:
    path: Path
    fields: dict[str, Any]
    chapters: list[ChapterFolder] = field(default_factory=list)


def load_yaml(path: Path, text: str | None = None, *, first_line: int = 1) -> Any:
    if text is None:
        text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first_line + mark.line if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise CourseFileError(path, f"invalid YAML: {problem}", line=line) from error


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise CourseFileError(path, "file is missing") from error
    except UnicodeDecodeError as error:
        raise CourseFileError(path, "file is not UTF-8 text") from error


def split_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    text = read_text(path)
    lines = text.split("\n")
    if not lines or lines[0].strip() != FRONT_MATTER_DELIMITER:
        raise CourseFileError(path, "must start with a '---' front matter line", line=1)
    try:
        closing = next(
            i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER_DELIMITER
        )
    except StopIteration:
        raise CourseFileError(path, "front matter is not closed by '---'", line=1) from None
    fields = load_yaml(path, "\n".join(lines[1:closing]), first_line=2)
    if not isinstance(fields, dict):
        raise CourseFileError(path, "front matter must be a YAML mapping", line=2)
    body = "\n".join(lines[closing + 1 :])
    if body.endswith("\n"):
        body = body[:-1]
    return fields, body


def require_keys(path: Path, fields: dict[str, Any], *keys: str) -> None:
    missing = [key for key in keys if key not in fields]
    if missing:
        raise CourseFileError(path, f"missing required field(s): {', '.join(missing)}", line=1)


def read_course_folder(directory: Path) -> CourseFolder:
    """Parse a course folder; raises CourseFileError naming the file (and line) at fault."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CourseFileError(directory, "is not a directory")
    course_path = directory / "course.yaml"
    course_fields = load_yaml(course_path)
    if not isinstance(course_fields, dict):
        raise CourseFileError(course_path, "must be a YAML mapping", line=1)
    require_keys(course_path, course_fields, "slug", "title")
    course = CourseFolder(path=directory, fields=course_fields)

    chapters_dir = directory / "chapters"
    chapter_dirs = (
        sorted(p for p in chapters_dir.iterdir() if p.is_dir()) if chapters_dir.is_dir() else []
    )
    for chapter_dir in chapter_dirs:
        chapter_path = chapter_dir / "chapter.md"
        fields, summary = split_front_matter(chapter_path)
        require_keys(chapter_path, fields, "slug", "title", "order")
        chapter = ChapterFolder(path=chapter_dir, fields=fields, summary=summary)
        for section_path in sorted(chapter_dir.glob("*.md")):
            if section_path.name == "chapter.md":
                continue
            section_fields, content = split_front_matter(section_path)
            require_keys(section_path, section_fields, "title", "order")
            chapter.sections.append(SectionFile(section_path, section_fields, content))
        course.chapters.append(chapter)
    return course
