"""Who may see what. Every gated read (chapters, sections, search hits, quizzes, submits) asks
`decide_access` / `require_access`, so the freemium rule lives in exactly one place."""

from collections.abc import Callable
from dataclasses import dataclass

from access.models import User
from access.tiers import Tier
from coursecompanion.errors import AccessDenied


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    user_tier: Tier
    required_tier: Tier
    reason: str


def effective_tier(user: User | None) -> Tier:
    """Anonymous callers act as the free tier."""
    if user is None or not user.is_authenticated:
        return Tier.FREE
    return Tier(user.tier)


def decide_access(*, user: User | None, required_tier: Tier | str) -> AccessDecision:
    """Say whether `user` (None when anonymous) may open material that needs `required_tier`."""
    required = Tier(required_tier)
    tier = effective_tier(user)
    if user is not None and user.is_authenticated and user.is_staff:
        return AccessDecision(True, tier, required, "staff")
    if tier.includes(required):
        return AccessDecision(True, tier, required, "tier_included")
    return AccessDecision(False, tier, required, "tier_too_low")


def require_access(
    *, user: User | None, required_tier: Tier | str, code: str, subject: str
) -> AccessDecision:
    """Return the decision if access is allowed.

    Raises AccessDenied (with `code`, e.g. "chapter_locked") naming the tier that unlocks it.
    """
    decision = decide_access(user=user, required_tier=required_tier)
    if not decision.allowed:
        raise AccessDenied(
            f"{subject} needs the {decision.required_tier.value} tier.",
            code=code,
            details={
                "required_tier": decision.required_tier.value,
                "user_tier": decision.user_tier.value,
                "reason": decision.reason,
            },
        )
    return decision


# Apps that own gated resources register how to find a resource's required tier, so
# `/access/check` answers for "chapter:4", "section:9" or "quiz:2" without `access` importing them.
ResourceResolver = Callable[[int], "Tier | str"]
RESOURCE_RESOLVERS: dict[str, ResourceResolver] = {}


def register_resource(kind: str, resolver: ResourceResolver) -> None:
    """Register `resolver(object_id) -> required tier` for resources named "<kind>:<id>".

    The resolver raises NotFound for an unknown or unpublished object."""
    RESOURCE_RESOLVERS[kind] = resolver
