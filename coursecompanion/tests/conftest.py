import pytest

from coursecompanion.tests.production_server import (
    ProductionServer,
    manage,
    production_env,
    release,
)


@pytest.fixture(scope="session")
def collected_static_root(tmp_path_factory):
    """Static files collected once (as the release step does) for every production server."""
    root = tmp_path_factory.mktemp("collected-static")
    env = production_env(root, DJANGO_STATIC_ROOT=str(root))
    result = manage(env, "collectstatic", "--noinput", "-v0")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="session")
def production_site(tmp_path_factory, collected_static_root):
    """One gunicorn started as the Procfile starts it, after the release step, shared by the
    tests that only read from it (its SQLite database is its own, never the test database)."""
    workdir = tmp_path_factory.mktemp("production-site")
    env = production_env(workdir, DJANGO_STATIC_ROOT=str(collected_static_root))
    release(env)
    server = ProductionServer(env, workdir / "gunicorn.log").start()
    yield server
    server.stop()
