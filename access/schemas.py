"""Request and response bodies of the accounts and access API."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from access.tiers import Tier
from coursecompanion.schemas import RequestBody

TIMEZONE_RULE = (
    "An IANA time zone name (Europe/Paris, America/New_York, UTC); any other name answers 422 "
    "`validation_error` naming `timezone`."
)


class RegisterIn(RequestBody):
    email: str = Field(
        min_length=3,
        max_length=254,
        examples=["ada@example.com"],
        description="An email address; anything else answers 422 `validation_error` (`email`).",
    )
    # An upper bound keeps password hashing from being a denial-of-service lever.
    password: str = Field(
        min_length=1,
        max_length=1024,
        description=(
            "At least 8 characters, not a common password, not only digits and not like the "
            "email; a weaker one answers 422 `weak_password`."
        ),
    )
    display_name: str = Field("", max_length=100)
    timezone: str = Field(
        "UTC", max_length=64, examples=["Europe/Paris"], description=TIMEZONE_RULE
    )


class TokenIn(RequestBody):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class RefreshIn(RequestBody):
    refresh: str = Field(max_length=4096)


class ProfileIn(RequestBody):
    display_name: str | None = Field(None, max_length=100)
    timezone: str | None = Field(
        None, max_length=64, examples=["America/New_York"], description=TIMEZONE_RULE
    )


class UserOut(Schema):
    id: int
    email: str
    display_name: str
    tier: Tier
    timezone: str
    date_joined: datetime


class TokenOut(Schema):
    access: str
    refresh: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class RegisterOut(TokenOut):
    user: UserOut


class TierPlanOut(Schema):
    name: Tier
    order: int = Field(description="1 for the lowest tier.")
    price_usd_month: Decimal = Field(examples=["9.99"])
    unlocks: list[str] = Field(examples=[["All chapters", "All quizzes"]])
    description: str

    @staticmethod
    def resolve_unlocks(plan) -> list[str]:
        # A plan row, or this schema's own output validated again (the MCP SDK checks each
        # tool's structuredContent against its output schema).
        return plan["unlocks"] if isinstance(plan, dict) else plan.unlock_list


class TierPlanListOut(Schema):
    items: list[TierPlanOut]
    count: int


class AccessCheckIn(RequestBody):
    resource: str = Field(
        min_length=1,
        max_length=100,
        examples=["chapter:4"],
        description=(
            'Written "<kind>:<id>" with kind chapter, section or quiz; another shape answers 422 '
            "`invalid_resource`, another kind 422 `unknown_resource_kind`."
        ),
    )


class AccessCheckOut(Schema):
    resource: str
    allowed: bool
    user_tier: Tier
    required_tier: Tier
    reason: str = Field(examples=["tier_included", "tier_too_low", "staff"])


class UserTierOut(Schema):
    user_id: int
    tier: Tier
    since: datetime


class UpgradeIn(RequestBody):
    user_id: int
    new_tier: Tier
    reason: str = Field("Changed by staff through the API.", min_length=1, max_length=500)


class UpgradeOut(Schema):
    user_id: int
    tier: Tier
    changed: bool = Field(description="False when the user already had this tier.")


class ConnectionOut(Schema):
    id: int
    name: str = Field(description="The connected app, as its owner named it (e.g. the GPT).")
    scopes: list[str] = Field(examples=[["read", "write"]])
    created_at: datetime
    last_used_at: datetime | None = Field(
        description="When the app last called the API for you (to within a few minutes)."
    )


class ConnectionListOut(Schema):
    items: list[ConnectionOut]
    count: int
