"""Progress and streak rules. The quizzes and content apps call these; they never write
progress rows themselves.

The signatures below are the contract other apps code against; the progress issue implements them.
"""

from datetime import datetime

from access.models import User


def record_activity(*, user: User, at: datetime | None = None) -> None:
    """Count `at` (default: now) as activity on the student's own calendar day (the streak)."""


def record_quiz_result(
    *, user: User, quiz_id: int, chapter_id: int, percent: float, passed: bool, at: datetime
) -> None:
    """Record a graded quiz attempt (best score, passes) and count it as the day's activity."""


def completed_chapter_ids(*, user: User | None) -> set[int]:
    """Ids of the chapters `user` has completed (empty for anonymous callers)."""
    return set()
