"""The resolver seam: a new token type is one more resolver, and authentication, staff powers
and the rate limits all follow it with no other change."""

import pytest
from django.test import Client

from access import auth
from access.auth import SCHEME_OAUTH, Credential
from conftest import assert_error, bearer_client, make_user, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_tokens(monkeypatch):
    """A second token type: "other-<email>" names that user, with the given scopes."""
    resolved: list[str] = []

    def resolve(token: str) -> Credential | None:
        resolved.append(token)
        if not token.startswith("other-"):
            return None
        from access.models import User

        user = User.objects.filter(email=token.removeprefix("other-")).first()
        if user is None:
            return None
        return Credential(user=user, scheme=SCHEME_OAUTH, scopes=frozenset({"read"}))

    monkeypatch.setattr(auth, "TOKEN_RESOLVERS", [*auth.TOKEN_RESOLVERS, resolve])
    return resolved


def test_a_new_resolver_signs_callers_in(other_tokens, user):
    client = Client(HTTP_AUTHORIZATION=f"Bearer other-{user.email}")
    assert client.get("/api/v1/me").json()["email"] == user.email
    assert_error(
        Client(HTTP_AUTHORIZATION="Bearer other-nobody").get("/api/v1/me"), 401, "not_authenticated"
    )


def test_each_token_is_resolved_once_per_request(other_tokens, user):
    Client(HTTP_AUTHORIZATION=f"Bearer other-{user.email}").get("/api/v1/me")
    assert other_tokens == [f"other-{user.email}"]


def test_limits_key_on_the_user_of_any_token_type(other_tokens, settings, user):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "user_per_operation": "2/m"}
    other = Client(HTTP_AUTHORIZATION=f"Bearer other-{user.email}")
    first_party = bearer_client(user)
    assert other.get("/api/v1/me", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert first_party.get("/api/v1/me", REMOTE_ADDR="192.0.2.2").status_code == 200
    error = assert_error(other.get("/api/v1/me", REMOTE_ADDR="192.0.2.3"), 429, "rate_limited")
    assert error["details"]["scope"] == "api:getMe"


def test_scoped_tokens_of_staff_carry_no_staff_powers(other_tokens):
    manager = make_user("boss@example.com", is_staff=True, is_superuser=True)
    student = make_user("kid@example.com")
    body = {"user_id": student.id, "new_tier": "team", "reason": "linked"}
    linked = Client(HTTP_AUTHORIZATION=f"Bearer other-{manager.email}")
    assert_error(post_json(linked, "/api/v1/access/upgrade", body), 403, "forbidden")
    assert post_json(bearer_client(manager), "/api/v1/access/upgrade", body).status_code == 200


def test_staff_powers_need_a_first_party_credential(user):
    staff = make_user("staff2@example.com", is_staff=True)
    assert Credential(user=staff, scheme="jwt", scopes=None).staff_powers
    assert not Credential(user=staff, scheme=SCHEME_OAUTH, scopes=frozenset({"read"})).staff_powers
    assert not Credential(user=user, scheme="jwt", scopes=None).staff_powers
