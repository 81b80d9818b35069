"""Progress and streak rules. The quizzes and content apps call these; they never write
progress rows themselves.

`record_activity`, `record_quiz_result` and `completed_chapter_ids` are the contract other apps
code against (quizzes → progress; progress never imports quizzes).

Race-freedom: every write for one student first locks that student's Streak row
(`_locked_streak`, which creates it race-safely), so one student's writes run one at a time. The
unique (user, day), (user, chapter) and (user, quiz_id) constraints are the guarantee
underneath: a day's second DailyActivity insert fails inside a savepoint and simply means "already
counted today".
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime
from statistics import fmean
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from access import services as access_services
from access.models import User
from content import services as content_services
from coursecompanion import shared_cache
from coursecompanion.errors import Invalid, NotFound
from coursecompanion.shared_cache import (
    bump_generation,
    forget,
    generation,
    read_stamped,
    read_through,
)
from progress.models import ChapterProgress, DailyActivity, QuizResult, Streak
from progress.streaks import StreakState, current_streak_on, local_day, next_streak

logger = logging.getLogger(__name__)

STUDENT_NOT_FOUND = "No such student."


# --- whose progress --------------------------------------------------------------------------


def access_student(*, viewer: User, user_id: str, write: bool = False) -> User:
    """The student behind `user_id` as `viewer` may see it: "me" or the viewer's own id, or for
    staff reading (never writing) any student's id.

    Raises NotFound with one identical body for anyone else's id, whether that user exists or
    not, and for a `user_id` that is neither "me" nor a number."""
    if access_services.own_account(viewer=viewer, user_id=user_id):
        return viewer
    if access_services.USER_ID.fullmatch(user_id) and viewer.is_staff and not write:
        student = User.objects.filter(pk=int(user_id)).first()
        if student is not None:
            return student
    raise NotFound(STUDENT_NOT_FOUND, code="not_found")


# --- streaks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreakView:
    current_streak: int
    longest_streak: int
    last_checkin: date | None
    checked_in_today: bool
    today: date
    timezone: str


def _locked_streak(user: User) -> Streak:
    """The student's streak row, created on first use and locked until the transaction ends.
    Every progress write takes this lock first, so one student's writes run one at a time."""
    streak = Streak.objects.select_for_update().filter(user=user).first()
    if streak is not None:
        return streak
    try:
        with transaction.atomic():
            Streak.objects.create(user=user)
    except IntegrityError:
        pass  # a concurrent first activity created it; lock that one
    return Streak.objects.select_for_update().get(user=user)


@transaction.atomic
def record_activity(*, user: User, at: datetime | None = None) -> Streak:
    """Count `at` (default: now) as activity on the student's own calendar day (the streak).

    A day counts once however often (and however concurrently) it is recorded."""
    return _count_activity(user=user, streak=_locked_streak(user), at=at or timezone.now())


def _count_day(*, user: User, day: date) -> bool:
    """Record `day` as a day with activity; False when it already was."""
    try:
        with transaction.atomic():
            DailyActivity.objects.create(user=user, day=day)
    except IntegrityError:
        return False
    return True


def _count_activity(*, user: User, streak: Streak, at: datetime) -> Streak:
    """record_activity for a caller that already holds the student's streak lock."""
    day = local_day(at, user.timezone)
    changed = []
    # The last counted day was counted by a writer under this same lock, so most activity (it
    # repeats that day) skips the insert that would fail: four statements of the savepoint.
    if streak.last_checkin != day and _count_day(user=user, day=day):
        state = next_streak(streak.state, day)
        streak.current, streak.longest, streak.last_checkin = (
            state.current,
            state.longest,
            state.last_day,
        )
        changed += ["current", "longest", "last_checkin"]
    if streak.last_activity_at is None or at > streak.last_activity_at:
        streak.last_activity_at = at
        changed.append("last_activity_at")
    if changed:
        streak.save(update_fields=[*changed, "updated_at"])
    return streak


def streak_view(*, user: User, streak: Streak | None, now: datetime | None = None) -> StreakView:
    """The streak as the student sees it today, in their own time zone."""
    today = local_day(now or timezone.now(), user.timezone)
    state = streak.state if streak is not None else StreakState()
    return StreakView(
        current_streak=current_streak_on(state, today),
        longest_streak=state.longest,
        last_checkin=state.last_day,
        checked_in_today=state.last_day is not None and state.last_day >= today,
        today=today,
        timezone=user.timezone,
    )


def get_streak(*, user: User) -> StreakView:
    """The student's streak (zeros before any activity)."""
    return streak_view(user=user, streak=Streak.objects.filter(user=user).first())


def check_in(*, user: User) -> StreakView:
    """Check the student in for today; a repeat on the same local day changes nothing."""
    now = timezone.now()
    return streak_view(user=user, streak=record_activity(user=user, at=now), now=now)


# --- quizzes ---------------------------------------------------------------------------------


def record_quiz_result(
    *, user: User, quiz_id: int, chapter_id: int, percent: float, passed: bool, at: datetime
) -> QuizResult:
    """Record a graded quiz attempt (best score, passes) and count it as the day's activity.

    Raises Invalid when `percent` is outside 0–100, before it writes anything. Inside a caller's
    transaction it takes no savepoint: a database error here fails that whole transaction."""
    if not 0 <= percent <= 100:
        raise Invalid(f"A quiz percentage must be 0–100, not {percent}.", code="invalid_percent")
    return _record_quiz_result(
        user=user, quiz_id=quiz_id, chapter_id=chapter_id, percent=percent, passed=passed, at=at
    )


# No savepoint: a submit calls this inside its own transaction and fails whole if this does,
# so a savepoint would be two more statements for a partial rollback nobody makes.
@transaction.atomic(savepoint=False)
def _record_quiz_result(
    *, user: User, quiz_id: int, chapter_id: int, percent: float, passed: bool, at: datetime
) -> QuizResult:
    streak = _locked_streak(user)
    result = QuizResult.objects.filter(user=user, quiz_id=quiz_id).first()
    if result is None:
        result = QuizResult.objects.create(
            user=user,
            quiz_id=quiz_id,
            chapter_id=chapter_id,
            best_percent=percent,
            last_percent=percent,
            attempts=1,
            passed_at=at if passed else None,
            last_at=at,
        )
    else:
        result.attempts += 1
        result.chapter_id = chapter_id
        result.best_percent = max(result.best_percent, percent)
        if at >= result.last_at:
            result.last_percent, result.last_at = percent, at
        if passed and (result.passed_at is None or at < result.passed_at):
            result.passed_at = at
        result.save()
    _count_activity(user=user, streak=streak, at=at)
    return result


@dataclass(frozen=True)
class QuizOutcome:
    """One graded attempt, as progress needs it."""

    percent: float
    passed: bool
    at: datetime


@transaction.atomic
def rebuild_quiz_result(
    *, user: User, quiz_id: int, chapter_id: int, outcomes: list[QuizOutcome]
) -> QuizResult | None:
    """Recompute a student's summary for one quiz from all their graded attempts (after a
    re-grade changed scores). Not an activity: the streak is untouched."""
    _locked_streak(user)  # like every progress write: one at a time per student
    if not outcomes:
        QuizResult.objects.filter(user=user, quiz_id=quiz_id).delete()
        return None
    last = max(outcomes, key=lambda outcome: outcome.at)
    result, _ = QuizResult.objects.update_or_create(
        user=user,
        quiz_id=quiz_id,
        defaults={
            "chapter_id": chapter_id,
            "best_percent": max(outcome.percent for outcome in outcomes),
            "last_percent": last.percent,
            "attempts": len(outcomes),
            "passed_at": min((o.at for o in outcomes if o.passed), default=None),
            "last_at": last.at,
        },
    )
    return result


# --- chapters --------------------------------------------------------------------------------


def _completed_key(user_id: int) -> str:
    return f"progress:completed:{user_id}"


shared_cache.user_request_keys.append(_completed_key)


def completed_chapter_ids(*, user: User | None) -> set[int]:
    """Ids of the chapters `user` has completed (empty for anonymous callers, without a query).
    Cached per student (every chapter read asks), and dropped whenever their progress changes."""
    if user is None or not user.is_authenticated:
        return set()

    def load() -> list[int]:
        return list(
            ChapterProgress.objects.filter(
                user=user, status=ChapterProgress.Status.COMPLETED
            ).values_list("chapter_id", flat=True)
        )

    cached = read_through(_completed_key(user.pk), load, seconds=settings.USER_CACHE_SECONDS)
    return set(cached or ())


def forget_completed_chapters(*, instance: ChapterProgress, **kwargs: Any) -> None:
    """Signal receiver: a student's progress row changed (progress/apps.py connects it)."""
    forget(_completed_key(instance.user_id))


def _published_outline() -> list[dict[str, Any]]:
    # Progress counts published chapters only, for students and staff alike; the anonymous
    # outline is exactly that, and it is served from the content cache.
    return content_services.chapter_outline(user=None)


def _published_summary(chapter_id: int) -> dict[str, Any]:
    for summary in _published_outline():
        if summary["id"] == chapter_id:
            return summary
    raise NotFound(f"Chapter {chapter_id} does not exist.", code="chapter_not_found")


@transaction.atomic
def set_chapter_status(
    *, user: User, chapter_id: int, status: str, at: datetime | None = None
) -> ChapterProgress:
    """Mark a chapter in progress or completed for the student; either counts as the day's
    activity. Completing twice keeps the first completion time. A completed chapter goes back
    to in progress only when asked for explicitly (status "in_progress").

    Raises NotFound for an unknown or unpublished chapter, AccessDenied ("chapter_locked") when
    the student's tier does not open it."""
    summary = _published_summary(chapter_id)
    content_services.require_chapter_access(user=user, summary=summary)
    at = at or timezone.now()
    completed = status == ChapterProgress.Status.COMPLETED
    # The streak lock serialises this student's writes, so the read-then-write below is safe.
    streak = _locked_streak(user)
    row = ChapterProgress.objects.filter(user=user, chapter_id=chapter_id).first()
    if row is None:
        row = ChapterProgress.objects.create(
            user=user,
            chapter_id=chapter_id,
            status=status,
            started_at=at,
            completed_at=at if completed else None,
        )
    elif completed and row.status != ChapterProgress.Status.COMPLETED:
        row.status, row.completed_at = status, at
        row.save(update_fields=["status", "completed_at", "updated_at"])
    elif not completed:
        # Reopens a completed chapter, or marks an in-progress one as the current chapter again.
        row.status, row.completed_at = status, None
        row.save(update_fields=["status", "completed_at", "updated_at"])
    _count_activity(user=user, streak=streak, at=at)
    return row


# --- the "how am I doing" overview -----------------------------------------------------------


# --- the overview ----------------------------------------------------------------------------
# Cached per student under a stamp of everything it is made of: the student's progress
# generation (bumped when any of their progress rows changes), the published outline (content
# version and live chapters), their tier and time zone, and their local day (the streak view).


def _generation_key(user_id: int) -> str:
    return f"progress:generation:{user_id}"


# Fetched with the user in the token's one round trip (coursecompanion/shared_cache.py).
shared_cache.user_request_keys.append(_generation_key)


def progress_changed(*, instance: Any, **kwargs: Any) -> None:
    """Signal receiver: one of a student's progress rows changed (progress/apps.py connects it
    for every progress model); their cached overview stops being served once it commits."""
    bump_generation(_generation_key(instance.user_id))


def progress_overview(*, student: User) -> dict[str, Any]:
    """Everything ChatGPT needs to answer "how am I doing?" in one read, in a constant number
    of queries (none when cached): chapters done and total (those the student's tier opens),
    percent, current and next recommended chapter, streak, quizzes passed and average score."""
    return stamped_progress_overview(student=student, stamp=progress_stamp(student=student))


def progress_stamp(*, student: User) -> tuple[Any, ...] | None:
    """What the student's cached overview is stamped with; it names that overview exactly, so
    whatever was rendered from it may be kept by it. None when nothing is cached."""
    if settings.USER_CACHE_SECONDS <= 0:  # no shared cache to bump a generation in
        return None
    try:
        return (
            generation(_generation_key(student.pk)),
            content_services.published_version(),
            tuple(summary["id"] for summary in _published_outline()),
            student.tier,
            student.timezone,
            local_day(timezone.now(), student.timezone),
        )
    except Exception:
        logger.warning("Cache unavailable; building the progress overview", exc_info=True)
        return None


def stamped_progress_overview(*, student: User, stamp: tuple[Any, ...] | None) -> dict[str, Any]:
    """`progress_overview` as cached under `stamp` (from `progress_stamp`, read before it)."""
    if stamp is None:
        return _overview(student)
    return read_stamped(
        f"progress:overview:{student.pk}",
        stamp,
        lambda: _overview(student),
        seconds=settings.USER_CACHE_SECONDS,
    )


class _ChapterRow(NamedTuple):
    chapter_id: int
    status: str
    started_at: datetime
    completed_at: datetime | None
    updated_at: datetime


# The overview is built on every miss (after each of the student's writes), so its chapter and
# quiz rows come as tuples of the columns it uses, and the quiz summary is counted here from
# the student's few results (one per quiz) rather than by a database aggregate, whose query
# costs more to build than those rows cost to read.
def _overview(student: User) -> dict[str, Any]:
    outline = _published_outline()
    rows = {
        row.chapter_id: row
        for row in map(
            _ChapterRow._make,
            ChapterProgress.objects.filter(user=student).values_list(*_ChapterRow._fields),
        )
    }
    streak = Streak.objects.filter(user=student).first()
    quiz_results = list(
        QuizResult.objects.filter(user=student).values_list("best_percent", "passed_at")
    )
    average = fmean(percent for percent, _ in quiz_results) if quiz_results else None

    def opens(summary: dict[str, Any]) -> bool:
        return access_services.decide_access(
            user=student, required_tier=summary["required_tier"]
        ).allowed

    def is_completed(summary: dict[str, Any]) -> bool:
        row = rows.get(summary["id"])
        return row is not None and row.status == ChapterProgress.Status.COMPLETED

    mine = [(summary, rows[summary["id"]]) for summary in outline if summary["id"] in rows]
    reachable = [summary for summary in outline if opens(summary)]
    done = sum(1 for summary in reachable if is_completed(summary))
    in_progress = [row for _, row in mine if row.status == ChapterProgress.Status.IN_PROGRESS]
    current = max(in_progress, key=lambda row: row.updated_at, default=None)
    next_up = next((s for s in reachable if not is_completed(s)), None) or next(
        (s for s in outline if not is_completed(s)), None
    )
    streak_now = streak_view(user=student, streak=streak)
    return {
        "user_id": student.pk,
        "completed_chapters": [summary["id"] for summary in outline if is_completed(summary)],
        "current_chapter_id": current.chapter_id if current else None,
        "percent_complete": round(100 * done / len(reachable), 1) if reachable else 0.0,
        "last_activity": streak.last_activity_at if streak else None,
        "chapters": [
            {
                "chapter_id": summary["id"],
                "title": summary["title"],
                "status": row.status,
                "started_at": row.started_at,
                "completed_at": row.completed_at,
            }
            for summary, row in mine
        ],
        "chapters_completed": done,
        "chapters_total": len(reachable),
        "next_recommended": (
            {**next_up, "locked": not opens(next_up), "completed": False} if next_up else None
        ),
        "streak": streak_now,
        "quizzes_attempted": len(quiz_results),
        "quizzes_passed": sum(1 for _, passed_at in quiz_results if passed_at is not None),
        "average_quiz_score": round(average, 1) if average is not None else None,
    }
