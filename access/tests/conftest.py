from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from conftest import bearer_client, make_user


@pytest.fixture
def tier_manager(db):
    """Staff who manage users (superuser: has the admin's change-user permission)."""
    return make_user("manager@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def manager_client(tier_manager) -> Client:
    return bearer_client(tier_manager)


@pytest.fixture
def frozen_time():
    """Time stands still, so a rate-limit window cannot roll over in the middle of a test."""
    with time_machine.travel(datetime(2030, 1, 7, 12, 0, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller
