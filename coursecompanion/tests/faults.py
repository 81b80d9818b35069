"""Real faults on loopback: a port nothing listens on, and a listener that accepts connections
and never answers (a hung database or cache)."""

import contextlib
import socket
import threading
import time

import jwt


def closed_port() -> int:
    """A port that refuses connections: bound once to find it free, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SilentListener:
    """Accepts every connection, reads nothing, answers nothing, until stopped."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def stop(self) -> None:
        self.sock.close()
        for connection in self.accepted:
            connection.close()


def access_token(signing_key: str, user_id: int = 1) -> str:
    """A simplejwt-shaped access token signed with a server's key, made without its database."""
    now = int(time.time())
    payload = {
        "token_type": "access",
        "exp": now + 600,
        "iat": now,
        "jti": f"fault-{now}",
        "user_id": user_id,
    }
    return jwt.encode(payload, signing_key, algorithm="HS256")


class SwitchableProxy:
    """A TCP proxy to a real server that can be switched off (every connection is dropped, as by
    a database that went down) and on again."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.up = False
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def go_down(self) -> None:
        self.up = False
        for end in self.open:
            end.close()
        self.open.clear()

    def stop(self) -> None:
        self.go_down()
        self.sock.close()


class OwnRedis:
    """A throwaway redis-server on a free loopback port, ours to stop (never the shared one)."""

    def __init__(self, binary: str) -> None:
        import subprocess

        self.port = closed_port()
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
