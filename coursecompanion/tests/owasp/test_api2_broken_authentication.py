"""OWASP API2:2023 Broken Authentication: only valid, unexpired access tokens of active users
sign a caller in. Also covered: failed logins limited per account and IP, per account, per IP
(access/tests/test_ratelimits.py) and in the admin with the same counters
(access/tests/test_admin_login.py); password changes revoke tokens, logout vs refresh
(access/tests/test_token_races.py)."""

import time

import jwt
import pytest
from django.conf import settings
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from conftest import make_user

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
