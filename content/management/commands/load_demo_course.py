from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content import course_import
from content.models import Course
from coursecompanion.errors import DomainError

DEMO_COURSE_DIR = Path(__file__).resolve().parents[2] / "demo_course"


class Command(BaseCommand):
    help = "Load the demo course shipped with the project (idempotent; dry run unless --write)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--write", action="store_true", help="Save the changes.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only into a database with no course yet (`make run`: editors' changes stay).",
        )

    def handle(self, *args, write: bool, if_empty: bool, **options) -> None:
        if if_empty and Course.objects.exists():
            self.stdout.write("The database already holds a course; the demo course is not loaded.")
            return
        try:
            report = course_import.import_course(directory=DEMO_COURSE_DIR, write=write)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Demo course: {report.counts(write=write)}.")
        if not write and report.changed:
            self.stdout.write("Dry run: nothing was saved. Pass --write to save.")
