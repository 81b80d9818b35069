import json

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
