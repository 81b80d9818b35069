"""Dynamic client registration (RFC 7591) for MCP clients: ChatGPT Apps (and the MCP Inspector)
register themselves with no account before sending a student to sign in.

django-oauth-toolkit's registration views do the registering; these subclasses add what an
open endpoint needs here: a rate limit per IP, redirect URIs limited to https (or loopback, for
development), the requested `token_endpoint_auth_method` echoed back as asked, and a record of
every registration (`ClientRegistration`). PKCE (S256) is then required for every client
registered this way (access/oauth.py: pkce_required)."""

import json
import logging
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.models import Application
from oauth2_provider.views.dynamic_client_registration import (
    DynamicClientRegistrationManagementView,
    DynamicClientRegistrationView,
)

from access import ratelimits
from access.models import ClientRegistration
from coursecompanion.errors import NotReady, RateLimited

logger = logging.getLogger(__name__)

# RFC 7591's default when a client names none.
DEFAULT_AUTH_METHOD = "client_secret_basic"
AUTH_METHODS = ("none", "client_secret_post", "client_secret_basic")
LOOPBACK_NAMES = ("localhost",)


def _oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    # RFC 7591 section 3.2.2: registration errors are {"error", "error_description"}.
    return JsonResponse({"error": error, "error_description": description}, status=status)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redirect_uri_problem(uri: str) -> str | None:
    """Why a redirect URI is refused, or None: https anywhere, plain http only to this machine
    (a developer's MCP Inspector), never a fragment (RFC 6749 section 3.1.2)."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
    except ValueError:
        return f"{uri!r} is not a URL."
    if parts.fragment or "#" in uri:
        return f"{uri!r} has a fragment."
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and is_loopback(host):
        return None
    return f"{uri!r} must be https, or http to a loopback address (127.0.0.1, [::1], localhost)."


def _metadata_problem(metadata: object) -> JsonResponse | None:
    if not isinstance(metadata, dict):
        return None  # DOT answers invalid_client_metadata itself
    method = metadata.get("token_endpoint_auth_method", DEFAULT_AUTH_METHOD)
    if method not in AUTH_METHODS:
        return _oauth_error(
            "invalid_client_metadata",
            f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}.",
        )
    uris = metadata.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
        return _oauth_error("invalid_redirect_uri", "redirect_uris must list at least one URL.")
    for uri in uris:
        problem = redirect_uri_problem(uri)
        if problem:
            return _oauth_error("invalid_redirect_uri", problem)
    return None


def _parsed_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None


def _client_ip(request: HttpRequest) -> str:
    return ratelimits.client_ip(request)


class ClientRegistrationView(DynamicClientRegistrationView):
    """POST /oauth/register/: register a client (anonymous, rate limited, recorded)."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response: HttpResponse
        try:
            ratelimits.limit_client_registration(request)
        except RateLimited as error:
            response = _oauth_error("rate_limited", error.message, status=429)
            response["Retry-After"] = str(error.retry_after)
            return response
        except NotReady as error:
            response = _oauth_error("temporarily_unavailable", error.message, status=503)
            response["Retry-After"] = str(error.retry_after)
            return response
        metadata = _parsed_body(request)
        refused = _metadata_problem(metadata)
        if refused is not None:
            return refused
        with transaction.atomic():
            response = super().post(request, *args, **kwargs)
            if response.status_code == 201:
                response = self._recorded(request, metadata, response)
        return response

    def _recorded(
        self, request: HttpRequest, metadata: Any, response: HttpResponse
    ) -> HttpResponse:
        body = json.loads(response.content)
        method = metadata.get("token_endpoint_auth_method", DEFAULT_AUTH_METHOD)
        application = Application.objects.get(client_id=body["client_id"])
        ClientRegistration.objects.create(
            application=application,
            client_name=application.name[:255],
            token_endpoint_auth_method=method,
            redirect_uris=application.redirect_uris,
            ip_address=_client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:255],
        )
        logger.info(
            "OAuth client %s (%r) registered from %s",
            application.client_id,
            application.name,
            _client_ip(request),
        )
        # DOT answers client_secret_basic for every confidential client; both methods work at
        # our token endpoint, and RFC 7591 says to answer with what was registered.
        body["token_endpoint_auth_method"] = method
        if "scope" in metadata and isinstance(metadata["scope"], str):
            body["scope"] = metadata["scope"]
        body["client_id_issued_at"] = int(application.created.timestamp())
        if "client_secret" in body:
            body["client_secret_expires_at"] = 0  # never
        return JsonResponse(body, status=201)


class ClientConfigurationView(DynamicClientRegistrationManagementView):
    """/oauth/register/<client_id>/ (RFC 7592, with the registration access token): read,
    update with the same redirect-URI rules as registering, or delete."""

    def put(self, request: HttpRequest, client_id: str, *args, **kwargs) -> HttpResponse:
        refused = _metadata_problem(_parsed_body(request))
        if refused is not None:
            return refused
        return super().put(request, client_id, *args, **kwargs)
