"""What every MCP tool shares: who is calling, the scope and rate-limit checks, and turning a
service's answer or DomainError into a tool result.

The apps' `tools.py` modules (the MCP front door, beside each `api.py`) declare tools with
`@student_tool(...)`; coursecompanion/mcp_server.py collects them into the MCPServer. A tool is
a plain sync function: the SDK runs it on a worker thread, where the ORM may be used.
"""

import contextvars
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import close_old_connections
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel

from access import ratelimits
from access.auth import Credential
from access.models import User
from coursecompanion.errors import AccessDenied, DomainError


@dataclass(frozen=True)
class McpCaller:
    """The signed-in student behind one /mcp request, set by the auth guard around the
    transport (coursecompanion/mcp_server.py) and read by every tool."""

    credential: Credential
    client_ip: str
    base_url: str  # scheme://host of the request, for absolute media URLs

    @property
    def user(self) -> User:
        """Who the tools act for: without staff flags unless the token carries staff powers."""
        return self.credential.acting_user


current_caller: contextvars.ContextVar[McpCaller | None] = contextvars.ContextVar(
    "mcp_caller", default=None
)


class NotSignedIn(ToolError):
    """No caller: a tool ran outside the auth guard (never in production)."""


def caller() -> McpCaller:
    found = current_caller.get()
    if found is None:
        raise NotSignedIn("A signed-in student is required.")
    return found


@dataclass
class ToolSpec:
    fn: Callable[..., CallToolResult]
    name: str
    title: str
    description: str
    operation: str  # the REST operationId it mirrors: both share its rate-limit counters
    scope: str  # "read" or "write" (OAuth scopes, issue 11)
    read_only: bool
    widget: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def annotations(self) -> ToolAnnotations:
        return ToolAnnotations(
            title=self.title,
            read_only_hint=self.read_only,
            destructive_hint=False,
            idempotent_hint=self.read_only,
            open_world_hint=False,
        )


# Filled at import time by the apps' tools.py modules, in declaration order.
TOOLS: list[ToolSpec] = []


def error_result(error: DomainError) -> CallToolResult:
    """A domain error as a tool error: the model reads the message, a widget or client reads
    the same `{"error": {code, message, details}}` body the REST API answers with (rendered by
    the one error catalogue), and `_meta` carries the HTTP status REST would have used."""
    rendered = error.render()
    meta = {"status": rendered.status}
    if "Retry-After" in rendered.headers:
        meta["retry_after"] = int(rendered.headers["Retry-After"])
    return CallToolResult(
        content=[TextContent(type="text", text=f"{error.code}: {error.message}")],
        structured_content=rendered.body,
        is_error=True,
        _meta=meta,
    )


def tool_result(schema: type[BaseModel], data: Any, *, text: str) -> CallToolResult:
    """`data` validated through the REST response schema (so both front doors answer the same
    shape) as structuredContent, with a one-line summary for the model as text content."""
    structured = schema.model_validate(data).model_dump(mode="json")
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=structured
    )


def _check_scope(found: McpCaller, scope: str) -> None:
    if not found.credential.allows(scope):
        raise AccessDenied(
            f"This connection was not granted the {scope!r} scope.",
            code="insufficient_scope",
            details={"required_scope": scope},
        )


def student_tool(
    *,
    title: str,
    operation: str,
    scope: str = "read",
    read_only: bool = True,
    widget: str | None = None,
) -> Callable[[Callable[..., CallToolResult]], Callable[..., CallToolResult]]:
    """Declare a tool acting for the signed-in student. The function's docstring is the tool
    description; its parameters (with pydantic Field descriptions) are the input schema and its
    return annotation `Annotated[CallToolResult, Schema]` the output schema."""

    def declare(fn: Callable[..., CallToolResult]) -> Callable[..., CallToolResult]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> CallToolResult:
            # Worker threads outlive requests: give each call a usable connection, as Django
            # does around every HTTP request.
            close_old_connections()
            try:
                found = caller()
                _check_scope(found, scope)
                # The same counters as the REST operation it mirrors, for the same user.
                counted_as = ratelimits.Caller.of(found.credential, found.client_ip)
                ratelimits.limit_operation(counted_as, operation=operation)
                return fn(*args, **kwargs)
            except DomainError as error:
                return error_result(error)
            finally:
                close_old_connections()

        TOOLS.append(
            ToolSpec(
                fn=run,
                name=fn.__name__,
                title=title,
                description=(fn.__doc__ or "").strip(),
                operation=operation,
                scope=scope,
                read_only=read_only,
                widget=widget,
            )
        )
        return fn

    return declare
