"""The ChatGPT App's sign-in, end to end through the real endpoints: the MCP SDK's own OAuth
client discovers us from /mcp's 401, registers itself (RFC 7591), sends a student's browser
through sign-in and consent with PKCE, exchanges the code for a token bound to /mcp (RFC 8707)
and calls the tools; plus the rules of each step, one test each."""

import base64
import hashlib
import re
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx2
import pytest
from django.test import Client as DjangoClient
from django.utils import timezone
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from oauth2_provider.models import AccessToken, Application, set_token_value
from rest_framework_simplejwt.tokens import AccessToken as JwtAccessToken

from access.models import ClientRegistration
from chatgpt.tests.oauth_flow import hidden_inputs
from conftest import make_user
from coursecompanion.tests.mcp_support import (
    EXPECTED_TOOLS,
    WRITE_TOOLS,
    tool_arguments,
    with_mcp_client,
)

pytestmark = pytest.mark.django_db

CHATGPT_REDIRECT = "https://chatgpt.com/connector_platform_oauth_redirect"
PASSWORD = "correct-horse-battery-9"


class MemoryStorage:
    """The SDK client's token storage (ChatGPT keeps these on its side)."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens) -> None:
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info) -> None:
        self.client_info = client_info


class StudentBrowser:
    """The student's browser that ChatGPT opens on our authorization URL: signs in, consents,
    and lands on ChatGPT's redirect URI with the code."""

    def __init__(self, base_url: str, email: str) -> None:
        self.base_url = base_url
        self.email = email
        self.landed: str | None = None
        self.pages: list[str] = []
        self.consent_page = ""

    async def open(self, authorization_url: str) -> None:
        async with httpx2.AsyncClient(base_url=self.base_url, timeout=30) as browser:
            response = await browser.get(authorization_url)
            for _ in range(6):
                if response.status_code == 302:
                    location = response.headers["location"]
                    if location.startswith(CHATGPT_REDIRECT):
                        self.landed = location
                        return
                    response = await browser.get(location)
                    continue
                assert response.status_code == 200, response.text[:500]
                html = response.text
                self.pages.append(str(response.url.path))
                if 'id="authorizationForm"' in html:
                    self.consent_page = html
                    fields = {**hidden_inputs(html, "authorizationForm"), "allow": "Authorize"}
                    response = await browser.post(str(response.url), data=fields)
                else:
                    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
                    next_url = parse_qs(urlsplit(str(response.url)).query)["next"][0]
                    response = await browser.post(
                        str(response.url),
                        data={
                            "csrfmiddlewaretoken": token.group(1),
                            "email": self.email,
                            "password": PASSWORD,
                            "next": next_url,
                        },
                    )
            raise AssertionError(f"the flow did not end at ChatGPT: {self.pages}")

    async def callback(self) -> AuthorizationCodeResult:
        query = parse_qs(urlsplit(self.landed).query)
        return AuthorizationCodeResult(
            code=query["code"][0], state=query["state"][0], iss=query.get("iss", [None])[0]
        )


def test_chatgpt_connects_with_the_sdk_oauth_client_and_uses_every_tool(live, course):
    student = make_user("oauth-student@example.com")
    browser = StudentBrowser(live.url, student.email)
    storage = MemoryStorage()
    auth = OAuthClientProvider(
        server_url=f"{live.url}/mcp",
        client_metadata=OAuthClientMetadata(
            client_name="ChatGPT",
            redirect_uris=[CHATGPT_REDIRECT],
            grant_types=["authorization_code", "refresh_token"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=browser.open,
        callback_handler=browser.callback,
    )
    quiz = course["quiz"]
    arguments = tool_arguments(course)

    async def session():
        async with httpx2.AsyncClient(auth=auth, timeout=30) as http:
            transport = streamable_http_client(f"{live.url}/mcp", http_client=http)
            async with Client(transport, mode="legacy") as client:  # the initialize handshake
                tools = (await client.list_tools()).tools
                results = {n: await client.call_tool(n, a) for n, a in arguments.items()}
                locked = await client.call_tool("get_chapter", {"chapter_id": course["locked"].id})
                return tools, results, locked

    tools, results, locked = anyio.run(session)

    # Registered dynamically, as a public client, and recorded.
    registration = ClientRegistration.objects.get()
    assert registration.application.client_id == storage.client_info.client_id
    assert registration.application.client_type == Application.CLIENT_PUBLIC
    assert registration.token_endpoint_auth_method == "none"
    # The student went through our sign-in and consent pages.
    assert browser.pages == ["/oauth/sign-in/", "/oauth/authorize/"]
    # A self-named client: the consent page says where allowing it leads.
    assert "back to <strong>chatgpt.com</strong>" in browser.consent_page
    assert ClientRegistration.objects.count() == 1
    # The token is bound to /mcp and, with offline_access, comes with a refresh token.
    assert {"read", "write", "offline_access"} <= set(storage.tokens.scope.split())
    assert storage.tokens.refresh_token
    token = AccessToken.objects.get(user=student, application=registration.application)
    assert token.resource == [f"{live.url}/mcp"]

    by_name = {tool.name: tool for tool in tools}
    assert set(by_name) == EXPECTED_TOOLS
    for tool in tools:
        assert tool.input_schema["type"] == "object" and tool.output_schema["type"] == "object"
        assert tool.annotations.read_only_hint is (tool.name not in WRITE_TOOLS)
    for name, result in results.items():
        assert not result.is_error, (name, result.content)
        assert result.structured_content and result.content[0].text

    assert locked.is_error
    assert locked.structured_content["error"]["code"] == "chapter_locked"
    assert locked.structured_content["error"]["details"]["required_tier"] == "premium"
    assert "PREMIUM-ONLY-TEXT" not in str(locked.model_dump())

    # What ChatGPT did shows through the REST API.
    rest = DjangoClient(HTTP_AUTHORIZATION=f"Bearer {JwtAccessToken.for_user(student)}")
    attempts = rest.get(f"/api/v1/quizzes/{quiz.id}/results").json()["items"]
    assert [a["attempt_id"] for a in attempts] == [
        results["submit_quiz"].structured_content["attempt_id"]
    ]
    streak = rest.get("/api/v1/streaks/me").json()
    assert streak["current_streak"] == results["check_in"].structured_content["current_streak"]
    assert streak["checked_in_today"] is True


# --- authorization-server metadata and registration ------------------------------------------


def register(client: DjangoClient, **metadata):
    body = {"client_name": "An MCP client", "redirect_uris": [CHATGPT_REDIRECT], **metadata}
    return client.post("/oauth/register/", body, content_type="application/json")


def test_authorization_server_metadata_advertises_registration_and_s256(anon_client):
    metadata = anon_client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["registration_endpoint"].endswith("/oauth/register/")
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "offline_access" in metadata["scopes_supported"]


@pytest.mark.parametrize("method", ["none", "client_secret_post", "client_secret_basic"])
def test_registration_is_anonymous_and_echoes_the_auth_method(anon_client, method):
    response = register(anon_client, token_endpoint_auth_method=method)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token_endpoint_auth_method"] == method
    assert ("client_secret" in body) is (method != "none")
    application = Application.objects.get(client_id=body["client_id"])
    assert application.registration_source == Application.RegistrationSource.DCR
    assert ClientRegistration.objects.get(application=application).ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    "uri",
    [
        "http://example.com/callback",
        "ftp://example.com/callback",
        "https://example.com/callback#fragment",
        "javascript:alert(1)",
    ],
)
def test_registration_refuses_redirect_uris_that_are_not_https_or_loopback(anon_client, uri):
    response = register(anon_client, redirect_uris=[uri])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "uri", ["http://127.0.0.1:6274/oauth/callback", "http://localhost:6274/cb", "http://[::1]/cb"]
)
def test_registration_allows_loopback_for_development(anon_client, uri):
    assert register(anon_client, redirect_uris=[uri]).status_code == 201


def test_registration_is_rate_limited_per_ip(anon_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "client_register_per_ip": "2/h"}
    assert [register(anon_client).status_code for _ in range(3)] == [201, 201, 429]
    assert ClientRegistration.objects.count() == 2


# --- PKCE, resource indicators, offline_access ------------------------------------------------


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _signed_in_browser(email: str) -> DjangoClient:
    browser = DjangoClient()
    browser.force_login(make_user(email))
    return browser


def _authorize(browser: DjangoClient, client_id: str, **params):
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CHATGPT_REDIRECT,
        "scope": "read write",
        "state": "s",
        **params,
    }
    response = browser.get("/oauth/authorize/?" + urlencode(query))
    if response.status_code == 200 and b"authorizationForm" in response.content:
        fields = {**hidden_inputs(response.content.decode(), "authorizationForm"), "allow": "1"}
        response = browser.post(response.wsgi_request.get_full_path(), fields)
    return response


@pytest.mark.parametrize("method", ["none", "client_secret_post"])
def test_pkce_is_required_for_registered_clients(anon_client, method):
    client_id = register(anon_client, token_endpoint_auth_method=method).json()["client_id"]
    response = _authorize(_signed_in_browser("pkce@example.com"), client_id)
    assert response.status_code == 302
    assert "error=invalid_request" in response["Location"]
    assert "code=" not in response["Location"]


def test_plain_pkce_is_refused(anon_client):
    client_id = register(anon_client, token_endpoint_auth_method="none").json()["client_id"]
    verifier, _ = _pkce()
    browser = _signed_in_browser("plain@example.com")
    response = _authorize(
        browser, client_id, code_challenge=verifier, code_challenge_method="plain"
    )
    assert "code=" not in response.get("Location", "")


def _code_and_token(anon_client, *, scope: str, resource: str | None):
    client_id = register(anon_client, token_endpoint_auth_method="none").json()["client_id"]
    verifier, challenge = _pkce()
    extra = {"resource": resource} if resource else {}
    response = _authorize(
        _signed_in_browser(f"{secrets.token_hex(4)}@example.com"),
        client_id,
        scope=scope,
        code_challenge=challenge,
        code_challenge_method="S256",
        **extra,
    )
    code = parse_qs(urlsplit(response["Location"]).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CHATGPT_REDIRECT,
        "client_id": client_id,
        "code_verifier": verifier,
        **extra,
    }
    return anon_client.post("/oauth/token/", form)


def test_the_resource_parameter_becomes_the_token_audience(anon_client, settings):
    resource = f"{settings.PUBLIC_BASE_URL}/mcp"
    response = _code_and_token(anon_client, scope="read write", resource=resource)
    assert response.status_code == 200, response.content
    token = AccessToken.objects.get(token_checksum=_checksum(response.json()["access_token"]))
    assert token.resource == [resource]


def test_offline_access_yields_a_refresh_token(anon_client, settings):
    resource = f"{settings.PUBLIC_BASE_URL}/mcp"
    body = _code_and_token(anon_client, scope="read offline_access", resource=resource).json()
    assert body["refresh_token"]
    assert set(body["scope"].split()) == {"read", "offline_access"}


def _checksum(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _oauth_token(user, *, scope: str = "read write", resource: list[str]) -> str:
    application = Application.objects.create(
        name="Some client",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=CHATGPT_REDIRECT,
    )
    raw = secrets.token_urlsafe(32)
    token = AccessToken(
        user=user,
        application=application,
        scope=scope,
        expires=timezone.now() + timedelta(hours=1),
        resource=resource,
    )
    set_token_value(token, raw)
    token.save()
    return raw


def _list_tools_status(live, token: str) -> int:
    response = httpx2.post(
        f"{live.url}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    return response.status_code


@pytest.mark.parametrize(
    ("audiences", "status"),
    [
        (["{base}/mcp"], 200),
        (["{base}/api/v1", "{base}/mcp"], 200),  # a REST token whose audience includes /mcp
        ([], 401),  # a REST-only token (the Custom GPT's carry no resource)
        (["{base}/api/v1"], 401),
        (["https://other.example/mcp"], 401),  # minted for another resource
    ],
)
def test_mcp_accepts_only_tokens_minted_for_it(live, user, audiences, status):
    token = _oauth_token(user, resource=[a.format(base=live.url) for a in audiences])
    assert _list_tools_status(live, token) == status


def test_a_read_only_token_cannot_use_write_tools(live, user, course):
    token = _oauth_token(user, scope="read", resource=[f"{live.url}/mcp"])

    async def run(client):
        return await client.call_tool("check_in", {}), await client.call_tool("list_chapters", {})

    write, read = with_mcp_client(live.url, token, run)
    assert write.is_error
    assert write.structured_content["error"]["code"] == "insufficient_scope"
    assert not read.is_error


def test_a_staff_members_oauth_token_carries_no_staff_powers(live, course):
    staff = make_user("staff-oauth@example.com", is_staff=True)
    token = _oauth_token(staff, resource=[f"{live.url}/mcp"])
    draft = course["locked"]
    draft.published = False
    draft.save()

    async def run(client):
        return await client.call_tool("get_chapter", {"chapter_id": draft.id})

    result = with_mcp_client(live.url, token, run)
    assert result.is_error
    assert result.structured_content["error"]["code"] == "chapter_not_found"


def test_staff_see_registrations_in_the_admin(anon_client, admin_client):
    register(anon_client, client_name="Inspector", token_endpoint_auth_method="none")
    page = admin_client.get("/admin/access/clientregistration/")
    assert page.status_code == 200
    assert b"Inspector" in page.content and b"127.0.0.1" in page.content
    registration = ClientRegistration.objects.get()
    detail = admin_client.get(f"/admin/access/clientregistration/{registration.pk}/change/")
    assert detail.status_code == 200 and b"Save" not in detail.content
