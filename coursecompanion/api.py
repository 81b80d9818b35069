"""The one NinjaAPI (/api/v1/) and the handlers that give every error the same JSON shape."""

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from access import ratelimits
from access.auth import BearerAuth, OptionalBearerAuth, TierManagerAuth, optional_auth
from coursecompanion.errors import (
    DatabaseUnavailable,
    DomainError,
    RenderedError,
    error_code,
    render_error,
)
from coursecompanion.parsers import StorableTextParser

logger = logging.getLogger(__name__)


BEARER_SCHEME = "bearerAuth"
# Any token a resolver in access/auth.py accepts; no one format is promised.
BEARER_DESCRIPTION = (
    "An access token in `Authorization: Bearer <token>`: from `/auth/token`, or from "
    "account linking."
)
OAUTH_SCHEME = "oauth2"


def security_schemes(base_url: str | None = None) -> dict:
    """Both ways to call the API: a bearer token (simplejwt's from /auth/token, or an OAuth
    access token), and the OAuth 2 authorization-code flow that issues the latter."""
    from django.conf import settings

    base = base_url or settings.PUBLIC_BASE_URL
    return {
        BEARER_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": BEARER_DESCRIPTION,
        },
        OAUTH_SCHEME: {
            "type": "oauth2",
            "description": "Sign a student in through their browser (ChatGPT account linking).",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": f"{base}/oauth/authorize/",
                    "tokenUrl": f"{base}/oauth/token/",
                    "refreshUrl": f"{base}/oauth/token/",
                    # The GPT gets a refresh token with every code; offline_access is what
                    # MCP clients (the ChatGPT App) ask for, and means nothing to the API.
                    "scopes": {
                        name: text
                        for name, text in settings.OAUTH2_PROVIDER["SCOPES"].items()
                        if name != "offline_access"
                    },
                }
            },
        },
    }


class CourseCompanionAPI(NinjaAPI):
    def get_operation_url_name(self, operation, router) -> str:
        # One name per operation: reverse("api:getChapter") matches the OpenAPI operationId.
        return operation.operation_id or super().get_operation_url_name(operation, router)

    def on_exception(self, request: HttpRequest, exc: Any) -> HttpResponse:
        # Every error ninja answers passes here: the limiter counts the refusals made before
        # an operation ran (access/ratelimits.py).
        ratelimits.on_exception(request, exc)
        return super().on_exception(request, exc)

    def operation_scopes(self) -> dict[str, str]:
        """{operationId: the OAuth scope its bearer auth requires} for authenticated operations."""
        scopes: dict[str, str] = {}
        for bound in self._get_bound_routers():
            for path_view in bound.path_operations.values():
                for operation in path_view.operations:
                    for auth in operation.auth_callbacks:
                        # Staff-only operations: OAuth tokens never carry staff powers.
                        staff_only = isinstance(auth, TierManagerAuth)
                        if (
                            isinstance(auth, BearerAuth)
                            and not staff_only
                            and operation.operation_id
                        ):
                            scopes[operation.operation_id] = auth.scope
        return scopes

    def get_openapi_schema(self, *args, **kwargs):
        """Ninja names a security scheme after each auth class; clients (ChatGPT Actions) need
        the two schemes by name, each operation's OAuth scope, and to see where a token is
        optional: `[{bearerAuth: []}, {oauth2: ["read"]}, {}]`."""
        from django.conf import settings

        schema = super().get_openapi_schema(*args, **kwargs)
        schema["servers"] = [{"url": settings.PUBLIC_BASE_URL}]
        scopes = self.operation_scopes()
        for operation in (op for path in schema["paths"].values() for op in path.values()):
            _name_error_codes(operation)
            for parameter in operation.get("parameters", []):
                # OpenAPI 3.1 wants a parameter's `examples` as a map; ninja writes pydantic's list.
                if isinstance(parameter.get("examples"), list):
                    parameter["example"] = parameter.pop("examples")[0]
            names = {name for requirement in operation.get("security", []) for name in requirement}
            if not names:
                continue
            operation["security"] = [{BEARER_SCHEME: []}]
            scope = scopes.get(operation.get("operationId"))
            if scope:
                operation["security"].append({OAUTH_SCHEME: [scope]})
                _add_error_code(operation, "insufficient_scope")
            if names == {OptionalBearerAuth.__name__}:
                operation["security"].append({})
        components = schema.setdefault("components", {})
        if components.get("securitySchemes"):
            components["securitySchemes"] = security_schemes()
        return schema


def _add_error_code(operation: dict[str, Any], code: str) -> None:
    # An error every operation of a kind may answer (an OAuth token without the scope), added
    # where its auth says so rather than in each operation's responses().
    entry = error_code(code)
    responses = operation.setdefault("responses", {})
    response = responses.setdefault(
        entry.status,
        {"description": HTTPStatus(entry.status).phrase, "x-error-codes": []},
    )
    if code in response["x-error-codes"]:
        return
    codes = [*response["x-error-codes"], code]
    listed = "Error codes: " + ", ".join(f"`{name}`" for name in codes) + "."
    response["x-error-codes"] = codes
    response["description"] = f"{HTTPStatus(entry.status).phrase}. {listed}"
    schema = {
        "$ref": "#/components/schemas/ErrorOut",
        "description": listed,
        "x-error-codes": codes,
    }
    response["content"] = {"application/json": {"schema": schema}}


def _name_error_codes(operation: dict[str, Any]) -> None:
    # responses() put each error status's codes on its schema; a client reading only the
    # response (ChatGPT Actions) finds them in its description and x-error-codes too.
    for response in operation.get("responses", {}).values():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        codes = schema.get("x-error-codes")
        if codes:
            response["description"] = f"{response['description']}. {schema['description']}"
            response["x-error-codes"] = codes


api = CourseCompanionAPI(
    title="Course Companion API",
    version="1.0.0",
    description=(
        "Deterministic course backend for a ChatGPT tutor: verbatim course content, rule-graded "
        "quizzes, progress and streaks, freemium access. Every error is "
        '`{"error": {"code", "message", "details"}}`.'
    ),
    urls_namespace="api",
    parser=StorableTextParser(),
    auth=optional_auth,
)
# Every operation of every router is rate limited per caller (access/ratelimits.py).
ratelimits.install(api)


def error_response(
    request: HttpRequest,
    code: str,
    message: str | None = None,
    details: Any = None,
    *,
    status: int | None = None,
    retry_after: int | None = None,
) -> HttpResponse:
    return as_response(
        request, render_error(code, message, details, status=status, retry_after=retry_after)
    )


def as_response(request: HttpRequest, error: RenderedError) -> HttpResponse:
    response = api.create_response(request, error.body, status=error.status)
    for header, value in error.headers.items():
        response[header] = value
    return response


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return as_response(request, exc.render())


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    # Pydantic's raw errors may carry exception objects in "ctx"; keep what a client can use.
    fields = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors
    ]
    return error_response(request, "validation_error", details=fields)


@api.exception_handler(DjangoValidationError)
def on_model_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return error_response(request, "validation_error", details=details)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, "not_authenticated")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja raises HttpError(400) for a body that is not JSON: name it like every other 400.
    if exc.status_code == 400:
        return error_response(request, "malformed_body", str(exc))
    return error_response(request, "http_error", str(exc), status=exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, "not_found")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, "forbidden")


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, "payload_too_large")


@api.exception_handler(SuspiciousOperation)
def on_suspicious_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # E.g. TooManyFieldsSent (over 1000 query parameters). Ninja picks the most specific
    # handler, so RequestDataTooBig, a SuspiciousOperation too, keeps its 413.
    security_logger = logging.getLogger(f"django.security.{exc.__class__.__name__}")
    security_logger.warning("%s %s: %s", request.method, request.path, exc)
    return error_response(request, "bad_request")


def database_unavailable(exc: Exception) -> DatabaseUnavailable:
    """What a database that is down, hung (a timeout) or locked means for the client. Logged
    without the driver's message, which may name the host and user."""
    from django.conf import settings

    logger.warning("Database unavailable: %s", type(exc).__name__)
    return DatabaseUnavailable(retry_after=settings.DATABASE_RETRY_AFTER)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return on_domain_error(request, database_unavailable(exc))


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with its traceback for us; the client gets the error shape and nothing internal.
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return error_response(request, "server_error")


api.add_router("", "access.api.router")
api.add_router("", "content.api.router")
api.add_router("/quizzes", "quizzes.api.router")
api.add_router("", "progress.api.router")
