"""The course folder format: Markdown files with YAML front matter, readable and diffable.

    course.yaml
    chapters/NN-<chapter-slug>/chapter.md        front matter: chapter fields; body: summary
    chapters/NN-<chapter-slug>/NN-<section>.md   front matter: title, order; body: the section
    chapters/NN-<chapter-slug>/quiz.yaml         (read by the quizzes app)
    media/manifest.yaml                          assets: name, title, alt_text, chapter, public,
    media/<name>/<file>                          content_type, file, sha256 (checked on reading)

Bodies are kept verbatim, line endings included: the reader drops only the single newline that
ends the file."""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coursecompanion.errors import Invalid

FRONT_MATTER_DELIMITER = "---"
MEDIA_MANIFEST = Path("media") / "manifest.yaml"
MEDIA_NAME = re.compile(r"^[-a-zA-Z0-9_]+$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
LINE = "__line__"


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
class MediaEntry:
    """One asset of media/manifest.yaml; its file exists and matches its sha256."""

    manifest: Path
    line: int
    name: str
    title: str
    alt_text: str
    chapter: str | None
    public: bool
    content_type: str
    path: Path
    sha256: str


@dataclass
class CourseFolder:
    path: Path
    fields: dict[str, Any]
    chapters: list[ChapterFolder] = field(default_factory=list)
    media: list[MediaEntry] = field(default_factory=list)


class _LineLoader(yaml.SafeLoader):
    """Records the line every mapping starts on, so errors in a list entry can name it."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        return mapping


def load_yaml(
    path: Path, text: str | None = None, *, first_line: int = 1, loader: type = yaml.SafeLoader
) -> Any:
    if text is None:
        text = read_text(path)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 (SafeLoader or a subclass of it)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first_line + mark.line if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise CourseFileError(path, f"invalid YAML: {problem}", line=line) from error


def read_text(path: Path) -> str:
    # Bytes decoded as they are: no newline translation, so "\r\n" typed in the admin survives
    # an export and re-import unchanged.
    try:
        return path.read_bytes().decode("utf-8")
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
    # Positions and slugs are how the import matches rows: a repeat would silently merge two files.
    claimed: dict[tuple[str, Any], Path] = {}

    def claim(key: tuple[str, Any], path: Path, what: str) -> None:
        if key in claimed:
            raise CourseFileError(path, f"{what} is also used by {claimed[key]}", line=1)
        claimed[key] = path

    for chapter_dir in chapter_dirs:
        chapter_path = chapter_dir / "chapter.md"
        fields, summary = split_front_matter(chapter_path)
        require_keys(chapter_path, fields, "slug", "title", "order")
        claim(("chapter slug", fields["slug"]), chapter_path, f"slug '{fields['slug']}'")
        claim(("chapter order", fields["order"]), chapter_path, f"order {fields['order']}")
        chapter = ChapterFolder(path=chapter_dir, fields=fields, summary=summary)
        for section_path in sorted(chapter_dir.glob("*.md")):
            if section_path.name == "chapter.md":
                continue
            section_fields, content = split_front_matter(section_path)
            require_keys(section_path, section_fields, "title", "order")
            order = section_fields["order"]
            claim((str(chapter_dir), order), section_path, f"order {order}")
            chapter.sections.append(SectionFile(section_path, section_fields, content))
        course.chapters.append(chapter)
    course.media = read_media_manifest(directory)
    chapter_slugs = {chapter.fields["slug"] for chapter in course.chapters}
    for entry in course.media:
        if entry.chapter is not None and entry.chapter not in chapter_slugs:
            raise CourseFileError(
                entry.manifest, f"chapter '{entry.chapter}' is not in this course", line=entry.line
            )
    return course


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_media_manifest(directory: Path) -> list[MediaEntry]:
    """The assets listed in media/manifest.yaml (none when it is absent), each file checked
    against its sha256. Raises CourseFileError naming the manifest line or the file at fault."""
    directory = Path(directory)
    manifest = directory / MEDIA_MANIFEST
    if not manifest.exists():
        return []
    document = load_yaml(manifest, loader=_LineLoader)
    if not isinstance(document, dict) or not isinstance(document.get("assets"), list):
        raise CourseFileError(manifest, "must be a mapping with an 'assets' list", line=1)
    root = directory.resolve()
    entries: list[MediaEntry] = []
    seen: set[str] = set()
    for item in document["assets"]:
        if not isinstance(item, dict):
            raise CourseFileError(manifest, "each asset must be a mapping", line=None)
        line = item.pop(LINE)
        missing = [key for key in ("name", "title", "file", "sha256") if key not in item]
        if missing:
            raise CourseFileError(
                manifest, f"missing required field(s): {', '.join(missing)}", line=line
            )
        name, sha256 = str(item["name"]), str(item["sha256"])
        if not MEDIA_NAME.match(name):
            raise CourseFileError(manifest, f"name '{name}' is not a slug", line=line)
        if name in seen:
            raise CourseFileError(manifest, f"name '{name}' is listed twice", line=line)
        seen.add(name)
        if not SHA256_HEX.match(sha256):
            raise CourseFileError(manifest, "sha256 must be 64 lowercase hex digits", line=line)
        path = (directory / str(item["file"])).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise CourseFileError(
                manifest, f"file '{item['file']}' is not a file inside the course folder", line=line
            )
        actual = file_sha256(path)
        if actual != sha256:
            raise CourseFileError(
                directory / str(item["file"]),
                f"sha256 is {actual}, but {MEDIA_MANIFEST}:{line} says {sha256}",
            )
        entries.append(
            MediaEntry(
                manifest=manifest,
                line=line,
                name=name,
                title=str(item["title"] or ""),
                alt_text=str(item.get("alt_text") or ""),
                chapter=None if item.get("chapter") is None else str(item["chapter"]),
                public=bool(item.get("public", False)),
                content_type=str(item.get("content_type") or ""),
                path=path,
                sha256=sha256,
            )
        )
    return entries
