"""Who is calling: bearer tokens resolved to a Credential, once per request.

A bearer token is resolved by each resolver in TOKEN_RESOLVERS in turn, so a second token type
(OAuth 2 access tokens from ChatGPT account linking) is one more resolver, not a new auth class,
and the rate limiter (access/ratelimits.py), which keys on the resolved credential's user, needs
no change for it. Every front door (the REST API today, MCP tools next) asks the same resolvers.

OAuth credentials (access/oauth.py, appended by AccessConfig) carry scopes, checked per
operation (`read` / `write`, the scope of the operation's auth), and never staff powers: the
operation then sees a DelegatedUser, a view of the account with no staff flags.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import Token

from access.models import DelegatedUser, User, is_staff
from access.user_cache import cached_user
from coursecompanion.errors import AccessDenied

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Schemes a Credential can come from.
SCHEME_JWT = "jwt"  # simplejwt access tokens from /auth/token (first party)
SCHEME_OAUTH = "oauth"  # django-oauth-toolkit access tokens (ChatGPT account linking)
SCHEME_SESSION = "session"  # a staff member's admin session, safe methods only

# OAuth scopes (settings.OAUTH2_PROVIDER["SCOPES"]): what an operation's auth requires.
READ, WRITE = "read", "write"


@dataclass(frozen=True)
class Credential:
    """What a request proved about its caller."""

    user: User
    scheme: str
    # None: a first-party token that may do everything; else the OAuth scopes granted.
    scopes: frozenset[str] | None
    # OAuth resource indicators (RFC 8707) the token was issued for.
    audiences: frozenset[str] = frozenset()

    @property
    def staff_powers(self) -> bool:
        """Only first-party credentials of staff carry staff powers: a staff member who links
        ChatGPT by OAuth gets a student's token."""
        return self.scopes is None and self.user.is_staff

    def allows(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    @property
    def acting_user(self) -> User:
        """The user operations see: without staff flags unless the credential carries staff
        powers, so every staff check in the services answers no for an OAuth app."""
        return self.user if self.staff_powers else DelegatedUser.of(self.user)


# Tokens this process has checked: a student's every request sends the same one. The signature
# and claims of a given string never change, so only the expiry is checked again on each use.
# Bounded: a few thousand students per worker, and garbage tokens only push old entries out.
DECODED_TOKENS = 4096


@lru_cache(maxsize=DECODED_TOKENS)
def _validated_simplejwt(token: str) -> Token | None:
    try:
        # simplejwt annotates the raw token as bytes; it decodes the header's str as well.
        return JWTAuthentication().get_validated_token(token)  # type: ignore[arg-type]
    except (InvalidToken, TokenError, AuthenticationFailed):
        return None


def credential_from_simplejwt(token: str) -> Credential | None:
    """An active user's simplejwt *access* token (refresh tokens are refused), unless it expired
    or the password changed since it was issued. The user comes from the user cache: the checks
    of JWTAuthentication.get_user without its query."""
    validated = _validated_simplejwt(token)
    if validated is None or validated["exp"] <= time.time():
        return None
    found = cached_user(validated.get(jwt_settings.USER_ID_CLAIM))
    if found is None or not found.user.is_active:
        return None
    revoke_claim = validated.get(jwt_settings.REVOKE_TOKEN_CLAIM)
    if jwt_settings.CHECK_REVOKE_TOKEN and revoke_claim != found.password_stamp:
        return None
    return Credential(user=found.user, scheme=SCHEME_JWT, scopes=None)


TOKEN_RESOLVERS: list[Callable[[str], Credential | None]] = [credential_from_simplejwt]


def resolve_token(token: str) -> Credential | None:
    """The credential a bearer token stands for, from the first resolver that knows it."""
    for resolve in TOKEN_RESOLVERS:
        credential = resolve(token)
        if credential is not None:
            return credential
    return None


# The memo of the one resolution per request: (the token, what it resolved to).
_RESOLVED_ATTR = "_bearer_credential"


def bearer_token(request: HttpRequest) -> str | None:
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    token = raw.strip()
    return token if scheme.lower() == "bearer" and token else None


def credential_for_token(request: HttpRequest, token: str) -> Credential | None:
    """Resolve `token` for this request, decoding it once however often it is asked."""
    resolved = getattr(request, _RESOLVED_ATTR, None)
    if resolved is None or resolved[0] != token:
        resolved = (token, resolve_token(token))
        setattr(request, _RESOLVED_ATTR, resolved)
    return resolved[1]


def bearer_credential(request: HttpRequest) -> Credential | None:
    """The credential of the request's bearer token, None when it sends none or a bad one."""
    token = bearer_token(request)
    return credential_for_token(request, token) if token is not None else None


def _meant_for(credential: Credential, request: HttpRequest) -> bool:
    """False for a token minted for another resource (RFC 8707): one whose audiences, when it
    names any, do not cover this URL."""
    if not credential.audiences:
        return True
    from oauth2_provider.settings import oauth2_settings

    url = f"{settings.PUBLIC_BASE_URL}{request.path}"
    validate = oauth2_settings.RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR
    return validate(url, sorted(credential.audiences))


def accepted_credential(request: HttpRequest, token: str, scope: str | None) -> Credential | None:
    """The token's credential if it is meant for this URL; None (401) otherwise.

    Raises AccessDenied("insufficient_scope") (403) for a valid token without `scope`."""
    credential = credential_for_token(request, token)
    if credential is None or not _meant_for(credential, request):
        return None
    if scope is not None and not credential.allows(scope):
        raise AccessDenied(
            f"This token may not do this: it needs the {scope!r} scope.",
            code="insufficient_scope",
            details={"required_scope": scope, "token_scopes": sorted(credential.scopes or ())},
        )
    return credential


class BearerAuth(HttpBearer):
    """Requires `Authorization: Bearer <token>` whose credential allows `scope`; request.auth
    becomes the acting User. A valid token without the scope is 403 `insufficient_scope`."""

    def __init__(self, scope: str = READ) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        credential = accepted_credential(request, token, self.scope)
        return credential.acting_user if credential is not None else None


class OptionalBearerAuth(BearerAuth):
    """Lets anonymous callers through (they act as the free tier), but a token that is sent must
    be valid: a client holding an expired token gets 401, not a silently downgraded answer.

    Staff browsing from the admin (session cookie, safe methods only, so no CSRF exposure) are
    recognised so they can preview drafts from the admin's "API JSON" links."""

    def __call__(self, request: HttpRequest):
        if request.headers.get(self.header):
            return super().__call__(request)
        session_user = session_staff(request)
        if session_user is not None:
            return session_user
        return AnonymousUser()


def session_staff(request: HttpRequest) -> User | None:
    """A staff member's admin session on a safe method (no CSRF exposure), else None."""
    session_user = getattr(request, "user", None)
    if request.method in SAFE_METHODS and is_staff(session_user):
        return session_user
    return None


class TierManagerAuth(BearerAuth):
    """A bearer token of staff who manage users. Anyone else signed in gets 403 before their
    request body is even read, so no body can talk its way past the check."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        from access.services import require_tier_manager

        # Staff-only: no scope makes an OAuth token staff, so the answer is "forbidden".
        credential = accepted_credential(request, token, scope=None)
        if credential is None:
            return None
        require_tier_manager(credential.user if credential.staff_powers else None)
        return credential.acting_user


def request_credential(request: HttpRequest) -> Credential | None:
    """The credential the API's authentication accepted for this request, or None for an
    anonymous caller (and for operations that look at no token)."""
    user = getattr(request, "auth", None)
    if user is None or not user.is_authenticated:
        return None
    token = bearer_token(request)
    credential = credential_for_token(request, token) if token is not None else None
    if credential is not None and credential.user.pk == user.pk:
        return credential
    # Authenticated without a bearer token: the admin session of OptionalBearerAuth.
    return Credential(user=user, scheme=SCHEME_SESSION, scopes=None)


def signed_in_user(request: HttpRequest) -> User:
    """The user of an operation behind a required token (bearer_auth already answered 401
    to anyone else)."""
    user = request_user(request)
    if user is None:
        raise AuthenticationError()
    return user


def request_user(request: HttpRequest) -> User | None:
    """The signed-in user behind an API request, or None for an anonymous caller."""
    user = getattr(request, "auth", None)
    return user if user is not None and user.is_authenticated else None


bearer_auth = BearerAuth(READ)
bearer_write_auth = BearerAuth(WRITE)
optional_auth = OptionalBearerAuth(READ)
tier_manager_auth = TierManagerAuth(WRITE)
