"""Scheduled publishing: a chapter's window is honoured at request time, with no cron and no
stale cache, by the chapter list and reads, next/previous, sections, quizzes, search and
access checks alike."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import bearer_client
from content import scheduling
from content.models import Chapter
from coursecompanion.tests.factories import ChapterFactory, QuizFactory, SectionFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPENS = START + timedelta(hours=1)
CLOSES = START + timedelta(days=7)


@pytest.fixture
def course_with_a_scheduled_chapter(settings):
    # A cache that outlives the whole test: only the window can hide or show the chapter.
    settings.CONTENT_CACHE_SECONDS = 60 * 60 * 24 * 365
    first = ChapterFactory(order=1)
    scheduled = ChapterFactory(order=2, publish_at=OPENS, unpublish_at=CLOSES)
    last = ChapterFactory(order=3)
    for chapter in (first, scheduled, last):
        SectionFactory(chapter=chapter, order=1, content=f"Text of {chapter.slug} about quokkas.")
    SectionFactory(chapter=scheduled, order=2, content="Only the scheduled chapter has wombats.")
    quiz = QuizFactory(chapter=scheduled)
    return first, scheduled, last, quiz


def visible(user, first, scheduled, last, quiz) -> dict:
    client = bearer_client(user)  # a token issued at the travelled-to time
    listed = [c["id"] for c in client.get("/api/v1/chapters").json()["items"]]
    section_id = scheduled.sections.order_by("order").first().id
    return {
        "listed": scheduled.id in listed,
        "read": client.get(f"/api/v1/chapters/{scheduled.id}").status_code,
        "section": client.get(f"/api/v1/sections/{section_id}").status_code,
        "quiz": client.get(f"/api/v1/quizzes/{quiz.id}").status_code,
        "next_of_first": client.get(f"/api/v1/chapters/{first.id}").json()["next_id"],
        "previous_of_last": client.get(f"/api/v1/chapters/{last.id}").json()["previous_id"],
        "search": client.get("/api/v1/search", {"q": "wombats"}).json()["count"],
        "check": client.get(
            "/api/v1/access/check", {"resource": f"chapter:{scheduled.id}"}
        ).status_code,
    }


def test_a_chapter_is_invisible_before_its_window_visible_in_it_and_gone_after(
    course_with_a_scheduled_chapter, user
):
    first, scheduled, last, quiz = course_with_a_scheduled_chapter
    hidden = {
        "listed": False,
        "read": 404,
        "section": 404,
        "quiz": 404,
        "next_of_first": last.id,
        "previous_of_last": first.id,
        "search": 0,
        "check": 404,
    }
    with time_machine.travel(START, tick=False):
        assert visible(user, *course_with_a_scheduled_chapter) == hidden
    with time_machine.travel(OPENS, tick=False):  # the same cache entries, now inside the window
        assert visible(user, *course_with_a_scheduled_chapter) == {
            "listed": True,
            "read": 200,
            "section": 200,
            "quiz": 200,
            "next_of_first": scheduled.id,
            "previous_of_last": scheduled.id,
            "search": 1,
            "check": 200,
        }
    with time_machine.travel(CLOSES, tick=False):
        assert visible(user, *course_with_a_scheduled_chapter) == hidden


def test_staff_see_a_scheduled_chapter_and_the_admin_list_says_scheduled(
    course_with_a_scheduled_chapter, editor_client
):
    _, scheduled, _, _ = course_with_a_scheduled_chapter
    with time_machine.travel(START, tick=False):
        page = editor_client.get("/admin/content/chapter/").content.decode()
        assert "scheduled 2026-03-02 10:00" in page
    with time_machine.travel(OPENS, tick=False):
        page = editor_client.get("/admin/content/chapter/").content.decode()
        assert "live until 2026-03-09 09:00" in page
    with time_machine.travel(CLOSES, tick=False):
        assert "ended" in editor_client.get("/admin/content/chapter/").content.decode()


def test_an_editor_schedules_a_chapter_in_the_admin(
    course_with_a_scheduled_chapter, editor_client, anon_client
):
    first, *_ = course_with_a_scheduled_chapter
    section = first.sections.get()
    data = {
        "course": first.course_id,
        "title": first.title,
        "slug": first.slug,
        "order": first.order,
        "summary": first.summary,
        "difficulty_level": first.difficulty_level,
        "estimated_minutes": first.estimated_minutes,
        "required_tier": first.required_tier,
        "published": "on",
        "publish_at_0": "2026-03-05",
        "publish_at_1": "08:00:00",
        "unpublish_at_0": "2026-03-04",
        "unpublish_at_1": "08:00:00",
        "sections-TOTAL_FORMS": "1",
        "sections-INITIAL_FORMS": "1",
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
        "sections-0-id": section.id,
        "sections-0-chapter": first.id,
        "sections-0-order": 1,
        "sections-0-title": section.title,
        "sections-0-content": section.content,
    }
    url = f"/admin/content/chapter/{first.id}/change/"
    with time_machine.travel(START, tick=False):
        response = editor_client.post(url, data)
        assert response.status_code == 200  # unpublish before publish is refused
        data["unpublish_at_0"] = ""
        data["unpublish_at_1"] = ""
        assert editor_client.post(url, data).status_code == 302
        assert anon_client.get(f"/api/v1/chapters/{first.id}").status_code == 404
    with time_machine.travel(datetime(2026, 3, 5, 8, 0, tzinfo=UTC), tick=False):
        assert anon_client.get(f"/api/v1/chapters/{first.id}").status_code == 200


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 1, 3), timezones=st.just(UTC)
)


@pytest.fixture
def probe():
    return ChapterFactory(slug="probe")


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(publish_at=st.none() | moments, unpublish_at=st.none() | moments, at=moments)
def test_the_queryset_the_sql_and_the_cached_check_agree(probe, publish_at, unpublish_at, at):
    assume(publish_at is None or unpublish_at is None or unpublish_at > publish_at)
    in_python = scheduling.is_live((publish_at, unpublish_at), at)
    assert in_python == (
        (publish_at is None or publish_at <= at) and (unpublish_at is None or at < unpublish_at)
    )
    Chapter.objects.filter(pk=probe.pk).update(publish_at=publish_at, unpublish_at=unpublish_at)
    assert Chapter.objects.filter(scheduling.live_q(at), pk=probe.pk).exists() == in_python
    params: dict = {"id": probe.pk}
    condition = scheduling.live_sql("c", params, at=at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM content_chapter c WHERE c.id = %(id)s AND {condition}",
            params,
        )
        assert bool(cursor.fetchone()[0]) == in_python
