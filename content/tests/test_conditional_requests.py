"""ETag and If-None-Match on content: a client re-reading what it already holds gets 304."""

import pytest

from conftest import bearer_client, make_user
from coursecompanion.tests.factories import ChapterFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def section():
    return SectionFactory(
        chapter=ChapterFactory(), title="Names", content="Names point at objects."
    )


@pytest.mark.parametrize("path", ["/api/v1/chapters", "/api/v1/chapters/{chapter}"])
def test_a_matching_etag_answers_304_without_a_body(anon_client, section, path):
    url = path.format(chapter=section.chapter_id)
    first = anon_client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]

    again = anon_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_an_edited_chapter_gets_a_new_etag_and_its_new_text(
    anon_client, section, django_capture_on_commit_callbacks
):
    url = f"/api/v1/chapters/{section.chapter_id}"
    etag = anon_client.get(url)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        section.content = "Names are labels, not boxes."
        section.save()

    fresh = anon_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh["ETag"] != etag
    assert fresh.json()["sections"][0]["content"] == "Names are labels, not boxes."


def test_a_student_who_completes_a_chapter_gets_a_new_etag(section):
    client = bearer_client(make_user())
    url = f"/api/v1/chapters/{section.chapter_id}"
    etag = client.get(url)["ETag"]
    client.put(
        "/api/v1/progress/me",
        {"chapter_id": section.chapter_id, "status": "completed"},
        content_type="application/json",
    )
    fresh = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh.json()["completed"] is True


def test_an_error_is_never_answered_304(anon_client):
    first = anon_client.get("/api/v1/chapters/999999")
    again = anon_client.get("/api/v1/chapters/999999", HTTP_IF_NONE_MATCH=first.get("ETag", "*"))
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "chapter_not_found"
