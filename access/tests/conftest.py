import pytest
from django.test import Client

from conftest import bearer_client, make_user


@pytest.fixture
def tier_manager(db):
    """Staff who manage users (superuser: has the admin's change-user permission)."""
    return make_user("manager@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def manager_client(tier_manager) -> Client:
    return bearer_client(tier_manager)
