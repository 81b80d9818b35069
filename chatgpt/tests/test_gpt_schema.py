"""The Actions-ready documents: both validate as OpenAPI 3.1, and the GPT's stays within every
limit of the GPT editor, including the size of each response on the demo course."""

import io
import json

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate

from chatgpt.schema import (
    GPT_OPERATIONS,
    MAX_OPERATIONS,
    MAX_PARAMETER_DESCRIPTION,
    MAX_RESPONSE_CHARACTERS,
    MAX_SUMMARY_AND_DESCRIPTION,
)
from conftest import bearer_client, make_user

# What ChatGPT may do without asking the student first.
NOT_CONSEQUENTIAL = {
    "getMe",
    "listChapters",
    "getChapter",
    "getSection",
    "getNextChapter",
    "getPreviousChapter",
    "searchContent",
    "listQuizzes",
    "getQuiz",
    "submitQuiz",
    "listQuizResults",
    "getProgress",
    "updateProgress",
    "getStreak",
    "checkIn",
    "checkAccess",
    "listTiers",
}


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


@pytest.fixture
def gpt_document(client) -> dict:
    response = client.get("/api/v1/openapi-gpt.json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def full_document(client) -> dict:
    return client.get("/api/v1/openapi.json").json()


def test_both_documents_are_valid_openapi_3_1(gpt_document, full_document):
    for document in (gpt_document, full_document):
        assert document["openapi"].startswith("3.1")
        validate(document)


def test_both_documents_name_the_public_base_url(gpt_document, full_document, settings):
    assert full_document["servers"] == [{"url": settings.PUBLIC_BASE_URL}]
    assert gpt_document["servers"] == [{"url": settings.PUBLIC_BASE_URL}]


def test_the_full_document_describes_both_security_schemes(full_document, settings):
    schemes = full_document["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert "bearerFormat" not in schemes["bearerAuth"]  # not only JWT any more
    flow = schemes["oauth2"]["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == f"{settings.PUBLIC_BASE_URL}/oauth/authorize/"
    by_id = {op["operationId"]: op for _, _, op in operations(full_document)}
    assert by_id["submitQuiz"]["security"] == [{"bearerAuth": []}, {"oauth2": ["write"]}]
    assert by_id["getChapter"]["security"] == [{"bearerAuth": []}, {"oauth2": ["read"]}, {}]
    # Staff-only: an OAuth token can never call it.
    assert by_id["upgradeUserTier"]["security"] == [{"bearerAuth": []}]


def test_the_gpt_document_holds_only_student_operations_within_the_limits(
    gpt_document, full_document
):
    found = list(operations(gpt_document))
    assert 0 < len(found) <= MAX_OPERATIONS
    full_ids = {op["operationId"] for _, _, op in operations(full_document)}
    ids = {op["operationId"] for _, _, op in found}
    assert ids == set(GPT_OPERATIONS) <= full_ids
    assert not ids & {"upgradeUserTier", "obtainToken", "register", "deleteConnection"}
    for _, _, operation in found:
        told = len(operation["summary"]) + len(operation["description"])
        assert 0 < told <= MAX_SUMMARY_AND_DESCRIPTION, operation["operationId"]
        for parameter in operation.get("parameters", []):
            assert len(parameter.get("description", "")) <= MAX_PARAMETER_DESCRIPTION
        assert operation["x-openai-isConsequential"] is (
            operation["operationId"] not in NOT_CONSEQUENTIAL
        )
        assert operation["responses"]
        (requirement,) = operation["security"]
        assert list(requirement) == ["oauth2"]


def test_the_gpt_document_carries_the_oauth_scheme_with_our_urls(gpt_document, settings):
    schemes = gpt_document["components"]["securitySchemes"]
    assert list(schemes) == ["oauth2"]
    flow = schemes["oauth2"]["flows"]["authorizationCode"]
    base = settings.PUBLIC_BASE_URL
    assert flow["authorizationUrl"] == f"{base}/oauth/authorize/"
    assert flow["tokenUrl"] == f"{base}/oauth/token/"
    assert set(flow["scopes"]) == {"read", "write"}
    by_id = {op["operationId"]: op for _, _, op in operations(gpt_document)}
    assert by_id["submitQuiz"]["security"] == [{"oauth2": ["write"]}]
    assert by_id["checkIn"]["security"] == [{"oauth2": ["write"]}]
    assert by_id["searchContent"]["security"] == [{"oauth2": ["read"]}]


def test_every_reference_in_the_gpt_document_resolves(gpt_document):
    text = json.dumps(gpt_document)
    schemas = gpt_document["components"]["schemas"]
    for name in schemas:
        assert f'"#/components/schemas/{name}"' in text  # no unused schema either
    for fragment in text.split('"$ref": "#/components/schemas/')[1:]:
        assert fragment.split('"', 1)[0] in schemas


def test_export_gpt_schema_writes_the_document_for_a_base_url(tmp_path):
    target = tmp_path / "openapi-gpt.json"
    out = io.StringIO()
    call_command(
        "export_gpt_schema", str(target), "--base-url", "https://course.example.com/", stdout=out
    )
    document = json.loads(target.read_text())
    validate(document)
    assert document["servers"] == [{"url": "https://course.example.com"}]
    flow = document["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"]
    assert flow["tokenUrl"] == "https://course.example.com/oauth/token/"
    assert f"{len(GPT_OPERATIONS)} operations" in out.getvalue()


@pytest.mark.django_db
def test_every_gpt_response_on_the_demo_course_stays_under_the_actions_limit(
    gpt_document, rate_limits_off
):
    """Every GET of the GPT document, with the largest page, as a pro student (who may open
    every chapter), plus a quiz submit: each body stays under 100,000 characters."""
    from content.models import Chapter, Section
    from quizzes.models import Quiz

    call_command("load_demo_course", "--write", stdout=io.StringIO())
    student = make_user("pro@example.com", tier="pro")
    client = bearer_client(student)
    ids = {
        "chapter_id": list(Chapter.objects.values_list("id", flat=True)),
        "section_id": list(Section.objects.values_list("id", flat=True)),
        "quiz_id": list(Quiz.objects.values_list("id", flat=True)),
        "user_id": ["me"],
    }
    sizes = {}
    for path, method, operation in operations(gpt_document):
        if method != "get":
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        urls = [path]
        for name in names:
            urls = [url.replace(f"{{{name}}}", str(value)) for url in urls for value in ids[name]]
        for url in urls:
            response = client.get(url, {"limit": 100, "q": "python function class test"})
            assert response.status_code == 200, (url, response.content[:200])
            sizes[url] = len(response.content.decode())
    largest = max(sizes, key=sizes.get)
    assert sizes[largest] < MAX_RESPONSE_CHARACTERS, (largest, sizes[largest])
    chapters = [url for url in sizes if url.count("/") == 4 and "/chapters/" in url]
    assert chapters  # the longest demo chapter is among them
    print(f"largest GPT response: {largest} = {sizes[largest]} characters")
