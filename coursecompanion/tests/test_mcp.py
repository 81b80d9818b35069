"""The MCP server end to end: the SDK's own client over streamable HTTP against the project's
ASGI app in a real uvicorn, with tokens through the same resolver seam as the REST API."""

import anyio
import httpx2
import pytest
from django.test import Client as DjangoClient
from django.test import override_settings
from rest_framework_simplejwt.tokens import AccessToken

from access.auth import Credential
from coursecompanion.tests.factories import ChapterFactory, SectionFactory, all_right
from coursecompanion.tests.mcp_support import (
    CODE_SECTION,
    EXPECTED_TOOLS,
    WRITE_TOOLS,
    tool_arguments,
    with_mcp_client,
)

pytestmark = pytest.mark.django_db


def token_for(user) -> str:
    return str(AccessToken.for_user(user))


def call(live, user, name, arguments=None):
    async def run(client):
        return await client.call_tool(name, arguments or {})

    return with_mcp_client(live.url, token_for(user), run)


def test_anonymous_call_is_401_pointing_at_the_protected_resource_metadata(live):
    response = httpx2.post(
        f"{live.url}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        f'Bearer resource_metadata="{live.url}/.well-known/oauth-protected-resource/mcp"'
    )
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_bad_token_is_401_with_invalid_token(live):
    response = httpx2.post(
        f"{live.url}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": "Bearer not-a-token", "Accept": "application/json"},
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_tools_have_schemas_annotations_and_widgets(live, user):
    async def run(client):
        return (await client.list_tools()).tools, (await client.list_resources()).resources

    tools, resources = with_mcp_client(live.url, token_for(user), run)
    by_name = {tool.name: tool for tool in tools}
    assert set(by_name) == EXPECTED_TOOLS
    for tool in tools:
        assert tool.description and tool.title
        assert tool.input_schema["type"] == "object"
        assert tool.output_schema and tool.output_schema["type"] == "object"
        assert tool.annotations.read_only_hint is (tool.name not in WRITE_TOOLS)
    assert by_name["get_chapter"].input_schema["required"] == ["chapter_id"]
    assert "answers" in by_name["submit_quiz"].input_schema["properties"]
    # The quiz schema has no place for answers or explanations.
    question = by_name["get_quiz"].output_schema["$defs"]["QuestionOut"]["properties"]
    assert not {"answer", "explanation", "correct_answer"} & set(question)

    templates = {
        tool.name: (tool.meta or {}).get("openai/outputTemplate")
        for tool in tools
        if (tool.meta or {}).get("openai/outputTemplate")
    }
    assert templates["get_chapter"] == "ui://widget/chapter-reader.html"
    assert templates["get_quiz"] == templates["submit_quiz"] == "ui://widget/quiz-card.html"
    assert templates["get_progress"] == "ui://widget/progress-dashboard.html"
    widgets = {str(resource.uri): resource for resource in resources}
    assert set(templates.values()) <= set(widgets)
    assert {resource.mime_type for resource in resources} == {"text/html+skybridge"}


def test_every_tool_answers_structured_content_and_a_short_text(live, user, course):
    quiz, questions = course["quiz"], course["questions"]
    free, section = course["free"], course["section"]
    arguments = tool_arguments(course)
    assert set(arguments) == EXPECTED_TOOLS

    async def run(client):
        return {name: await client.call_tool(name, args) for name, args in arguments.items()}

    results = with_mcp_client(live.url, token_for(user), run)
    for name, result in results.items():
        assert not result.is_error, (name, result.content)
        assert result.structured_content, name
        assert result.content[0].type == "text" and 0 < len(result.content[0].text) <= 200

    chapter = results["get_chapter"].structured_content
    assert chapter["title"] == "Loops"
    assert chapter["sections"][0]["content"] == CODE_SECTION  # verbatim
    assert chapter["quiz_id"] == quiz.id
    assert results["get_section"].structured_content["content"] == CODE_SECTION
    assert results["search_course"].structured_content["items"][0]["section_id"] == section.id
    quiz_out = results["get_quiz"].structured_content
    assert {q["kind"] for q in quiz_out["questions"]} == set(questions)
    assert "secret" not in str(quiz_out) and "SHORTKEY" not in str(quiz_out)
    attempt = results["submit_quiz"].structured_content
    assert attempt["passed"] and attempt["percent"] == 100
    progress = results["get_progress"].structured_content
    assert progress["quizzes_passed"] == 1
    assert results["update_progress"].structured_content["completed_chapters"] == [free.id]
    assert results["check_in"].structured_content["current_streak"] == 1
    assert results["get_streak"].structured_content["checked_in_today"] is True
    access = results["check_access"].structured_content
    assert (access["allowed"], access["required_tier"]) == (False, "premium")
    assert [plan["name"] for plan in results["list_tiers"].structured_content["items"]] == [
        "free",
        "premium",
        "pro",
        "team",
    ]


def test_a_locked_chapter_is_a_tool_error_with_its_tier_and_no_text(live, user, course):
    result = call(live, user, "get_chapter", {"chapter_id": course["locked"].id})
    assert result.is_error
    error = result.structured_content["error"]
    assert error["code"] == "chapter_locked"
    assert error["details"]["required_tier"] == "premium"
    assert result.meta["status"] == 403  # what the REST API answers for the same read
    assert "PREMIUM-ONLY-TEXT" not in str(result.model_dump())


def test_a_premium_student_reads_the_premium_chapter(live, premium_user, course):
    result = call(live, premium_user, "get_chapter", {"chapter_id": course["locked"].id})
    assert not result.is_error
    assert "PREMIUM-ONLY-TEXT" in result.structured_content["sections"][0]["content"]


def test_not_found_and_invalid_answers_are_tool_errors_with_our_codes(live, user, course):
    missing = call(live, user, "get_chapter", {"chapter_id": 999_999})
    assert missing.is_error and missing.structured_content["error"]["code"] == "chapter_not_found"
    invalid = call(live, user, "submit_quiz", {"quiz_id": course["quiz"].id, "answers": {}})
    assert invalid.is_error
    assert invalid.structured_content["error"]["code"] == "invalid_answers"


def test_a_quiz_submitted_over_mcp_shows_in_the_rest_results(live, user, course):
    quiz = course["quiz"]
    answers = all_right(course["questions"])
    result = call(live, user, "submit_quiz", {"quiz_id": quiz.id, "answers": answers})
    rest = DjangoClient(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    results = rest.get(f"/api/v1/quizzes/{quiz.id}/results").json()
    assert [item["attempt_id"] for item in results["items"]] == [
        result.structured_content["attempt_id"]
    ]


def test_a_check_in_over_mcp_is_the_rest_streak(live, user, course):
    checked = call(live, user, "check_in").structured_content
    rest = DjangoClient(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    streak = rest.get("/api/v1/streaks/me").json()
    assert streak["current_streak"] == checked["current_streak"] == 1
    assert streak["checked_in_today"] is True


def test_tool_calls_count_in_the_same_per_user_limits_as_rest(live, user, course, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "user_per_operation": "3/m"}
    rest = DjangoClient(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    assert rest.get("/api/v1/chapters").status_code == 200
    assert rest.get("/api/v1/chapters").status_code == 200

    async def run(client):
        return [await client.call_tool("list_chapters", {}) for _ in range(2)]

    first, second = with_mcp_client(live.url, token_for(user), run)
    assert not first.is_error
    assert second.is_error and second.structured_content["error"]["code"] == "rate_limited"
    assert second.meta["status"] == 429 and second.meta["retry_after"] > 0
    assert rest.get("/api/v1/chapters").status_code == 429


def test_transport_security_allows_only_django_allowed_hosts(live, user):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {
        "Authorization": f"Bearer {token_for(user)}",
        "Accept": "application/json, text/event-stream",
        "Host": "evil.example",
    }
    response = httpx2.post(f"{live.url}/mcp", json=body, headers=headers)
    assert response.status_code == 421


def test_allowed_hosts_become_the_sdk_allowlist():
    from coursecompanion.mcp_server import transport_security

    with override_settings(ALLOWED_HOSTS=["api.example.com", ".example.org"]):
        security = transport_security()
    assert security.enable_dns_rebinding_protection
    assert {"api.example.com", "api.example.com:*", "example.org"} <= set(security.allowed_hosts)
    assert "https://api.example.com" in security.allowed_origins
    with override_settings(ALLOWED_HOSTS=["*"]):
        assert not transport_security().enable_dns_rebinding_protection


@pytest.mark.parametrize(
    ("path", "resource"),
    [
        ("/.well-known/oauth-protected-resource", "http://testserver"),
        ("/.well-known/oauth-protected-resource/mcp", "http://testserver/mcp"),
    ],
)
def test_protected_resource_metadata_names_our_authorization_server(
    anon_client, settings, path, resource
):
    settings.PUBLIC_BASE_URL = "http://testserver"
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        response = anon_client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["resource"] == resource
    assert body["authorization_servers"] == ["http://testserver"]
    assert {"read", "write", "offline_access"} <= set(body["scopes_supported"])
    assert body["bearer_methods_supported"] == ["header"]


def test_the_401_header_points_at_metadata_that_describes_mcp(live):
    response = httpx2.post(f"{live.url}/mcp", json={}, headers={"Accept": "application/json"})
    metadata_url = response.headers["www-authenticate"].split('resource_metadata="')[1].rstrip('"')
    metadata = httpx2.get(metadata_url).json()
    assert metadata["resource"] == f"{live.url}/mcp"


def run_tool(name: str, user, **arguments):
    """A tool called in this thread (so its queries can be counted), as the guard would."""
    from coursecompanion.mcp_tools import TOOLS, McpCaller, current_caller

    spec = next(spec for spec in TOOLS if spec.name == name)
    credential = Credential(user=user, scheme="jwt", scopes=None)
    reset = current_caller.set(
        McpCaller(credential=credential, client_ip="127.0.0.1", base_url="http://testserver")
    )
    try:
        return spec.fn(**arguments)
    finally:
        current_caller.reset(reset)


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("list_chapters", {}),
        ("get_progress", {}),
        ("search_course", {"query": "loop"}),
    ],
)
@pytest.mark.django_db(transaction=True)  # tools close stale connections, as between requests
def test_reads_take_a_constant_number_of_queries(user, name, arguments):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import content.tools  # noqa: F401 (declares the tools)
    import progress.tools  # noqa: F401

    for order in range(1, 3):
        SectionFactory(chapter=ChapterFactory(order=order), content="a loop here")
    cache.clear()  # both counts with a cold content cache
    with CaptureQueriesContext(connection) as few:
        assert not run_tool(name, user, **arguments).is_error
    for order in range(3, 9):
        SectionFactory(chapter=ChapterFactory(order=order), content="a loop here")
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert not run_tool(name, user, **arguments).is_error
    assert len(many) <= len(few)


def test_tools_run_on_a_bounded_number_of_threads(settings):
    from coursecompanion.asgi import build_application

    settings.MCP_WORKER_THREADS = 3
    app = build_application()

    async def start_and_stop():
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
        sent = []

        async def receive():
            return next(messages)

        async def send(message):
            sent.append(message["type"])

        await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
        return sent, anyio.to_thread.current_default_thread_limiter().total_tokens

    sent, threads = anyio.run(start_and_stop)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert threads == 3
