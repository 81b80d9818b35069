import pytest
from django.contrib.auth.models import AnonymousUser

from access.models import User
from access.services import decide_access, open_tiers, require_access
from access.tiers import Tier
from coursecompanion.errors import AccessDenied


def student(tier: Tier, *, staff: bool = False) -> User:
    return User(email="s@example.com", tier=tier, is_staff=staff)


def test_tiers_are_ordered_free_premium_pro_team():
    assert [t.rank for t in (Tier.FREE, Tier.PREMIUM, Tier.PRO, Tier.TEAM)] == [0, 1, 2, 3]
    assert Tier.PRO.includes("premium")
    assert not Tier.PREMIUM.includes(Tier.PRO)
    assert Tier.TEAM.includes(Tier.PRO)


@pytest.mark.parametrize(
    ("user_tier", "required", "allowed"),
    [
        (Tier.FREE, Tier.FREE, True),
        (Tier.FREE, Tier.PREMIUM, False),
        (Tier.PREMIUM, Tier.PREMIUM, True),
        (Tier.PREMIUM, Tier.PRO, False),
        (Tier.PRO, Tier.PREMIUM, True),
        (Tier.TEAM, Tier.PRO, True),
    ],
)
def test_decide_access_compares_tiers(user_tier, required, allowed):
    decision = decide_access(user=student(user_tier), required_tier=required)
    assert decision.allowed is allowed
    assert decision.required_tier == required
    assert decision.reason == ("tier_included" if allowed else "tier_too_low")


@pytest.mark.parametrize("anonymous", [None, AnonymousUser()])
def test_anonymous_callers_act_as_free(anonymous):
    assert decide_access(user=anonymous, required_tier="free").allowed
    decision = decide_access(user=anonymous, required_tier="premium")
    assert not decision.allowed
    assert decision.user_tier == Tier.FREE


@pytest.mark.parametrize(
    "caller",
    [None, AnonymousUser(), *(student(tier) for tier in Tier), student(Tier.FREE, staff=True)],
)
def test_open_tiers_are_the_tiers_decide_access_allows(caller):
    allowed = [t.value for t in Tier if decide_access(user=caller, required_tier=t).allowed]
    assert open_tiers(caller) == allowed


def test_staff_see_everything():
    decision = decide_access(user=student(Tier.FREE, staff=True), required_tier=Tier.PRO)
    assert decision.allowed and decision.reason == "staff"


def test_require_access_names_the_tier():
    with pytest.raises(AccessDenied) as raised:
        require_access(user=None, required_tier="pro", code="quiz_locked", subject="Quiz 2")
    assert raised.value.code == "quiz_locked"
    assert raised.value.message == "Quiz 2 needs the pro tier."
    assert raised.value.details["required_tier"] == "pro"
