import pytest

from access import services
from access.models import TierChange, User
from access.tiers import Tier
from conftest import make_user
from coursecompanion.errors import AccessDenied, Conflict, Invalid, NotFound

pytestmark = pytest.mark.django_db


def test_change_tier_records_who_from_to_and_why(user, tier_manager):
    change = services.change_tier(
        user=user, new_tier=Tier.PRO, changed_by=tier_manager, reason="  Conference prize "
    )
    assert user.tier == "pro"
    user.refresh_from_db()
    assert user.tier == "pro"
    assert (change.user, change.from_tier, change.to_tier) == (user, "free", "pro")
    assert (change.changed_by, change.reason) == (tier_manager, "Conference prize")
    assert change.created_at is not None


def test_change_tier_chains_from_the_stored_tier(user):
    stale = User.objects.get(pk=user.pk)
    services.change_tier(user=user, new_tier="premium", changed_by=None, reason="Paid")
    # `stale` still says free in memory; the recorded change starts from the database's tier.
    change = services.change_tier(user=stale, new_tier="team", changed_by=None, reason="Team")
    assert (change.from_tier, change.to_tier) == ("premium", "team")
    assert list(TierChange.objects.order_by("id").values_list("from_tier", "to_tier")) == [
        ("free", "premium"),
        ("premium", "team"),
    ]


def test_change_tier_to_the_current_tier_records_nothing(user):
    assert services.change_tier(user=user, new_tier="free", changed_by=None, reason="x") is None
    assert not TierChange.objects.exists()


@pytest.mark.parametrize(("tier", "reason"), [("gold", "why"), ("pro", "   ")])
def test_change_tier_refuses_unknown_tier_or_no_reason(user, tier, reason):
    with pytest.raises(Invalid):
        services.change_tier(user=user, new_tier=tier, changed_by=None, reason=reason)
    user.refresh_from_db()
    assert user.tier == "free" and not TierChange.objects.exists()


def test_register_user_normalises_email_and_hashes_password():
    created = services.register_user(email=" Mixed@Case.IO ", password="correct-horse-battery-9")
    assert created.email == "mixed@case.io"
    assert created.tier == "free" and not created.is_staff
    assert created.check_password("correct-horse-battery-9")
    assert created.password != "correct-horse-battery-9"


def test_register_user_duplicate_is_conflict(user):
    with pytest.raises(Conflict) as raised:
        services.register_user(email="Student@Example.com", password="correct-horse-battery-9")
    assert raised.value.code == "email_taken"


def test_log_in_returns_the_user_only_for_right_credentials(user):
    assert (
        services.log_in(
            request=None, email="STUDENT@example.com ", password="correct-horse-battery-9"
        )
        == user
    )
    with pytest.raises(services.NotAuthenticated):
        services.log_in(request=None, email="student@example.com", password="nope")


def test_revoke_is_single_use(user):
    tokens = services.issue_tokens(user=user)
    token, owner = services._verified_refresh(tokens["refresh"])
    assert owner == user
    assert services._revoke(token, user) is True
    # A second request that verified the same token before the first revoked it loses.
    assert services._revoke(token, user) is False


def test_access_user_tier_hides_others_from_students(user):
    other = make_user("other@example.com")
    assert services.access_user_tier(viewer=user, user_id=None) == user
    assert services.access_user_tier(viewer=user, user_id=user.pk) == user
    with pytest.raises(NotFound):
        services.access_user_tier(viewer=user, user_id=other.pk)


def test_can_change_tiers_needs_staff_and_the_permission(tier_manager):
    assert services.can_change_tiers(tier_manager)
    assert not services.can_change_tiers(make_user("editor@example.com", is_staff=True))
    assert not services.can_change_tiers(make_user("perm@example.com", is_superuser=True))
    assert not services.can_change_tiers(None)


def test_tier_plans_seeded_for_every_tier():
    plans = services.list_tier_plans()
    assert [plan.name for plan in plans] == list(Tier.values)
    assert [plan.order for plan in plans] == [1, 2, 3, 4]


def test_upgrade_user_tier_checks_the_actor_itself(user, tier_manager):
    editor = make_user("editor@example.com", is_staff=True)
    for actor in (user, editor):
        with pytest.raises(AccessDenied):
            services.upgrade_user_tier(actor=actor, user_id=user.pk, new_tier="pro", reason="x")
    assert not TierChange.objects.exists()
    target, change = services.upgrade_user_tier(
        actor=tier_manager, user_id=user.pk, new_tier="pro", reason="Prize"
    )
    assert target == user and change.changed_by == tier_manager
    with pytest.raises(NotFound):
        services.upgrade_user_tier(actor=tier_manager, user_id=0, new_tier="pro", reason="x")


def test_time_zone_names_are_read_from_disk_once(monkeypatch):
    import zoneinfo

    from django.core.exceptions import ValidationError

    from access import models

    reads = []
    real = zoneinfo.available_timezones

    def counting_read():
        reads.append(1)
        return real()

    models.iana_zone_names.cache_clear()
    monkeypatch.setattr(zoneinfo, "available_timezones", counting_read)
    for _ in range(3):
        models.validate_timezone("Europe/Paris")
    with pytest.raises(ValidationError):
        models.validate_timezone("Mars/Olympus")
    assert len(reads) == 1
