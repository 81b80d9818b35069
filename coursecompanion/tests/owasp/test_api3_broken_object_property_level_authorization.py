"""OWASP API3:2023 Broken Object Property Level Authorization: a client may neither set
properties it does not own (mass assignment on register, /me and every body) nor read
properties it may not see; the tier comes from the database, never from the token."""

import json

import pytest

from access.models import User
from access.services import change_tier
from access.tests.test_auth_api import ME, REGISTER, claims_of
from conftest import PASSWORD, assert_error, bearer_client, make_user, post_json

pytestmark = pytest.mark.django_db

# The one property a client never owns, sent to every operation that reads a body.
SMUGGLED = {"user_id": 1, "score": 100, "passed": True, "tier": "pro", "is_staff": True}


def operations_with_a_body(client) -> list[tuple[str, str, dict]]:
    """(method, path, request schema) of every operation that reads a JSON body."""
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if "requestBody" in operation:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                schema = schemas[ref.rsplit("/", 1)[1]]
                found.append(
                    (method.upper(), path, {**schema, "operationId": operation["operationId"]})
                )
    return found


def concrete(path: str) -> str:
    return path.replace("{quiz_id}", "1").replace("{user_id}", "me")


def test_every_operation_with_a_body_refuses_unknown_fields():
    # A tier manager, so no operation refuses the caller before its body is read.
    manager = make_user("manager@example.com", is_staff=True, is_superuser=True)
    client = bearer_client(manager)
    operations = operations_with_a_body(client)
    assert len(operations) >= 8, operations
    for method, path, schema in operations:
        operation_id = schema["operationId"]
        response = client.generic(
            method,
            concrete(path),
            data=json.dumps(SMUGGLED),
            content_type="application/json",
        )
        assert response.status_code == 422, (operation_id, response.content)
        errors = response.json()["error"]["details"]
        refused = {error["loc"][-1] for error in errors if error["type"] == "extra_forbidden"}
        # upgradeUserTier names its target user in the body; every other key is foreign.
        assert refused == set(SMUGGLED) - set(schema["properties"]), (operation_id, errors)
        assert refused, operation_id


def test_every_request_schema_says_unknown_fields_are_refused(anon_client):
    for _method, _path, schema in operations_with_a_body(anon_client):
        assert schema.get("additionalProperties") is False, schema["operationId"]


def test_register_refuses_fields_a_caller_may_not_set(anon_client):
    response = post_json(
        anon_client,
        REGISTER,
        {"email": "sneaky@example.com", "password": PASSWORD, "tier": "team", "is_staff": True},
    )
    error = assert_error(response, 422, "validation_error")
    assert {tuple(d["loc"][-1:]) for d in error["details"]} == {("tier",), ("is_staff",)}
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "smuggled",
    [
        {"tier": "team"},
        {"is_staff": True},
        {"is_superuser": True},
        {"email": "boss@example.com"},
        {"user_id": 1, "id": 1},
        {"score": 100},
        {"display_name": "Eve", "tier": "pro", "is_staff": True},
    ],
)
def test_patch_me_cannot_set_protected_fields(auth_client, user, smuggled):
    before = User.objects.values().get(pk=user.pk)
    response = auth_client.patch(ME, smuggled, content_type="application/json")
    assert_error(response, 422, "validation_error")
    assert User.objects.values().get(pk=user.pk) == before


def test_tier_comes_from_the_database_not_the_token(user, gated_course):
    client = bearer_client(user)  # token minted while the student is free
    chapter = f"/api/v1/chapters/{gated_course['premium'].id}"
    assert client.get(chapter).status_code == 403
    # The one way a tier changes (it also drops the user from the user cache).
    change_tier(user=user, new_tier="premium", changed_by=None, reason="bought premium")
    assert client.get(chapter).status_code == 200
    assert client.get(ME).json()["tier"] == "premium"
    assert "tier" not in claims_of(client.defaults["HTTP_AUTHORIZATION"].split()[1])
