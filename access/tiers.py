from django.db import models


class Tier(models.TextChoices):
    """Freemium tiers, declared from lowest to highest: the declaration order is the ranking."""

    FREE = "free", "Free"
    PREMIUM = "premium", "Premium"
    PRO = "pro", "Pro"
    TEAM = "team", "Team"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def includes(self, required: "Tier | str") -> bool:
        """Whether this tier unlocks material that needs `required`."""
        return self.rank >= Tier(required).rank


# Declaration order, looked up rather than searched for: every tier gate asks for it.
_RANKS = {tier: rank for rank, tier in enumerate(Tier)}
