"""Rate limits as one policy, counted by django-ratelimit in the cache.

Each call is counted per caller, once for its operation and once across the whole API. A caller
is the user of the resolved credential (access/auth.py: whatever token type resolved it) when
signed in and the client IP when anonymous: ChatGPT's calls come from a few shared IP ranges, so
signed-in callers are never keyed on the IP. The counters take a `Caller`, not a request, so any
front door counts through `limit_operation` with the operation's name. `install(api)` hooks this
into every operation of every router of the REST API, so apps do nothing to be limited. Logging
in and registering have their own tighter limits, called by those operations: failed logins per
account and IP, per account and per IP; registrations per IP.

Calls the API refuses before its operation runs (a bad token, a body that does not parse or
validate, a staff-only operation) are counted too, in one "rejected" counter per caller (the
user a valid token names, else the IP): past it every call of that caller answers 429 until the
window ends.

If the cache (Redis) is down, ordinary limits fail open (reads keep working; content falls back
to the database) while login and registration limits fail closed (503
`rate_limiter_unavailable`): a cache outage never opens the door to password guessing.
"""

import functools
import ipaddress
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from access.auth import Credential, bearer_credential, request_credential
from access.models import User
from access.services import NotAuthenticated, StaffOnly
from coursecompanion.errors import NotReady, RateLimited

logger = logging.getLogger(__name__)

# The period's multiplier, when written, starts with 1-9: django-ratelimit refuses "5/0m".
RATE_PATTERN = re.compile(r"^[0-9]+/([1-9][0-9]*)?[smhd]$")
# Seconds a client should wait when the counters' cache is out of service (503).
UNAVAILABLE_RETRY_AFTER = 5
# What a view function wrapped by `install` carries, so a test can prove every operation is.
LIMITED_MARK = "rate_limited"


@dataclass(frozen=True)
class Counter:
    """One thing to count: calls to `scope` by `caller`, at most `rate` (e.g. "60/m")."""

    scope: str
    caller: str
    rate: str


@dataclass(frozen=True)
class Caller:
    """Who a call counts against: "user:<id>" when signed in, "ip:<address>" otherwise."""

    key: str
    signed_in: bool

    @classmethod
    def of(cls, credential: Credential | None, ip: str) -> "Caller":
        if credential is not None:
            return cls(f"user:{credential.user.pk}", True)
        return cls(f"ip:{ip}", False)


def client_ip(request: HttpRequest) -> str:
    """The caller's address, IPv6 reduced to its /64 (an IPv4-mapped IPv6 address is its IPv4
    address). With TRUSTED_PROXY_HOPS = n > 0, the X-Forwarded-For entry added by the outermost
    trusted proxy: entries a client wrote itself are ignored, so a forged header cannot dodge
    the limits."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_HOPS
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            address = hops[-min(proxies, len(hops))]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def caller_of(request: HttpRequest) -> Caller:
    """The caller of an API request: the credential authentication accepted, else the one its
    bearer token names (a call refused before authentication still counts against its user),
    else its IP. The token is resolved once per request (access/auth.py keeps the result)."""
    credential = request_credential(request) or bearer_credential(request)
    return Caller.of(credential, client_ip(request))


def _seconds_to_wait(counter: Counter, *, increment: bool = True) -> tuple[int, bool]:
    """Count one call, or with `increment=False` only look at the counter; (seconds until the
    counter's window ends if it is over its limit, else 0; whether the counter is out of
    service). Counting, the call that goes past the limit is over it; looking, a counter that
    has reached its limit is over (the next call would pass it)."""
    try:
        # django-ratelimit reads the request only through the key function and a method
        # filter, and we give it neither: counters work for any front door.
        usage = get_usage(
            None,
            group=counter.scope,
            key=lambda group, req: counter.caller,
            rate=counter.rate,
            increment=increment,
        )
    except Exception:
        logger.warning("Rate limit counter %s unavailable", counter.scope, exc_info=True)
        return 0, True
    if usage is None:  # RATELIMIT_ENABLE is off
        return 0, False
    if usage["limit"] == 0 and usage["time_left"] == -1:
        # django-ratelimit's answer when the cache would not store the counter.
        logger.warning("Rate limit counter %s could not be stored", counter.scope)
        return 0, True
    over = usage["should_limit"] if increment else usage["count"] >= usage["limit"]
    if over:
        # The window's last second still belongs to it: a retry is safe one second after.
        return max(0, usage["time_left"]) + 1, False
    return 0, False


def enforce(counters: Sequence[Counter], *, fail_closed: bool, increment: bool = True) -> None:
    """Count this call against every counter (with `increment=False`, only check them).

    Raises RateLimited (429, with the seconds to wait) if any is over its limit, and NotReady
    ("rate_limiter_unavailable", 503) if a counter is out of service and `fail_closed`."""
    waits = []
    for counter in counters:
        wait, broken = _seconds_to_wait(counter, increment=increment)
        if broken and fail_closed:
            raise NotReady(
                code="rate_limiter_unavailable",
                retry_after=UNAVAILABLE_RETRY_AFTER,
            )
        if wait:
            waits.append((wait, counter))
    if waits:
        wait, counter = max(waits, key=lambda item: item[0])
        raise RateLimited(
            f"Too many requests; try again in {wait} seconds.",
            retry_after=wait,
            details={"scope": counter.scope, "limit": counter.rate, "retry_after": wait},
        )


def record(counters: Sequence[Counter]) -> None:
    """Add this (already answered) call to every counter; refuses nothing, and a counter out of
    service is only logged."""
    for counter in counters:
        _seconds_to_wait(counter)


def limit_operation(caller: Caller, *, operation: str) -> None:
    """Count a call to `operation` (its operationId, or the MCP tool's operation) per operation
    and across the API, before it runs. Fails open. Raises RateLimited."""
    rates = settings.RATE_LIMITS
    per_operation = settings.RATE_LIMIT_OPERATIONS.get(operation) or (
        rates["user_per_operation"] if caller.signed_in else rates["anon_per_operation"]
    )
    total = rates["user_total"] if caller.signed_in else rates["anon_total"]
    counters = [
        Counter(f"api:{operation}", caller.key, per_operation),
        Counter("api:*", caller.key, total),
    ]
    enforce(counters, fail_closed=False)


def _login_counters(request: HttpRequest, email: str) -> list[Counter]:
    rates = settings.RATE_LIMITS
    account = f"email:{User.normalize_email_address(email)}"
    ip = f"ip:{client_ip(request)}"
    return [
        Counter("auth:login:ip", ip, rates["login_per_ip"]),
        Counter("auth:login:account_ip", f"{account}|{ip}", rates["login_per_account_ip"]),
        Counter("auth:login:account", account, rates["login_per_account"]),
    ]


def refuse_login_while_limited(request: HttpRequest, *, email: str) -> None:
    """The one password-login policy, for every sign-in form (the API's /auth/token, the admin,
    the OAuth sign-in page): refuse an attempt while earlier failed logins hold a counter at its
    limit. Fails closed. Raises RateLimited or NotReady."""
    enforce(_login_counters(request, email), fail_closed=True, increment=False)


def record_failed_login(request: HttpRequest, *, email: str) -> None:
    """Count one failed password login for `email` from this request's client."""
    record(_login_counters(request, email))


@contextmanager
def login_attempt(request: HttpRequest, *, email: str) -> Iterator[None]:
    """Guard one login attempt: refuse it while earlier failed logins hold a counter at its
    limit, and count it only if it fails (NotAuthenticated inside the block).

    Failures count per IP (whatever the account), tightly per account and IP, and loosely per
    account (whatever the IP): a stranger failing on purpose cannot lock the owner out from
    another address. Fails closed. Raises RateLimited or NotReady."""
    refuse_login_while_limited(request, email=email)
    try:
        yield
    except NotAuthenticated:
        record_failed_login(request, email=email)
        raise


def limit_registration(request: HttpRequest) -> None:
    """Count a registration per IP. Fails closed. Raises RateLimited or NotReady."""
    rate = settings.RATE_LIMITS["register_per_ip"]
    enforce(
        [Counter("auth:register:ip", f"ip:{client_ip(request)}", rate)],
        fail_closed=True,
    )


def limit_client_registration(request: HttpRequest) -> None:
    """Count an OAuth client registration (RFC 7591, anonymous) per IP. Fails closed: an
    outage must not open unlimited registration. Raises RateLimited or NotReady."""
    rate = settings.RATE_LIMITS["client_register_per_ip"]
    enforce(
        [Counter("oauth:register:ip", f"ip:{client_ip(request)}", rate)],
        fail_closed=True,
    )


# --- refused calls ---------------------------------------------------------------------------

# What the API raises before (or instead of) running an operation: a missing or bad token, a
# staff-only operation, malformed or invalid input, a body too large. Refusals an operation
# makes itself (a locked chapter, a wrong password) already counted against its own limits.
REFUSED_BEFORE_OPERATION = (
    AuthenticationError,
    StaffOnly,
    NinjaValidationError,
    HttpError,
    RequestDataTooBig,
    SuspiciousOperation,
)


def rejected_counter(caller: Caller) -> Counter:
    return Counter("api:rejected", caller.key, settings.RATE_LIMITS["rejected"])


def check_refusals(caller: Caller) -> None:
    """Refuse every call of a caller whose refusals reached their limit. Raises RateLimited."""
    enforce([rejected_counter(caller)], fail_closed=False, increment=False)


def count_refusal(caller: Caller) -> None:
    """Count a call refused before its operation ran."""
    record([rejected_counter(caller)])


def on_exception(request: HttpRequest, exc: Exception) -> None:
    """Called by the API for every error it answers (coursecompanion/api.py)."""
    if isinstance(exc, REFUSED_BEFORE_OPERATION):
        count_refusal(caller_of(request))


# --- hooking every REST operation ------------------------------------------------------------


def _limit(run: Callable[..., Any]) -> Callable[..., Any]:
    # Wraps ninja's Operation.run (a bound method), the whole call: authentication, parsing,
    # the operation and ninja's error handlers, so a caller over its refusals is turned away
    # before any of it. It also wraps the operation's view function, which ninja calls after
    # authentication and parsing: there the call is counted against its operation and the
    # total (inside ninja's error handling, so RateLimited becomes the 429 with Retry-After).
    # The operationId is known here even when several operations share one URL (GET and
    # PATCH /me).
    operation = run.__self__  # type: ignore[attr-defined]
    view_func = operation.view_func
    name = operation.operation_id or f"{view_func.__module__}.{view_func.__name__}"

    @functools.wraps(view_func)
    def counted(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        limit_operation(caller_of(request), operation=name)
        return view_func(request, *args, **kwargs)

    setattr(counted, LIMITED_MARK, True)
    operation.view_func = counted

    @functools.wraps(run)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            check_refusals(caller_of(request))
        except RateLimited as error:
            return operation.api.on_exception(request, error)
        return run(request, *args, **kwargs)

    return guarded


def install(api: Any) -> None:
    """Limit every operation of `api`, including routers added after this call."""
    api.add_decorator(_limit, mode="view")
