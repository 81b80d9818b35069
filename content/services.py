"""Reading published course content (cached) and the writes editors and importers make."""

import hashlib
import logging
import mimetypes
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.encoding import filepath_to_uri
from django.utils.text import slugify

from access import services as access_services
from access.models import User
from access.tiers import Tier
from content.course_files import (
    ChapterFolder,
    CourseFileError,
    CourseFolder,
    MediaEntry,
    read_course_folder,
)
from content.models import Chapter, Course, MediaAsset, Section
from content.search import parse_query, search_published_sections
from coursecompanion import shared_cache
from coursecompanion.errors import NotFound, NotReady
from coursecompanion.shared_cache import VersionedLocalCache

logger = logging.getLogger(__name__)

T = TypeVar("T")
CONTENT_VERSION_KEY = "content:version"
# Rows being renumbered are parked above any real position first, so swapping two positions
# never trips the unique (parent, order) constraints halfway through.
PARKING_OFFSET = 1_000_000
# Sections show an asset by its stable name: ![alt text](media:name) or [label](media:name), or a
# reference definition "[label]: media:name". The text is never rewritten; the API sends the
# name → URL map beside it.
MEDIA_REFERENCE = re.compile(
    r"(?:\]\(\s*<?|^[ ]{0,3}\[[^\]]+\]:[ \t]*<?)media:([-a-zA-Z0-9_]+)", re.MULTILINE
)


def storage_errors() -> tuple[type[Exception], ...]:
    """What a storage backend raises when it cannot store or read a file (local disk, S3/R2).
    boto's errors only once boto is loaded (the R2 storage loads it): importing it just for
    these names would cost every worker some 25 MiB."""
    if "botocore" not in sys.modules:
        return (OSError,)
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (OSError, BotoCoreError, ClientError, Boto3Error)


class MediaStorageError(NotReady):
    code = "storage_unavailable"


# --- cache -----------------------------------------------------------------------------------


def _fresh_version() -> int:
    # A lost version key (evicted, or a flushed Redis) must never restart at a number that old
    # entries still carry: start from the clock, which only moves forward.
    return time.time_ns() // 1000


def bump_content_version() -> None:
    """Invalidate every cached piece of published content at once."""
    try:
        cache.incr(CONTENT_VERSION_KEY)
    except ValueError:
        cache.set(CONTENT_VERSION_KEY, _fresh_version(), None)
    except Exception:
        logger.warning("Could not bump the content cache version", exc_info=True)


# Published content in each process, checked against the shared version once per request: a
# chapter read costs one cache round trip, not four, and an edit reaches every worker on its
# next request.
content_cache = VersionedLocalCache(
    prefix="content", version_key=CONTENT_VERSION_KEY, new_version=_fresh_version
)
shared_cache.user_request_keys.append(lambda user_id: CONTENT_VERSION_KEY)


def _cached(key: str, build: Callable[[], T]) -> T:
    """Published content from the cache, built on a miss. A cache outage falls back to the
    database: content reads fail open."""
    return content_cache.get(key, build, seconds=settings.CONTENT_CACHE_SECONDS)


def _is_staff(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_staff


def _read(user: User | None, key: str, build: Callable[[], T]) -> T:
    # Staff may see drafts, so their reads never touch the shared published-content cache.
    return build() if _is_staff(user) else _cached(key, build)


def read_published(*, user: User | None, key: str, build: Callable[[], T]) -> T:
    """Published content of any app (quizzes), through the content cache: `build` runs on a
    miss, and for staff (who may see drafts) every time. Its entries go stale with the content
    version, so whatever `build` reads must bump it when saved (content/signals.py)."""
    return _read(user, key, build)


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


def with_lock_state(summary: dict[str, Any], *, user: User | None) -> dict[str, Any]:
    """A chapter summary with `locked` set for this user's tier."""
    allowed = access_services.decide_access(user=user, required_tier=summary["required_tier"])
    return {**summary, "locked": not allowed.allowed}


def list_chapters(*, user: User | None) -> list[dict[str, Any]]:
    """The chapter outline with `locked` set for this user's tier."""
    return [with_lock_state(summary, user=user) for summary in chapter_outline(user=user)]


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
        sections = list(Section.objects.filter(chapter_id=chapter_id).order_by("order"))
        media = list(MediaAsset.objects.filter(chapter_id=chapter_id).order_by("title", "id"))
        names = media_references(*(section.content for section in sections))
        # The chapter's first quiz, through the reverse relation the quizzes app declares.
        quizzes = Chapter(pk=chapter_id).quizzes.order_by("id")
        if not _is_staff(user):
            quizzes = quizzes.filter(published=True)
        return {
            "quiz_id": quizzes.values_list("id", flat=True).first(),
            "sections": [
                {"id": s.id, "title": s.title, "order": s.order, "content": s.content}
                for s in sections
            ],
            "media": [media_summary(asset) for asset in media],
            "referenced_media": _referenced_media(names, chapter_id=chapter_id, known=media),
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
        names = media_references(section.content)
        return {
            "id": section.id,
            "chapter_id": section.chapter_id,
            "title": section.title,
            "order": section.order,
            "content": section.content,
            "chapter": chapter_summary(section.chapter),
            "referenced_media": _referenced_media(names, chapter_id=section.chapter_id),
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
        "name": asset.name,
        "public": asset.public,
        "title": asset.title,
        "alt_text": asset.alt_text,
        "content_type": asset.content_type,
        "size": asset.size,
        "sha256": asset.sha256,
        "file_name": asset.file.name,
    }


def media_references(*texts: str) -> list[str]:
    """The asset names the Markdown `texts` reference as media:<name>, in first-seen order."""
    names: dict[str, None] = {}
    for text in texts:
        for match in MEDIA_REFERENCE.finditer(text):
            names.setdefault(match.group(1))
    return list(names)


def _referenced_media(
    names: list[str], *, chapter_id: int, known: Iterable[MediaAsset] = ()
) -> list[dict[str, Any]]:
    """Summaries of the referenced assets a reader of this chapter may see: the chapter's own and
    the course-wide ones (attached to no chapter). Another chapter's asset is never resolved, so a
    free section cannot leak a premium chapter's media. Unknown names are left out."""
    found = {asset.name: asset for asset in known if asset.name in names}
    missing = [name for name in names if name not in found]
    if missing:
        others = MediaAsset.objects.filter(name__in=missing).filter(
            Q(chapter_id=chapter_id) | Q(chapter__isnull=True)
        )
        found.update({asset.name: asset for asset in others})
    return [media_summary(found[name]) for name in names if name in found]


def media_url(summary: dict[str, Any]) -> str:
    """A URL for one asset, made per request: public assets through R2_PUBLIC_DOMAIN, unsigned;
    everything else from the storage (on R2 a presigned URL valid R2_URL_EXPIRE_SECONDS; locally
    a /media/ path)."""
    domain = settings.R2_PUBLIC_DOMAIN
    if summary["public"] and domain and settings.R2_ENABLED:
        base = domain if "://" in domain else f"https://{domain}"
        return f"{base}/{filepath_to_uri(summary['file_name'])}"
    return default_storage.url(summary["file_name"])


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def save_sections(*, chapter: Chapter, sections: Iterable[Section]) -> None:
    """Save a chapter's edited sections, allowing positions to be swapped or rotated."""
    sections = list(sections)
    park_positions(Section.objects.filter(chapter=chapter, pk__in=[s.pk for s in sections if s.pk]))
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


def unique_media_name(title: str, *, exclude_pk: int | None = None) -> str:
    """A free asset name made from `title` ("diagram", then "diagram-2", ...)."""
    base = slugify(title)[:90] or "asset"
    taken = set(
        MediaAsset.objects.filter(name__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("name", flat=True)
    )
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


def delete_stored_file(name: str) -> None:
    """Remove a file from the storage; a failure is logged, never raised (the row is gone)."""
    try:
        default_storage.delete(name)
    except storage_errors():
        logger.warning("Could not delete %s from the media storage", name, exc_info=True)


def _store_asset_file(asset: MediaAsset, save: Callable[[], None]) -> None:
    try:
        save()
    except storage_errors() as error:
        logger.warning("Media storage failed while saving %s", asset.title, exc_info=True)
        raise MediaStorageError(
            f"The media storage did not accept the file ({type(error).__name__}); "
            "nothing was saved. Try again later.",
            details={"error": type(error).__name__},
        ) from error


@transaction.atomic
def save_media_asset(*, asset: MediaAsset, file_changed: bool) -> MediaAsset:
    """Save an asset an editor uploaded or edited; a replaced file is deleted after the commit.

    Raises MediaStorageError when the storage refuses the file: the caller's transaction then
    rolls back, so no row is created and an existing row keeps its old file."""
    if not asset.name:
        asset.name = unique_media_name(asset.title, exclude_pk=asset.pk)
    old_name = None
    if file_changed:
        fill_media_metadata(asset)
        if asset.pk is not None:
            old_name = MediaAsset.objects.filter(pk=asset.pk).values_list("file", flat=True).first()
    _store_asset_file(asset, asset.save)
    if old_name and old_name != asset.file.name:
        transaction.on_commit(partial(delete_stored_file, old_name))
    return asset


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

    def counts(self, *, write: bool) -> str:
        verb = "" if write else "would be "
        return (
            f"{len(self.created)} {verb}created, {len(self.updated)} {verb}updated, "
            f"{len(self.deleted)} {verb}deleted, {self.unchanged} unchanged"
        )


# Other apps add what they keep beside a chapter (the quizzes app reads quiz.yaml). Each is
# called as importer(chapter=..., folder=..., report=...) inside the import's transaction.
ChapterPartImporter = Callable[..., None]
chapter_part_importers: list[ChapterPartImporter] = []
# ... and what they export beside a chapter: exporter(chapter=...) -> {file name: bytes}.
ChapterPartExporter = Callable[..., dict[str, bytes]]
chapter_part_exporters: list[ChapterPartExporter] = []


def save_if_changed(
    instance: Any, values: dict[str, Any], report: ImportReport, label: str
) -> None:
    """Save `instance` with `values` only if something differs, so a re-import is a no-op
    (importers of other apps use it too)."""
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
def _blamed_on(path: Path, line: int = 1) -> Iterator[None]:
    """Report a model validation error as an error in the file the values came from."""
    try:
        yield
    except DjangoValidationError as error:
        raise CourseFileError(path, "; ".join(error.messages), line=line) from error


def import_course(*, directory: Path, write: bool) -> ImportReport:
    """Create or update a course from its folder, matching course, chapters and media by slug or
    name and sections by position. Nothing is saved unless `write`; any error leaves the database
    as it was, and media files stored by the failed run are removed again.

    Raises CourseFileError naming the file (and line) at fault, MediaStorageError when the
    storage refuses a media file."""
    stored: list[str] = []
    try:
        return _import_course(directory=directory, write=write, stored=stored)
    except BaseException:
        for name in stored:
            delete_stored_file(name)
        raise


@transaction.atomic
def _import_course(*, directory: Path, write: bool, stored: list[str]) -> ImportReport:
    # Every file is read and checked (front matter, manifest, media hashes) before any write.
    folder = read_course_folder(directory)
    report = ImportReport()
    fields = folder.fields
    course = Course.objects.filter(slug=fields["slug"]).first() or Course()
    with _blamed_on(folder.path / "course.yaml"):
        save_if_changed(
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
    chapters: dict[str, Chapter] = {}
    for chapter_folder in folder.chapters:
        values = chapter_folder.fields
        chapter = existing.get(values["slug"]) or Chapter(course=course)
        chapters[values["slug"]] = chapter
        with _blamed_on(chapter_folder.path / "chapter.md"):
            save_if_changed(
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
    # Media last: files reach the storage only once everything else has been accepted.
    _import_media(
        course=course, folder=folder, chapters=chapters, report=report, write=write, stored=stored
    )

    if not write:
        transaction.set_rollback(True)
    return report


def park_positions(rows: QuerySet) -> None:
    """Move `rows` (models with an `order`) above every real position in one statement, so
    positions can then be swapped or rotated without tripping a unique (parent, order)
    constraint halfway through. Used by every app that renumbers children."""
    rows.update(order=F("pk") + PARKING_OFFSET)


def _park(row: Chapter | Section) -> None:
    park_positions(type(row).objects.filter(pk=row.pk))
    row.order = PARKING_OFFSET + row.pk


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
            save_if_changed(
                section,
                {
                    "order": order,
                    "title": section_file.fields["title"],
                    "content": section_file.content,
                },
                report,
                f"section {chapter.slug}/{order}",
            )


def _import_media(
    *,
    course: Course,
    folder: CourseFolder,
    chapters: dict[str, Chapter],
    report: ImportReport,
    write: bool,
    stored: list[str],
) -> None:
    """Create or update the assets of media/manifest.yaml, matched by name. A file is stored only
    when new or changed (by sha256), and only when `write`: a dry run never touches the storage.
    Assets missing from the manifest are kept (files are removed in the admin, deliberately)."""
    existing = {
        asset.name: asset
        for asset in MediaAsset.objects.filter(
            name__in=[e.name for e in folder.media]
        ).select_related("chapter")
    }
    for entry in folder.media:
        asset = existing.get(entry.name)
        if asset is not None and asset.chapter is not None and asset.chapter.course_id != course.id:
            raise CourseFileError(
                entry.manifest,
                f"media name '{entry.name}' already belongs to another course",
                line=entry.line,
            )
        asset = asset or MediaAsset()
        values = {
            "name": entry.name,
            "title": entry.title,
            "alt_text": entry.alt_text,
            "chapter": chapters[entry.chapter] if entry.chapter else None,
            "public": entry.public,
            "content_type": entry.content_type
            or mimetypes.guess_type(entry.path.name)[0]
            or "application/octet-stream",
        }
        changed = [name for name, value in values.items() if getattr(asset, name) != value]
        new_file = asset.pk is None or asset.sha256 != entry.sha256 or not asset.file
        if asset.pk is not None and not changed and not new_file:
            report.unchanged += 1
            continue
        (report.created if asset.pk is None else report.updated).append(f"media {entry.name}")
        if not write:
            continue
        for name in changed:
            setattr(asset, name, values[name])
        if new_file:
            _replace_file(asset, entry, stored)
        with _blamed_on(entry.manifest, entry.line):
            asset.full_clean(validate_constraints=False)
        asset.save()


def _replace_file(asset: MediaAsset, entry: MediaEntry, stored: list[str]) -> None:
    old_name = asset.file.name if asset.pk is not None else None
    with entry.path.open("rb") as handle:
        upload = File(handle, name=entry.path.name)
        _store_asset_file(asset, partial(asset.file.save, entry.path.name, upload, save=False))
    stored.append(asset.file.name)
    asset.size = entry.path.stat().st_size
    asset.sha256 = entry.sha256
    if old_name:
        transaction.on_commit(partial(delete_stored_file, old_name))


# --- access checks ---------------------------------------------------------------------------


def chapter_required_tier(chapter_id: int) -> str:
    """The tier that opens a published chapter (for /access/check "chapter:<id>").

    Raises NotFound for an unknown or unpublished chapter."""
    outline = chapter_outline(user=None)
    return outline[_find_in_outline(outline, chapter_id)]["required_tier"]


def section_required_tier(section_id: int) -> str:
    """The tier that opens a published section: its chapter's (for "section:<id>").

    Raises NotFound for an unknown or unpublished section."""
    required = (
        Section.objects.visible_to(None)
        .filter(pk=section_id)
        .values_list("chapter__required_tier", flat=True)
        .first()
    )
    if required is None:
        raise NotFound(f"Section {section_id} does not exist.", code="section_not_found")
    return required


# --- search ----------------------------------------------------------------------------------


def search_sections(*, user: User | None, query: str, offset: int, limit: int) -> dict[str, Any]:
    """One page of published sections matching `query`, best first, with the total count.

    A hit in a chapter the user's tier does not open keeps its titles but loses its snippet
    (`locked: true`), so a tutor can name where a topic is covered without revealing the text.
    Drafts never appear, not even for staff: search grounds students' answers.

    Raises NotReady on a database without a search backend."""
    open_tiers = [
        tier.value
        for tier in Tier
        if access_services.decide_access(user=user, required_tier=tier).allowed
    ]
    # Cached by what the query means (parsed: case, punctuation and stop words do not count),
    # the tiers it may read, the page and, through the content cache, the content version.
    meaning = repr((parse_query(query), open_tiers, offset, limit))
    result = _cached(
        f"search:{hashlib.sha256(meaning.encode()).hexdigest()}",
        lambda: search_published_sections(query, offset=offset, limit=limit, open_tiers=open_tiers),
    )
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
