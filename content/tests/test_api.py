import json

import pytest

from access.tiers import Tier
from conftest import assert_error, make_user
from coursecompanion.tests.factories import ChapterFactory, CourseFactory, SectionFactory

pytestmark = pytest.mark.django_db

SECRET_TEXT = "PREMIUM-ONLY-TEXT-7f3a"


@pytest.fixture
def course():
    """Chapters 1-2 free, 3 premium (with secret text), 4 a draft, 5 pro."""
    course = CourseFactory()
    free1 = ChapterFactory(course=course, order=1, slug="one", title="One")
    SectionFactory(
        chapter=free1, order=1, title="Intro", content="# Hello\n\n`code` *as written*\n"
    )
    SectionFactory(chapter=free1, order=2, title="More", content="Second section.")
    free2 = ChapterFactory(course=course, order=2, slug="two", title="Two")
    SectionFactory(chapter=free2, order=1)
    premium = ChapterFactory(
        course=course, order=3, slug="three", title="Three", required_tier=Tier.PREMIUM
    )
    SectionFactory(chapter=premium, order=1, title="Locked section", content=SECRET_TEXT)
    draft = ChapterFactory(course=course, order=4, slug="draft", title="Draft", published=False)
    SectionFactory(chapter=draft, order=1, content="draft text")
    pro = ChapterFactory(course=course, order=5, slug="five", title="Five", required_tier=Tier.PRO)
    return {"free1": free1, "free2": free2, "premium": premium, "draft": draft, "pro": pro}


def test_list_chapters_shows_published_with_lock_state(anon_client, course):
    response = anon_client.get("/api/v1/chapters")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [c["slug"] for c in body["items"]] == ["one", "two", "three", "five"]
    assert [c["locked"] for c in body["items"]] == [False, False, True, True]
    first = body["items"][0]
    assert set(first) >= {
        "id",
        "slug",
        "title",
        "order",
        "difficulty_level",
        "estimated_minutes",
        "required_tier",
        "locked",
        "completed",
    }
    assert first["completed"] is False


def test_list_chapters_premium_student_sees_premium_unlocked(premium_client, course):
    items = premium_client.get("/api/v1/chapters").json()["items"]
    assert [c["locked"] for c in items] == [False, False, False, True]


def test_list_chapters_paginates_and_clamps_limit(anon_client, course):
    page = anon_client.get("/api/v1/chapters?limit=2&offset=1").json()
    assert page["count"] == 4
    assert [c["slug"] for c in page["items"]] == ["two", "three"]
    clamped = anon_client.get("/api/v1/chapters?limit=100000")
    assert clamped.status_code == 200
    assert len(clamped.json()["items"]) == 4


def test_list_chapters_limit_is_capped_at_100(anon_client):
    course = CourseFactory()
    ChapterFactory.create_batch(105, course=course)
    body = anon_client.get("/api/v1/chapters?limit=100000").json()
    assert body["count"] == 105
    assert len(body["items"]) == 100


@pytest.mark.parametrize("query", ["limit=abc", "offset=-1", "limit=0"])
def test_list_chapters_bad_paging_is_422(anon_client, course, query):
    error = assert_error(anon_client.get(f"/api/v1/chapters?{query}"), 422, "validation_error")
    assert error["details"]


def test_list_chapters_query_count_is_constant(anon_client, django_assert_max_num_queries):
    course = CourseFactory()
    for order in range(1, 31):
        chapter = ChapterFactory(course=course, order=order)
        SectionFactory.create_batch(3, chapter=chapter)
    # Cold cache: one query for every chapter, however many there are.
    with django_assert_max_num_queries(1):
        assert anon_client.get("/api/v1/chapters").json()["count"] == 30
    # Warm cache: published content comes from the cache.
    with django_assert_max_num_queries(0):
        anon_client.get("/api/v1/chapters")


def test_get_chapter_serves_sections_verbatim(anon_client, course):
    chapter = course["free1"]
    response = anon_client.get(f"/api/v1/chapters/{chapter.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == chapter.id
    assert [s["title"] for s in body["sections"]] == ["Intro", "More"]
    assert body["sections"][0]["content"] == "# Hello\n\n`code` *as written*\n"
    assert body["previous_id"] is None
    assert body["next_id"] == course["free2"].id
    assert body["media"] == []
    assert "quiz_id" in body


def test_get_chapter_query_count_is_constant(anon_client, django_assert_max_num_queries):
    chapter = ChapterFactory()
    SectionFactory.create_batch(20, chapter=chapter)
    # Cold cache: outline, sections, media, the chapter's quiz id.
    with django_assert_max_num_queries(4):
        assert len(anon_client.get(f"/api/v1/chapters/{chapter.id}").json()["sections"]) == 20


def test_get_locked_chapter_is_403_without_leaking_text(anon_client, user, course):
    from conftest import bearer_client

    for client in (anon_client, bearer_client(user)):
        response = client.get(f"/api/v1/chapters/{course['premium'].id}")
        error = assert_error(response, 403, "chapter_locked")
        assert error["details"]["required_tier"] == "premium"
        assert "premium" in error["message"]
        assert SECRET_TEXT not in response.content.decode()
        section = course["premium"].sections.get()
        response = client.get(f"/api/v1/sections/{section.id}")
        assert_error(response, 403, "chapter_locked")
        assert SECRET_TEXT not in response.content.decode()


def test_get_locked_chapter_opens_for_the_right_tier(premium_client, course):
    body = premium_client.get(f"/api/v1/chapters/{course['premium'].id}").json()
    assert body["sections"][0]["content"] == SECRET_TEXT
    pro = premium_client.get(f"/api/v1/chapters/{course['pro'].id}")
    assert_error(pro, 403, "chapter_locked")
    assert pro.json()["error"]["details"]["required_tier"] == "pro"


def test_drafts_are_invisible(anon_client, premium_client, course):
    draft = course["draft"]
    for client in (anon_client, premium_client):
        assert_error(client.get(f"/api/v1/chapters/{draft.id}"), 404, "chapter_not_found")
        section = draft.sections.get()
        assert_error(client.get(f"/api/v1/sections/{section.id}"), 404, "section_not_found")
        slugs = [c["slug"] for c in client.get("/api/v1/chapters").json()["items"]]
        assert "draft" not in slugs
    # Skipping the draft, the premium chapter's next chapter is the pro one.
    nxt = anon_client.get(f"/api/v1/chapters/{course['premium'].id}/next").json()
    assert nxt["chapter"]["slug"] == "five"


def test_unpublished_course_hides_its_chapters(anon_client, course):
    course["free1"].course.published = False
    course["free1"].course.save()
    assert anon_client.get("/api/v1/chapters").json()["count"] == 0
    assert_error(
        anon_client.get(f"/api/v1/chapters/{course['free1'].id}"), 404, "chapter_not_found"
    )


def test_staff_preview_drafts_through_admin_session(client, staff_user, course):
    client.force_login(staff_user)
    body = client.get(f"/api/v1/chapters/{course['draft'].id}").json()
    assert body["sections"][0]["content"] == "draft text"
    assert client.get("/api/v1/chapters").json()["count"] == 5


def test_next_and_previous_at_both_ends(anon_client, course):
    first, last = course["free1"], course["pro"]
    assert anon_client.get(f"/api/v1/chapters/{first.id}/previous").json() == {"chapter": None}
    assert anon_client.get(f"/api/v1/chapters/{last.id}/next").json() == {"chapter": None}
    nxt = anon_client.get(f"/api/v1/chapters/{first.id}/next").json()["chapter"]
    assert nxt["id"] == course["free2"].id
    assert "sections" not in nxt
    # Summaries are never locked, even when the chapter itself is.
    prev = anon_client.get(f"/api/v1/chapters/{last.id}/previous").json()["chapter"]
    assert prev["id"] == course["premium"].id
    assert prev["locked"] is True
    assert SECRET_TEXT not in json.dumps(prev)


def test_get_section(anon_client, course):
    section = course["free1"].sections.get(order=1)
    body = anon_client.get(f"/api/v1/sections/{section.id}").json()
    assert body == {
        "id": section.id,
        "chapter_id": course["free1"].id,
        "title": "Intro",
        "order": 1,
        "content": "# Hello\n\n`code` *as written*\n",
        "media_urls": {},
    }


@pytest.mark.parametrize(
    "path",
    ["/api/v1/chapters/999999", "/api/v1/chapters/999999/next", "/api/v1/sections/999999"],
)
def test_unknown_ids_are_404_json(anon_client, path):
    assert_error(anon_client.get(path), 404, path.split("/")[3][:-1] + "_not_found")


@pytest.mark.parametrize(
    "path", ["/api/v1/chapters/abc", "/api/v1/chapters/1.5/next", "/api/v1/sections/x"]
)
def test_non_integer_ids_are_422_json(anon_client, path):
    error = assert_error(anon_client.get(path), 422, "validation_error")
    assert error["details"][0]["loc"][0] == "path"


def test_edit_invalidates_cached_content(anon_client, course, django_capture_on_commit_callbacks):
    section = course["free1"].sections.get(order=1)
    anon_client.get(f"/api/v1/chapters/{course['free1'].id}")
    with django_capture_on_commit_callbacks(execute=True):
        section.content = "Rewritten."
        section.save()
    body = anon_client.get(f"/api/v1/chapters/{course['free1'].id}").json()
    assert body["sections"][0]["content"] == "Rewritten."


def test_invalid_token_is_401_even_on_public_reads(anon_client, course):
    response = anon_client.get("/api/v1/chapters", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_content_reads_fail_open_when_cache_is_down(anon_client, course, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_or_set", broken)
    monkeypatch.setattr(cache, "get", broken)
    assert anon_client.get("/api/v1/chapters").json()["count"] == 4


def test_make_user_helper_is_case_insensitive(db):
    make_user("Mixed@Example.COM")
    from access.models import User

    assert User.objects.get_by_natural_key("mixed@example.com").email == "mixed@example.com"


def test_a_lost_cache_version_never_reuses_an_old_one(anon_client, course):
    from django.core.cache import cache

    from content.cache import CONTENT_VERSION_KEY

    anon_client.get("/api/v1/chapters")
    first = cache.get(CONTENT_VERSION_KEY)
    cache.delete(CONTENT_VERSION_KEY)  # evicted, or Redis flushed: old entries may remain
    anon_client.get("/api/v1/chapters")
    assert cache.get(CONTENT_VERSION_KEY) > first
