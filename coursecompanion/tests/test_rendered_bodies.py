"""Rendered bodies of published content (coursecompanion/rendered.py), through the REST API.

A kept body must be the body django-ninja would render, and must never be served to a reader
whose variant differs: another tier, other completed chapters, staff, another student."""

import pytest

from access.tiers import Tier
from conftest import bearer_client, make_user
from coursecompanion import presenters
from coursecompanion.tests.factories import ChapterFactory, SectionFactory, mixed_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    free = ChapterFactory(title="Loops", required_tier=Tier.FREE)
    SectionFactory(chapter=free, title="For", content="`for` walks an iterable.")
    premium = ChapterFactory(title="Generators", required_tier=Tier.PREMIUM)
    SectionFactory(chapter=premium, title="Yield", content="PREMIUM-ONLY text.")
    quiz, _ = mixed_quiz(chapter=free)
    return {"free": free, "premium": premium, "quiz": quiz}


def unshared(monkeypatch):
    """Every variant None: ninja validates and renders each body itself, as before the cache."""
    for name in ("chapter_list_variant", "chapter_detail_variant", "quiz_variant"):
        monkeypatch.setattr(presenters, name, lambda *args, **kwargs: None)
    for name in ("search_with_variant", "progress_with_variant"):
        with_variant = getattr(presenters, name)
        monkeypatch.setattr(
            presenters,
            name,
            lambda *args, _with_variant=with_variant, **kwargs: (
                None,
                _with_variant(*args, **kwargs)[1],
            ),
        )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/chapters",
        "/api/v1/chapters/{free}",
        "/api/v1/quizzes/{quiz}",
        "/api/v1/search?q=yield",  # a locked hit: no snippet
        "/api/v1/search?q=iterable",
        "/api/v1/progress/me",
    ],
)
def test_a_kept_body_is_the_body_ninja_renders(course, monkeypatch, path):
    url = path.format(free=course["free"].id, quiz=course["quiz"].id)
    client = bearer_client(make_user())
    rendered_first = client.get(url)
    kept = client.get(url)
    unshared(monkeypatch)
    by_ninja = client.get(url)
    assert rendered_first.status_code == kept.status_code == by_ninja.status_code == 200
    assert kept.content == rendered_first.content
    assert kept.content == by_ninja.content
    assert kept["ETag"] == by_ninja["ETag"]
    per_request = {"X-Request-ID", "Server-Timing"}
    assert {name: value for name, value in kept.headers.items() if name not in per_request} == {
        name: value for name, value in by_ninja.headers.items() if name not in per_request
    }


def test_a_kept_read_runs_no_query(course, anon_client, django_assert_num_queries):
    url = f"/api/v1/chapters/{course['free'].id}"
    anon_client.get(url)
    with django_assert_num_queries(0):
        assert anon_client.get(url).status_code == 200
        assert anon_client.get("/api/v1/chapters").status_code == 200


def test_each_tier_gets_its_own_lock_states_and_an_upgrade_applies_at_once(course):
    student = make_user()
    free_client = bearer_client(student)
    premium_client = bearer_client(make_user("p@example.com", tier=Tier.PREMIUM))

    def locked(client) -> dict[str, bool]:
        return {
            item["title"]: item["locked"] for item in client.get("/api/v1/chapters").json()["items"]
        }

    assert locked(free_client) == {"Loops": False, "Generators": True}
    assert locked(premium_client) == {"Loops": False, "Generators": False}
    assert locked(free_client) == {"Loops": False, "Generators": True}  # kept, still its own

    student.tier = Tier.PREMIUM
    student.save()
    assert locked(free_client) == {"Loops": False, "Generators": False}
    body = free_client.get(f"/api/v1/chapters/{course['premium'].id}").json()
    assert body["sections"][0]["content"] == "PREMIUM-ONLY text."


def test_a_locked_chapter_is_never_served_from_a_kept_body(course):
    premium = bearer_client(make_user("p@example.com", tier=Tier.PREMIUM))
    url = f"/api/v1/chapters/{course['premium'].id}"
    assert premium.get(url).status_code == 200  # kept for premium readers
    refused = bearer_client(make_user()).get(url)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "chapter_locked"
    assert b"PREMIUM-ONLY" not in refused.content


def test_completed_flags_are_each_students_own(course):
    done, fresh = bearer_client(make_user()), bearer_client(make_user("f@example.com"))
    done.put(
        "/api/v1/progress/me",
        {"chapter_id": course["free"].id, "status": "completed"},
        content_type="application/json",
    )
    url = f"/api/v1/chapters/{course['free'].id}"
    for _ in range(2):  # rendered, then kept
        assert done.get(url).json()["completed"] is True
        assert fresh.get(url).json()["completed"] is False
        listed = {i["id"]: i["completed"] for i in done.get("/api/v1/chapters").json()["items"]}
        assert listed[course["free"].id] is True


def test_staff_bodies_are_never_kept(course, monkeypatch):
    draft = ChapterFactory(title="Draft", published=False)
    staff = bearer_client(make_user("staff@example.com", is_staff=True))
    assert "Draft" in [item["title"] for item in staff.get("/api/v1/chapters").json()["items"]]
    student = bearer_client(make_user())
    assert "Draft" not in [
        item["title"] for item in student.get("/api/v1/chapters").json()["items"]
    ]
    assert student.get(f"/api/v1/chapters/{draft.id}").status_code == 404


def test_a_kept_search_still_records_every_gap(course, anon_client):
    from content.models import SearchLog

    for _ in range(2):
        body = anon_client.get("/api/v1/search?q=yield").json()
        assert [item["locked"] for item in body["items"]] == [True]
    assert SearchLog.objects.filter(query="yield").count() == 2


def test_each_student_gets_their_own_progress(course):
    first, second = make_user(), make_user("second@example.com")
    first_client, second_client = bearer_client(first), bearer_client(second)
    first_client.put(
        "/api/v1/progress/me",
        {"chapter_id": course["free"].id, "status": "completed"},
        content_type="application/json",
    )
    for _ in range(2):  # rendered, then kept
        mine = first_client.get("/api/v1/progress/me").json()
        theirs = second_client.get("/api/v1/progress/me").json()
        assert (mine["user_id"], mine["completed_chapters"]) == (first.id, [course["free"].id])
        assert (theirs["user_id"], theirs["completed_chapters"]) == (second.id, [])
