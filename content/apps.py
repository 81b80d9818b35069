from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using: str, **kwargs) -> None:
    from django.db import connections

    from content.search_index import ensure_search_index

    ensure_search_index(connections[using])


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Course content"

    def ready(self) -> None:
        from access.services import register_resource
        from content import services, signals  # noqa: F401  (signals: cache invalidation on edits)

        # /access/check answers for "chapter:<id>" and "section:<id>".
        register_resource("chapter", services.chapter_required_tier)
        register_resource("section", services.section_required_tier)

        # SQLite's table rebuilds (how Django alters a table there) drop the search triggers.
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="content-search")
