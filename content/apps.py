from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Course content"

    def ready(self) -> None:
        from access.services import register_resource
        from content import services, signals  # noqa: F401  (signals: cache invalidation on edits)

        # /access/check answers for "chapter:<id>" and "section:<id>".
        register_resource("chapter", services.chapter_required_tier)
        register_resource("section", services.section_required_tier)
