"""The ASGI entry point: Django for everything, except /mcp, which is the MCP server
(coursecompanion/mcp_server.py). The host's lifespan is the MCP app's, which runs the SDK's
session manager; Django itself has no lifespan."""

import os

import anyio.to_thread
from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coursecompanion.settings")
django_application = get_asgi_application()

from coursecompanion import mcp_server  # noqa: E402 (needs Django set up)


def build_application():
    """A new host app. Each needs its own MCP app: the SDK's session manager runs only once."""
    mcp_application = mcp_server.build_app()

    def is_mcp(scope) -> bool:
        if scope["type"] == "lifespan":
            return True
        path = scope["path"]
        return path == mcp_server.MCP_PATH or path.startswith(mcp_server.MCP_PATH + "/")

    async def host(scope, receive, send):
        if scope["type"] == "lifespan":
            # Tools and token checks run on this event loop's worker threads.
            limiter = anyio.to_thread.current_default_thread_limiter()
            limiter.total_tokens = settings.MCP_WORKER_THREADS
        app = mcp_application if is_mcp(scope) else django_application
        await app(scope, receive, send)

    return host


application = build_application()
