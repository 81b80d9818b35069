"""The benchmark's server environment is a production one that Django accepts (a new required
production setting would otherwise only show when someone runs `make bench`)."""

import os
import subprocess
import sys
from pathlib import Path

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
    for limits in (LIMITS_OFF, PRODUCT_LIMITS, UNREACHABLE_LIMITS):
        full = app_environment(env, limits=limits)
        assert full["RATELIMIT_ENABLE"] == ("0" if limits == LIMITS_OFF else "1")
        raised = full.get("RATE_LIMIT_USER_TOTAL") == "1000000/m"
        assert raised == (limits == UNREACHABLE_LIMITS)
        full.pop("PYTEST_VERSION", None)
        full = {k: v for k, v in full.items() if not k.startswith("R2_")}
        checked = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); print('ok')"],
            cwd=ROOT,
            env={
                **full,
                "DJANGO_SETTINGS_MODULE": "coursecompanion.settings",
                "PATH": os.environ["PATH"],
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert checked.returncode == 0, checked.stderr[-2000:]
        assert checked.stdout.strip() == "ok"


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
    routes = {}
    for app in (FLOORS_APP, "product"):
        full = {
            k: v
            for k, v in app_environment(env, limits=LIMITS_OFF, app=app).items()
            if not k.startswith(("R2_", "PYTEST"))
        }
        if app != FLOORS_APP:  # the floors' environment names its own settings module
            full["DJANGO_SETTINGS_MODULE"] = "coursecompanion.settings"
        checked = subprocess.run(
            [sys.executable, "-c", ROUTES],
            cwd=ROOT,
            env={**full, "PATH": os.environ["PATH"]},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert checked.returncode == 0, checked.stderr[-2000:]
        routes[app] = dict(line.split(" ", 1) for line in checked.stdout.strip().splitlines())
    assert routes[FLOORS_APP]["/bench-floor/commit"] == "one_commit"
    assert routes[FLOORS_APP]["/bench-floor/cache-get"] == "one_cache_get"
    assert routes["product"]["/bench-floor/commit"] == "404"
    for path in ("/healthz", "/api/v1/chapters"):
        assert routes[FLOORS_APP][path] == routes["product"][path] != "404"
