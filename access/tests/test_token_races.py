"""Real threads through a live server, on SQLite and PostgreSQL: logging out and refreshing are
exclusive on one refresh token, as two refreshes already are."""

import pytest

from access import services
from conftest import RACE_THREADS, LiveApi, make_user, run_together

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 8


def test_a_logout_racing_a_refresh_leaves_no_working_token_behind(live_server):
    student = make_user()
    api = LiveApi(live_server.url)
    for trial in range(TRIALS):
        refresh = services.issue_tokens(user=student)["refresh"]
        logout, rotated = run_together(
            2,
            lambda i, refresh=refresh: api.post(
                "/auth/logout" if i == 0 else "/auth/token/refresh", {"refresh": refresh}
            ),
        )
        outcome = (logout.status, rotated.status)
        # Exactly one used the token: a logout that answered 204 revoked it before the refresh.
        assert outcome in ((204, 401), (401, 200)), (trial, outcome)
        if logout.status == 204:
            assert rotated.json()["error"]["code"] == "invalid_token"
        else:
            # The refresh won: the logout said so, and the new token is the owner's to use.
            new_refresh = rotated.json()["refresh"]
            assert api.post("/auth/logout", {"refresh": new_refresh}).status == 204
        assert api.post("/auth/token/refresh", {"refresh": refresh}).status == 401


def test_parallel_logouts_of_one_token_succeed_once(live_server):
    student = make_user()
    api = LiveApi(live_server.url)
    refresh = services.issue_tokens(user=student)["refresh"]

    responses = run_together(RACE_THREADS, lambda i: api.post("/auth/logout", {"refresh": refresh}))

    statuses = sorted(response.status for response in responses)
    assert statuses == [204] + [401] * (RACE_THREADS - 1), responses
