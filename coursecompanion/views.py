from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from coursecompanion.errors import render_error
from coursecompanion.health import readiness_checks


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
