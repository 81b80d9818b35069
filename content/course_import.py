"""Importing a course folder (course_files.py reads it) into the database; course_export.py
writes one. Other apps import what they keep beside a chapter through chapter_part_importers."""

import mimetypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files import File
from django.db import transaction

from content.course_files import (
    ChapterFolder,
    CourseFileError,
    CourseFolder,
    MediaEntry,
    read_course_folder,
)
from content.media import delete_stored_file, store_asset_file
from content.models import Chapter, Course, MediaAsset, Section
from coursecompanion.rows import PARKING_OFFSET, ImportReport, park_positions, save_if_changed

# Other apps add what they keep beside a chapter (the quizzes app reads quiz.yaml). Each is
# called as importer(chapter=..., folder=..., report=...) inside the import's transaction.
ChapterPartImporter = Callable[..., None]
chapter_part_importers: list[ChapterPartImporter] = []


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
        store_asset_file(asset, partial(asset.file.save, entry.path.name, upload, save=False))
    stored.append(asset.file.name)
    asset.size = entry.path.stat().st_size
    asset.sha256 = entry.sha256
    if old_name:
        transaction.on_commit(partial(delete_stored_file, old_name))
