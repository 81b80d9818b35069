"""Secrets and the database come only from the environment: a process that serves requests, a
shell, a migration or a worker refuses to start on the local-only defaults; only debugging,
tests and a few commands that neither serve, sign nor write data may use them."""

import functools
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

# Only what a Python process needs: nothing of ours leaks in from the developer's environment.
KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
SECRET = "s" * 50
JWT_KEY = "j" * 50
DATABASE = "postgres://app@db.invalid:5432/app"  # never connected to: settings only parse it
PRODUCTION = {
    "DJANGO_SECRET_KEY": SECRET,
    "JWT_SIGNING_KEY": JWT_KEY,
    "DATABASE_URL": DATABASE,
    "PUBLIC_BASE_URL": "https://course.example.com",
}

PRINT_SETTINGS = """
import json
from django.conf import settings
import coursecompanion.wsgi
print(json.dumps({
    name: getattr(settings, name, None)
    for name in (
        "DEBUG", "TRUSTED_PROXY_HOPS", "SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
    )
}))
"""


def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    env.update(DJANGO_SETTINGS_MODULE="coursecompanion.settings", **extra_env)
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )


@functools.cache
def collected_static_manifest() -> str:
    """A static root holding collectstatic's manifest (empty): web processes refuse to start
    without one."""
    import tempfile

    root = tempfile.mkdtemp(prefix="static-")
    with open(os.path.join(root, "staticfiles.json"), "w") as manifest:
        json.dump({"paths": {}, "version": "1.1", "hash": ""}, manifest)
    return root


def web_settings(**env: str) -> dict:
    env.setdefault("DJANGO_STATIC_ROOT", collected_static_manifest())
    result = run("-c", PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_web_process_refuses_to_start_without_secrets():
    result = run("-c", "import coursecompanion.wsgi")
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("missing", sorted(PRODUCTION))
def test_web_process_names_each_missing_variable(missing):
    env = {name: value for name, value in PRODUCTION.items() if name != missing}
    result = run("-c", "import coursecompanion.wsgi", **env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: Set {missing} " in result.stderr


@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"])
def test_production_keys_must_be_long(name):
    result = run("-c", "import coursecompanion.wsgi", **{**PRODUCTION, name: "x" * 31})
    assert result.returncode != 0
    assert f"{name} must be at least 32 characters long" in result.stderr


def test_the_public_base_url_must_be_https_in_production():
    result = run(
        "-c", "import coursecompanion.wsgi", **{**PRODUCTION, "PUBLIC_BASE_URL": "http://x.io"}
    )
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL must start with https://" in result.stderr


def test_web_process_starts_with_the_environment_and_safe_defaults():
    assert web_settings(**PRODUCTION) == {
        "DEBUG": False,  # off unless asked for
        "TRUSTED_PROXY_HOPS": 0,
        "SECURE_PROXY_SSL_HEADER": None,  # no proxy trusted: X-Forwarded-Proto is ignored
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_SSL_REDIRECT": False,
    }


def test_one_proxy_setting_drives_https_detection_and_client_addresses():
    configured = web_settings(
        **PRODUCTION,
        TRUSTED_PROXY_HOPS="1",
        DJANGO_SECURE_HSTS_SECONDS="31536000",
        DJANGO_SECURE_SSL_REDIRECT="1",
    )
    assert configured["TRUSTED_PROXY_HOPS"] == 1
    assert configured["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert (configured["SECURE_HSTS_SECONDS"], configured["SECURE_SSL_REDIRECT"]) == (
        31536000,
        True,
    )
    # The old name still works.
    assert web_settings(**PRODUCTION, RATE_LIMIT_TRUSTED_PROXIES="2")["TRUSTED_PROXY_HOPS"] == 2


def test_debug_runs_on_local_defaults():
    assert web_settings(DJANGO_DEBUG="1")["DEBUG"] is True


@pytest.mark.parametrize("command", [("makemigrations", "--check", "--dry-run"), ("check",)])
def test_commands_that_neither_serve_nor_write_run_without_an_environment(command):
    result = run("manage.py", *command)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"),
        ("migrate", "--plan"),
    ],
)
def test_other_commands_need_the_real_settings(command):
    result = run("manage.py", *command)
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr
    assert "insecure-local-only" not in result.stdout


def test_health_checks_are_never_redirected_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/healthz").status_code == 200
    redirected = client.get("/api/v1/tiers")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")


def readme_production_environment() -> dict[str, str]:
    """The variables of the README's production example, placeholders filled in."""
    import re
    import secrets

    readme = (settings.BASE_DIR / "README.md").read_text()
    block = re.search(r"```env\n(.*?)```", readme, re.S)
    assert block, "README.md has no ```env block"
    env = {}
    for line in block.group(1).splitlines():
        name, _, value = line.partition("=")
        env[name] = re.sub(r"<[^>]*>", lambda _: secrets.token_hex(32), value)
    return env


def test_check_deploy_passes_at_warning_level_with_the_readmes_production_variables():
    env = readme_production_environment()
    assert env["DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS"] == "1"
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stderr + result.stdout


def test_hsts_subdomains_and_preload_are_off_unless_asked_for():
    env = readme_production_environment()
    del env["DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS"], env["DJANGO_SECURE_HSTS_PRELOAD"]
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "security.W005" in result.stderr + result.stdout
    assert "security.W021" in result.stderr + result.stdout
