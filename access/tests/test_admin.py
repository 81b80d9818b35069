import pytest
from django.test import Client

from access.models import TierChange, TierPlan
from conftest import make_user

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
