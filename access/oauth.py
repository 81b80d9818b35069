"""The OAuth 2 authorization server (django-oauth-toolkit) as this project configures it: the
Custom GPT today, the MCP App (dynamic registration, resource indicators) on the same server.

- `CourseCompanionOAuth2Validator`: DOT's validator plus our rules (a scope is required, a
  reused authorization code revokes what it issued, connections are recorded).
- `pkce_required`: PKCE for every public client; optional for confidential ones, since
  ChatGPT's Actions send none.
- `credential_from_oauth_token`: the resolver that lets the API accept these access tokens.
- `authorization_server_metadata`: the RFC 8414 document; extend it here.
"""

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import OAuthProtectedResourceMetadataView, OAuthServerMetadataView
from oauthlib.oauth2.rfc6749 import errors

from access.auth import Credential
from access.models import OAuthConnection, RedeemedCode, User
from coursecompanion.errors import NotFound

logger = logging.getLogger(__name__)

# How often (at most) an app's use of a connection is written down as its last_used_at.
LAST_USED_RESOLUTION = timedelta(minutes=5)
# Redeemed codes are remembered this long: reuse after that is an expired code anyway.
REDEEMED_CODE_MEMORY = timedelta(days=1)


def checksum(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def pkce_required(client_id: str) -> bool:
    """PKCE is required unless the client is a known confidential one (it authenticates with its
    secret at the token endpoint) that staff created: every self-registered client (RFC 7591,
    the MCP App) needs it, whatever its auth method. Unknown ids are refused later anyway."""
    found = (
        Application.objects.filter(client_id=client_id)
        .values_list("client_type", "registration_source")
        .first()
    )
    if found is None:
        return True
    client_type, source = found
    self_registered = source == Application.RegistrationSource.DCR
    return client_type != Application.CLIENT_CONFIDENTIAL or self_registered


class CourseCompanionOAuth2Validator(OAuth2Validator):
    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        # An empty scope would grant nothing the student could read on the consent page.
        scopes = [scope for scope in scopes if scope]
        return bool(scopes) and super().validate_scopes(
            client_id, scopes, client, request, *args, **kwargs
        )

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        redeemed = RedeemedCode.objects.filter(code_checksum=checksum(code), application=client)
        family = redeemed.values_list("token_family", flat=True).first()
        if family is not None:
            logger.warning("Authorization code reused by client %s: tokens revoked", client_id)
            RefreshToken.revoke_family(family)
        return False

    def _save_bearer_token(self, token, request, *args, **kwargs) -> None:
        if request.grant_type == "refresh_token":
            self._claim_refresh_token(request)
        super()._save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code":
            self._redeem_code(token, request)
        if request.user is not None and request.client is not None:
            OAuthConnection.objects.update_or_create(
                user=request.user, application=request.client, defaults={"scope": token["scope"]}
            )

    def _claim_refresh_token(self, request) -> None:
        # Lock the refresh token for this transaction before DOT rotates it: a concurrent use of
        # the same token (validated before this one rotated it) must be refused, not handed the
        # tokens just minted, nor new ones after a replay revoked the family. Without a grace
        # period any second use is a replay.
        presented = request.refresh_token_instance
        current = RefreshToken.objects.select_for_update().filter(pk=presented.pk).first()
        if current is None or current.revoked is not None:
            raise errors.InvalidGrantError(request=request)

    def _redeem_code(self, token, request) -> None:
        # Inside save_bearer_token's transaction: if another request redeemed the code first,
        # raising here rolls back the tokens just made.
        deleted, _ = Grant.objects.filter(code=request.code, application=request.client).delete()
        family = (
            RefreshToken.objects.filter(token_checksum=checksum(token.get("refresh_token", "")))
            .values_list("token_family", flat=True)
            .first()
        )
        if not deleted or family is None:
            raise errors.InvalidGrantError(request=request)
        RedeemedCode.objects.filter(redeemed_at__lt=timezone.now() - REDEEMED_CODE_MEMORY).delete()
        try:
            with transaction.atomic():
                RedeemedCode.objects.create(
                    code_checksum=checksum(request.code),
                    application=request.client,
                    token_family=family,
                )
        except IntegrityError as error:
            raise errors.InvalidGrantError(request=request) from error

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs) -> None:
        # Done in _redeem_code, atomically with the tokens.
        return None


def credential_from_oauth_token(token: str) -> Credential | None:
    """The credential of a live OAuth access token: its user (active), scopes and audiences."""
    if len(token) > 255:
        return None
    access_token = (
        AccessToken.objects.select_related("user")
        .filter(token_checksum=checksum(token))
        .only("id", "expires", "scope", "resource", "application_id", "user")
        .first()
    )
    if access_token is None or access_token.is_expired() or access_token.user is None:
        return None
    if not access_token.user.is_active:
        return None
    _note_use(access_token)
    return Credential(
        user=access_token.user,
        scheme="oauth",
        scopes=frozenset(access_token.scope.split()),
        audiences=frozenset(access_token.resource or ()),
    )


def _note_use(access_token: AccessToken) -> None:
    # One write per connection per LAST_USED_RESOLUTION, not one per API call.
    key = f"oauth:used:{access_token.user_id}:{access_token.application_id}"
    try:
        first_in_window = cache.add(key, 1, timeout=int(LAST_USED_RESOLUTION.total_seconds()))
    except Exception:
        # The cache (Redis) is down: a last-used time is not worth failing the call for.
        logger.warning("Cache unavailable: connection use not recorded", exc_info=True)
        return
    if first_in_window:
        OAuthConnection.objects.filter(
            user_id=access_token.user_id, application_id=access_token.application_id
        ).update(last_used_at=timezone.now())


# --- connections (what a student sees of the apps linked to their account) ------------------


def list_connections(*, user: User) -> list[OAuthConnection]:
    """The apps that can still act for `user`: those holding a live access or refresh token."""
    now = timezone.now()
    live_access = AccessToken.objects.filter(
        user=OuterRef("user"), application=OuterRef("application"), expires__gt=now
    )
    live_refresh = RefreshToken.objects.filter(
        user=OuterRef("user"), application=OuterRef("application"), revoked__isnull=True
    )
    return list(
        OAuthConnection.objects.filter(user=user)
        .filter(Exists(live_access) | Exists(live_refresh))
        .select_related("application")
        .order_by("-created_at", "-id")
    )


@transaction.atomic
def revoke_connection(*, user: User, connection_id: int) -> None:
    """Disconnect an app: every token it holds for `user` stops working at once.

    Raises NotFound for an unknown id or another student's connection."""
    connection = OAuthConnection.objects.filter(pk=connection_id, user=user).first()
    if connection is None:
        raise NotFound("Connection not found.", code="connection_not_found")
    tokens = {"user": user, "application_id": connection.application_id}
    RefreshToken.objects.filter(**tokens, revoked__isnull=True).update(
        revoked=timezone.now(), access_token=None
    )
    AccessToken.objects.filter(**tokens).delete()
    Grant.objects.filter(**tokens).delete()
    connection.delete()


# --- clients --------------------------------------------------------------------------------


def create_confidential_client(*, name: str, redirect_uris: list[str]) -> tuple[Application, str]:
    """A confidential authorization-code client (the Custom GPT); returns it and its secret,
    which is stored only as a hash and cannot be shown again.

    Raises django ValidationError for a redirect URI that is not absolute https."""
    from oauth2_provider.generators import generate_client_secret

    secret = generate_client_secret()
    application = Application(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        client_secret=secret,
        hash_client_secret=True,
    )
    application.full_clean(exclude=["client_secret"])
    application.save()
    return application, secret


@transaction.atomic
def set_redirect_uris(*, client_id: str, redirect_uris: list[str]) -> Application:
    """Replace a staff-created client's redirect URIs (the GPT editor shows its callback only
    after the client exists); its secret is unchanged.

    Raises NotFound for an unknown or self-registered client, django ValidationError for a
    redirect URI that is not absolute https."""
    application = (
        Application.objects.select_for_update()
        .filter(client_id=client_id, registration_source=Application.RegistrationSource.MANUAL)
        .first()
    )
    if application is None:
        raise NotFound(f"No client {client_id!r}.", code="not_found")
    application.redirect_uris = " ".join(redirect_uris)
    application.full_clean(exclude=["client_secret"])
    application.save(update_fields=["redirect_uris", "updated"])
    return application


# --- metadata -------------------------------------------------------------------------------

# Extra entries for the RFC 8414 document, each computed per request (e.g. the MCP issue's
# registration endpoint): append a function returning a dict.
METADATA_EXTENSIONS: list[Callable[[HttpRequest], dict]] = []


def authorization_server_metadata(request: HttpRequest) -> dict:
    """The RFC 8414 authorization-server metadata: DOT's document for our settings, with the
    extensions in METADATA_EXTENSIONS."""
    import json

    document = json.loads(OAuthServerMetadataView().get(request).content)
    document["service_documentation"] = f"{settings.PUBLIC_BASE_URL}/api/v1/docs"
    document["op_policy_uri"] = f"{settings.PUBLIC_BASE_URL}/privacy/"
    document["op_tos_uri"] = f"{settings.PUBLIC_BASE_URL}/terms/"
    for extend in METADATA_EXTENSIONS:
        document.update(extend(request))
    return document


@require_safe
def authorization_server_metadata_view(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(authorization_server_metadata(request))
    # Read by clients in browsers too (discovery before registration).
    response["Access-Control-Allow-Origin"] = "*"
    return response


class ProtectedResourceMetadataView(OAuthProtectedResourceMetadataView):
    """RFC 9728 metadata, with the resource named at PUBLIC_BASE_URL (what tokens' audiences are
    checked against) rather than at whatever host the request came through."""

    def get_resource(self, request: HttpRequest) -> str:
        _, _, path = request.path.partition("/.well-known/oauth-protected-resource")
        return f"{settings.PUBLIC_BASE_URL}{path.rstrip('/')}"

    def get_authorization_servers(self, request: HttpRequest) -> list[str]:
        return [settings.PUBLIC_BASE_URL]

    def get_resource_documentation(self) -> str:
        return f"{settings.PUBLIC_BASE_URL}/api/v1/docs"

    def get_resource_policy_uri(self) -> str:
        return f"{settings.PUBLIC_BASE_URL}/privacy/"

    def get_resource_tos_uri(self) -> str:
        return f"{settings.PUBLIC_BASE_URL}/terms/"
