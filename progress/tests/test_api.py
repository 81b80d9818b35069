"""Progress and streaks over HTTP: /progress/{user_id}, /streaks/{user_id}[/checkin]."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from access.tiers import Tier
from conftest import assert_error, bearer_client, make_user
from coursecompanion.tests.factories import ChapterFactory, CourseFactory
from progress import services
from progress.models import ChapterProgress, DailyActivity, Streak

pytestmark = pytest.mark.django_db


def progress_url(user_id="me") -> str:
    return reverse("api:getProgress", kwargs={"user_id": user_id})


def streak_url(user_id="me") -> str:
    return reverse("api:getStreak", kwargs={"user_id": user_id})


def checkin_url(user_id="me") -> str:
    return reverse("api:checkIn", kwargs={"user_id": user_id})


def put(client: Client, user_id="me", **body):
    return client.put(progress_url(user_id), body, content_type="application/json")


def local(zone: str, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def checkin_at(student, moment: datetime) -> dict:
    # The token is issued at the frozen moment too, so it is valid whatever the date.
    with time_machine.travel(moment, tick=False):
        response = bearer_client(student).post(checkin_url())
    assert response.status_code == 200, response.content
    return response.json()


def streak_at(student, moment: datetime) -> dict:
    with time_machine.travel(moment, tick=False):
        return bearer_client(student).get(streak_url()).json()


# --- authentication and privacy --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", progress_url()),
        ("put", progress_url()),
        ("get", streak_url()),
        ("post", checkin_url()),
    ],
)
def test_progress_endpoints_need_a_valid_token(anon_client, method, url):
    assert_error(getattr(anon_client, method)(url), 401, "not_authenticated")
    bad = Client(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_error(getattr(bad, method)(url), 401, "not_authenticated")


def test_student_b_cannot_read_or_write_a_and_cannot_tell_if_a_exists(course):
    alice = make_user("alice@example.com")
    alice_client = bearer_client(alice)
    assert put(alice_client, chapter_id=course["one"].id, status="completed").status_code == 200
    assert alice_client.post(checkin_url()).status_code == 200
    alice_progress = alice_client.get(progress_url()).json()
    alice_streak = alice_client.get(streak_url()).json()

    bob = bearer_client(make_user("bob@example.com"))
    nobody = 987654
    body = {"chapter_id": course["two"].id, "status": "completed"}
    for target in (alice.pk, nobody, "abc", "-1", "9" * 30):
        responses = [
            bob.get(progress_url(target)),
            bob.put(progress_url(target), body, content_type="application/json"),
            bob.get(streak_url(target)),
            bob.post(checkin_url(target)),
        ]
        for response in responses:
            assert_error(response, 404, "not_found")
        # One identical body whether the student exists or not.
        assert {r.content for r in responses} == {responses[0].content}
    assert bob.get(progress_url(alice.pk)).content == bob.get(progress_url(nobody)).content

    assert alice_client.get(progress_url()).json() == alice_progress
    assert alice_client.get(streak_url()).json() == alice_streak
    assert ChapterProgress.objects.filter(user=alice).count() == 1
    assert DailyActivity.objects.filter(user=alice).count() == 1


def test_own_numeric_id_works_like_me(auth_client, user, course):
    response = put(auth_client, user.pk, chapter_id=course["one"].id, status="completed")
    assert response.status_code == 200
    assert auth_client.get(progress_url(user.pk)).json() == auth_client.get(progress_url()).json()
    assert auth_client.get(streak_url(user.pk)).json()["current_streak"] == 1


def test_staff_may_read_any_student_but_write_only_their_own(staff_user, course):
    alice = make_user("alice@example.com")
    services.set_chapter_status(user=alice, chapter_id=course["one"].id, status="completed")
    staff = bearer_client(staff_user)

    read = staff.get(progress_url(alice.pk))
    assert read.status_code == 200
    assert read.json()["user_id"] == alice.pk
    assert read.json()["completed_chapters"] == [course["one"].id]
    assert staff.get(streak_url(alice.pk)).json()["longest_streak"] == 1
    assert_error(staff.get(progress_url(999999)), 404, "not_found")

    body = {"chapter_id": course["one"].id, "status": "in_progress"}
    assert_error(
        staff.put(progress_url(alice.pk), body, content_type="application/json"), 404, "not_found"
    )
    assert_error(staff.post(checkin_url(alice.pk)), 404, "not_found")
    assert ChapterProgress.objects.get(user=alice).status == "completed"
    assert DailyActivity.objects.filter(user=alice).count() == 1


# --- progress --------------------------------------------------------------------------------


def test_get_progress_before_anything(auth_client, user, course):
    body = auth_client.get(progress_url()).json()
    assert body == {
        "user_id": user.pk,
        "completed_chapters": [],
        "current_chapter_id": None,
        "percent_complete": 0.0,
        "last_activity": None,
        "chapters": [],
        "chapters_completed": 0,
        "chapters_total": 2,  # a free student reaches the two free published chapters
        "next_recommended": body["next_recommended"],
        "streak": body["streak"],
        "quizzes_attempted": 0,
        "quizzes_passed": 0,
        "average_quiz_score": None,
    }
    assert body["next_recommended"]["id"] == course["one"].id
    assert body["next_recommended"]["locked"] is False
    assert body["streak"]["current_streak"] == 0
    assert body["streak"]["checked_in_today"] is False


def test_complete_chapter_updates_progress_and_counts_as_todays_activity(auth_client, course):
    response = put(auth_client, chapter_id=course["one"].id, status="completed")
    assert response.status_code == 200
    body = response.json()
    assert body["completed_chapters"] == [course["one"].id]
    assert body["percent_complete"] == 50.0
    assert (body["chapters_completed"], body["chapters_total"]) == (1, 2)
    [chapter] = body["chapters"]
    assert chapter["chapter_id"] == course["one"].id and chapter["status"] == "completed"
    assert chapter["completed_at"] is not None
    assert body["next_recommended"]["id"] == course["two"].id
    assert body["streak"] == {**body["streak"], "current_streak": 1, "checked_in_today": True}
    assert body["last_activity"] is not None
    assert auth_client.get(progress_url()).json() == body


def test_complete_twice_is_idempotent(auth_client, course):
    first = put(auth_client, chapter_id=course["one"].id, status="completed").json()
    second = put(auth_client, chapter_id=course["one"].id, status="completed").json()
    assert second["chapters"] == first["chapters"]
    assert second["streak"]["current_streak"] == 1
    assert ChapterProgress.objects.count() == 1


def test_completed_stays_completed_until_explicit_in_progress(auth_client, course):
    put(auth_client, chapter_id=course["one"].id, status="completed")
    put(auth_client, chapter_id=course["two"].id, status="in_progress")
    auth_client.post(checkin_url())
    body = auth_client.get(progress_url()).json()
    assert body["completed_chapters"] == [course["one"].id]
    assert body["current_chapter_id"] == course["two"].id

    reopened = put(auth_client, chapter_id=course["one"].id, status="in_progress").json()
    assert reopened["completed_chapters"] == []
    assert reopened["current_chapter_id"] == course["one"].id  # touched last
    assert reopened["chapters"][0] == {**reopened["chapters"][0], "status": "in_progress"}
    assert reopened["chapters"][0]["completed_at"] is None


def test_completing_a_locked_chapter_is_403_and_changes_nothing(auth_client, course):
    response = put(auth_client, chapter_id=course["three"].id, status="completed")
    error = assert_error(response, 403, "chapter_locked")
    assert error["details"]["required_tier"] == "premium"
    assert error["details"]["user_tier"] == "free"
    assert not ChapterProgress.objects.exists() and not DailyActivity.objects.exists()


@pytest.mark.parametrize("which", ["draft", "missing"])
def test_progress_on_unknown_or_unpublished_chapter_is_404(auth_client, course, which):
    chapter_id = course["draft"].id if which == "draft" else 999_999
    response = put(auth_client, chapter_id=chapter_id, status="completed")
    assert_error(response, 404, "chapter_not_found")


@pytest.mark.parametrize(
    "body",
    [{"chapter_id": 1, "status": "done"}, {"status": "completed"}, {"chapter_id": "x"}],
)
def test_progress_bad_body_is_422(auth_client, course, body):
    response = auth_client.put(progress_url(), body, content_type="application/json")
    assert_error(response, 422, "validation_error")


def test_next_recommended_names_the_tier_once_the_free_chapters_are_done(auth_client, course):
    put(auth_client, chapter_id=course["two"].id, status="completed")
    assert auth_client.get(progress_url()).json()["next_recommended"]["id"] == course["one"].id
    body = put(auth_client, chapter_id=course["one"].id, status="completed").json()
    assert body["percent_complete"] == 100.0
    assert body["next_recommended"]["id"] == course["three"].id
    assert body["next_recommended"]["locked"] is True
    assert body["next_recommended"]["required_tier"] == "premium"


def test_premium_student_counts_premium_chapters(premium_client, course):
    body = put(premium_client, chapter_id=course["three"].id, status="completed").json()
    assert (body["chapters_completed"], body["chapters_total"]) == (1, 3)
    assert body["percent_complete"] == 33.3
    assert body["next_recommended"]["id"] == course["one"].id


def test_next_recommended_is_null_when_everything_is_completed(course):
    student = make_user(tier=Tier.PRO)
    client = bearer_client(student)
    for key in ("one", "two", "three", "five"):
        body = put(client, chapter_id=course[key].id, status="completed").json()
    assert body["next_recommended"] is None
    assert body["percent_complete"] == 100.0


def test_progress_carries_quiz_record(auth_client, user, course):
    services.record_quiz_result(
        user=user,
        quiz_id=11,
        chapter_id=course["one"].id,
        percent=75,
        passed=True,
        at=datetime.now(UTC),
    )
    body = auth_client.get(progress_url()).json()
    assert (body["quizzes_attempted"], body["quizzes_passed"]) == (1, 1)
    assert body["average_quiz_score"] == 75.0
    assert body["streak"]["checked_in_today"] is True  # a quiz submit is the day's activity


def test_get_progress_me_takes_constant_queries(
    auth_client, user, django_assert_num_queries, django_assert_max_num_queries
):
    course = CourseFactory()
    chapters = [ChapterFactory(course=course, order=n) for n in range(1, 4)]
    for chapter in chapters:
        services.set_chapter_status(user=user, chapter_id=chapter.id, status="completed")
    auth_client.get(progress_url())  # warm the content cache
    # The user (token), the progress rows, the streak and the quiz summary.
    with django_assert_max_num_queries(4) as small:
        assert auth_client.get(progress_url()).json()["chapters_completed"] == 3
    small_count = len(small)

    chapters += [ChapterFactory(course=course, order=n) for n in range(4, 41)]
    cache.clear()  # editors' saves bump the content version on commit; tests never commit
    for chapter in chapters[3:]:
        services.set_chapter_status(user=user, chapter_id=chapter.id, status="completed")
    auth_client.get(progress_url())
    with django_assert_num_queries(small_count):
        assert auth_client.get(progress_url()).json()["chapters_completed"] == 40


# --- streaks ---------------------------------------------------------------------------------


def test_checkin_tokyo_2330_and_0030_local_are_two_days():
    student = make_user(timezone="Asia/Tokyo")
    first = checkin_at(student, local("Asia/Tokyo", 2024, 5, 10, 23, 30))
    assert first == {
        "current_streak": 1,
        "longest_streak": 1,
        "last_checkin": "2024-05-10",
        "checked_in_today": True,
        "today": "2024-05-10",
        "timezone": "Asia/Tokyo",
    }
    second = checkin_at(student, local("Asia/Tokyo", 2024, 5, 11, 0, 30))
    assert (second["current_streak"], second["last_checkin"]) == (2, "2024-05-11")


def test_checkin_twice_a_day_keeps_the_streak():
    student = make_user(timezone="America/New_York")
    checkin_at(student, local("America/New_York", 2024, 7, 1, 8))
    again = checkin_at(student, local("America/New_York", 2024, 7, 1, 22))
    assert (again["current_streak"], again["longest_streak"]) == (1, 1)
    assert DailyActivity.objects.filter(user=student).count() == 1


def test_checkin_missed_day_resets_to_one_and_longest_stays():
    student = make_user(timezone="Europe/London")
    for day in (29, 30, 31):  # across a month end
        checkin_at(student, local("Europe/London", 2024, 1, day, 12))
    assert streak_at(student, local("Europe/London", 2024, 2, 1, 23))["current_streak"] == 3
    broken = streak_at(student, local("Europe/London", 2024, 2, 2, 9))
    assert (broken["current_streak"], broken["longest_streak"]) == (0, 3)
    assert broken["checked_in_today"] is False
    restarted = checkin_at(student, local("Europe/London", 2024, 2, 2, 9))
    assert (restarted["current_streak"], restarted["longest_streak"]) == (1, 3)


def test_checkin_across_year_end_and_dst_change():
    student = make_user(timezone="Europe/London")
    checkin_at(student, local("Europe/London", 2023, 12, 31, 23, 59))
    assert checkin_at(student, local("Europe/London", 2024, 1, 1, 0, 1))["current_streak"] == 2
    # London springs forward on 31 March 2024; 23:30 UTC that day is 00:30 on 1 April.
    checkin_at(student, datetime(2024, 3, 30, 12, tzinfo=UTC))
    checkin_at(student, datetime(2024, 3, 31, 0, 30, tzinfo=UTC))
    april = checkin_at(student, datetime(2024, 3, 31, 23, 30, tzinfo=UTC))
    assert (april["last_checkin"], april["current_streak"]) == ("2024-04-01", 3)


def test_streak_row_is_not_created_by_reading(auth_client):
    assert auth_client.get(streak_url()).json()["current_streak"] == 0
    assert not Streak.objects.exists()


# --- the content listing knows what is completed --------------------------------------------


def test_chapter_listing_and_neighbours_show_completed(auth_client, anon_client, course):
    put(auth_client, chapter_id=course["one"].id, status="completed")
    put(auth_client, chapter_id=course["two"].id, status="in_progress")
    items = auth_client.get(reverse("api:listChapters")).json()["items"]
    assert [c["completed"] for c in items] == [True, False, False, False]
    previous = auth_client.get(reverse("api:getPreviousChapter", args=[course["two"].id]))
    assert previous.json()["chapter"]["completed"] is True
    following = auth_client.get(reverse("api:getNextChapter", args=[course["two"].id]))
    assert following.json()["chapter"]["completed"] is False
    chapter = auth_client.get(reverse("api:getChapter", args=[course["one"].id]))
    assert chapter.json()["completed"] is True
    anonymous = anon_client.get(reverse("api:listChapters")).json()["items"]
    assert not any(c["completed"] for c in anonymous)


def test_openapi_documents_progress_operations(anon_client):
    document = anon_client.get("/api/v1/openapi.json").json()
    progress = document["paths"]["/api/v1/progress/{user_id}"]
    assert progress["get"]["operationId"] == "getProgress"
    assert progress["put"]["operationId"] == "updateProgress"
    assert {"401", "403", "404"} <= set(progress["put"]["responses"])
    checkin = document["paths"]["/api/v1/streaks/{user_id}/checkin"]["post"]
    assert checkin["operationId"] == "checkIn"
    assert checkin["security"]  # bearer token required
