"""OWASP API2:2023 Broken Authentication: only valid, unexpired access tokens of active users
sign a caller in: expired, unsigned (alg none), re-signed, tampered, garbage and refresh tokens
are refused; refresh tokens after logout, expired or given as access tokens are refused; failed
logins lock an account per account and IP and per account. Also covered: the admin login with
the same counters (access/tests/test_admin_login.py); password changes revoke tokens, logout vs
refresh (access/tests/test_token_races.py)."""

import time
from datetime import timedelta

import jwt
import pytest
import time_machine
from django.conf import settings
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from access.tests.test_auth_api import (
    LOGOUT,
    ME,
    REFRESH,
    assert_refused,
    b64,
    bearer,
    claims_of,
    log_in,
)
from access.tests.test_ratelimits import assert_limited, bad_login, good_login
from conftest import assert_error, make_user, post_json

pytestmark = pytest.mark.django_db


def me_with(token: str):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me")


def forged(payload: dict, *, key: str, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


@pytest.fixture
def student():
    return make_user()


def test_a_valid_access_token_signs_in(student):
    assert me_with(str(AccessToken.for_user(student))).status_code == 200


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda user: str(RefreshToken.for_user(user)), id="refresh-token-as-access"),
        pytest.param(
            lambda user: forged(
                {**AccessToken.for_user(user).payload, "exp": int(time.time()) - 10},
                key=settings.JWT_SIGNING_KEY,
            ),
            id="expired",
        ),
        pytest.param(
            lambda user: forged(dict(AccessToken.for_user(user).payload), key="x" * 40),
            id="wrong-key",
        ),
        pytest.param(
            lambda user: jwt.encode(
                dict(AccessToken.for_user(user).payload), key="", algorithm="none"
            ),
            id="alg-none",
        ),
        pytest.param(lambda user: "not-a-token", id="garbage"),
    ],
)
def test_tokens_that_must_not_sign_in(student, make_token):
    response = me_with(make_token(student))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_students_token_stops_working(student):
    token = str(AccessToken.for_user(student))
    student.is_active = False
    student.save()
    assert me_with(token).status_code == 401


def test_me_without_token_is_401(anon_client):
    assert_error(anon_client.get(ME), 401, "not_authenticated")


def test_expired_access_token_is_401(anon_client, user):
    tokens = log_in(anon_client)
    assert anon_client.get(ME, **bearer(tokens["access"])).status_code == 200
    with time_machine.travel(timedelta(minutes=15, seconds=1)):
        assert_refused(anon_client, tokens["access"])


@pytest.mark.parametrize(
    "garbage", ["garbage", "a.b.c", "", "eyJhbGciOiJIUzI1NiJ9..", "Bearer x", "🦀"]
)
def test_garbage_token_is_401(anon_client, garbage):
    assert_error(anon_client.get(ME, **bearer(garbage)), 401, "not_authenticated")


def test_alg_none_token_is_401(anon_client, user):
    claims = claims_of(str(AccessToken.for_user(user)))
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    assert_refused(anon_client, unsigned)


def test_token_signed_with_another_key_is_401(anon_client, user):
    claims = claims_of(str(AccessToken.for_user(user)))
    assert_refused(anon_client, jwt.encode(claims, "another-key-" + "x" * 40, algorithm="HS256"))


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_token_with_another_algorithm_is_401_even_with_the_right_key(anon_client, user):
    claims = claims_of(str(AccessToken.for_user(user)))
    assert_refused(anon_client, jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm="HS512"))


def test_tampered_claims_are_401(anon_client, user):
    other = make_user("victim@example.com")
    header, _, signature = str(AccessToken.for_user(user)).split(".")
    claims = {**claims_of(str(AccessToken.for_user(user))), "user_id": str(other.pk)}
    assert_refused(anon_client, f"{header}.{b64(claims)}.{signature}")


def test_refresh_token_used_as_access_token_is_401(anon_client, user):
    assert_refused(anon_client, log_in(anon_client)["refresh"])


def test_deleted_users_token_is_401(anon_client, user):
    token = log_in(anon_client)["access"]
    user.delete()
    assert_refused(anon_client, token)


def test_invalid_token_on_an_anonymous_endpoint_is_401_not_a_downgrade(anon_client):
    assert_error(anon_client.get("/api/v1/chapters", **bearer("garbage")), 401, "not_authenticated")


def test_logout_then_refresh_is_401(anon_client, user):
    tokens = log_in(anon_client)
    response = post_json(anon_client, LOGOUT, {"refresh": tokens["refresh"]})
    assert response.status_code == 204
    assert response.content == b""
    assert_error(
        post_json(anon_client, REFRESH, {"refresh": tokens["refresh"]}), 401, "invalid_token"
    )
    # Logging out twice with the same revoked token is refused too.
    assert_error(
        post_json(anon_client, LOGOUT, {"refresh": tokens["refresh"]}), 401, "invalid_token"
    )


@pytest.mark.parametrize("endpoint", [REFRESH, LOGOUT])
def test_access_token_is_no_refresh_token(anon_client, user, endpoint):
    access = log_in(anon_client)["access"]
    assert_error(post_json(anon_client, endpoint, {"refresh": access}), 401, "invalid_token")


@pytest.mark.parametrize("endpoint", [REFRESH, LOGOUT])
def test_garbage_refresh_token_is_401(anon_client, endpoint):
    assert_error(post_json(anon_client, endpoint, {"refresh": "garbage"}), 401, "invalid_token")


def test_expired_refresh_token_is_401(anon_client, user):
    refresh = log_in(anon_client)["refresh"]
    with time_machine.travel(timedelta(days=7, seconds=1)):
        assert_error(post_json(anon_client, REFRESH, {"refresh": refresh}), 401, "invalid_token")


def test_6th_bad_login_in_a_minute_for_one_account_is_429(frozen_time, user):
    for _ in range(5):
        assert_error(bad_login(), 401, "invalid_credentials")
    # The sixth from that address is refused before the password is even checked, even the
    # right one (any case of the address).
    assert_limited(bad_login(), "auth:login:account_ip")
    assert_limited(good_login("STUDENT@example.com"), "auth:login:account_ip")
    # Another account from the same address is not affected.
    make_user("other@example.com")
    assert good_login("other@example.com").status_code == 200
    frozen_time.shift(61)
    assert good_login().status_code == 200


def test_failed_logins_per_account_are_capped_across_ips(frozen_time, settings, user):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_per_account": "3/m"}
    for number in range(3):
        assert_error(bad_login(ip=f"192.0.2.{number}"), 401, "invalid_credentials")
    assert_limited(good_login(ip="198.51.100.9"), "auth:login:account")
    assert good_login("other@example.com", ip="198.51.100.9").status_code == 401
