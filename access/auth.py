"""Bearer authentication for the API.

A bearer token is resolved by each resolver in TOKEN_RESOLVERS in turn, so a second token type
(OAuth 2 access tokens from ChatGPT account linking) is one more resolver, not a new auth class.
"""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from access.models import User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def user_from_simplejwt(token: str) -> User | None:
    """An active user for a valid simplejwt *access* token (refresh tokens are refused)."""
    authenticator = JWTAuthentication()
    try:
        validated = authenticator.get_validated_token(token)
        return authenticator.get_user(validated)
    except (InvalidToken, TokenError, AuthenticationFailed):
        return None


TOKEN_RESOLVERS: list[Callable[[str], User | None]] = [user_from_simplejwt]


class BearerAuth(HttpBearer):
    """Requires `Authorization: Bearer <token>`; request.auth becomes the User."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        for resolve in TOKEN_RESOLVERS:
            user = resolve(token)
            if user is not None:
                return user
        return None


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


bearer_auth = BearerAuth()
optional_auth = OptionalBearerAuth()
tier_manager_auth = TierManagerAuth()
