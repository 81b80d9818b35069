from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content import course_import
from coursecompanion.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create or update a course from its folder (as written by export_course), in one "
        "transaction; a malformed file aborts with its name and line. Dry run unless --write."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, help="The course folder (with course.yaml).")
        parser.add_argument("--write", action="store_true", help="Save the changes.")

    def handle(self, *args, directory: Path, write: bool, **options) -> None:
        try:
            report = course_import.import_course(directory=directory, write=write)
        except DomainError as error:
            raise CommandError(error.message) from error
        verb = "" if write else "would be "
        for label in report.created:
            self.stdout.write(f"  {verb}created  {label}")
        for label in report.updated:
            self.stdout.write(f"  {verb}updated  {label}")
        for label in report.deleted:
            self.stdout.write(f"  {verb}deleted  {label}")
        self.stdout.write(f"Course from {directory}: {report.counts(write=write)}.")
        if not write and report.changed:
            self.stdout.write("Dry run: nothing was saved. Pass --write to save.")
