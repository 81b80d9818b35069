"""Secrets come only from the environment: a process that serves requests refuses to start on the
local-only defaults, while management commands (which sign nothing a client keeps) may run."""

import os
import subprocess
import sys

from django.conf import settings

SECRET_VARIABLES = ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY", "DJANGO_DEBUG", "PYTEST_VERSION")


def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="coursecompanion.settings", **extra_env)
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )


def test_web_process_refuses_to_start_without_secrets():
    result = run("-c", "import coursecompanion.wsgi")
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_web_process_starts_with_secrets_from_the_environment():
    result = run(
        "-c",
        "import coursecompanion.wsgi; from django.conf import settings; print(settings.DEBUG)",
        DJANGO_SECRET_KEY="s" * 50,
        JWT_SIGNING_KEY="j" * 50,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"  # DEBUG is off unless asked for


def test_management_commands_run_without_secrets():
    result = run("manage.py", "check")
    assert result.returncode == 0, result.stderr
