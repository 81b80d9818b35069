from django.conf import settings
from django.db import models
from django.db.models import Q

from content.models import Chapter
from coursecompanion.models import TimestampedModel
from progress.streaks import StreakState


class ChapterProgress(TimestampedModel):
    """Where one student stands on one chapter."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chapter_progress"
    )
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(max_length=16, choices=Status.choices)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "chapter progress"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "chapter"], name="chapterprogress_unique_user_chapter"
            ),
            models.CheckConstraint(
                condition=Q(status="completed", completed_at__isnull=False)
                | Q(status="in_progress", completed_at__isnull=True),
                name="chapterprogress_completed_at_iff_completed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · chapter {self.chapter_id} · {self.status}"


class Streak(TimestampedModel):
    """A student's daily streak; `last_checkin` is a day in the student's own time zone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="streak"
    )
    current = models.PositiveIntegerField(default=0)
    longest = models.PositiveIntegerField(default=0)
    last_checkin = models.DateField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(longest__gte=models.F("current")), name="streak_longest_ge_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.current} day(s) (longest {self.longest})"

    @property
    def state(self) -> StreakState:
        return StreakState(current=self.current, longest=self.longest, last_day=self.last_checkin)


class DailyActivity(models.Model):
    """One row per student and local calendar day with any activity: a day never counts twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_activity"
    )
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "daily activity"
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="dailyactivity_unique_user_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.day}"


class QuizResult(TimestampedModel):
    """A student's summary for one quiz, kept by `record_quiz_result`. `quiz_id` and
    `chapter_id` are plain integers: progress never imports the quizzes app."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_results"
    )
    quiz_id = models.PositiveBigIntegerField()
    chapter_id = models.PositiveBigIntegerField(null=True, blank=True)
    best_percent = models.FloatField()
    last_percent = models.FloatField()
    attempts = models.PositiveIntegerField(default=1)
    passed_at = models.DateTimeField(null=True, blank=True, help_text="First passing attempt.")
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz_id"], name="quizresult_unique_user_quiz"),
            models.CheckConstraint(
                condition=Q(best_percent__gte=0, best_percent__lte=100),
                name="quizresult_best_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · quiz {self.quiz_id} · best {self.best_percent:g}%"
