import json

import pytest
from django.db import OperationalError, connection
from django.test import Client

pytestmark = pytest.mark.django_db


def error_of(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]


def test_openapi_document_is_3_1_and_every_operation_is_documented(anon_client):
    response = anon_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    operation_ids = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            assert operation.get("operationId"), where
            assert operation.get("summary"), where
            assert "\n" not in operation["summary"], where
            codes = set(operation["responses"])
            assert {"400", "422", "429", "500"} <= codes, where
            assert any(code.startswith("2") for code in codes), where
            for code, spec in operation["responses"].items():
                if not code.startswith("2"):
                    schema_ref = spec["content"]["application/json"]["schema"]["$ref"]
                    assert schema_ref.endswith("/ErrorOut"), where
            operation_ids.append(operation["operationId"])
    assert len(operation_ids) == len(set(operation_ids))
    assert {"listChapters", "getChapter", "getSection"} <= set(operation_ids)


def test_interactive_docs_are_served(anon_client):
    assert anon_client.get("/api/v1/docs").status_code == 200


def test_healthz(anon_client):
    assert anon_client.get("/healthz").json() == {"status": "ok"}


def test_readyz_ok(anon_client):
    body = anon_client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"


def test_readyz_names_the_failed_check(anon_client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)
    error = error_of(anon_client.get("/readyz"), 503)
    assert error["code"] == "not_ready"
    assert "database" in error["message"]
    assert error["details"]["checks"]["database"] == "failed"


def test_health_wrong_method_is_json(anon_client):
    assert error_of(anon_client.post("/healthz"), 405)["code"] == "method_not_allowed"


def test_bearer_and_oauth_schemes_and_optional_tokens_are_marked_optional(anon_client):
    document = anon_client.get("/api/v1/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"bearerAuth", "oauth2"}
    assert schemes["bearerAuth"]["type"] == "http" and schemes["bearerAuth"]["scheme"] == "bearer"
    assert set(schemes["oauth2"]["flows"]) == {"authorizationCode"}
    # Any token a resolver accepts (simplejwt, OAuth): the scheme promises no one format.
    assert "bearerFormat" not in schemes["bearerAuth"]
    security = {
        operation["operationId"]: operation.get("security")
        for methods in document["paths"].values()
        for operation in methods.values()
    }
    # anonymous reads allowed
    assert security["listChapters"] == [{"bearerAuth": []}, {"oauth2": ["read"]}, {}]
    assert security["getMe"] == [{"bearerAuth": []}, {"oauth2": ["read"]}]  # a token is required
    assert security["submitQuiz"] == [{"bearerAuth": []}, {"oauth2": ["write"]}]
    assert security["obtainToken"] is None  # logging in needs no token


def test_malformed_json_body_is_400_json(auth_client):
    response = auth_client.generic(
        "PATCH", "/api/v1/me", b"\x00{not json", content_type="application/json"
    )
    error = error_of(response, 400)
    assert error["code"] == "malformed_body"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/quizzes?offset=164166447118205911040",
        "/api/v1/chapters?offset=99999999999999999999999",
        "/api/v1/search?q=loop&offset=99999999999999999999999",
    ],
)
def test_absurd_offsets_are_422_not_a_database_overflow(anon_client, path):
    error = error_of(anon_client.get(path), 422)
    assert error["code"] == "validation_error"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/chapters/99999999999999999999",
        "/api/v1/sections/99999999999999999999",
        "/api/v1/quizzes/99999999999999999999",
        "/api/v1/quizzes?chapter=99999999999999999999",
        "/api/v1/access/check?resource=chapter:99999999999999999999",
    ],
)
def test_ids_beyond_the_database_range_never_answer_500(anon_client, path):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code in (200, 404, 422), response.content
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("text", ["nul\u0000byte", "lone \ud800 surrogate", "\udfff"])
def test_text_no_database_can_store_is_refused_in_bodies(auth_client, text):
    body = json.dumps({"display_name": text})  # JSON escapes: what a client can really send
    response = auth_client.generic("PATCH", "/api/v1/me", body, content_type="application/json")
    assert error_of(response, 400)["code"] == "malformed_body"
    keyed = json.dumps({"answers": {text: "A"}})
    response = auth_client.generic(
        "POST", "/api/v1/quizzes/1/submit", keyed, content_type="application/json"
    )
    assert error_of(response, 400)["code"] == "malformed_body"


def test_nul_in_a_query_string_is_422(anon_client):
    error = error_of(anon_client.get("/api/v1/search?q=loop%00s"), 422)
    assert error["details"][0]["loc"] == ["query", "q"]


def test_too_many_query_parameters_is_400_not_500(anon_client):
    query = "&".join(f"p{number}=1" for number in range(1001))  # Django stops at 1000 fields
    response = Client(raise_request_exception=False).get(f"/api/v1/chapters?{query}")
    error = error_of(response, 400)
    assert error["code"] == "bad_request"


def test_too_many_form_fields_outside_the_api_is_400_json():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "x" * 32
    form = "&".join(f"p{number}=1" for number in range(1001))
    # The CSRF check reads the form (no view of ours ever does), which has too many fields.
    response = client.post("/healthz", form, content_type="application/x-www-form-urlencoded")
    assert error_of(response, 400)["code"] == "bad_request"


def test_every_operation_names_the_error_codes_it_may_answer(anon_client):
    from coursecompanion.errors import ERRORS

    document = anon_client.get("/api/v1/openapi.json").json()
    listed = {}
    for methods in document["paths"].values():
        for operation in methods.values():
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    continue
                codes = response["x-error-codes"]
                assert codes, (operation["operationId"], status)
                assert all(ERRORS[code].status == int(status) for code in codes)
                assert all(f"`{code}`" in response["description"] for code in codes)
            listed[operation["operationId"]] = {
                code
                for status, response in operation["responses"].items()
                for code in response.get("x-error-codes", ())
            }
    assert {"chapter_locked", "chapter_not_found", "not_authenticated"} <= listed["getChapter"]
    assert {"invalid_answers", "attempt_limit_reached"} <= listed["submitQuiz"]
    assert "rate_limited" in listed["listTiers"]
    # Any operation an OAuth token may call refuses a token without its scope.
    assert {"insufficient_scope", "chapter_locked"} <= listed["getChapter"]
    assert "insufficient_scope" in listed["getMe"]
    assert "insufficient_scope" not in listed["obtainToken"]


def test_every_error_code_raised_in_the_source_is_in_the_catalogue():
    import re
    from pathlib import Path

    from coursecompanion.errors import ERRORS

    root = Path(__file__).resolve().parents[2]
    raised = set()
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        if path.name == "kinds.py":  # question kinds' codes, not error codes
            continue
        text = path.read_text()
        raised |= set(re.findall(r'\bcode\s*=\s*"([a-z_]+)"', text))
        raised |= set(re.findall(r'error_response\(\s*request,\s*"([a-z_]+)"', text))
    raised -= {"invalid_timezone"}  # a Django ValidationError code inside a 422's details
    assert raised and raised <= set(ERRORS), raised - set(ERRORS)


def test_retry_after_comes_with_the_codes_that_promise_it():
    from coursecompanion.errors import RateLimited, render_error

    assert RateLimited(retry_after=7).render().headers == {"Retry-After": "7"}
    rendered = render_error("not_authenticated")
    assert rendered.status == 401
    assert rendered.headers["WWW-Authenticate"].startswith("Bearer")
    assert render_error("chapter_not_found", retry_after=3).headers == {}
