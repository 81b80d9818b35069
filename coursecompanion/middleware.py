import json

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from coursecompanion.errors import render_status

# Paths whose clients read JSON only; anything Django answers there in HTML is rewritten.
JSON_PATH_PREFIXES = (
    "/api/",
    "/healthz",
    "/readyz",
    "/oauth/token/",
    "/oauth/revoke_token/",
    "/oauth/introspect/",
    "/.well-known/",
)


class JsonErrorMiddleware:
    """Give API clients the one error shape even for responses made outside ninja's handlers:
    unknown URLs (Django's 404), wrong methods (405), CSRF or body-size refusals, suspicious
    requests such as a disallowed Host (400), crashes (500). First in MIDDLEWARE, so it also
    rewrites what the other middleware answer themselves."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(JSON_PATH_PREFIXES)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self.as_json(response)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        """A database that is down, hung or locked is a 503 with Retry-After outside the API too
        (the admin), never a 500; the API's own handler answers first on /api/."""
        if not isinstance(exc, (OperationalError, InterfaceError)):
            return None
        from coursecompanion.api import database_unavailable

        error = database_unavailable(exc).render()
        if request.path.startswith(JSON_PATH_PREFIXES):
            response = HttpResponse(
                json.dumps(error.body), status=error.status, content_type="application/json"
            )
        else:
            response = HttpResponse(
                error.body["error"]["message"], status=error.status, content_type="text/plain"
            )
        for header, value in error.headers.items():
            response[header] = value
        return response

    @staticmethod
    def as_json(response: HttpResponse) -> HttpResponse:
        error = render_status(response.status_code)
        rewritten = HttpResponse(
            json.dumps(error.body), status=error.status, content_type="application/json"
        )
        # Keep every other header (Allow, Retry-After, WWW-Authenticate, and the security
        # headers of the middleware it runs outside of) and any cookie set.
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length"):
                rewritten[header] = value
        rewritten.cookies = response.cookies
        return rewritten


class HeadAsGetMiddleware:
    """HEAD on the API answers exactly as GET would (status, headers, Content-Length) without the
    body, as HTTP requires (RFC 9110 9.3.2). Ninja routes HEAD nowhere (405), so the request runs
    as a GET. Outermost, so error bodies written by the middleware below are dropped too."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "HEAD" or not request.path.startswith(JSON_PATH_PREFIXES):
            return self.get_response(request)
        request.method = "GET"
        request.META["REQUEST_METHOD"] = "GET"
        response = self.get_response(request)
        request.method = request.META["REQUEST_METHOD"] = "HEAD"
        if not response.streaming:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
