from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from access.tiers import Tier
from conftest import bearer_client, make_user
from content.tests.factories import ChapterFactory, CourseFactory, SectionFactory

PASSWORD = "correct-horse-battery-9"
PREMIUM_TEXT = "PREMIUM-ONLY-TEXT-c41b"


def post_json(client: Client, url: str, body, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code, body
    return body["error"]


@pytest.fixture
def gated_course():
    """Chapter 1 free, chapter 2 premium (with text only premium may read), 3 a draft."""
    course = CourseFactory()
    free = ChapterFactory(course=course, order=1, slug="free", title="Free")
    free_section = SectionFactory(chapter=free, order=1, content="Free text.")
    premium = ChapterFactory(
        course=course, order=2, slug="premium", title="Premium", required_tier=Tier.PREMIUM
    )
    premium_section = SectionFactory(chapter=premium, order=1, content=PREMIUM_TEXT)
    draft = ChapterFactory(course=course, order=3, slug="draft", published=False)
    draft_section = SectionFactory(chapter=draft, order=1)
    return {
        "free": free,
        "free_section": free_section,
        "premium": premium,
        "premium_section": premium_section,
        "draft": draft,
        "draft_section": draft_section,
    }


@pytest.fixture
def tier_manager(db):
    """Staff who manage users (superuser: has the admin's change-user permission)."""
    return make_user("manager@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def manager_client(tier_manager) -> Client:
    return bearer_client(tier_manager)


@pytest.fixture
def frozen_time():
    """Time stands still, so a rate-limit window cannot roll over in the middle of a test."""
    with time_machine.travel(datetime(2030, 1, 7, 12, 0, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller
