"""Tiers, /access/check, /user/{id}/tier and the staff-only upgrade, through the HTTP API."""

import pytest

from access import services
from access.models import TierChange, TierPlan
from conftest import PREMIUM_TEXT, assert_error, bearer_client, make_user, post_json

pytestmark = pytest.mark.django_db

UPGRADE = "/api/v1/access/upgrade"


# --- tiers -----------------------------------------------------------------------------------


def test_tiers_are_public_data_in_rank_order(anon_client):
    response = anon_client.get("/api/v1/tiers")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [(t["name"], t["order"], t["price_usd_month"]) for t in body["items"]] == [
        ("free", 1, "0.00"),
        ("premium", 2, "9.99"),
        ("pro", 3, "19.99"),
        ("team", 4, "49.99"),
    ]
    assert body["items"][0]["unlocks"] == ["The first 3 chapters", "Their quizzes"]
    assert "Progress tracking" in body["items"][1]["unlocks"]


def test_tiers_show_what_staff_changed(anon_client):
    TierPlan.objects.filter(name="pro").update(unlocks="Premium\n\n  Live office hours  \n")
    pro = anon_client.get("/api/v1/tiers").json()["items"][2]
    assert pro["unlocks"] == ["Premium", "Live office hours"]


# --- the gate, end to end --------------------------------------------------------------------


def test_free_student_is_locked_out_of_premium_chapter_and_section(auth_client, gated_course):
    chapter = auth_client.get(f"/api/v1/chapters/{gated_course['premium'].id}")
    error = assert_error(chapter, 403, "chapter_locked")
    assert error["details"]["required_tier"] == "premium"
    assert error["details"]["user_tier"] == "free"
    section = auth_client.get(f"/api/v1/sections/{gated_course['premium_section'].id}")
    assert_error(section, 403, "chapter_locked")
    for response in (chapter, section):
        assert PREMIUM_TEXT not in response.content.decode()


def test_staff_upgrade_unlocks_the_same_calls(user, manager_client, gated_course):
    student = bearer_client(user)
    urls = [
        f"/api/v1/chapters/{gated_course['premium'].id}",
        f"/api/v1/sections/{gated_course['premium_section'].id}",
    ]
    assert [student.get(url).status_code for url in urls] == [403, 403]

    response = post_json(
        manager_client, UPGRADE, {"user_id": user.id, "new_tier": "premium", "reason": "Paid"}
    )
    assert response.status_code == 200
    assert response.json() == {"user_id": user.id, "tier": "premium", "changed": True}

    assert [student.get(url).status_code for url in urls] == [200, 200]
    assert PREMIUM_TEXT in student.get(urls[1]).json()["content"]
    change = TierChange.objects.get(user=user)
    assert (change.from_tier, change.to_tier, change.reason) == ("free", "premium", "Paid")
    assert change.changed_by.email == "manager@example.com"


def test_upgrade_to_the_same_tier_records_nothing(user, manager_client):
    body = post_json(manager_client, UPGRADE, {"user_id": user.id, "new_tier": "free"}).json()
    assert body == {"user_id": user.id, "tier": "free", "changed": False}
    assert not TierChange.objects.exists()


def test_upgrade_unknown_user_is_404(manager_client):
    response = post_json(manager_client, UPGRADE, {"user_id": 999999, "new_tier": "pro"})
    assert_error(response, 404, "user_not_found")


def test_upgrade_unknown_tier_is_422(user, manager_client):
    response = post_json(manager_client, UPGRADE, {"user_id": user.id, "new_tier": "platinum"})
    assert_error(response, 422, "validation_error")


def test_staff_with_the_change_user_permission_may_change_tiers(user):
    from django.contrib.auth.models import Permission

    operator = make_user("ops@example.com", is_staff=True)
    operator.user_permissions.add(Permission.objects.get(codename="change_user"))
    response = post_json(bearer_client(operator), UPGRADE, {"user_id": user.id, "new_tier": "pro"})
    assert response.status_code == 200


def test_upgrade_needs_a_token(anon_client, user):
    response = post_json(anon_client, UPGRADE, {"user_id": user.id, "new_tier": "pro"})
    assert_error(response, 401, "not_authenticated")


# --- /access/check ---------------------------------------------------------------------------


def check(client, resource: str, *, method: str = "post"):
    if method == "post":
        return post_json(client, "/api/v1/access/check", {"resource": resource})
    return client.get("/api/v1/access/check", {"resource": resource})


@pytest.mark.parametrize("method", ["post", "get"])
def test_access_check_for_anonymous_free_and_premium(method, anon_client, gated_course):
    premium = gated_course["premium"]
    body = check(anon_client, f"chapter:{premium.id}", method=method).json()
    assert body == {
        "resource": f"chapter:{premium.id}",
        "allowed": False,
        "user_tier": "free",
        "required_tier": "premium",
        "reason": "tier_too_low",
    }
    free = check(anon_client, f"chapter:{gated_course['free'].id}", method=method).json()
    assert free["allowed"] is True and free["reason"] == "tier_included"


def test_access_check_sections_follow_their_chapter(auth_client, premium_client, gated_course):
    resource = f"section:{gated_course['premium_section'].id}"
    assert check(auth_client, resource).json()["allowed"] is False
    body = check(premium_client, resource).json()
    assert (body["allowed"], body["user_tier"], body["required_tier"]) == (
        True,
        "premium",
        "premium",
    )


def test_access_check_staff_see_everything(gated_course):
    staff = bearer_client(make_user("staff@example.com", is_staff=True))
    body = check(staff, f"chapter:{gated_course['premium'].id}").json()
    assert (body["allowed"], body["reason"]) == (True, "staff")


@pytest.mark.parametrize(
    ("resource", "code"),
    [
        ("chapter", "invalid_resource"),
        ("chapter:", "invalid_resource"),
        ("chapter:abc", "invalid_resource"),
        ("chapter:-4", "invalid_resource"),
        (":4", "invalid_resource"),
        ("chapter:4:5", "invalid_resource"),
        ("CHAPTER:4", "invalid_resource"),
        ("planet:4", "unknown_resource_kind"),
    ],
)
def test_access_check_malformed_or_unknown_kind_is_422(anon_client, resource, code):
    error = assert_error(check(anon_client, resource), 422, code)
    assert {"chapter", "section"} <= set(error["details"]["kinds"])


def test_access_check_empty_or_missing_resource_is_422(anon_client):
    assert_error(check(anon_client, ""), 422, "validation_error")
    assert_error(anon_client.get("/api/v1/access/check"), 422, "validation_error")


@pytest.mark.parametrize("resource", ["chapter:999999", "section:999999", "draft", "draft_section"])
def test_access_check_unknown_or_unpublished_is_404(anon_client, gated_course, resource):
    if resource in gated_course:
        kind = "section" if resource.endswith("section") else "chapter"
        resource = f"{kind}:{gated_course[resource].id}"
    response = check(anon_client, resource)
    assert response.status_code == 404


def test_access_check_uses_kinds_other_apps_register(anon_client, monkeypatch):
    monkeypatch.setitem(services.RESOURCE_RESOLVERS, "quiz", lambda quiz_id: "pro")
    body = check(anon_client, "quiz:2").json()
    assert (body["allowed"], body["required_tier"]) == (False, "pro")


# --- /user/{user_id}/tier --------------------------------------------------------------------


def test_own_tier_and_since(auth_client, user):
    body = auth_client.get(f"/api/v1/user/{user.id}/tier").json()
    assert body["user_id"] == user.id and body["tier"] == "free"
    assert body["since"].startswith(user.date_joined.isoformat()[:19])
    assert auth_client.get("/api/v1/user/me/tier").json() == body


def test_since_is_the_last_tier_change(auth_client, user, tier_manager):
    change = services.change_tier(
        user=user, new_tier="premium", changed_by=tier_manager, reason="Paid"
    )
    body = auth_client.get("/api/v1/user/me/tier").json()
    assert body["tier"] == "premium"
    assert body["since"].startswith(change.created_at.isoformat()[:19])


def test_staff_read_anyones_tier(user):
    staff = bearer_client(make_user("staff@example.com", is_staff=True))
    assert staff.get(f"/api/v1/user/{user.id}/tier").json()["tier"] == "free"
    assert staff.get("/api/v1/user/999999/tier").status_code == 404


@pytest.mark.parametrize("bad_id", ["abc", "-1", "1.5", "you"])
def test_user_tier_bad_id_is_422(auth_client, bad_id):
    assert_error(auth_client.get(f"/api/v1/user/{bad_id}/tier"), 422, "validation_error")


def test_user_tier_needs_a_token(anon_client, user):
    assert_error(anon_client.get(f"/api/v1/user/{user.id}/tier"), 401, "not_authenticated")


# --- query counts ----------------------------------------------------------------------------


def test_reads_stay_cheap(
    auth_client, user, gated_course, django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the user behind the token (then cached)
        assert auth_client.get("/api/v1/me").status_code == 200
    with django_assert_num_queries(1):  # plans
        assert auth_client.get("/api/v1/tiers").status_code == 200
    with django_assert_num_queries(1):  # last tier change
        assert auth_client.get("/api/v1/user/me/tier").status_code == 200
    resource = f"chapter:{gated_course['premium'].id}"
    # chapter outline (then cached), the access-log row every answer writes
    with django_assert_max_num_queries(2):
        assert check(auth_client, resource).status_code == 200
    with django_assert_num_queries(1):
        assert check(auth_client, resource).status_code == 200
