"""Accounts and JWT through the HTTP API. The token attacks we refuse and mass assignment are in
coursecompanion/tests/owasp/ (API2, API3)."""

import base64
import json

import jwt
import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from access.models import User
from conftest import PASSWORD, assert_error, make_user, post_json

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def log_in(client, email="student@example.com", password=PASSWORD) -> dict:
    response = post_json(client, TOKEN, {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


# --- register -> token -> /me ----------------------------------------------------------------


def test_register_then_token_then_me(anon_client):
    registered = post_json(
        anon_client,
        REGISTER,
        {
            "email": "  Ada.Lovelace@Example.COM ",
            "password": PASSWORD,
            "display_name": "Ada",
            "timezone": "Europe/London",
        },
    )
    assert registered.status_code == 201, registered.content
    body = registered.json()
    assert body["user"]["email"] == "ada.lovelace@example.com"
    assert body["user"]["tier"] == "free"
    assert set(body["user"]) == {"id", "email", "display_name", "tier", "timezone", "date_joined"}
    assert body["access"] and body["refresh"]

    tokens = log_in(anon_client, "ADA.LOVELACE@example.com")
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 15 * 60
    me = anon_client.get(ME, **bearer(tokens["access"]))
    assert me.status_code == 200
    assert me.json() == {
        **body["user"],
        "display_name": "Ada",
        "timezone": "Europe/London",
    }
    # The token registration returned works too.
    assert anon_client.get(ME, **bearer(body["access"])).json()["id"] == body["user"]["id"]


def test_access_tokens_live_at_most_15_minutes_and_refresh_tokens_days(anon_client, user):
    tokens = log_in(anon_client)
    access = AccessToken(tokens["access"])
    refresh = RefreshToken(tokens["refresh"])
    assert access["exp"] - access["iat"] <= 15 * 60
    assert refresh["exp"] - refresh["iat"] >= 24 * 3600


def test_register_duplicate_email_is_409_whatever_the_case(anon_client, user):
    response = post_json(
        anon_client, REGISTER, {"email": "STUDENT@example.com ", "password": PASSWORD}
    )
    assert_error(response, 409, "email_taken")
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["short", "password123", "12345678901234", "student-x@1"])
def test_register_weak_password_is_422_with_reasons(anon_client, password):
    response = post_json(
        anon_client, REGISTER, {"email": "student@example.com", "password": password}
    )
    error = assert_error(response, 422, "weak_password")
    assert error["details"]["password"]
    assert not User.objects.exists()


def test_register_password_similar_to_email_is_weak(anon_client):
    response = post_json(
        anon_client,
        REGISTER,
        {"email": "margaret.hamilton@example.com", "password": "margaret.hamilton"},
    )
    assert_error(response, 422, "weak_password")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": PASSWORD, "timezone": "Mars/Olympus"}, "timezone"),
        ({"email": "a@example.com", "password": PASSWORD, "timezone": "localtime"}, "timezone"),
        ({"email": "a@example.com", "password": PASSWORD, "timezone": "Factory"}, "timezone"),
    ],
)
def test_register_invalid_fields_are_422(anon_client, body, field):
    error = assert_error(post_json(anon_client, REGISTER, body), 422, "validation_error")
    assert field in error["details"]


# --- log in ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("student@example.com", "wrong-password-1"),
        ("nobody@example.com", PASSWORD),
        ("", ""),
    ],
)
def test_bad_login_is_401_and_says_nothing_about_which_part(anon_client, user, email, password):
    error = assert_error(
        post_json(anon_client, TOKEN, {"email": email, "password": password}),
        401,
        "invalid_credentials",
    )
    assert error["message"] == "The email or password is not correct."


def test_inactive_user_cannot_log_in(anon_client):
    make_user("gone@example.com", is_active=False)
    response = post_json(anon_client, TOKEN, {"email": "gone@example.com", "password": PASSWORD})
    assert_error(response, 401, "invalid_credentials")


# --- token attacks: every one is 401 --------------------------------------------------------


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def assert_refused(client, token: str) -> None:
    response = client.get(ME, **bearer(token))
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_inactive_users_token_is_401(anon_client, user):
    token = log_in(anon_client)["access"]
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_refused(anon_client, token)


# --- refresh rotation and logout -------------------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_token_stops_working(anon_client, user):
    first = log_in(anon_client)
    rotated = post_json(anon_client, REFRESH, {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh"] != first["refresh"]
    assert second["token_type"] == "Bearer" and second["expires_in"] == 900
    assert anon_client.get(ME, **bearer(second["access"])).status_code == 200

    reused = post_json(anon_client, REFRESH, {"refresh": first["refresh"]})
    assert_error(reused, 401, "invalid_token")
    # The new one keeps working (once).
    assert post_json(anon_client, REFRESH, {"refresh": second["refresh"]}).status_code == 200


def test_logout_only_revokes_that_refresh_token(anon_client, user):
    phone, laptop = log_in(anon_client), log_in(anon_client)
    assert post_json(anon_client, LOGOUT, {"refresh": phone["refresh"]}).status_code == 204
    assert post_json(anon_client, REFRESH, {"refresh": laptop["refresh"]}).status_code == 200


def test_refresh_token_of_an_inactive_user_is_401(anon_client, user):
    refresh = log_in(anon_client)["refresh"]
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_error(post_json(anon_client, REFRESH, {"refresh": refresh}), 401, "invalid_token")


def test_refresh_ignores_an_invalid_bearer_header(anon_client, user):
    # /auth/* are public: a stale access token in the header does not block a refresh.
    refresh = log_in(anon_client)["refresh"]
    response = post_json(anon_client, REFRESH, {"refresh": refresh}, **bearer("expired-junk"))
    assert response.status_code == 200


# --- /me and mass assignment -----------------------------------------------------------------


def test_patch_me_changes_display_name_and_timezone(auth_client, user):
    response = auth_client.patch(
        ME, {"display_name": "Grace", "timezone": "Asia/Tokyo"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "Grace"
    user.refresh_from_db()
    assert (user.display_name, user.timezone) == ("Grace", "Asia/Tokyo")


@pytest.mark.parametrize("zone", ["Nowhere/Land", "localtime", "Factory", "posixrules"])
def test_patch_me_with_unknown_timezone_is_422(auth_client, user, zone):
    # localtime is the server's own zone file and Factory tzdata's placeholder: neither is IANA.
    response = auth_client.patch(ME, {"timezone": zone}, content_type="application/json")
    assert "timezone" in assert_error(response, 422, "validation_error")["details"]
    user.refresh_from_db()
    assert user.timezone == "UTC"


def test_patch_me_needs_a_token(anon_client):
    response = anon_client.patch(ME, {"display_name": "x"}, content_type="application/json")
    assert_error(response, 401, "not_authenticated")


# --- a password change revokes tokens; sessions stand in for staff only -----------------------


def test_changing_the_password_revokes_every_token(anon_client, user):
    old = log_in(anon_client)
    user.set_password("a-brand-new-passphrase-7")
    user.save()
    assert_refused(anon_client, old["access"])
    for endpoint in (REFRESH, LOGOUT):
        response = post_json(anon_client, endpoint, {"refresh": old["refresh"]})
        assert_error(response, 401, "invalid_token")
    new = log_in(anon_client, password="a-brand-new-passphrase-7")
    assert anon_client.get(ME, **bearer(new["access"])).status_code == 200
    rotated = post_json(anon_client, REFRESH, {"refresh": new["refresh"]})
    assert rotated.status_code == 200
    assert anon_client.get(ME, **bearer(rotated.json()["access"])).status_code == 200


def test_profile_changes_do_not_revoke_tokens(anon_client, user):
    tokens = log_in(anon_client)
    patched = anon_client.patch(
        ME, {"display_name": "Grace"}, content_type="application/json", **bearer(tokens["access"])
    )
    assert patched.status_code == 200
    assert anon_client.get(ME, **bearer(tokens["access"])).status_code == 200
    assert post_json(anon_client, REFRESH, {"refresh": tokens["refresh"]}).status_code == 200


def test_a_students_session_cookie_is_not_a_credential(client, premium_user, gated_course):
    # Only staff previewing from the admin are recognised by their session; anyone else with a
    # session cookie is an anonymous caller.
    client.force_login(premium_user)
    premium = f"/api/v1/chapters/{gated_course['premium'].id}"
    assert_error(client.get(premium), 403, "chapter_locked")
    check = client.get("/api/v1/access/check", {"resource": f"chapter:{gated_course['free'].id}"})
    assert check.json()["user_tier"] == "free"
    assert client.get(premium, **bearer(AccessToken.for_user(premium_user))).status_code == 200
