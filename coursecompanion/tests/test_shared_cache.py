"""How often a write changes a shared-cache key: at each write, and once more on commit."""

import pytest
from django.core.cache import cache
from django.db import transaction

from coursecompanion.shared_cache import bump_generation

KEY = "test:shared-cache:generation"


@pytest.fixture
def counter():
    cache.set(KEY, 10, None)
    yield KEY
    cache.delete(KEY)


@pytest.mark.django_db
def test_each_write_bumps_at_once_and_the_transaction_once_on_commit(
    counter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as on_commit, transaction.atomic():
        bump_generation(counter)
        bump_generation(counter)
        # What the transaction reads after its second write is not stamped as before it.
        assert cache.get(counter) == 12
        bump_generation("test:shared-cache:another")
    assert len(on_commit) == 2  # one per key, not per write
    assert cache.get(counter) == 13
    cache.delete("test:shared-cache:another")


@pytest.mark.django_db
def test_a_bump_rolled_back_with_its_savepoint_is_registered_again(
    counter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as on_commit, transaction.atomic():
        try:
            with transaction.atomic():
                bump_generation(counter)
                raise RuntimeError("the write fails")
        except RuntimeError:
            pass
        bump_generation(counter)
    assert len(on_commit) == 1
    assert cache.get(counter) == 13


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_write_bumps_once(counter):
    bump_generation(counter)
    assert cache.get(counter) == 11
