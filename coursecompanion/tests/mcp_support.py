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
