"""The project's ASGI app served by a real uvicorn on a free loopback port, and the MCP SDK's
own client talking to it over streamable HTTP."""

import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx2
import uvicorn
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

# The student operations the MCP server offers, and those that write.
EXPECTED_TOOLS = {
    "list_chapters",
    "get_chapter",
    "get_section",
    "search_course",
    "get_quiz",
    "submit_quiz",
    "get_progress",
    "update_progress",
    "check_in",
    "get_streak",
    "check_access",
    "list_tiers",
}
WRITE_TOOLS = {"submit_quiz", "update_progress", "check_in"}
CODE_SECTION = "## Loops\n\nA `for` loop:\n\n```python\nfor item in items:\n    print(item)\n```\n"


def tool_arguments(course: dict) -> dict[str, dict]:
    """Valid arguments for every tool over the `course` fixture."""
    from coursecompanion.tests.factories import all_right

    quiz, free = course["quiz"], course["free"]
    return {
        "list_chapters": {},
        "get_chapter": {"chapter_id": free.id},
        "get_section": {"section_id": course["section"].id},
        "search_course": {"query": "loop"},
        "get_quiz": {"quiz_id": quiz.id},
        "submit_quiz": {"quiz_id": quiz.id, "answers": all_right(course["questions"])},
        "get_progress": {},
        "update_progress": {"chapter_id": free.id, "status": "completed"},
        "check_in": {},
        "get_streak": {},
        "check_access": {"resource": f"chapter:{course['locked'].id}"},
        "list_tiers": {},
    }


class LiveAsgiServer:
    """coursecompanion.asgi:application in a uvicorn thread (lifespan on, so the SDK's session
    manager runs as in production). Tests reach it at `self.url`."""

    def __init__(self) -> None:
        from coursecompanion.asgi import build_application

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(build_application(), lifespan="on", log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


def with_mcp_client(url: str, token: str | None, run: Callable[[Client], Awaitable[Any]]) -> Any:
    """Connect the SDK's client to `url` with a bearer token, initialize, and run `run(client)`
    to completion; returns what it returns. Synchronous, so a test can use the ORM around it."""

    async def session() -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
            transport = streamable_http_client(f"{url}/mcp", http_client=http)
            async with Client(transport) as client:
                return await run(client)

    return anyio.run(session)
