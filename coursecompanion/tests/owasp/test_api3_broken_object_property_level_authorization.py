"""OWASP API3:2023 Broken Object Property Level Authorization: a client may neither set
properties it does not own (mass assignment) nor read properties it may not see."""

import json

import pytest

from conftest import bearer_client, make_user

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
