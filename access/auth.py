"""Bearer authentication for the API.

A bearer token is resolved by each resolver in TOKEN_RESOLVERS in turn into a Credential: who
the caller is, and what the token lets them do. simplejwt's first-party tokens may do
everything their user may; OAuth access tokens (access/oauth.py, appended by AccessConfig)
carry scopes, are checked per operation (`read` / `write`) and never carry staff powers.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from access.models import DelegatedUser, User
from coursecompanion.errors import AccessDenied

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
READ, WRITE = "read", "write"


@dataclass(frozen=True)
class Credential:
    """What a valid bearer token says about its caller."""

    user: User
    scheme: str  # "jwt" or "oauth"
    scopes: frozenset[str] | None  # None: a first-party token, every scope
    audiences: frozenset[str] = frozenset()  # RFC 8707 resource indicators

    @property
    def staff_powers(self) -> bool:
        """Only first-party tokens of staff: an app acting for a staff member acts as a student."""
        return self.scopes is None and self.user.is_staff

    def allows(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    @property
    def acting_user(self) -> User:
        """The user operations see: without staff flags unless the token carries staff powers."""
        return self.user if self.staff_powers else DelegatedUser.of(self.user)


def credential_from_simplejwt(token: str) -> Credential | None:
    """The active user of a valid simplejwt *access* token (refresh tokens are refused)."""
    authenticator = JWTAuthentication()
    try:
        validated = authenticator.get_validated_token(token)
        return Credential(user=authenticator.get_user(validated), scheme="jwt", scopes=None)
    except (InvalidToken, TokenError, AuthenticationFailed):
        return None


TOKEN_RESOLVERS: list[Callable[[str], Credential | None]] = [credential_from_simplejwt]

CREDENTIAL_ATTR = "_bearer_credential"


def bearer_token(request: HttpRequest) -> str | None:
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    return raw.strip() or None if scheme.lower() == "bearer" else None


def request_credential(request: HttpRequest) -> Credential | None:
    """The credential of the request's bearer token (None: no token, or not a valid one),
    resolved once per request: the rate limiter and authentication both ask."""
    if not hasattr(request, CREDENTIAL_ATTR):
        token = bearer_token(request)
        credential = None
        for resolve in TOKEN_RESOLVERS if token else ():
            credential = resolve(token)
            if credential is not None:
                break
        setattr(request, CREDENTIAL_ATTR, credential)
    return getattr(request, CREDENTIAL_ATTR)


def _meant_for(credential: Credential, request: HttpRequest) -> bool:
    """False for a token minted for another resource (RFC 8707): one whose audiences, when it
    names any, do not cover this URL."""
    if not credential.audiences:
        return True
    from oauth2_provider.settings import oauth2_settings

    url = f"{settings.PUBLIC_BASE_URL}{request.path}"
    validate = oauth2_settings.RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR
    return validate(url, sorted(credential.audiences))


class BearerAuth(HttpBearer):
    """Requires `Authorization: Bearer <token>` whose credential allows `scope`; request.auth
    becomes the acting User. A valid token without the scope is 403 `insufficient_scope`."""

    def __init__(self, scope: str = READ) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        credential = request_credential(request)
        if credential is None or not _meant_for(credential, request):
            return None
        if not credential.allows(self.scope):
            raise AccessDenied(
                f"This token may not do this: it needs the {self.scope!r} scope.",
                code="insufficient_scope",
                details={"required_scope": self.scope, "token_scopes": sorted(credential.scopes)},
            )
        return credential.acting_user


class OptionalBearerAuth(BearerAuth):
    """Lets anonymous callers through (they act as the free tier), but a token that is sent must
    be valid: a client holding an expired token gets 401, not a silently downgraded answer.

    Staff browsing from the admin (session cookie, safe methods only, so no CSRF exposure) are
    recognised so they can preview drafts from the admin's "API JSON" links."""

    def __call__(self, request: HttpRequest):
        if request.headers.get(self.header):
            return super().__call__(request)
        session_user = getattr(request, "user", None)
        if (
            request.method in SAFE_METHODS
            and session_user
            and session_user.is_authenticated
            and session_user.is_staff
        ):
            return session_user
        return AnonymousUser()


class TierManagerAuth(BearerAuth):
    """A bearer token of staff who manage users. Anyone else signed in gets 403 before their
    request body is even read, so no body can talk its way past the check."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        from access.services import require_tier_manager

        user = super().authenticate(request, token)
        if user is not None:
            require_tier_manager(user)
        return user


def request_user(request: HttpRequest) -> User | None:
    """The signed-in user behind an API request, or None for an anonymous caller."""
    user = getattr(request, "auth", None)
    return user if user is not None and user.is_authenticated else None


bearer_auth = BearerAuth(READ)
bearer_write_auth = BearerAuth(WRITE)
optional_auth = OptionalBearerAuth(READ)
tier_manager_auth = TierManagerAuth(WRITE)
