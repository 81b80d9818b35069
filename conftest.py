import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from access.models import User
from access.tiers import Tier


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    # Hashing passwords for real would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")


def make_user(email: str = "student@example.com", *, tier: str = Tier.FREE, **extra) -> User:
    return User.objects.create_user(email, "correct-horse-battery-9", tier=tier, **extra)


@pytest.fixture
def user(db) -> User:
    return make_user()


@pytest.fixture
def premium_user(db) -> User:
    return make_user("premium@example.com", tier=Tier.PREMIUM)


@pytest.fixture
def staff_user(db) -> User:
    return make_user("staff@example.com", is_staff=True)


@pytest.fixture
def anon_client() -> Client:
    return Client()


def bearer_client(user: User) -> Client:
    from rest_framework_simplejwt.tokens import AccessToken

    return Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")


@pytest.fixture
def auth_client(user) -> Client:
    return bearer_client(user)


@pytest.fixture
def premium_client(premium_user) -> Client:
    return bearer_client(premium_user)


@pytest.fixture
def rate_limits_off(settings):
    """For a test that calls one operation more than 60 times (e.g. hypothesis over the API):
    the API-wide rate limits (access/ratelimits.py) would answer 429."""
    settings.RATELIMIT_ENABLE = False
