"""Rate limits: per operation and across the API, per user (never only per IP) or per IP when
anonymous, tight on login and registration; what happens when Redis is down; and on Redis."""

import os
import uuid

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings

from access import checks, ratelimits
from access.models import User
from conftest import PASSWORD, assert_error, bearer_client, make_user, post_json

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
REGISTER = "/api/v1/auth/register"
CLOSED_PORT_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


def call_until_limited(call, limit: int):
    for number in range(1, limit + 1):
        response = call()
        assert response.status_code < 400, (number, response.content)
    return call()


def assert_limited(response, scope: str) -> int:
    error = assert_error(response, 429, "rate_limited")
    assert error["details"]["scope"] == scope
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    assert error["details"]["retry_after"] == retry_after
    return retry_after


def test_every_operation_of_every_router_is_limited():
    from coursecompanion.api import api

    operations = [
        operation
        for router in api._get_bound_routers()
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]
    assert len(operations) >= 15
    unlimited = [
        op.operation_id
        for op in operations
        if not getattr(op.view_func, ratelimits.LIMITED_MARK, False)
    ]
    assert unlimited == []


# --- the API-wide limits ---------------------------------------------------------------------


def test_signed_in_limits_key_on_the_user_not_the_ip(frozen_time, user, gated_course):
    url = f"/api/v1/chapters/{gated_course['free'].id}"
    client = bearer_client(user)
    # ChatGPT's calls come from a few shared addresses: another student there is unaffected...
    for number in range(60):
        assert client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200, number
    neighbour = bearer_client(make_user("neighbour@example.com"))
    assert neighbour.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200
    # ...and moving to another address does not reset the student's own count.
    assert_limited(client.get(url, REMOTE_ADDR="198.51.100.1"), "api:getChapter")


def test_anonymous_limits_key_on_the_ip(frozen_time, gated_course):
    client = Client()
    url = f"/api/v1/chapters/{gated_course['free'].id}"
    response = call_until_limited(lambda: client.get(url, REMOTE_ADDR="192.0.2.1"), 60)
    assert_limited(response, "api:getChapter")
    assert client.get(url, REMOTE_ADDR="192.0.2.2").status_code == 200


def test_forged_forwarded_for_does_not_dodge_the_ip_limit(frozen_time, gated_course):
    client = Client()
    url = f"/api/v1/chapters/{gated_course['free'].id}"
    forged = iter(range(1000))
    response = call_until_limited(
        lambda: client.get(url, HTTP_X_FORWARDED_FOR=f"10.9.8.{next(forged) % 250}"), 60
    )
    assert_limited(response, "api:getChapter")


def test_global_cap_counts_every_operation(frozen_time, settings, user, gated_course):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "user_total": "5/m"}
    client = bearer_client(user)
    urls = ["/api/v1/chapters", "/api/v1/me", "/api/v1/tiers", "/api/v1/user/me/tier"]
    for url in urls + ["/api/v1/chapters"]:
        assert client.get(url).status_code == 200
    assert_limited(client.get("/api/v1/tiers"), "api:*")


def test_per_operation_override_by_operation_id(frozen_time, settings, user):
    settings.RATE_LIMIT_OPERATIONS = {"updateMe": "2/m"}
    client = bearer_client(user)

    def patch():
        return client.patch("/api/v1/me", {"display_name": "x"}, content_type="application/json")

    assert_limited(call_until_limited(patch, 2), "api:updateMe")
    # GET /me shares PATCH's URL but is its own operation with its own counter.
    assert client.get("/api/v1/me").status_code == 200


def test_limits_can_be_switched_off(frozen_time, settings):
    settings.RATELIMIT_ENABLE = False
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "anon_per_operation": "1/m"}
    client = Client()
    assert [client.get("/api/v1/tiers").status_code for _ in range(3)] == [200, 200, 200]


# --- calls refused before their operation runs ------------------------------------------------


def test_61st_call_with_a_bad_token_in_a_minute_is_429(frozen_time, user):
    client = Client(HTTP_AUTHORIZATION="Bearer not-a-token", REMOTE_ADDR="203.0.113.5")
    for number in range(60):
        assert client.get("/api/v1/me").status_code == 401, number
    retry_after = assert_limited(client.get("/api/v1/tiers"), "api:rejected")
    # Keyed on the address: anonymous calls from it wait too, other addresses and valid tokens
    # (keyed on their user) do not.
    assert_limited(Client().get("/api/v1/tiers", REMOTE_ADDR="203.0.113.5"), "api:rejected")
    assert Client().get("/api/v1/tiers", REMOTE_ADDR="203.0.113.6").status_code == 200
    assert bearer_client(user).get("/api/v1/me", REMOTE_ADDR="203.0.113.5").status_code == 200
    frozen_time.shift(retry_after)
    assert client.get("/api/v1/me").status_code == 401


@pytest.fixture
def few_refusals(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "rejected": "3/m"}


def test_invalid_bodies_are_limited_per_user(frozen_time, few_refusals, user):
    client = bearer_client(user)

    def invalid_patch():
        return client.patch("/api/v1/me", {"tier": "team"}, content_type="application/json")

    for _ in range(3):
        assert_error(invalid_patch(), 422, "validation_error")
    assert_limited(invalid_patch(), "api:rejected")
    assert_limited(client.get("/api/v1/me"), "api:rejected")
    # Keyed on the user: a neighbour behind the same address is unaffected.
    assert bearer_client(make_user("neighbour@example.com")).get("/api/v1/me").status_code == 200


def test_malformed_bodies_and_oversized_bodies_are_limited(frozen_time, few_refusals, settings):
    def malformed():
        return Client().generic("POST", TOKEN, b"{not json", content_type="application/json")

    assert_error(malformed(), 400, "malformed_body")
    too_big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    assert_error(post_json(Client(), REGISTER, {"password": too_big}), 413, "payload_too_large")
    assert_error(malformed(), 400, "malformed_body")
    assert_limited(malformed(), "api:rejected")


def test_staff_only_operation_refusals_are_limited(frozen_time, few_refusals, user):
    client = bearer_client(user)

    def upgrade():
        body = {"user_id": user.id, "new_tier": "team", "reason": "please"}
        return post_json(client, "/api/v1/access/upgrade", body)

    for _ in range(3):
        assert_error(upgrade(), 403, "forbidden")
    assert_limited(upgrade(), "api:rejected")


def test_refusals_by_an_operation_are_counted_once(frozen_time, few_refusals, gated_course):
    # Locked chapters and wrong passwords already count against the operation's own limits.
    client = bearer_client(make_user("free@example.com"))
    url = f"/api/v1/chapters/{gated_course['premium'].id}"
    for _ in range(5):
        assert_error(client.get(url), 403, "chapter_locked")
    for _ in range(4):
        assert_error(bad_login("nobody@example.com"), 401, "invalid_credentials")


# --- login and registration ------------------------------------------------------------------


def bad_login(email: str = "student@example.com", ip: str = "192.0.2.1"):
    return post_json(Client(), TOKEN, {"email": email, "password": "wrong"}, REMOTE_ADDR=ip)


def good_login(email: str = "student@example.com", ip: str = "192.0.2.1"):
    return post_json(Client(), TOKEN, {"email": email, "password": PASSWORD}, REMOTE_ADDR=ip)


def test_failed_logins_from_one_ip_do_not_lock_the_owner_out(frozen_time, user):
    for _ in range(5):
        assert_error(bad_login(ip="203.0.113.66"), 401, "invalid_credentials")
    assert_limited(bad_login(ip="203.0.113.66"), "auth:login:account_ip")
    # The owner, elsewhere, still gets in.
    assert good_login(ip="198.51.100.9").status_code == 200


def test_only_failed_logins_count(frozen_time, user):
    for number in range(8):
        assert good_login().status_code == 200, number
    for _ in range(5):
        assert_error(bad_login(), 401, "invalid_credentials")
    assert_limited(bad_login(), "auth:login:account_ip")


def test_login_attempts_per_ip_are_limited_across_accounts(frozen_time, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_per_ip": "3/m"}
    for number in range(3):
        assert_error(bad_login(f"guess{number}@example.com"), 401, "invalid_credentials")
    assert_limited(bad_login("guess9@example.com"), "auth:login:ip")
    assert_error(bad_login("guess9@example.com", ip="192.0.2.200"), 401, "invalid_credentials")


# --- the caller's address --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "1.2.3.4", "192.0.2.1"),
        (1, "10.0.0.1", "1.2.3.4, 192.0.2.77", "192.0.2.77"),
        (2, "10.0.0.1", "6.6.6.6, 192.0.2.77, 10.0.0.2", "192.0.2.77"),
        (1, "10.0.0.1", "", "10.0.0.1"),
        (0, "2001:db8:1:2:3:4:5:6", "", "2001:db8:1:2::"),
        # IPv4 clients seen through an IPv6 socket keep their own address, not one /64 for all.
        (0, "::ffff:192.0.2.10", "", "192.0.2.10"),
        (1, "10.0.0.1", "::ffff:198.51.100.4", "198.51.100.4"),
    ],
)
def test_client_ip_trusts_only_configured_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_HOPS = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimits.client_ip(request) == expected


# --- Redis down: reads fail open, login and registration fail closed --------------------------


def test_redis_down_reads_fail_open_and_login_fails_closed(user, gated_course):
    student = bearer_client(user)
    with override_settings(CACHES=CLOSED_PORT_REDIS):
        with pytest.raises(Exception):  # noqa: B017  (the cache really is unreachable)
            cache.get("anything")
        assert Client().get("/api/v1/chapters").json()["count"] == 2
        assert student.get(f"/api/v1/chapters/{gated_course['free'].id}").status_code == 200
        assert student.get("/api/v1/me").status_code == 200

        login = post_json(Client(), TOKEN, {"email": "student@example.com", "password": PASSWORD})
        assert_error(login, 503, "rate_limiter_unavailable")
        assert login["Retry-After"] == "5"
        register = post_json(Client(), REGISTER, {"email": "new@example.com", "password": PASSWORD})
        assert_error(register, 503, "rate_limiter_unavailable")
    assert not User.objects.filter(email="new@example.com").exists()


# --- on a real Redis (django-redis) ----------------------------------------------------------


@pytest.fixture
def redis_cache():
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    config = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"cc-test-{uuid.uuid4().hex}",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    with override_settings(CACHES=config):
        try:
            yield cache
        finally:
            cache.delete_pattern("*")


def test_limits_work_on_redis(redis_cache, frozen_time, user, gated_course):
    client = bearer_client(user)
    url = f"/api/v1/chapters/{gated_course['free'].id}"
    assert_limited(call_until_limited(lambda: client.get(url), 60), "api:getChapter")
    assert redis_cache.keys("rl:*")
    for _ in range(5):
        assert_error(bad_login(), 401, "invalid_credentials")
    assert_limited(bad_login(), "auth:login:account_ip")
    assert good_login(ip="198.51.100.9").status_code == 200


# --- settings checks -------------------------------------------------------------------------


def test_check_flags_a_malformed_rate(settings):
    assert checks.check_rate_settings(None) == []
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_per_ip": "twenty a minute"}
    # django-ratelimit refuses a zero multiplier: it would read as the cache being down.
    settings.RATE_LIMIT_OPERATIONS = {"getChapter": "5/fortnight", "listTiers": "5/0m"}
    assert [error.id for error in checks.check_rate_settings(None)] == ["access.E001"] * 3
    settings.RATE_LIMIT_OPERATIONS = {"getChapter": "5/10m"}
    assert [error.id for error in checks.check_rate_settings(None)] == ["access.E001"]


def test_deploy_check_warns_when_counters_are_per_process():
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    shared = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://x"}}
    with override_settings(CACHES=local):
        assert [w.id for w in checks.check_shared_rate_counters(None)] == ["access.W001"]
    with override_settings(CACHES=shared):
        assert checks.check_shared_rate_counters(None) == []


def test_deploy_check_warns_when_no_proxy_is_trusted(settings):
    settings.DEBUG, settings.TRUSTED_PROXY_HOPS = False, 0
    assert [w.id for w in checks.check_trusted_proxies(None)] == ["access.W002"]
    settings.TRUSTED_PROXY_HOPS = 1
    assert checks.check_trusted_proxies(None) == []
    settings.DEBUG, settings.TRUSTED_PROXY_HOPS = True, 0
    assert checks.check_trusted_proxies(None) == []
