"""The user behind a token comes from the user cache, and every change to the user reaches the
next request."""

import pytest
from django.core.cache import cache

from access import user_cache
from access.models import User
from conftest import PASSWORD, bearer_client, post_json
from coursecompanion import shared_cache

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def test_a_second_call_with_the_same_token_runs_no_user_query(user, django_assert_num_queries):
    client = bearer_client(user)
    with django_assert_num_queries(1):
        assert client.get(ME).status_code == 200
    with django_assert_num_queries(0):
        response = client.get(ME)
    assert response.json()["email"] == user.email


def test_the_cache_holds_a_password_stamp_never_the_hash(user):
    bearer_client(user).get(ME)
    cached = cache.get(user_cache._key(user.pk))
    assert cached["email"] == user.email
    assert "password" not in cached
    assert user.password not in repr(cached)


def test_a_password_change_refuses_the_old_token_at_once(user):
    client = bearer_client(user)
    assert client.get(ME).status_code == 200  # now cached
    user.set_password("a-brand-new-passphrase-7")
    user.save()
    assert client.get(ME).status_code == 401


def test_a_deactivated_user_is_refused_at_once(user):
    client = bearer_client(user)
    assert client.get(ME).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(ME).status_code == 401


def test_a_deleted_user_is_refused_at_once(user):
    client = bearer_client(user)
    assert client.get(ME).status_code == 200
    user.delete()
    assert client.get(ME).status_code == 401


def test_a_profile_edit_through_a_cached_user_keeps_the_password(user, anon_client):
    client = bearer_client(user)
    client.get(ME)
    response = client.patch(ME, {"display_name": "Ada"}, content_type="application/json")
    assert response.status_code == 200
    assert client.get(ME).json()["display_name"] == "Ada"
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    login = post_json(
        anon_client, "/api/v1/auth/token", {"email": user.email, "password": PASSWORD}
    )
    assert login.status_code == 200


def test_with_the_cache_off_every_call_reads_the_user(settings, user, django_assert_num_queries):
    settings.USER_CACHE_SECONDS = 0
    client = bearer_client(user)
    client.get(ME)
    with django_assert_num_queries(1):
        assert client.get(ME).status_code == 200


def test_an_unavailable_cache_falls_back_to_the_database(user, monkeypatch):
    client = bearer_client(user)

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(shared_cache.cache, "get", broken)
    monkeypatch.setattr(shared_cache.cache, "set", broken)
    assert client.get(ME).status_code == 200
