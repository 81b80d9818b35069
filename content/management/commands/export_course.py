from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content import course_export
from coursecompanion.errors import DomainError


class Command(BaseCommand):
    help = (
        "Export a course as a folder of Markdown + YAML files (and its media with a sha256 "
        "manifest), ready for git and for import_course. Dry run unless --write."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="The course's slug.")
        parser.add_argument("directory", type=Path, help="Folder to write (created if missing).")
        parser.add_argument("--write", action="store_true", help="Write the files.")

    def handle(self, *args, slug: str, directory: Path, write: bool, **options) -> None:
        try:
            report = course_export.export_course(slug=slug, directory=directory, write=write)
        except DomainError as error:
            raise CommandError(error.message) from error
        for warning in report.warnings:
            self.stderr.write(f"Warning: {warning}")
        verb = "" if write else "would be "
        for path in report.written:
            self.stdout.write(f"  {verb}written  {path}")
        for path in report.removed:
            self.stdout.write(f"  {verb}removed  {path}")
        self.stdout.write(
            f"Course {slug} → {directory}: {len(report.written)} file(s) {verb}written, "
            f"{len(report.removed)} {verb}removed, {report.unchanged} unchanged."
        )
        if not write and report.changed:
            self.stdout.write("Dry run: nothing was written. Pass --write to write.")
