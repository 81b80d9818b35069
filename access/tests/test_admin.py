import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from access.editors import EDITORS_GROUP
from access.models import TierChange, TierPlan, User
from conftest import PASSWORD, make_user, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(tier_manager) -> Client:
    client = Client()
    client.force_login(tier_manager)
    return client


def change_form(user, **changes) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "timezone": user.timezone,
        "tier": user.tier,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "tier_changes-TOTAL_FORMS": "0",
        "tier_changes-INITIAL_FORMS": "0",
        "tier_changes-MIN_NUM_FORMS": "0",
        "tier_changes-MAX_NUM_FORMS": "1000",
        **changes,
    }


def test_admin_finds_users_by_email_and_filters_by_tier(admin_client):
    make_user("findme@example.com", tier="pro")
    make_user("other@example.com")
    found = admin_client.get("/admin/access/user/", {"q": "findme"}).content.decode()
    assert "findme@example.com" in found and "other@example.com" not in found
    pro = admin_client.get("/admin/access/user/", {"tier__exact": "pro"}).content.decode()
    assert "findme@example.com" in pro and "other@example.com" not in pro


def test_admin_tier_change_needs_a_reason(admin_client, user):
    url = f"/admin/access/user/{user.id}/change/"
    response = admin_client.post(url, change_form(user, tier="premium"))
    assert response.status_code == 200
    assert "Say why the tier changes." in response.content.decode()
    user.refresh_from_db()
    assert user.tier == "free"
    assert not TierChange.objects.exists()


def test_admin_tier_change_is_recorded_and_shown(admin_client, user, tier_manager):
    url = f"/admin/access/user/{user.id}/change/"
    response = admin_client.post(
        url, change_form(user, tier="premium", tier_change_reason="Scholarship")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.tier == "premium"
    change = TierChange.objects.get()
    assert (change.from_tier, change.to_tier) == ("free", "premium")
    assert (change.changed_by, change.reason) == (tier_manager, "Scholarship")
    # The history is on the user's page and in its own read-only list.
    assert "Scholarship" in admin_client.get(url).content.decode()
    history = admin_client.get("/admin/access/tierchange/")
    assert "Scholarship" in history.content.decode()
    assert admin_client.get("/admin/access/tierchange/add/").status_code == 403


def test_admin_edit_without_tier_change_needs_no_reason(admin_client, user):
    url = f"/admin/access/user/{user.id}/change/"
    response = admin_client.post(url, change_form(user, display_name="Renamed"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Renamed"
    assert not TierChange.objects.exists()


def test_admin_edits_what_a_tier_unlocks(admin_client, anon_client):
    plan = TierPlan.objects.get(name="premium")
    response = admin_client.post(
        f"/admin/access/tierplan/{plan.id}/change/",
        {
            "name": "premium",
            "price_usd_month": "12.50",
            "unlocks": "Everything\nStickers",
            "description": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    premium = anon_client.get("/api/v1/tiers").json()["items"][1]
    assert (premium["price_usd_month"], premium["unlocks"]) == ("12.50", ["Everything", "Stickers"])


def test_admin_add_user_page_has_no_tier_history(admin_client):
    response = admin_client.get("/admin/access/user/add/")
    assert response.status_code == 200
    assert "Tier history" not in response.content.decode()


def test_admin_password_change_revokes_the_users_tokens(admin_client, anon_client, user):
    tokens = post_json(
        anon_client, "/api/v1/auth/token", {"email": user.email, "password": PASSWORD}
    )
    tokens = tokens.json()
    response = admin_client.post(
        f"/admin/access/user/{user.id}/password/",
        {"password1": "a-brand-new-passphrase-7", "password2": "a-brand-new-passphrase-7"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    me = anon_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 401
    refreshed = post_json(anon_client, "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 401


@pytest.fixture
def user_manager(db) -> User:
    """Staff who may change users (the permission POST /access/upgrade asks for), not superuser."""
    manager = make_user("usermanager@example.com", is_staff=True)
    manager.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="access", codename__in=["view_user", "change_user"]
        )
    )
    return manager


def test_only_superusers_grant_superuser_status_groups_or_permissions(user_manager):
    client = Client()
    client.force_login(user_manager)
    editors = Group.objects.get(name=EDITORS_GROUP)
    every_permission = Permission.objects.values_list("id", flat=True)
    form = change_form(
        user_manager,
        is_staff="on",
        is_superuser="on",
        groups=[editors.id],
        user_permissions=list(every_permission),
        display_name="Still editable",
    )
    url = f"/admin/access/user/{user_manager.id}/change/"
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    user_manager.refresh_from_db()
    assert user_manager.display_name == "Still editable"
    assert not user_manager.is_superuser
    assert list(user_manager.groups.all()) == []
    assert set(user_manager.user_permissions.values_list("codename", flat=True)) == {
        "view_user",
        "change_user",
    }


def test_superusers_still_grant_groups(admin_client, user):
    editors = Group.objects.get(name=EDITORS_GROUP)
    response = admin_client.post(
        f"/admin/access/user/{user.id}/change/", change_form(user, groups=[editors.id])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(user.groups.all()) == [editors]


def test_tier_plans_are_added_only_with_the_add_permission(admin_client):
    TierPlan.objects.filter(name="team").delete()  # a free slot: adding is possible at all
    editor = make_user("editor@example.com", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client = Client()
    client.force_login(editor)
    assert client.get("/admin/access/tierplan/add/").status_code == 403
    assert admin_client.get("/admin/access/tierplan/add/").status_code == 200
