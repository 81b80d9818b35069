from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from progress.models import ChapterProgress
        from progress.services import forget_completed_chapters

        for signal in (post_save, post_delete):
            # Any change (the API, the admin, a cascade) drops the student's cached set.
            signal.connect(
                forget_completed_chapters,
                sender=ChapterProgress,
                dispatch_uid=f"progress-completed-{signal is post_save}",
            )
