"""A chapter edited in the admin is served fresh on the next read by every worker.

Each worker keeps published content in its own memory (content.cache.content_cache) and the
rendered bodies made from it (coursecompanion.rendered), both checked against the shared
content version once per request. Here two pairs of them stand for two workers in front of one
shared cache."""

import pytest
from django.test import Client

from conftest import bearer_client, count_shared_cache_calls
from content import cache as content_cache
from content.tests.admin_forms import chapter_form
from coursecompanion import rendered
from coursecompanion.shared_cache import VersionedLocalCache, fresh_generation
from coursecompanion.tests.factories import ChapterFactory, SectionFactory

pytestmark = pytest.mark.django_db


Worker = tuple[VersionedLocalCache, rendered.RenderedBodies]


def a_worker() -> Worker:
    content = VersionedLocalCache(
        prefix="content",
        version_key=content_cache.CONTENT_VERSION_KEY,
        new_version=fresh_generation,
    )
    return content, rendered.RenderedBodies(size=16)


def read_as(worker: Worker, monkeypatch, url: str) -> dict:
    monkeypatch.setattr(content_cache, "content_cache", worker[0])
    monkeypatch.setattr(rendered, "rendered_bodies", worker[1])
    response = Client().get(url)
    assert response.status_code == 200
    return response.json()


def test_an_admin_edit_reaches_every_worker_on_its_next_read(
    editor_client, monkeypatch, django_capture_on_commit_callbacks
):
    chapter = ChapterFactory(title="Names")
    section = SectionFactory(chapter=chapter, order=1, title="Labels", content="Old text.")
    url = f"/api/v1/chapters/{chapter.id}"
    workers = [a_worker(), a_worker()]
    for worker in workers:  # both hold the chapter in memory
        assert read_as(worker, monkeypatch, url)["sections"][0]["content"] == "Old text."

    data = chapter_form(
        chapter,
        [
            {
                "id": section.id,
                "chapter": chapter.id,
                "order": 1,
                "title": "Labels",
                "content": "New text.",
            }
        ],
        initial=1,
        title="Names, edited",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(f"/admin/content/chapter/{chapter.id}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]

    for worker in workers:
        body = read_as(worker, monkeypatch, url)
        assert body["title"] == "Names, edited"
        assert body["sections"][0]["content"] == "New text."


def test_a_read_asks_the_shared_cache_once(monkeypatch, settings):
    """After the first read, a chapter read by an anonymous student is one shared-cache round
    trip (the content version): the outline and the chapter come from process memory. (The
    rate limiter's counters, off here, are the only other round trips.)"""
    settings.RATELIMIT_ENABLE = False
    chapter = ChapterFactory()
    SectionFactory(chapter=chapter)
    url = f"/api/v1/chapters/{chapter.id}"
    worker = a_worker()
    read_as(worker, monkeypatch, url)

    calls = count_shared_cache_calls(monkeypatch)
    read_as(worker, monkeypatch, url)
    assert calls == [("get", (content_cache.CONTENT_VERSION_KEY,))]


def test_cached_content_cannot_be_changed_by_a_caller(monkeypatch):
    worker, _ = a_worker()
    first = worker.get("key", lambda: {"sections": ["a"]}, seconds=60)
    first["sections"].append("changed by a caller")
    assert worker.get("key", lambda: {"sections": []}, seconds=60) == {"sections": ["a"]}


def test_a_signed_in_read_is_one_round_trip(monkeypatch, settings, user):
    """The token's user, their completed chapters and the content version: one MGET."""

    settings.RATELIMIT_ENABLE = False
    chapter = ChapterFactory()
    SectionFactory(chapter=chapter)
    client = bearer_client(user)
    assert client.get(f"/api/v1/chapters/{chapter.id}").status_code == 200
    calls = count_shared_cache_calls(monkeypatch)
    response = client.get(f"/api/v1/chapters/{chapter.id}")
    assert response.status_code == 200
    assert [name for name, _ in calls] == ["get_many"], calls
