from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from progress.models import ChapterProgress, DailyActivity, QuizResult, Streak
        from progress.services import forget_completed_chapters, progress_changed

        for signal in (post_save, post_delete):
            # Any change (the API, the admin, a cascade) drops the student's cached set.
            signal.connect(
                forget_completed_chapters,
                sender=ChapterProgress,
                dispatch_uid=f"progress-completed-{signal is post_save}",
            )
            # ... and makes their cached overview stale.
            for model in (ChapterProgress, DailyActivity, QuizResult, Streak):
                signal.connect(
                    progress_changed,
                    sender=model,
                    dispatch_uid=f"progress-overview-{model.__name__}-{signal is post_save}",
                )
