"""ChatGPT account linking end to end, through the real endpoints: authorize, sign in or
register, consent, code, token (secret in the body and HTTP Basic), API calls, refresh, revoke."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from access.models import OAuthConnection, User
from chatgpt.tests.oauth_flow import GPT_CALLBACK_NEW, PASSWORD, GptClient, api, csrf_token
from conftest import assert_error, bearer_client, make_user
from coursecompanion.tests.factories import all_right, mixed_quiz
from quizzes.models import Attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def gpt():
    return GptClient()


def submit(client, quiz, questions):
    return client.post(
        f"/api/v1/quizzes/{quiz.id}/submit",
        {"answers": all_right(questions)},
        content_type="application/json",
    )


def test_the_whole_flow_from_sign_in_to_revoked_token(gpt):
    student = make_user("ada@example.com")
    quiz, questions = mixed_quiz()
    url = gpt.authorize_url()

    # 1-2. ChatGPT opens the authorize URL; a stranger is sent to our sign-in page.
    first = gpt.browser.get(url)
    assert first.status_code == 302
    assert first["Location"].startswith("/oauth/sign-in/?next=")
    page = gpt.browser.get(first["Location"])
    assert page.status_code == 200
    assert b"Sign in to Course Companion" in page.content
    signed_in = gpt.sign_in("ada@example.com", next_url=url)
    assert signed_in.status_code == 302 and signed_in["Location"] == url

    # 3. The consent page names the client and says what each scope allows.
    consent = gpt.browser.get(url)
    assert consent.status_code == 200
    html = consent.content.decode()
    assert "Allow Course Companion GPT to use your Course Companion account?" in html
    assert "Read and search the course, see your own progress and streak" in html
    assert "Submit quiz answers, mark chapters as started or finished" in html
    assert "ada@example.com" in html

    # 4. Allowing sends the browser to ChatGPT's exact callback with a code and the state.
    code = gpt.code_from(gpt.consent(consent))

    # 5. The code is exchanged with the client secret in the body.
    response = gpt.exchange(code)
    assert response.status_code == 200, response.content
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["scope"] == "read write"
    assert tokens["refresh_token"]
    # Opaque, and stored only as hashes.
    assert tokens["access_token"].count(".") == 0
    stored = AccessToken.objects.get(user=student)
    assert stored.token == ""
    assert stored.token_checksum == hashlib.sha256(tokens["access_token"].encode()).hexdigest()

    # 6. As that student: the profile, and a quiz submit.
    me = api(tokens["access_token"]).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"
    submitted = submit(api(tokens["access_token"]), quiz, questions)
    assert submitted.status_code == 201, submitted.content
    assert Attempt.objects.get().user == student

    # 7. Refresh: new tokens; the old refresh token is spent, and its access token is gone.
    refreshed = gpt.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.content
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["access_token"] != tokens["access_token"]
    assert api(new["access_token"]).get("/api/v1/me").status_code == 200
    assert_error(api(tokens["access_token"]).get("/api/v1/me"), 401, "not_authenticated")

    # 8-9. Revoke (RFC 7009): the token is refused from then on, with the JSON error shape.
    assert gpt.revoke(new["access_token"]).status_code == 200
    refused = api(new["access_token"]).get("/api/v1/me")
    assert_error(refused, 401, "not_authenticated")
    # Revoking the access token also revokes the refresh token bound to it.
    assert gpt.refresh(new["refresh_token"]).status_code == 400


def test_http_basic_client_authentication_works_too(gpt):
    code = gpt.code_for("basic@example.com")
    response = gpt.exchange(code, basic=True)
    assert response.status_code == 200, response.content
    tokens = response.json()
    assert api(tokens["access_token"]).get("/api/v1/me").json()["email"] == "basic@example.com"
    refreshed = gpt.token(
        basic=True, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refreshed.status_code == 200


def test_a_new_student_registers_from_the_sign_in_page(gpt):
    url = gpt.authorize_url()
    page = gpt.browser.get("/oauth/sign-up/", {"next": url})
    assert page.status_code == 200
    form = {
        "csrfmiddlewaretoken": csrf_token(page.content.decode()),
        "email": "New.Student@Example.com",
        "display_name": "Nova",
        "timezone": "Europe/Paris",
        "next": url,
    }
    # The same password rules as POST /auth/register.
    weak = gpt.browser.post("/oauth/sign-up/", {**form, "password": "12345678"})
    assert weak.status_code == 422
    assert b"This password is too common." in weak.content
    assert not User.objects.filter(email="new.student@example.com").exists()

    created = gpt.browser.post("/oauth/sign-up/", {**form, "password": PASSWORD})
    assert created.status_code == 302 and created["Location"] == url
    student = User.objects.get(email="new.student@example.com")
    assert (student.display_name, student.timezone, student.tier) == (
        "Nova",
        "Europe/Paris",
        "free",
    )
    code = gpt.code_from(gpt.consent(gpt.browser.get(url)))
    tokens = gpt.exchange(code).json()
    assert api(tokens["access_token"]).get("/api/v1/me").json()["id"] == student.id

    # Signing in rotates the CSRF token: a second visit reads the new one.
    page = gpt.browser.get("/oauth/sign-up/", {"next": url})
    form["csrfmiddlewaretoken"] = csrf_token(page.content.decode())
    again = gpt.browser.post("/oauth/sign-up/", {**form, "password": PASSWORD})
    assert again.status_code == 409
    assert b"An account with this email already exists." in again.content


def test_the_chatgpt_com_callback_is_accepted_exactly():
    gpt = GptClient(callback=GPT_CALLBACK_NEW)
    tokens = gpt.exchange(gpt.code_for("new-host@example.com")).json()
    assert tokens["scope"] == "read write"


def test_cancel_on_the_consent_page_sends_access_denied(gpt):
    make_user("no@example.com")
    url = gpt.authorize_url()
    gpt.sign_in("no@example.com", next_url=url)
    response = gpt.consent(gpt.browser.get(url), allow=False)
    assert response.status_code == 302
    assert response["Location"].startswith(gpt.callback + "?error=access_denied")
    assert not Grant.objects.exists()


def test_a_returning_student_with_a_live_token_skips_the_consent_page(gpt):
    gpt.exchange(gpt.code_for("back@example.com"))
    again = gpt.browser.get(gpt.authorize_url())
    assert again.status_code == 302 and "code=" in again["Location"]


# --- refused -------------------------------------------------------------------------------


def test_a_wrong_redirect_uri_is_refused_without_redirecting(gpt):
    make_user("r@example.com")
    wrong = gpt.authorize_url(redirect_uri="https://chat.openai.com/aip/g-other/oauth/callback")
    gpt.sign_in("r@example.com", next_url=wrong)
    response = gpt.browser.get(wrong)
    assert response.status_code == 400
    assert b"This link does not work" in response.content
    # Exact matching: not even a trailing slash or another case.
    for near in (gpt.callback + "/", gpt.callback.upper(), gpt.callback + "?x=1"):
        assert gpt.browser.get(gpt.authorize_url(redirect_uri=near)).status_code == 400
    # At the token endpoint too: the code is bound to the URI it was issued for.
    code = gpt.code_for("r@example.com")
    response = gpt.token(grant_type="authorization_code", code=code, redirect_uri=GPT_CALLBACK_NEW)
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_request", "invalid_grant"}


def test_a_wrong_client_secret_is_refused(gpt):
    code = gpt.code_for("s@example.com")
    for basic in (False, True):
        response = gpt.exchange(code, basic=basic, secret="not-the-secret")
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
    # The code was not spent by the failed attempts.
    assert gpt.exchange(code).status_code == 200


def test_the_secret_is_stored_only_as_a_hash(gpt):
    stored = Application.objects.get(pk=gpt.application.pk).client_secret
    assert stored != gpt.secret
    assert stored.startswith(("pbkdf2_", "md5$", "argon2", "bcrypt"))


def test_a_reused_code_is_refused_and_revokes_what_it_issued(gpt):
    code = gpt.code_for("twice@example.com")
    first = gpt.exchange(code).json()
    refreshed = gpt.refresh(first["refresh_token"]).json()

    again = gpt.exchange(code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    # Every token descended from that code stops working.
    assert_error(api(refreshed["access_token"]).get("/api/v1/me"), 401, "not_authenticated")
    assert gpt.refresh(refreshed["refresh_token"]).status_code == 400
    assert not AccessToken.objects.exists()


def test_an_expired_code_is_refused(gpt, settings):
    code = gpt.code_for("late@example.com")
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        response = gpt.exchange(code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_an_empty_scope_is_refused(gpt):
    make_user("scope@example.com")
    for scope in ("", None, "admin"):
        url = gpt.authorize_url(scope=scope)
        gpt.sign_in("scope@example.com", next_url=url)
        response = gpt.browser.get(url)
        assert response.status_code == 302
        assert "error=invalid_scope" in response["Location"]


def test_a_reused_refresh_token_is_refused_and_revokes_the_family(gpt):
    first = gpt.exchange(gpt.code_for("family@example.com")).json()
    second = gpt.refresh(first["refresh_token"]).json()
    replay = gpt.refresh(first["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert_error(api(second["access_token"]).get("/api/v1/me"), 401, "not_authenticated")
    assert gpt.refresh(second["refresh_token"]).status_code == 400


def test_an_expired_access_token_is_refused(gpt):
    tokens = gpt.exchange(gpt.code_for("old@example.com")).json()
    with time_machine.travel(timezone.now() + timedelta(seconds=3601)):
        assert_error(api(tokens["access_token"]).get("/api/v1/me"), 401, "not_authenticated")


@pytest.mark.parametrize("token", ["tampered", "", "x" * 300, "a.b.c"])
def test_a_tampered_or_unknown_token_is_401_json(gpt, token):
    real = gpt.exchange(gpt.code_for("t@example.com")).json()["access_token"]
    for candidate in (token or real[:-1] + ("A" if real[-1] != "A" else "B"), real + "x"):
        assert_error(api(candidate).get("/api/v1/me"), 401, "not_authenticated")


def test_a_read_token_cannot_submit_a_quiz(gpt):
    quiz, questions = mixed_quiz()
    tokens = gpt.exchange(gpt.code_for("reader@example.com", scope="read")).json()
    assert tokens["scope"] == "read"
    client = api(tokens["access_token"])
    assert client.get(f"/api/v1/quizzes/{quiz.id}").status_code == 200
    refused = submit(client, quiz, questions)
    error = assert_error(refused, 403, "insufficient_scope")
    assert error["details"]["required_scope"] == "write"
    assert refused["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert not Attempt.objects.exists()
    assert_error(client.post("/api/v1/streaks/me/checkin"), 403, "insufficient_scope")


def test_a_write_only_token_cannot_read(gpt):
    tokens = gpt.exchange(gpt.code_for("writer@example.com", scope="write")).json()
    assert_error(api(tokens["access_token"]).get("/api/v1/chapters"), 403, "insufficient_scope")


def test_a_staff_members_oauth_token_has_no_staff_powers(gpt, gated_course):
    from django.contrib.auth.models import Permission

    staff = make_user("boss@example.com", is_staff=True, is_superuser=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_user"))
    student = make_user("kid@example.com")
    client = api(gpt.exchange(gpt.code_for("boss@example.com")).json()["access_token"])

    upgrade = client.post(
        "/api/v1/access/upgrade",
        {"user_id": student.id, "new_tier": "pro", "reason": "asked"},
        content_type="application/json",
    )
    assert_error(upgrade, 403, "forbidden")
    student.refresh_from_db()
    assert student.tier == "free"
    # Read as a student: no drafts, no locked chapters, no one else's progress.
    assert_error(
        client.get(f"/api/v1/chapters/{gated_course['premium'].id}"), 403, "chapter_locked"
    )
    assert client.get(f"/api/v1/chapters/{gated_course['draft'].id}").status_code == 404
    assert client.get(f"/api/v1/progress/{student.id}").status_code == 404
    assert client.get(f"/api/v1/user/{student.id}/tier").status_code == 404
    # The account itself keeps its staff flags.
    staff.refresh_from_db()
    assert staff.is_staff and staff.is_superuser
    # Writes through the delegated user touch only the named fields.
    patched = client.patch("/api/v1/me", {"display_name": "Boss"}, content_type="application/json")
    assert patched.status_code == 200
    staff.refresh_from_db()
    assert staff.is_staff and staff.is_superuser and staff.display_name == "Boss"


def test_a_public_client_without_pkce_is_refused():
    public = Application.objects.create(
        name="Some MCP client",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://client.example.com/callback",
    )
    gpt = GptClient()
    gpt.application, gpt.callback = public, "https://client.example.com/callback"
    make_user("pub@example.com")
    url = gpt.authorize_url()
    gpt.sign_in("pub@example.com", next_url=url)
    response = gpt.browser.get(url)
    assert response.status_code == 302
    assert "error=invalid_request" in response["Location"]
    assert "code=" not in response["Location"]


def test_pkce_is_checked_when_sent(gpt):
    import base64

    verifier = "v" * 64
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    code = gpt.code_for("pkce@example.com", code_challenge=challenge, code_challenge_method="S256")
    mismatch = gpt.exchange(code, code_verifier="w" * 64)
    assert mismatch.status_code == 400
    assert mismatch.json()["error"] == "invalid_grant"
    missing = gpt.exchange(code)
    assert missing.status_code == 400
    assert gpt.exchange(code, code_verifier=verifier).status_code == 200


def test_a_public_client_with_pkce_gets_tokens_without_a_secret():
    import base64

    public = Application.objects.create(
        name="Public app",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://client.example.com/callback",
    )
    gpt = GptClient()
    gpt.application, gpt.callback = public, "https://client.example.com/callback"
    verifier = "p" * 50
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    code = gpt.code_for("pkce2@example.com", code_challenge=challenge, code_challenge_method="S256")
    response = gpt.server.post(
        "/oauth/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": gpt.callback,
            "client_id": public.client_id,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 200, response.content


def test_sign_in_failures_are_limited_like_auth_token(gpt, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_per_account_ip": "3/m"}
    make_user("guess@example.com")
    url = gpt.authorize_url()
    for _ in range(3):
        response = gpt.sign_in("guess@example.com", "wrong-password", next_url=url)
        assert response.status_code == 401
        assert b"The email or password is not correct." in response.content
    blocked = gpt.sign_in("guess@example.com", PASSWORD, next_url=url)
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    # The same counters as POST /auth/token: the API refuses this account and IP too.
    api_login = Client().post(
        "/api/v1/auth/token",
        {"email": "guess@example.com", "password": PASSWORD},
        content_type="application/json",
    )
    assert_error(api_login, 429, "rate_limited")


def test_sign_in_never_redirects_to_another_site(gpt):
    make_user("safe@example.com")
    response = gpt.sign_in("safe@example.com", next_url="https://evil.example.com/")
    assert response.status_code == 302 and response["Location"] == "/"


# --- connections ---------------------------------------------------------------------------


def test_a_student_lists_and_revokes_connected_apps(gpt, settings):
    tokens = gpt.exchange(gpt.code_for("conn@example.com")).json()
    student = User.objects.get(email="conn@example.com")
    first_party = bearer_client(student)
    api(tokens["access_token"]).get("/api/v1/me")  # ChatGPT uses it

    listed = first_party.get("/api/v1/me/connections")
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["name"] == "Course Companion GPT"
    assert item["scopes"] == ["read", "write"]
    assert item["last_used_at"] is not None

    other = make_user("other@example.com")
    assert_error(
        bearer_client(other).delete(f"/api/v1/me/connections/{item['id']}"),
        404,
        "connection_not_found",
    )
    assert first_party.delete(f"/api/v1/me/connections/{item['id']}").status_code == 204
    assert_error(api(tokens["access_token"]).get("/api/v1/me"), 401, "not_authenticated")
    assert gpt.refresh(tokens["refresh_token"]).status_code == 400
    assert first_party.get("/api/v1/me/connections").json() == {"items": [], "count": 0}
    assert not OAuthConnection.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_rate_limits_key_on_the_oauth_tokens_user(gpt, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "user_per_operation": "2/m"}
    tokens = gpt.exchange(gpt.code_for("limited@example.com")).json()
    student = User.objects.get(email="limited@example.com")
    assert api(tokens["access_token"]).get("/api/v1/me").status_code == 200
    assert bearer_client(student).get("/api/v1/me").status_code == 200
    # A third call by the same student, with either token type, is over the per-user limit.
    error = assert_error(api(tokens["access_token"]).get("/api/v1/me"), 429, "rate_limited")
    assert error["details"]["scope"] == "api:getMe"


def test_introspection_answers_authenticated_clients():
    import base64

    gpt = GptClient()
    token = gpt.exchange(gpt.code_for("intro@example.com")).json()["access_token"]
    credentials = base64.b64encode(f"{gpt.client_id}:{gpt.secret}".encode()).decode()
    response = Client().post(
        "/oauth/introspect/", {"token": token}, HTTP_AUTHORIZATION=f"Basic {credentials}"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True and body["scope"] == "read write"
    assert body["username"] == "intro@example.com"
    unknown = Client().post(
        "/oauth/introspect/", {"token": "nope"}, HTTP_AUTHORIZATION=f"Basic {credentials}"
    )
    assert unknown.json() == {"active": False}
    anonymous = Client().post("/oauth/introspect/", {"token": token})
    assert anonymous.status_code in (401, 403)


def test_staff_see_the_grants_in_the_admin(gpt, admin_client):
    tokens = gpt.exchange(gpt.code_for("seen@example.com")).json()
    pages = {
        "/admin/oauth2_provider/application/": "Course Companion GPT",
        "/admin/oauth2_provider/accesstoken/": "seen@example.com",
        "/admin/oauth2_provider/refreshtoken/": "seen@example.com",
        "/admin/oauth2_provider/grant/": "0 grants",  # codes are spent once exchanged
        "/admin/access/oauthconnection/": "seen@example.com",
    }
    for url, shown in pages.items():
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert shown in response.content.decode(), url
    # Tokens are stored as hashes: the admin cannot show them.
    assert (
        tokens["access_token"]
        not in admin_client.get("/admin/oauth2_provider/accesstoken/").content.decode()
    )


def test_an_oauth_call_costs_one_query_for_the_token(gpt, django_assert_num_queries):
    tokens = gpt.exchange(gpt.code_for("fast@example.com")).json()
    client = api(tokens["access_token"])
    client.get("/api/v1/me")  # the first use in a while records last_used_at
    # The token with its user in one query; nothing else for /me.
    with django_assert_num_queries(1):
        assert client.get("/api/v1/me").status_code == 200


def test_a_cache_outage_does_not_fail_oauth_calls(gpt, monkeypatch):
    from django.core.cache import cache

    tokens = gpt.exchange(gpt.code_for("outage@example.com")).json()

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", broken)
    assert api(tokens["access_token"]).get("/api/v1/me").status_code == 200


def test_a_sign_in_without_its_csrf_cookie_gets_a_plain_page(gpt):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/oauth/sign-in/", {"email": "x@example.com", "password": "p", "next": "/"}
    )
    assert response.status_code == 403
    assert b"Please try again" in response.content


def test_a_token_minted_for_another_resource_is_refused_by_the_api(gpt, settings):
    # RFC 8707: the `resource` asked for at authorization becomes the token's audience.
    elsewhere = gpt.exchange(
        gpt.code_for("aud@example.com", resource="https://elsewhere.example.com/")
    ).json()
    assert_error(api(elsewhere["access_token"]).get("/api/v1/me"), 401, "not_authenticated")
    ours = gpt.exchange(gpt.code_for("aud@example.com", resource=f"{settings.PUBLIC_BASE_URL}/"))
    assert api(ours.json()["access_token"]).get("/api/v1/me").status_code == 200
