import json

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

# Paths whose clients read JSON only; anything Django answers there in HTML is rewritten.
JSON_PATH_PREFIXES = ("/api/", "/healthz", "/readyz")

STATUS_CODES = {
    400: ("bad_request", "The request is malformed."),
    401: ("not_authenticated", "Authentication is required."),
    403: ("forbidden", "You may not do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    413: ("payload_too_large", "The request body is too large."),
    429: ("rate_limited", "Too many requests."),
    500: ("server_error", "Something went wrong on our side."),
    503: ("database_unavailable", "The database is unavailable for a moment; try again shortly."),
}


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

        error = database_unavailable(exc)
        response = HttpResponse(error.message, status=503, content_type="text/plain")
        response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER)
        if request.path.startswith(JSON_PATH_PREFIXES):
            response = self.as_json(response)
        return response

    @staticmethod
    def as_json(response: HttpResponse) -> HttpResponse:
        status = response.status_code
        code, message = STATUS_CODES.get(status, ("error", "The request failed."))
        body = {"error": {"code": code, "message": message, "details": None}}
        rewritten = HttpResponse(json.dumps(body), status=status, content_type="application/json")
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
