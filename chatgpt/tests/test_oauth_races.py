"""Real threads against PostgreSQL at the token endpoint: one authorization code, or one refresh
token, used by several requests at the same moment yields tokens exactly once."""

import pytest
from oauth2_provider.models import AccessToken, RefreshToken

from chatgpt.tests.oauth_flow import GptClient
from progress.tests.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_code_exchanged_eight_times_at_once_yields_one_set_of_tokens(postgres_only):
    gpt = GptClient()
    code = gpt.code_for("race@example.com")
    statuses = run_together(8, lambda i: gpt.exchange(code).status_code)
    # A replay that arrives after the winner committed revokes the winner's tokens (RFC 6749
    # 4.1.2), sometimes before the winner's own answer is written: then no call answers 200.
    assert statuses.count(200) <= 1 and set(statuses) <= {200, 400}, statuses
    assert AccessToken.objects.count() <= 1


def test_a_refresh_token_used_eight_times_at_once_rotates_at_most_once(postgres_only):
    gpt = GptClient()
    tokens = gpt.exchange(gpt.code_for("race2@example.com")).json()
    statuses = run_together(8, lambda i: gpt.refresh(tokens["refresh_token"]).status_code)
    # The replays count as reuse: they may revoke the family, the winner's new tokens included.
    assert statuses.count(200) <= 1 and set(statuses) <= {200, 400}, statuses
    # Never a second live pair: at most the winner's refresh token is still live.
    assert RefreshToken.objects.filter(revoked__isnull=True).count() <= 1
    assert AccessToken.objects.count() <= 1
