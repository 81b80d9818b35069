from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

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
        return JsonResponse(
            {
                "error": {
                    "code": "not_ready",
                    "message": f"Not ready: {names} check failed.",
                    "details": {"checks": checks, "failed": failed},
                }
            },
            status=503,
        )
    return JsonResponse({"status": "ready", "checks": checks})
