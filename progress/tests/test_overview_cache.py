"""The progress overview is cached per student under a stamp of what it is made of, and a write
of any of their progress rows makes it stale at once, even for a read that raced the write."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access import services as access_services
from access.tiers import Tier
from conftest import bearer_client, count_shared_cache_calls
from progress import services
from progress.models import ChapterProgress

pytestmark = pytest.mark.django_db


def overview(client) -> dict:
    response = client.get("/api/v1/progress/me")
    assert response.status_code == 200
    return response.json()


def progress_queries(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries if '"progress_' in q["sql"]]


def test_a_repeated_read_asks_the_database_nothing(user, course):
    client = bearer_client(user)
    overview(client)
    with CaptureQueriesContext(connection) as again:
        overview(client)
    assert progress_queries(again) == []


def test_a_repeated_read_is_one_shared_cache_round_trip(monkeypatch, settings, user, course):
    """The token's MGET holds the progress generation, so a body kept by its stamp needs
    nothing more: not even the overview it was rendered from."""
    settings.RATELIMIT_ENABLE = False
    client = bearer_client(user)
    first = overview(client)
    calls = count_shared_cache_calls(monkeypatch)
    assert overview(client) == first
    assert [name for name, _ in calls] == ["get_many"], calls


def test_every_kind_of_progress_write_shows_on_the_next_read(user, course, premium_user):
    client = bearer_client(user)
    assert overview(client)["completed_chapters"] == []
    client.put(
        "/api/v1/progress/me",
        {"chapter_id": course["one"].id, "status": "completed"},
        content_type="application/json",
    )
    assert overview(client)["completed_chapters"] == [course["one"].id]
    assert overview(client)["streak"]["checked_in_today"] is True
    ChapterProgress.objects.filter(user=user).delete()  # the admin, a cascade
    assert overview(client)["completed_chapters"] == []


def test_a_tier_change_shows_on_the_next_read(user, course):
    client = bearer_client(user)
    assert overview(client)["chapters_total"] == 2
    access_services.change_tier(user=user, new_tier=Tier.PREMIUM, changed_by=None, reason="test")
    assert overview(client)["chapters_total"] == 3


def test_the_streak_is_read_for_the_students_own_today(user, course):
    start = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        client = bearer_client(user)
        client.post("/api/v1/streaks/me/checkin")
        assert overview(client)["streak"]["current_streak"] == 1
    with time_machine.travel(start + timedelta(days=2), tick=False):  # a day was missed
        streak = overview(bearer_client(user))["streak"]
    assert streak["current_streak"] == 0
    assert streak["checked_in_today"] is False


def test_a_read_that_raced_a_write_never_serves_what_it_read(
    user, course, monkeypatch, django_capture_on_commit_callbacks
):
    """The read builds from the old rows; the write commits before the read stores them. The
    generation in the read's stamp was taken before it built, so the write's bump makes that
    entry unreachable."""
    client = bearer_client(user)
    build = services._overview

    def racing(student):
        built = build(student)  # the rows before the write
        with django_capture_on_commit_callbacks(execute=True):
            services.set_chapter_status(user=user, chapter_id=course["one"].id, status="completed")
        return built

    monkeypatch.setattr(services, "_overview", racing)
    assert overview(client)["completed_chapters"] == []  # what the racing read saw
    monkeypatch.setattr(services, "_overview", build)
    assert overview(client)["completed_chapters"] == [course["one"].id]
