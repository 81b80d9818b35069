"""HEAD answers like GET on every GET operation; OPTIONS stays a JSON 405."""

import pytest

from conftest import bearer_client
from coursecompanion.tests.factories import QuestionFactory, SectionFactory

pytestmark = pytest.mark.django_db


def get_paths(client) -> list[str]:
    document = client.get("/api/v1/openapi.json").json()
    return [path for path, methods in document["paths"].items() if "get" in methods]


def test_head_answers_like_get_without_a_body_on_every_get_operation(user):
    section = SectionFactory()
    quiz = QuestionFactory(quiz__chapter=section.chapter).quiz
    client = bearer_client(user)
    concrete = {
        "{chapter_id}": str(section.chapter_id),
        "{section_id}": str(section.pk),
        "{quiz_id}": str(quiz.pk),
        "{user_id}": "me",
    }
    queries = {
        "/api/v1/search": "?q=markdown",
        "/api/v1/access/check": f"?resource=chapter:{section.chapter_id}",
    }
    paths = get_paths(client)
    assert len(paths) >= 14
    for template in paths:
        path = template
        for placeholder, value in concrete.items():
            path = path.replace(placeholder, value)
        path += queries.get(template, "")
        got = client.get(path)
        head = client.head(path)
        assert got.status_code == 200, (path, got.content)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert head["Content-Type"] == got["Content-Type"], path
        assert int(head["Content-Length"]) == len(got.content), path


def test_head_of_an_error_is_the_get_error_without_a_body(anon_client):
    assert anon_client.get("/api/v1/me").status_code == 401
    head = anon_client.head("/api/v1/me")
    assert head.status_code == 401
    assert head["WWW-Authenticate"].startswith("Bearer")
    assert head.content == b""


def test_head_on_a_post_only_path_is_405_with_allow(anon_client):
    response = anon_client.head("/api/v1/auth/token")
    assert response.status_code == 405
    assert "POST" in response["Allow"]


def test_options_stays_a_json_405(anon_client):
    response = anon_client.options("/api/v1/chapters")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
