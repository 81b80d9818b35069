"""The web process as the Procfile starts it, for tests that need the real HTTP server: gunicorn
with gunicorn.conf.py, DEBUG off, production secrets, collected static files, on loopback and a
free port. Its database is a throwaway SQLite file unless the caller names another one."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(workdir: Path, **overrides: str) -> dict[str, str]:
    """The environment a deployment that followed the README runs with."""
    env = {
        key: value
        for key, value in os.environ.items()
        # Not a test process: settings must take the production path.
        if key not in ("PYTEST_VERSION", "PYTEST_CURRENT_TEST", "REDIS_URL", "DJANGO_DEBUG")
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_hex(32),
        JWT_SIGNING_KEY=secrets.token_hex(32),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        PUBLIC_BASE_URL="https://course.example.com",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        # Cookies over plain HTTP on loopback; everything else as in production.
        DJANGO_SECURE_COOKIES="0",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def release(env: dict[str, str]) -> None:
    """The Procfile's release step: migrate, collect static files."""
    for command in (("migrate", "--noinput", "-v0"), ("collectstatic", "--noinput", "-v0")):
        result = manage(env, *command)
        assert result.returncode == 0, result.stderr


class ProductionServer:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.env = {**env, "PORT": str(self.port)}
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, *, wait: float = 30) -> "ProductionServer":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "coursecompanion.wsgi", "--config", "gunicorn.conf.py"],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # Into the log of the whole run, which is scanned for secrets at its end (conftest.py).
        run_log = os.environ.get("COURSECOMPANION_RUN_LOG")
        if run_log and self.log_path.exists():
            with open(run_log, "a") as combined:
                combined.write(self.log())

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
