"""Read-only figures for operators (`manage.py stats`). Built from the progress app's own tables,
so it needs nothing from the quizzes app (the dependency runs quizzes -> progress)."""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from access.models import User
from access.tiers import Tier
from progress.models import ChapterProgress, DailyActivity, QuizResult


@dataclass(frozen=True)
class CourseStats:
    students_per_tier: dict[str, int]
    students_total: int
    active_last_7_days: int
    active_last_30_days: int
    chapters_completed: int
    completions_per_chapter: dict[str, int] = field(default_factory=dict)
    quiz_attempts: int = 0
    quizzes_attempted: int = 0
    quizzes_passed: int = 0

    @property
    def quiz_pass_rate(self) -> float | None:
        """Share of (student, quiz) pairs attempted that were passed, in percent."""
        if not self.quizzes_attempted:
            return None
        return round(100 * self.quizzes_passed / self.quizzes_attempted, 1)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "quiz_pass_rate": self.quiz_pass_rate}


def course_stats(*, today: date | None = None) -> CourseStats:
    """Students per tier, recent activity, completions and quiz pass rate (staff excluded)."""
    today = today or timezone.localdate()
    students = User.objects.filter(is_staff=False, is_active=True)
    per_tier = dict(students.values_list("tier").annotate(n=Count("id")).order_by())
    student = {"user__is_staff": False, "user__is_active": True}
    activity = DailyActivity.objects.filter(**student)
    # Activity days are each student's local day; one day of slack covers every time zone.
    active = activity.aggregate(
        last_7=Count("user", distinct=True, filter=Q(day__gte=today - timedelta(days=7))),
        last_30=Count("user", distinct=True, filter=Q(day__gte=today - timedelta(days=30))),
    )
    completed = ChapterProgress.objects.filter(status=ChapterProgress.Status.COMPLETED, **student)
    # Chapter slugs are unique within a course only: report them as "course/chapter".
    per_chapter = {
        f"{course}/{chapter}": n
        for course, chapter, n in completed.values_list("chapter__course__slug", "chapter__slug")
        .annotate(n=Count("id"))
        .order_by("chapter__course__slug", "chapter__order")
    }
    quizzes = QuizResult.objects.filter(**student).aggregate(
        pairs=Count("id"),
        passed=Count("id", filter=Q(passed_at__isnull=False)),
        attempts=Sum("attempts"),
    )
    return CourseStats(
        students_per_tier={tier.value: per_tier.get(tier.value, 0) for tier in Tier},
        students_total=sum(per_tier.values()),
        active_last_7_days=active["last_7"],
        active_last_30_days=active["last_30"],
        chapters_completed=sum(per_chapter.values()),
        completions_per_chapter=per_chapter,
        quiz_attempts=quizzes["attempts"] or 0,
        quizzes_attempted=quizzes["pairs"],
        quizzes_passed=quizzes["passed"],
    )
