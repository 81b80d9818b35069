from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
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


def _public_page(template: str):
    @require_safe
    def page(request: HttpRequest) -> HttpResponse:
        oauth = settings.OAUTH2_PROVIDER
        context = {
            "base_url": settings.PUBLIC_BASE_URL,
            "support_email": settings.SUPPORT_EMAIL,
            "access_token_minutes": oauth["ACCESS_TOKEN_EXPIRE_SECONDS"] // 60,
            "refresh_token_days": oauth["REFRESH_TOKEN_EXPIRE_SECONDS"] // 86400,
        }
        return render(request, template, context)

    page.__name__ = template.rsplit("/", 1)[-1].removesuffix(".html")
    return page


# The public pages ChatGPT's GPT editor and students link to (templates/pages/).
home = _public_page("pages/home.html")
privacy = _public_page("pages/privacy.html")
terms = _public_page("pages/terms.html")
