"""Reading published course content (cached) and the writes editors and importers make."""

import hashlib
import logging
import mimetypes
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from access import services as access_services
from access.models import User
from content.course_files import ChapterFolder, CourseFileError, read_course_folder
from content.models import Chapter, Course, MediaAsset, Section
from content.search import search_published_sections
from coursecompanion.errors import NotFound

logger = logging.getLogger(__name__)

T = TypeVar("T")
CONTENT_VERSION_KEY = "content:version"
# Rows being renumbered are parked above any real position first, so swapping two positions
# never trips the unique (parent, order) constraints halfway through.
PARKING_OFFSET = 1_000_000


# --- cache -----------------------------------------------------------------------------------


def bump_content_version() -> None:
    """Invalidate every cached piece of published content at once."""
    try:
        cache.incr(CONTENT_VERSION_KEY)
    except ValueError:
        cache.set(CONTENT_VERSION_KEY, 2, None)
    except Exception:
        logger.warning("Could not bump the content cache version", exc_info=True)


def _cached(key: str, build: Callable[[], T]) -> T:
    """Published content from the cache, built on a miss. A cache outage falls back to the
    database: content reads fail open."""
    try:
        version = cache.get_or_set(CONTENT_VERSION_KEY, 1, None)
        full_key = f"content:v{version}:{key}"
        value = cache.get(full_key)
    except Exception:
        logger.warning("Content cache unavailable; reading the database", exc_info=True)
        return build()
    if value is None:
        value = build()
        try:
            cache.set(full_key, value, settings.CONTENT_CACHE_SECONDS)
        except Exception:
            logger.warning("Could not store content in the cache", exc_info=True)
    return value


def _is_staff(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_staff


def _read(user: User | None, key: str, build: Callable[[], T]) -> T:
    # Staff may see drafts, so their reads never touch the shared published-content cache.
    return build() if _is_staff(user) else _cached(key, build)


# --- reads -----------------------------------------------------------------------------------


def chapter_summary(chapter: Chapter) -> dict[str, Any]:
    return {
        "id": chapter.id,
        "course_id": chapter.course_id,
        "slug": chapter.slug,
        "title": chapter.title,
        "summary": chapter.summary,
        "order": chapter.order,
        "difficulty_level": chapter.difficulty_level,
        "estimated_minutes": chapter.estimated_minutes,
        "required_tier": chapter.required_tier,
        "published": chapter.published,
    }


def chapter_outline(*, user: User | None) -> list[dict[str, Any]]:
    """Summaries of every chapter `user` may know about, in course order. Summaries are never
    locked: a student may always see what exists and which tier opens it."""

    def build() -> list[dict[str, Any]]:
        chapters = Chapter.objects.visible_to(user).order_by("course__title", "course_id", "order")
        return [chapter_summary(chapter) for chapter in chapters]

    return _read(user, "outline", build)


def list_chapters(*, user: User | None) -> list[dict[str, Any]]:
    """The chapter outline with `locked` set for this user's tier."""
    return [
        {
            **summary,
            "locked": not access_services.decide_access(
                user=user, required_tier=summary["required_tier"]
            ).allowed,
        }
        for summary in chapter_outline(user=user)
    ]


def _find_in_outline(outline: list[dict[str, Any]], chapter_id: int) -> int:
    for index, summary in enumerate(outline):
        if summary["id"] == chapter_id:
            return index
    raise NotFound(f"Chapter {chapter_id} does not exist.", code="chapter_not_found")


def adjacent_chapter(*, user: User | None, chapter_id: int, step: int) -> dict[str, Any] | None:
    """The summary of the chapter `step` places away in the same course, or None at either end."""
    outline = chapter_outline(user=user)
    index = _find_in_outline(outline, chapter_id)
    course_id = outline[index]["course_id"]
    neighbour = index + step
    if 0 <= neighbour < len(outline) and outline[neighbour]["course_id"] == course_id:
        return outline[neighbour]
    return None


def require_chapter_access(*, user: User | None, summary: dict[str, Any]) -> None:
    """Raises AccessDenied("chapter_locked") when the chapter's tier is above the user's."""
    access_services.require_access(
        user=user,
        required_tier=summary["required_tier"],
        code="chapter_locked",
        subject=f'Chapter {summary["id"]} ("{summary["title"]}")',
    )


def get_chapter(*, user: User | None, chapter_id: int) -> dict[str, Any]:
    """A chapter with its sections verbatim, its media and its neighbours.

    Raises NotFound for unknown or unpublished chapters, AccessDenied when it is locked."""
    outline = chapter_outline(user=user)
    index = _find_in_outline(outline, chapter_id)
    summary = outline[index]
    require_chapter_access(user=user, summary=summary)

    def build() -> dict[str, Any]:
        sections = Section.objects.filter(chapter_id=chapter_id).order_by("order")
        media = MediaAsset.objects.filter(chapter_id=chapter_id).order_by("title", "id")
        return {
            "sections": [
                {"id": s.id, "title": s.title, "order": s.order, "content": s.content}
                for s in sections
            ],
            "media": [media_summary(asset) for asset in media],
        }

    body = _read(user, f"chapter:{chapter_id}", build)

    def neighbour_id(step: int) -> int | None:
        position = index + step
        if 0 <= position < len(outline) and outline[position]["course_id"] == summary["course_id"]:
            return outline[position]["id"]
        return None

    return {
        **summary,
        **body,
        "locked": False,
        "quiz_id": None,
        "previous_id": neighbour_id(-1),
        "next_id": neighbour_id(+1),
    }


def get_section(*, user: User | None, section_id: int) -> dict[str, Any]:
    """One section verbatim. Raises NotFound, or AccessDenied like its chapter."""

    def build() -> dict[str, Any] | None:
        section = (
            Section.objects.visible_to(user).select_related("chapter").filter(pk=section_id).first()
        )
        if section is None:
            return None
        return {
            "id": section.id,
            "chapter_id": section.chapter_id,
            "title": section.title,
            "order": section.order,
            "content": section.content,
            "chapter": chapter_summary(section.chapter),
        }

    found = _read(user, f"section:{section_id}", build)
    if found is None:
        raise NotFound(f"Section {section_id} does not exist.", code="section_not_found")
    require_chapter_access(user=user, summary=found["chapter"])
    return found


def media_summary(asset: MediaAsset) -> dict[str, Any]:
    # The storage name is cached, never the URL: presigned URLs expire.
    return {
        "id": asset.id,
        "title": asset.title,
        "alt_text": asset.alt_text,
        "content_type": asset.content_type,
        "size": asset.size,
        "sha256": asset.sha256,
        "file_name": asset.file.name,
    }


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def save_sections(*, chapter: Chapter, sections: Iterable[Section]) -> None:
    """Save a chapter's edited sections, allowing positions to be swapped or rotated."""
    sections = list(sections)
    moved = [s.pk for s in sections if s.pk is not None]
    for pk in moved:
        Section.objects.filter(pk=pk, chapter=chapter).update(order=PARKING_OFFSET + pk)
    for section in sections:
        section.chapter = chapter
        section.save()


def fill_media_metadata(asset: MediaAsset) -> None:
    """Record size, sha256 and content type of a freshly uploaded file (before it is stored)."""
    upload = asset.file
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    asset.size = size
    asset.sha256 = digest.hexdigest()
    guessed = getattr(upload.file, "content_type", None) or mimetypes.guess_type(upload.name)[0]
    asset.content_type = guessed or "application/octet-stream"


# --- course import ---------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


# Other apps add what they keep beside a chapter (the quizzes app reads quiz.yaml). Each is
# called as importer(chapter=..., folder=..., report=...) inside the import's transaction.
ChapterPartImporter = Callable[..., None]
chapter_part_importers: list[ChapterPartImporter] = []
# ... and what they export beside a chapter: exporter(chapter=...) -> {file name: bytes}.
ChapterPartExporter = Callable[..., dict[str, bytes]]
chapter_part_exporters: list[ChapterPartExporter] = []


def _apply_fields(instance: Any, values: dict[str, Any], report: ImportReport, label: str) -> None:
    """Save `instance` with `values` only if something differs, so a re-import is a no-op."""
    is_new = instance.pk is None
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if is_new or changed:
        instance.full_clean(validate_constraints=False)
        instance.save()
        (report.created if is_new else report.updated).append(label)
    else:
        report.unchanged += 1


@contextmanager
def _blamed_on(path: Path) -> Iterator[None]:
    """Report a model validation error as an error in the file the values came from."""
    try:
        yield
    except DjangoValidationError as error:
        raise CourseFileError(path, "; ".join(error.messages), line=1) from error


@transaction.atomic
def import_course(*, directory: Path, write: bool) -> ImportReport:
    """Create or update a course from its folder, matching course and chapters by slug and
    sections by position. Nothing is saved unless `write`; any error leaves the database as it was.

    Raises CourseFileError naming the file (and line) at fault."""
    folder = read_course_folder(directory)
    report = ImportReport()
    fields = folder.fields
    course = Course.objects.filter(slug=fields["slug"]).first() or Course()
    with _blamed_on(folder.path / "course.yaml"):
        _apply_fields(
            course,
            {
                "slug": fields["slug"],
                "title": fields["title"],
                "description": fields.get("description", "") or "",
                "published": bool(fields.get("published", False)),
            },
            report,
            f"course {fields['slug']}",
        )

    existing = {chapter.slug: chapter for chapter in course.chapters.all()}
    wanted = {c.fields["slug"]: c.fields["order"] for c in folder.chapters}
    for slug, chapter in existing.items():
        if slug not in wanted and chapter.order in wanted.values():
            raise CourseFileError(
                folder.path / "chapters",
                f"position {chapter.order} belongs to chapter '{slug}', which is not in the folder",
            )
        if slug in wanted and wanted[slug] != chapter.order:
            # Parked first, so positions can be swapped or rotated between chapters.
            _park(chapter)
    for chapter_folder in folder.chapters:
        values = chapter_folder.fields
        chapter = existing.get(values["slug"]) or Chapter(course=course)
        with _blamed_on(chapter_folder.path / "chapter.md"):
            _apply_fields(
                chapter,
                {
                    "slug": values["slug"],
                    "title": values["title"],
                    "order": values["order"],
                    "summary": chapter_folder.summary,
                    "difficulty_level": values.get("difficulty_level", "beginner"),
                    "estimated_minutes": values.get("estimated_minutes", 15),
                    "required_tier": values.get("required_tier", "free"),
                    "published": bool(values.get("published", False)),
                },
                report,
                f"chapter {values['slug']}",
            )
        _import_sections(chapter=chapter, chapter_folder=chapter_folder, report=report)
        for import_part in chapter_part_importers:
            import_part(chapter=chapter, folder=chapter_folder.path, report=report)

    if not write:
        transaction.set_rollback(True)
    return report


def _park(row: Chapter | Section) -> None:
    parked = PARKING_OFFSET + row.pk
    type(row).objects.filter(pk=row.pk).update(order=parked)
    row.order = parked


def _import_sections(
    *, chapter: Chapter, chapter_folder: ChapterFolder, report: ImportReport
) -> None:
    existing = {section.order: section for section in chapter.sections.all()}
    incoming = {section.fields["order"]: section for section in chapter_folder.sections}
    for order, section in existing.items():
        if order not in incoming:
            section.delete()
            report.deleted.append(f"section {chapter.slug}/{order}")
    for order, section_file in sorted(incoming.items()):
        section = existing.get(order) or Section(chapter=chapter)
        with _blamed_on(section_file.path):
            _apply_fields(
                section,
                {
                    "order": order,
                    "title": section_file.fields["title"],
                    "content": section_file.content,
                },
                report,
                f"section {chapter.slug}/{order}",
            )


# --- search ----------------------------------------------------------------------------------


def search_sections(*, user: User | None, query: str, offset: int, limit: int) -> dict[str, Any]:
    """One page of published sections matching `query`, best first, with the total count.

    A hit in a chapter the user's tier does not open keeps its titles but loses its snippet
    (`locked: true`), so a tutor can name where a topic is covered without revealing the text.
    Drafts never appear, not even for staff: search grounds students' answers.

    Raises NotReady on a database without a search backend."""
    result = search_published_sections(query, offset=offset, limit=limit)
    items = []
    for hit in result.hits:
        locked = not access_services.decide_access(
            user=user, required_tier=hit.required_tier
        ).allowed
        items.append(
            {
                "chapter_id": hit.chapter_id,
                "section_id": hit.section_id,
                "chapter_title": hit.chapter_title,
                "section_title": hit.section_title,
                "snippet": "" if locked else hit.snippet,
                "score": hit.score,
                "locked": locked,
                "required_tier": hit.required_tier,
            }
        )
    return {"items": items, "count": result.count}
