import pytest

from access.tiers import Tier
from coursecompanion.tests.factories import ChapterFactory, CourseFactory


@pytest.fixture
def course(db) -> dict:
    """Chapters 1-2 free, 3 premium, 4 a draft, 5 pro (the same shape as the content tests)."""
    course = CourseFactory()
    return {
        "one": ChapterFactory(course=course, order=1, slug="one", title="One"),
        "two": ChapterFactory(course=course, order=2, slug="two", title="Two"),
        "three": ChapterFactory(
            course=course, order=3, slug="three", title="Three", required_tier=Tier.PREMIUM
        ),
        "draft": ChapterFactory(course=course, order=4, slug="draft", published=False),
        "five": ChapterFactory(
            course=course, order=5, slug="five", title="Five", required_tier=Tier.PRO
        ),
    }
