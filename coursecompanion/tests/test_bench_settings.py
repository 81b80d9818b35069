"""The benchmark's server environment is a production one that Django accepts (a new required
production setting would otherwise only show when someone runs `make bench`)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from run import (  # noqa: E402
    FLOORS_APP,
    LIMITS_OFF,
    PRODUCT_LIMITS,
    UNREACHABLE_LIMITS,
    app_environment,
    server_environment,
)


def test_the_bench_server_environment_passes_the_settings_checks():
    env = server_environment(
        database_url="postgres://postgres@127.0.0.1:5432/unused", redis_url="redis://127.0.0.1:1/0"
    )
    checks = []
    for limits in (LIMITS_OFF, PRODUCT_LIMITS, UNREACHABLE_LIMITS):
        full = app_environment(env, limits=limits)
        assert full["RATELIMIT_ENABLE"] == ("0" if limits == LIMITS_OFF else "1")
        raised = full.get("RATE_LIMIT_USER_TOTAL") == "1000000/m"
        assert raised == (limits == UNREACHABLE_LIMITS)
        full.pop("PYTEST_VERSION", None)
        full = {k: v for k, v in full.items() if not k.startswith("R2_")}
        # The three start at once: each is a whole Django start-up.
        checks.append(
            subprocess.Popen(
                [sys.executable, "-c", "import django; django.setup(); print('ok')"],
                cwd=ROOT,
                env={
                    **full,
                    "DJANGO_SETTINGS_MODULE": "coursecompanion.settings",
                    "PATH": os.environ["PATH"],
                },
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for check in checks:
        stdout, stderr = check.communicate(timeout=60)
        assert check.returncode == 0, stderr[-2000:]
        assert stdout.strip() == "ok"


ROUTES = """
import django
django.setup()
from django.urls import Resolver404, resolve
for path in ("/healthz", "/api/v1/chapters", "/bench-floor/cache-get", "/bench-floor/commit"):
    try:
        print(path, resolve(path).func.__name__)
    except Resolver404:
        print(path, "404")
"""


def test_the_floors_phase_adds_its_endpoints_to_the_product_urls_and_only_there():
    env = server_environment(
        database_url="postgres://postgres@127.0.0.1:5432/unused", redis_url="redis://127.0.0.1:1/0"
    )
    floors_env = {
        k: v
        for k, v in app_environment(env, limits=LIMITS_OFF, app=FLOORS_APP).items()
        if not k.startswith(("R2_", "PYTEST"))
    }
    checked = subprocess.run(
        [sys.executable, "-c", ROUTES],
        cwd=ROOT,
        env={**floors_env, "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
    floors = dict(line.split(" ", 1) for line in checked.stdout.strip().splitlines())
    assert floors["/bench-floor/commit"] == "one_commit"
    assert floors["/bench-floor/cache-get"] == "one_cache_get"
    assert floors["/healthz"] == resolve("/healthz").func.__name__
    assert floors["/api/v1/chapters"] == resolve("/api/v1/chapters").func.__name__
    with pytest.raises(Resolver404):  # the product (this process) has none of them
        resolve("/bench-floor/commit")
