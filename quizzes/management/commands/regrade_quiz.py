from django.core.management.base import BaseCommand, CommandError

from coursecompanion.errors import DomainError
from quizzes import services


class Command(BaseCommand):
    help = "Re-grade every attempt at a quiz after its answer key changed (dry run unless --write)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("quiz_slug", help="The quiz's slug.")
        parser.add_argument("--write", action="store_true", help="Save the new results.")

    def handle(self, *args, quiz_slug: str, write: bool, **options) -> None:
        try:
            changes = services.regrade_attempts(quiz_slug=quiz_slug, write=write)
        except DomainError as error:
            raise CommandError(error.message) from error
        for change in changes:
            self.stdout.write(
                f"attempt {change.attempt_id} ({change.user_email}): "
                f"{change.old_percent:g}% -> {change.new_percent:g}%"
                + (
                    f", passed {change.old_passed} -> {change.new_passed}"
                    if change.old_passed != change.new_passed
                    else ""
                )
            )
        verb = "updated" if write else "would change"
        self.stdout.write(f"{len(changes)} attempt(s) {verb}.")
        if changes and not write:
            self.stdout.write("Dry run: nothing was saved. Pass --write to save.")
