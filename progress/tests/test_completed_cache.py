"""A student's completed chapters are cached per student and dropped on every progress change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import bearer_client
from progress.models import ChapterProgress

pytestmark = pytest.mark.django_db


def completed_flag(client, chapter) -> bool:
    response = client.get(f"/api/v1/chapters/{chapter.id}")
    assert response.status_code == 200
    return response.json()["completed"]


def progress_queries(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries if "progress_chapterprogress" in q["sql"]]


def test_a_repeated_read_does_not_ask_the_database_again(user, course):
    client = bearer_client(user)
    completed_flag(client, course["one"])
    with CaptureQueriesContext(connection) as again:
        completed_flag(client, course["one"])
    assert progress_queries(again) == []


def test_completing_a_chapter_shows_on_the_next_read(user, course):
    client = bearer_client(user)
    assert completed_flag(client, course["one"]) is False
    response = client.put(
        "/api/v1/progress/me",
        {"chapter_id": course["one"].id, "status": "completed"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert completed_flag(client, course["one"]) is True


def test_progress_removed_elsewhere_shows_on_the_next_read(user, course):
    client = bearer_client(user)
    client.put(
        "/api/v1/progress/me",
        {"chapter_id": course["one"].id, "status": "completed"},
        content_type="application/json",
    )
    assert completed_flag(client, course["one"]) is True
    ChapterProgress.objects.get(user=user).delete()  # as the admin deletes it
    assert completed_flag(client, course["one"]) is False


def test_one_students_cache_is_not_anothers(user, premium_user, course):
    bearer_client(user).put(
        "/api/v1/progress/me",
        {"chapter_id": course["one"].id, "status": "completed"},
        content_type="application/json",
    )
    assert completed_flag(bearer_client(user), course["one"]) is True
    assert completed_flag(bearer_client(premium_user), course["one"]) is False
