from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"

    def ready(self) -> None:
        from access import services as access_services
        from content import services as content_services
        from quizzes import (
            course_files,
            services,
            signals,  # noqa: F401  (chapter cache invalidation on quiz edits)
        )

        access_services.register_resource("quiz", services.required_tier_of)
        # ready() may run more than once (tests, reloads): register each hook once.
        if course_files.import_quiz not in content_services.chapter_part_importers:
            content_services.chapter_part_importers.append(course_files.import_quiz)
        if course_files.export_quiz not in content_services.chapter_part_exporters:
            content_services.chapter_part_exporters.append(course_files.export_quiz)
