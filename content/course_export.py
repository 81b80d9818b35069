"""Writing a course out as its folder (the format content/course_files.py reads back).

The output is deterministic: the same database gives the same bytes, so an export can live in
git and a re-export shows only real changes. Export → import into an empty database → export
gives the same files."""

import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from django.db.models import Q
from django.utils.text import slugify

from content import media
from content.course_files import FRONT_MATTER_DELIMITER, MEDIA_MANIFEST
from content.models import Chapter, Course, MediaAsset
from coursecompanion.errors import DomainError, NotFound

# The parts of a course folder an export owns: anything else in the directory (.git, a README)
# is left alone, while stale files under these are removed.
OWNED = ("course.yaml", "chapters", "media")
# Other apps add what they keep beside a chapter (the quizzes app writes quiz.yaml):
# exporter(chapter=...) -> {file name: bytes}.
ChapterPartExporter = Callable[..., dict[str, bytes]]
chapter_part_exporters: list[ChapterPartExporter] = []


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


class _QuotedDumper(yaml.SafeDumper):
    """Multi-line strings double-quoted on one line: front matter must never hold a '---' line."""

    multiline_style = '"'


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks (readable descriptions in course.yaml)."""

    multiline_style = "|"


def _represent_str(dumper: _QuotedDumper | _BlockDumper, value: str) -> yaml.Node:
    # PyYAML falls back to double quotes when a literal block cannot hold the text exactly.
    style = dumper.multiline_style if "\n" in value or "\r" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


for _dumper in (_QuotedDumper, _BlockDumper):
    _dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any, *, block_strings: bool = False) -> str:
    return yaml.dump(
        data,
        Dumper=_BlockDumper if block_strings else _QuotedDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,  # never fold long lines: a diff then shows the whole changed line
    )


def front_matter_file(fields: dict[str, Any], body: str) -> bytes:
    # The reader drops exactly one final newline, so the body comes back byte for byte.
    text = f"{FRONT_MATTER_DELIMITER}\n{dump_yaml(fields)}{FRONT_MATTER_DELIMITER}\n{body}\n"
    return text.encode("utf-8")


def _chapter_folder(chapter: Chapter) -> str:
    return f"chapters/{chapter.order:02d}-{chapter.slug}"


def _section_file_name(order: int, title: str) -> str:
    return f"{order:02d}-{slugify(title)[:60].strip('-') or 'section'}.md"


def _part_path(folder: str, name: str, taken: dict[str, bytes]) -> str:
    """Where an extra chapter file goes; refuses names the reader would take for a section."""
    if not name or PurePosixPath(name).name != name or name.startswith(".") or name.endswith(".md"):
        raise DomainError(f"A chapter part exporter returned an unusable file name: {name!r}.")
    path = f"{folder}/{name}"
    if path in taken:
        raise DomainError(f"Two exporters wrote {path}.")
    return path


def render_course(course: Course, report: ExportReport | None = None) -> dict[str, bytes]:
    """Every file of the course folder, as {relative POSIX path: bytes}.

    Raises MediaStorageError when a media file cannot be read from the storage."""
    report = report if report is not None else ExportReport()
    files: dict[str, bytes] = {}
    course_fields = {
        "slug": course.slug,
        "title": course.title,
        "description": course.description,
        "published": course.published,
    }
    files["course.yaml"] = dump_yaml(course_fields, block_strings=True).encode("utf-8")

    chapters = list(course.chapters.order_by("order").prefetch_related("sections"))
    texts: list[str] = []
    for chapter in chapters:
        folder = _chapter_folder(chapter)
        fields = {
            "slug": chapter.slug,
            "title": chapter.title,
            "order": chapter.order,
            "difficulty_level": chapter.difficulty_level,
            "estimated_minutes": chapter.estimated_minutes,
            "required_tier": chapter.required_tier,
            "published": chapter.published,
        }
        files[f"{folder}/chapter.md"] = front_matter_file(fields, chapter.summary)
        for section in sorted(chapter.sections.all(), key=lambda s: s.order):
            path = f"{folder}/{_section_file_name(section.order, section.title)}"
            files[path] = front_matter_file(
                {"title": section.title, "order": section.order}, section.content
            )
            texts.append(section.content)
        for export_part in chapter_part_exporters:
            for name, data in sorted(export_part(chapter=chapter).items()):
                files[_part_path(folder, name, files)] = data

    # The course's media: its chapters' assets plus course-wide ones its sections reference.
    names = media.media_references(*texts)
    assets = (
        MediaAsset.objects.filter(
            Q(chapter__course=course) | Q(chapter__isnull=True, name__in=names)
        )
        .select_related("chapter")
        .order_by("name")
    )
    manifest = []
    for asset in assets:
        data = _read_media(asset)
        sha256 = hashlib.sha256(data).hexdigest()
        if asset.sha256 and asset.sha256 != sha256:
            report.warnings.append(
                f"media {asset.name}: the stored file's sha256 is {sha256}, the database "
                f"recorded {asset.sha256}; the manifest lists the file as it is now"
            )
        path = f"media/{asset.name}/{posixpath.basename(asset.file.name)}"
        files[path] = data
        manifest.append(
            {
                "name": asset.name,
                "title": asset.title,
                "alt_text": asset.alt_text,
                "chapter": asset.chapter.slug if asset.chapter else None,
                "public": asset.public,
                "content_type": asset.content_type,
                "file": path,
                "sha256": sha256,
            }
        )
    if manifest:
        files[MEDIA_MANIFEST.as_posix()] = dump_yaml({"assets": manifest}).encode("utf-8")
    return files


def _read_media(asset: MediaAsset) -> bytes:
    def read() -> bytes:
        with asset.file.storage.open(asset.file.name, "rb") as handle:
            return handle.read()

    try:
        return read()
    except media.storage_errors() as error:
        raise media.MediaStorageError(
            f"Could not read media '{asset.name}' ({asset.file.name}) from the storage: "
            f"{type(error).__name__}.",
        ) from error


def export_course(*, slug: str, directory: Path, write: bool) -> ExportReport:
    """Write course `slug` to `directory` as its course folder: files whose bytes differ are
    (re)written, stale course files removed, anything outside course.yaml, chapters/ and media/
    left alone. Nothing is written unless `write`.

    Raises NotFound for an unknown course, MediaStorageError when a media file can't be read."""
    course = Course.objects.filter(slug=slug).first()
    if course is None:
        raise NotFound(f"No course with slug '{slug}'.", code="course_not_found")
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise DomainError(f"{directory} exists and is not a directory.")
    report = ExportReport()
    files = render_course(course, report)

    for relative, data in sorted(files.items()):
        path = directory / relative
        if path.is_file() and path.read_bytes() == data:
            report.unchanged += 1
            continue
        report.written.append(relative)
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    for relative in sorted(_owned_files(directory) - files.keys()):
        report.removed.append(relative)
        if write:
            (directory / relative).unlink()
    if write:
        _prune_empty_dirs(directory)
    return report


def _owned_files(directory: Path) -> set[str]:
    found: set[str] = set()
    for name in OWNED:
        root = directory / name
        if root.is_file():
            found.add(name)
        elif root.is_dir():
            found.update(
                p.relative_to(directory).as_posix() for p in root.rglob("*") if p.is_file()
            )
    return found


def _prune_empty_dirs(directory: Path) -> None:
    for name in OWNED[1:]:
        root = directory / name
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
