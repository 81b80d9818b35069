"""Fixtures of the MCP tests: the ASGI app in a live uvicorn, and a small course."""

import pytest

from access.models import TierPlan
from access.tiers import Tier
from coursecompanion.tests.factories import ChapterFactory, SectionFactory, mixed_quiz
from coursecompanion.tests.mcp_support import CODE_SECTION, LiveAsgiServer
from coursecompanion.tests.production_server import (
    ProductionServer,
    manage,
    production_env,
    release,
)


@pytest.fixture
def live(transactional_db, settings):
    server = LiveAsgiServer()
    # The deployment's public address is the live server's, as for a real one.
    settings.PUBLIC_BASE_URL = server.url
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": server.url}
    yield server
    server.stop()


@pytest.fixture
def course(db):
    """A free chapter with a code section and a quiz of every kind, and a premium chapter."""
    # Transactional tests flush the tier plans the migration seeded.
    for order, tier in enumerate(Tier, start=1):
        TierPlan.objects.get_or_create(
            name=tier, defaults={"price_usd_month": order * 5, "unlocks": "All", "description": ""}
        )
    free = ChapterFactory(title="Loops", order=1, required_tier=Tier.FREE)
    section = SectionFactory(chapter=free, title="For loops", content=CODE_SECTION)
    locked = ChapterFactory(title="Generators", order=2, required_tier=Tier.PREMIUM)
    SectionFactory(chapter=locked, title="Yield", content="PREMIUM-ONLY-TEXT about yield.")
    quiz, questions = mixed_quiz(chapter=free)
    return {
        "free": free,
        "section": section,
        "locked": locked,
        "quiz": quiz,
        "questions": questions,
    }


@pytest.fixture(scope="session")
def collected_static_root(tmp_path_factory):
    """Static files collected once (as the release step does) for every production server."""
    root = tmp_path_factory.mktemp("collected-static")
    env = production_env(root, DJANGO_STATIC_ROOT=str(root))
    result = manage(env, "collectstatic", "--noinput", "-v0")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="session")
def production_site(tmp_path_factory, collected_static_root):
    """One gunicorn started as the Procfile starts it, after the release step, shared by the
    tests that only read from it (its SQLite database is its own, never the test database)."""
    workdir = tmp_path_factory.mktemp("production-site")
    env = production_env(workdir, DJANGO_STATIC_ROOT=str(collected_static_root))
    release(env)
    server = ProductionServer(env, workdir / "gunicorn.log").start()
    yield server
    server.stop()
