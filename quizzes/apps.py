from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"

    def ready(self) -> None:
        from access import services as access_services
        from content import course_export, course_import
        from quizzes import (
            course_files,
            services,
            signals,  # noqa: F401  (chapter cache invalidation on quiz edits)
        )

        access_services.register_resource("quiz", services.required_tier_of)
        # ready() may run more than once (tests, reloads): register each hook once.
        if course_files.import_quiz not in course_import.chapter_part_importers:
            course_import.chapter_part_importers.append(course_files.import_quiz)
        if course_files.export_quiz not in course_export.chapter_part_exporters:
            course_export.chapter_part_exporters.append(course_files.export_quiz)
