from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from coursecompanion.errors import render_error
from coursecompanion.health import readiness_checks

# What a student may grant (issue 11's scopes); offline_access asks for a refresh token.
OAUTH_SCOPES = ("read", "write", "offline_access")


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else, so a slow database never kills it."""
    return JsonResponse({"status": "ok"})


@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database (and the cache and storage when configured) answer."""
    results = {name: check() for name, check in readiness_checks().items()}
    failed = {name: reason for name, reason in results.items() if reason}
    checks = {name: ("ok" if reason is None else "failed") for name, reason in results.items()}
    if failed:
        names = ", ".join(sorted(failed))
        error = render_error(
            "not_ready",
            f"Not ready: {names} check failed.",
            {"checks": checks, "failed": failed},
        )
        return JsonResponse(error.body, status=error.status, headers=error.headers)
    return JsonResponse({"status": "ready", "checks": checks})


def public_base_url(request: HttpRequest) -> str:
    """scheme://host clients reach us at: PUBLIC_BASE_URL when set, else this request's."""
    public = getattr(settings, "PUBLIC_BASE_URL", "")
    return (public or request.build_absolute_uri("/")).rstrip("/")


@require_safe
def protected_resource_metadata(request: HttpRequest, resource_path: str = "") -> JsonResponse:
    """OAuth 2.0 Protected Resource Metadata (RFC 9728): which authorization server signs
    students in for this resource and with what scopes. ChatGPT reads it after /mcp's 401."""
    base_url = public_base_url(request)
    response = JsonResponse(
        {
            "resource": f"{base_url}{resource_path}",
            "authorization_servers": [base_url],
            "scopes_supported": list(OAUTH_SCOPES),
            "bearer_methods_supported": ["header"],
            "resource_name": "Course Companion",
            "resource_documentation": f"{base_url}/api/v1/docs",
        }
    )
    # A public document: browser-based clients (the MCP Inspector) read it cross-origin.
    response["Access-Control-Allow-Origin"] = "*"
    return response
