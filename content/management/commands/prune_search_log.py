from django.conf import settings
from django.core.management.base import BaseCommand

from content import search_log


class Command(BaseCommand):
    help = (
        "Delete search-gap and access-log rows older than SEARCH_LOG_DAYS "
        "(the staff dashboard's data). Safe to run daily."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="Keep this many days instead of SEARCH_LOG_DAYS."
        )

    def handle(self, *args, days: int | None, **options) -> None:
        kept = settings.SEARCH_LOG_DAYS if days is None else days
        searches, accesses = search_log.prune(days=kept)
        self.stdout.write(
            f"Deleted {searches} search-log and {accesses} access-log row(s) older than "
            f"{kept} day(s)."
        )
