"""The MCP server at /mcp (a ChatGPT App's backend): the apps' tools, the three widgets, the
bearer-token guard and the SDK's stateless streamable-HTTP transport, as one ASGI app that
coursecompanion/asgi.py mounts beside Django."""

import json
from pathlib import Path
from typing import Any

import anyio.to_thread
from django.conf import settings
from django.db import close_old_connections
from django.template.loader import render_to_string
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.resources import TextResource
from mcp.server.transport_security import TransportSecuritySettings
from oauth2_provider.settings import oauth2_settings
from starlette.types import ASGIApp, Receive, Scope, Send

from access.auth import Credential, resolve_token
from coursecompanion import mcp_tools
from coursecompanion.errors import render_error
from coursecompanion.mcp_tools import TOOLS, McpCaller, current_caller

MCP_PATH = "/mcp"
# Apps SDK (ChatGPT): a widget is an HTML resource of this type, named by a tool's
# _meta["openai/outputTemplate"]; ChatGPT renders it with the tool's structuredContent.
WIDGET_MIME_TYPE = "text/html+skybridge"
WIDGET_DIR = Path(__file__).resolve().parent.parent / "templates" / "widgets"
PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource"

WIDGETS = {
    "chapter-reader": {
        "title": "Chapter reader",
        "description": "Shows a chapter's or section's text, code blocks and media verbatim.",
        "invoking": "Opening the chapter…",
        "invoked": "Chapter ready",
    },
    "quiz-card": {
        "title": "Quiz card",
        "description": "Shows a quiz's questions by kind, submits the answers, then the feedback.",
        "invoking": "Loading the quiz…",
        "invoked": "Quiz ready",
    },
    "progress-dashboard": {
        "title": "Progress dashboard",
        "description": "Shows the streak, the chapters completed and the next chapter to read.",
        "invoking": "Looking at your progress…",
        "invoked": "Progress ready",
    },
}

INSTRUCTIONS = (
    "Course Companion serves one course verbatim, grades quizzes by rules and tracks the "
    "student's progress and daily streak. Answer only from text fetched with get_chapter, "
    "get_section or search_course, and cite the section. A locked chapter or quiz is an error "
    "naming the tier that opens it: explain that kindly (list_tiers has the prices). Never "
    "reveal or guess quiz answers: ask the student, then call submit_quiz."
)


def widget_uri(name: str) -> str:
    return f"ui://widget/{name}.html"


def render_widget(name: str) -> str:
    """The widget's template with its script inlined: one self-contained document, since
    ChatGPT renders it in a sandboxed frame that loads nothing from us."""

    def inline(script: str) -> str:
        # "</" inside an inline script would end it early.
        return (WIDGET_DIR / script).read_text().replace("</", "<\\/")

    return render_to_string(
        f"widgets/{name}.html", {"shared": inline("shared.js"), "script": inline(f"{name}.js")}
    )


def _tool_meta(spec: mcp_tools.ToolSpec) -> dict[str, Any] | None:
    if spec.widget is None:
        return None
    widget = WIDGETS[spec.widget]
    return {
        "openai/outputTemplate": widget_uri(spec.widget),
        "openai/toolInvocation/invoking": widget["invoking"],
        "openai/toolInvocation/invoked": widget["invoked"],
        # The quiz card submits through window.openai.callTool("submit_quiz", ...).
        "openai/widgetAccessible": True,
    }


def build_server() -> MCPServer:
    # Imported for their @student_tool declarations, in the order tools are listed.
    import access.tools  # noqa: F401
    import content.tools  # noqa: F401
    import progress.tools  # noqa: F401
    import quizzes.tools  # noqa: F401

    server = MCPServer(
        "course-companion",
        title="Course Companion",
        instructions=INSTRUCTIONS,
        version="1.0.0",
        warn_on_duplicate_tools=True,
    )
    for spec in TOOLS:
        server.add_tool(
            spec.fn,
            name=spec.name,
            title=spec.title,
            description=spec.description,
            annotations=spec.annotations,
            meta=_tool_meta(spec),
        )
    for name, widget in WIDGETS.items():
        server.add_resource(
            TextResource(
                uri=widget_uri(name),
                name=name,
                title=widget["title"],
                description=widget["description"],
                mime_type=WIDGET_MIME_TYPE,
                text=render_widget(name),
                meta={
                    "openai/widgetDescription": widget["description"],
                    "openai/widgetPrefersBorder": True,
                    # The widgets fetch nothing themselves; media comes from the storage.
                    "openai/widgetCSP": {
                        "connect_domains": [],
                        "resource_domains": _media_domains(),
                    },
                },
            )
        )
    return server


def _media_domains() -> list[str]:
    domains = [settings.R2_PUBLIC_DOMAIN] if settings.R2_PUBLIC_DOMAIN else []
    if settings.R2_ENABLED and settings.R2_ENDPOINT_URL:
        domains.append(settings.R2_ENDPOINT_URL)
    return domains


def transport_security() -> TransportSecuritySettings:
    """DNS-rebinding protection allowing exactly DJANGO_ALLOWED_HOSTS (any port). A "*" entry
    turns the check off, as it does for Django; ".example.com" allows example.com itself (the
    SDK matches host names exactly, so list subdomains one by one)."""
    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS]
    if "*" in hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    allowed_hosts = [pattern for host in hosts for pattern in (host, f"{host}:*")]
    allowed_origins = [
        origin
        for host in hosts
        for origin in (f"https://{host}", f"https://{host}:*", f"http://{host}:*")
    ]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=allowed_hosts,
        allowed_origins=allowed_origins,
    )


def request_base_url(scope: Scope) -> str:
    """scheme://host the client used, or PUBLIC_BASE_URL when it is set (behind a proxy the
    request's own host may be an internal one)."""
    public = settings.PUBLIC_BASE_URL
    if public:
        return public.rstrip("/")
    host = next(
        (value.decode("latin-1") for key, value in scope["headers"] if key.lower() == b"host"), ""
    )
    host = host or f"{scope['server'][0]}:{scope['server'][1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


def resource_metadata_url(base_url: str) -> str:
    return f"{base_url}{PROTECTED_RESOURCE_PATH}{MCP_PATH}"


def mcp_resource() -> str:
    """This server's resource identifier (RFC 8707 / RFC 9728): an OAuth token must name it
    (or a prefix of it) among its audiences to be accepted here."""
    return f"{settings.PUBLIC_BASE_URL}{MCP_PATH}"


def issued_for_mcp(credential: Credential) -> bool:
    """First-party tokens (simplejwt) are accepted; an OAuth token only when it was minted for
    this resource: one with no audience (a REST token, e.g. the Custom GPT's) or with another
    resource's is refused."""
    if credential.scopes is None:
        return True
    if not credential.audiences:
        return False
    validate = oauth2_settings.RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR
    return validate(mcp_resource(), sorted(credential.audiences))


def _resolve_caller(token: str, *, client_ip: str, base_url: str) -> McpCaller | None:
    close_old_connections()
    try:
        credential = resolve_token(token)
        if credential is None or not issued_for_mcp(credential):
            return None
        return McpCaller(credential=credential, client_ip=client_ip, base_url=base_url)
    finally:
        close_old_connections()


class BearerGuard:
    """Only a valid bearer token reaches the MCP transport; the caller it names is what every
    tool acts for. Anything else is 401 with the RFC 9728 pointer to our protected-resource
    metadata, from which a client (ChatGPT) discovers where to sign the student in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        base_url = request_base_url(scope)
        token = _bearer_token(scope)
        client_ip = (scope.get("client") or ("", 0))[0]
        found = None
        if token:
            found = await anyio.to_thread.run_sync(
                lambda: _resolve_caller(token, client_ip=client_ip, base_url=base_url)
            )
        if found is None:
            await _unauthorized(send, base_url=base_url, sent_token=bool(token))
            return
        reset = current_caller.set(found)
        try:
            await self.app(scope, receive, send)
        finally:
            current_caller.reset(reset)


def _bearer_token(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key.lower() == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if kind.lower() == "bearer" else ""
    return ""


async def _unauthorized(send: Send, *, base_url: str, sent_token: bool) -> None:
    metadata_url = resource_metadata_url(base_url)
    error = render_error("not_authenticated", details={"resource_metadata": metadata_url})
    # RFC 9728 section 5.1: the challenge names our protected-resource metadata.
    challenge = f'Bearer resource_metadata="{metadata_url}"'
    if sent_token:
        challenge += ', error="invalid_token"'
    headers = {**error.headers, "WWW-Authenticate": challenge}
    body = json.dumps(error.body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *((name.lower().encode(), value.encode()) for name, value in headers.items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def build_app() -> ASGIApp:
    """The SDK's streamable-HTTP app (stateless, JSON answers: any worker can serve any call)
    behind the bearer guard. Its lifespan runs the SDK's session manager."""
    server = build_server()
    transport = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        transport_security=transport_security(),
    )
    return BearerGuard(transport)
