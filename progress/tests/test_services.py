"""Progress services against the database: days, streaks, chapter status and quiz results."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import make_user
from coursecompanion.errors import AccessDenied, Invalid, NotFound
from progress import services
from progress.models import ChapterProgress, DailyActivity, QuizResult, Streak

pytestmark = pytest.mark.django_db


def local(zone: str, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def days_of(user) -> list[date]:
    return list(
        DailyActivity.objects.filter(user=user).order_by("day").values_list("day", flat=True)
    )


# --- record_activity -------------------------------------------------------------------------


def test_record_activity_tokyo_2330_and_0030_are_two_days():
    student = make_user(timezone="Asia/Tokyo")
    services.record_activity(user=student, at=local("Asia/Tokyo", 2024, 5, 10, 23, 30))
    streak = services.record_activity(user=student, at=local("Asia/Tokyo", 2024, 5, 11, 0, 30))
    assert days_of(student) == [date(2024, 5, 10), date(2024, 5, 11)]
    assert (streak.current, streak.longest, streak.last_checkin) == (2, 2, date(2024, 5, 11))


def test_record_activity_same_local_day_counts_once():
    student = make_user(timezone="Asia/Tokyo")
    services.record_activity(user=student, at=local("Asia/Tokyo", 2024, 5, 10, 0, 5))
    streak = services.record_activity(user=student, at=local("Asia/Tokyo", 2024, 5, 10, 23, 55))
    assert days_of(student) == [date(2024, 5, 10)]
    assert streak.current == 1
    assert streak.last_activity_at == local("Asia/Tokyo", 2024, 5, 10, 23, 55)


def test_record_activity_london_fall_back_two_utc_dates_one_local_day():
    student = make_user(timezone="Europe/London")
    services.record_activity(user=student, at=datetime(2024, 10, 26, 23, 30, tzinfo=UTC))
    streak = services.record_activity(user=student, at=datetime(2024, 10, 27, 23, 30, tzinfo=UTC))
    assert days_of(student) == [date(2024, 10, 27)]
    assert streak.current == 1


def test_record_activity_new_york_across_spring_forward():
    student = make_user(timezone="America/New_York")
    for day, hour in ((9, 23), (10, 23), (11, 0)):
        streak = services.record_activity(
            user=student, at=local("America/New_York", 2024, 3, day, hour, 30).astimezone(UTC)
        )
    assert streak.current == 3


def test_record_activity_year_end_and_gap_reset_keep_longest():
    student = make_user(timezone="America/Los_Angeles")
    for moment in (
        local("America/Los_Angeles", 2023, 12, 30, 20),
        local("America/Los_Angeles", 2023, 12, 31, 23, 59),
        local("America/Los_Angeles", 2024, 1, 1, 0, 1),
        local("America/Los_Angeles", 2024, 1, 3, 9),  # 2 January missed
    ):
        streak = services.record_activity(user=student, at=moment)
    assert (streak.current, streak.longest) == (1, 3)
    streak.refresh_from_db()
    assert (streak.current, streak.longest, streak.last_checkin) == (1, 3, date(2024, 1, 3))


def test_record_activity_late_earlier_day_is_recorded_but_never_rewinds_the_streak():
    student = make_user()
    services.record_activity(user=student, at=datetime(2024, 5, 1, 12, tzinfo=UTC))
    services.record_activity(user=student, at=datetime(2024, 5, 2, 12, tzinfo=UTC))
    streak = services.record_activity(user=student, at=datetime(2024, 4, 20, 12, tzinfo=UTC))
    assert (streak.current, streak.last_checkin) == (2, date(2024, 5, 2))
    assert streak.last_activity_at == datetime(2024, 5, 2, 12, tzinfo=UTC)
    assert len(days_of(student)) == 3


def test_get_streak_before_any_activity_is_zero_and_writes_nothing():
    student = make_user()
    view = services.get_streak(user=student)
    assert (view.current_streak, view.longest_streak, view.last_checkin) == (0, 0, None)
    assert view.checked_in_today is False
    assert not Streak.objects.exists()


def test_streak_view_shows_zero_once_a_day_was_missed():
    student = make_user(timezone="Asia/Tokyo")
    for day in (1, 2, 3):
        streak = services.record_activity(user=student, at=local("Asia/Tokyo", 2024, 5, day, 9))
    next_day = services.streak_view(
        user=student, streak=streak, now=local("Asia/Tokyo", 2024, 5, 4, 23, 59)
    )
    assert (next_day.current_streak, next_day.checked_in_today) == (3, False)
    broken = services.streak_view(
        user=student, streak=streak, now=local("Asia/Tokyo", 2024, 5, 5, 0, 0)
    )
    assert (broken.current_streak, broken.longest_streak) == (0, 3)


# --- record_quiz_result ----------------------------------------------------------------------


def test_record_quiz_result_keeps_best_first_pass_attempts_and_counts_the_day():
    student = make_user()
    t0 = datetime(2024, 6, 1, 10, tzinfo=UTC)
    services.record_quiz_result(
        user=student, quiz_id=7, chapter_id=3, percent=40.0, passed=False, at=t0
    )
    services.record_quiz_result(
        user=student, quiz_id=7, chapter_id=3, percent=90.0, passed=True, at=t0 + timedelta(hours=1)
    )
    result = services.record_quiz_result(
        user=student, quiz_id=7, chapter_id=3, percent=60.0, passed=True, at=t0 + timedelta(days=1)
    )
    result.refresh_from_db()
    assert result.attempts == 3
    assert result.best_percent == 90.0
    assert result.last_percent == 60.0
    assert result.passed_at == t0 + timedelta(hours=1)
    assert result.last_at == t0 + timedelta(days=1)
    assert QuizResult.objects.count() == 1
    assert days_of(student) == [date(2024, 6, 1), date(2024, 6, 2)]
    assert Streak.objects.get(user=student).current == 2


def test_record_quiz_result_rejects_percent_out_of_range():
    student = make_user()
    with pytest.raises(Invalid):
        services.record_quiz_result(
            user=student, quiz_id=1, chapter_id=1, percent=101, passed=True, at=datetime.now(UTC)
        )
    assert not QuizResult.objects.exists() and not DailyActivity.objects.exists()


def test_progress_overview_quiz_summary():
    student = make_user()
    now = datetime.now(UTC)
    services.record_quiz_result(
        user=student, quiz_id=1, chapter_id=1, percent=80, passed=True, at=now
    )
    services.record_quiz_result(
        user=student, quiz_id=1, chapter_id=1, percent=100, passed=True, at=now
    )
    services.record_quiz_result(
        user=student, quiz_id=2, chapter_id=2, percent=45, passed=False, at=now
    )
    overview = services.progress_overview(student=student)
    assert overview["quizzes_attempted"] == 2
    assert overview["quizzes_passed"] == 1
    assert overview["average_quiz_score"] == 72.5  # (100 + 45) / 2: best score per quiz


# --- chapters --------------------------------------------------------------------------------


def test_completed_chapter_ids_anonymous_needs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.completed_chapter_ids(user=None) == set()


def test_completed_chapter_ids_lists_only_completed(course, django_assert_num_queries):
    student = make_user()
    services.set_chapter_status(user=student, chapter_id=course["one"].id, status="completed")
    services.set_chapter_status(user=student, chapter_id=course["two"].id, status="in_progress")
    with django_assert_num_queries(1):
        assert services.completed_chapter_ids(user=student) == {course["one"].id}


def test_set_chapter_status_complete_twice_keeps_first_completion(course):
    student = make_user()
    first = datetime(2024, 6, 1, 10, tzinfo=UTC)
    services.set_chapter_status(
        user=student, chapter_id=course["one"].id, status="completed", at=first
    )
    row = services.set_chapter_status(
        user=student, chapter_id=course["one"].id, status="completed", at=first + timedelta(days=1)
    )
    assert (row.status, row.completed_at, row.started_at) == ("completed", first, first)
    assert ChapterProgress.objects.count() == 1
    # Both calls were activity, on two days.
    assert Streak.objects.get(user=student).current == 2


def test_set_chapter_status_explicit_in_progress_reopens(course):
    student = make_user()
    services.set_chapter_status(user=student, chapter_id=course["one"].id, status="completed")
    row = services.set_chapter_status(
        user=student, chapter_id=course["one"].id, status="in_progress"
    )
    row.refresh_from_db()
    assert (row.status, row.completed_at) == ("in_progress", None)


def test_set_chapter_status_locked_chapter_is_refused_and_records_nothing(course):
    student = make_user()
    with pytest.raises(AccessDenied) as raised:
        services.set_chapter_status(user=student, chapter_id=course["three"].id, status="completed")
    assert raised.value.code == "chapter_locked"
    assert raised.value.details["required_tier"] == "premium"
    assert not ChapterProgress.objects.exists() and not DailyActivity.objects.exists()


@pytest.mark.parametrize("which", ["draft", "missing"])
def test_set_chapter_status_unknown_or_unpublished_is_not_found(course, which):
    chapter_id = course["draft"].id if which == "draft" else 999_999
    with pytest.raises(NotFound):
        services.set_chapter_status(user=make_user(), chapter_id=chapter_id, status="completed")
    assert not ChapterProgress.objects.exists()


# --- access_student --------------------------------------------------------------------------


def test_access_student_rules(staff_user):
    alice = make_user("alice@example.com")
    bob = make_user("bob@example.com")
    assert services.access_student(viewer=alice, user_id="me") == alice
    assert services.access_student(viewer=alice, user_id=str(alice.pk)) == alice
    assert services.access_student(viewer=staff_user, user_id=str(alice.pk)) == alice
    refused = [
        (alice, str(bob.pk), False),
        (alice, "999999", False),
        (alice, "abc", False),
        (alice, "-1", False),
        (alice, "9" * 40, False),
        (alice, "Me", False),
        (staff_user, str(alice.pk), True),  # staff read, never write, others' progress
        (staff_user, "999999", False),
    ]
    for viewer, user_id, write in refused:
        with pytest.raises(NotFound) as raised:
            services.access_student(viewer=viewer, user_id=user_id, write=write)
        assert (raised.value.code, raised.value.message) == ("not_found", "No such student.")
