from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from content.cache import bump_content_version
from content.search_index import (
    SUPPORTED_VENDORS,
    indexed_section_count,
    rebuild_search_index,
)


class Command(BaseCommand):
    help = (
        "Recreate missing search-index objects and refill the index from the content tables. "
        "Changes no content, so it runs without --write; safe to repeat."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args, database: str, **options) -> None:
        connection = connections[database]
        if connection.vendor not in SUPPORTED_VENDORS:
            raise CommandError(f"Search has no index on {connection.vendor}.")
        with transaction.atomic(using=database):
            rebuild_search_index(connection)
            count = indexed_section_count(connection)
        # Cached search results came from the old index.
        bump_content_version()
        self.stdout.write(f"Search index rebuilt: {count} section(s) indexed.")
