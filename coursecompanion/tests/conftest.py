import pytest

from coursecompanion.tests.production_server import ProductionServer, production_env, release


@pytest.fixture(scope="session")
def production_site(tmp_path_factory):
    """One gunicorn started as the Procfile starts it, after the release step, shared by the
    tests that only read from it (its SQLite database is its own, never the test database)."""
    workdir = tmp_path_factory.mktemp("production-site")
    env = production_env(workdir)
    release(env)
    server = ProductionServer(env, workdir / "gunicorn.log").start()
    yield server
    server.stop()
