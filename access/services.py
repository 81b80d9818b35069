"""Who may see what. Every gated read (chapters, sections, search hits, quizzes, submits) asks
`decide_access` / `require_access`, so the freemium rule lives in exactly one place."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.timezone import now
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token
from rest_framework_simplejwt.utils import datetime_from_epoch, get_md5_hash_password

from access import user_cache
from access.models import AccessLog, TierChange, TierPlan, User, is_staff, validate_timezone
from access.tiers import Tier
from coursecompanion.errors import AccessDenied, Conflict, DomainError, Invalid, NotFound


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
    if is_staff(user):
        return AccessDecision(True, tier, required, "staff")
    if tier.includes(required):
        return AccessDecision(True, tier, required, "tier_included")
    return AccessDecision(False, tier, required, "tier_too_low")


def open_tiers(user: User | None) -> list[str]:
    """Every tier whose material `user` may open, lowest first: `decide_access` for each."""
    if is_staff(user):
        return [tier.value for tier in Tier]
    tier = effective_tier(user)
    return [required.value for required in Tier if tier.includes(required)]


def require_access(
    *,
    user: User | None,
    required_tier: Tier | str,
    code: str,
    subject: str,
    resource: str | None = None,
) -> AccessDecision:
    """Return the decision if access is allowed.

    Raises AccessDenied (with `code`, e.g. "chapter_locked") naming the tier that unlocks it;
    a refused `resource` ("chapter:4") is recorded in the access log first.
    """
    decision = decide_access(user=user, required_tier=required_tier)
    if not decision.allowed:
        if resource is not None:
            record_access(user=user, resource=resource, granted=False)
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


def record_access(*, user: User | None, resource: str, granted: bool) -> None:
    """One row of the access log (the staff dashboard's upgrade wall); anonymous callers are
    recorded without a user."""
    known = user if user is not None and user.is_authenticated else None
    AccessLog.objects.create(user=known, resource=resource, granted=granted, created_at=now())


# Apps that own gated resources register how to find a resource's required tier, so
# `/access/check` answers for "chapter:4", "section:9" or "quiz:2" without `access` importing them.
ResourceResolver = Callable[[int], "Tier | str"]
RESOURCE_RESOLVERS: dict[str, ResourceResolver] = {}


def register_resource(kind: str, resolver: ResourceResolver) -> None:
    """Register `resolver(object_id) -> required tier` for resources named "<kind>:<id>".

    The resolver raises NotFound for an unknown or unpublished object."""
    RESOURCE_RESOLVERS[kind] = resolver


RESOURCE_PATTERN = re.compile(r"^(?P<kind>[a-z][a-z_]*):(?P<id>[0-9]{1,18})$")


def check_resource_access(*, user: User | None, resource: str) -> AccessDecision:
    """Say whether `user` may open `resource`, written "<kind>:<id>" (e.g. "chapter:4").

    Raises Invalid for a malformed resource or an unknown kind, NotFound (from the kind's
    resolver) for an unknown or unpublished object."""
    match = RESOURCE_PATTERN.match(resource.strip())
    if match is None:
        raise Invalid(
            'A resource is written "<kind>:<id>", e.g. "chapter:4".',
            code="invalid_resource",
            details={"resource": resource, "kinds": sorted(RESOURCE_RESOLVERS)},
        )
    kind, object_id = match["kind"], int(match["id"])
    resolver = RESOURCE_RESOLVERS.get(kind)
    if resolver is None:
        raise Invalid(
            f"Unknown resource kind {kind!r}.",
            code="unknown_resource_kind",
            details={"resource": resource, "kinds": sorted(RESOURCE_RESOLVERS)},
        )
    decision = decide_access(user=user, required_tier=resolver(object_id))
    record_access(user=user, resource=f"{kind}:{object_id}", granted=decision.allowed)
    return decision


# --- tiers -----------------------------------------------------------------------------------


def list_tier_plans() -> list[TierPlan]:
    """Every tier's plan, lowest tier first."""
    return sorted(TierPlan.objects.all(), key=lambda plan: plan.order)


@transaction.atomic
def change_tier(
    *, user: User, new_tier: Tier | str, changed_by: User | None, reason: str
) -> TierChange | None:
    """Move `user` to `new_tier` and record who did it and why; None if it was already there.

    The one way a tier changes (API upgrade, admin, `set_tier`). Raises Invalid for an unknown
    tier or an empty reason."""
    try:
        new_tier = Tier(new_tier)
    except ValueError as error:
        raise Invalid(
            f"Unknown tier {new_tier!r}.",
            details={"new_tier": [f"Choose one of: {', '.join(Tier.values)}."]},
        ) from error
    reason = reason.strip()
    if not reason:
        raise Invalid("Say why the tier changes.", details={"reason": ["This field is required."]})
    # Locked, so two concurrent changes record a true from -> to chain.
    locked = User.objects.select_for_update().get(pk=user.pk)
    user.tier = new_tier.value
    if locked.tier == new_tier:
        return None
    change = TierChange.objects.create(
        user=locked,
        from_tier=locked.tier,
        to_tier=new_tier.value,
        changed_by=changed_by,
        reason=reason,
    )
    User.objects.filter(pk=locked.pk).update(tier=new_tier.value)
    user_cache.forget_user(locked.pk)  # update() sends no post_save
    return change


def upgrade_user_tier(
    *, actor: User, user_id: int, new_tier: Tier | str, reason: str
) -> tuple[User, TierChange | None]:
    """Staff move a user to another tier (any direction); returns the user and the recorded
    change (None if they already had it).

    Raises AccessDenied("forbidden") unless `actor` manages users, NotFound, Invalid."""
    require_tier_manager(actor)
    user = access_user(user_id=user_id)
    return user, change_tier(user=user, new_tier=new_tier, changed_by=actor, reason=reason)


def tier_since(*, user: User) -> datetime:
    """When `user` got their current tier: the last recorded change, else when they joined."""
    last = user.tier_changes.order_by("-created_at", "-id").values_list("created_at", flat=True)
    return last.first() or user.date_joined


def access_user(*, user_id: int) -> User:
    """The user with this id. Raises NotFound."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(f"User {user_id} not found.", code="user_not_found")
    return user


# A user id as a path names it: "me" or digits. Ids are bigints; a longer run of digits can be
# nobody, and must not reach the database.
USER_ID = re.compile(r"[0-9]{1,18}")


def own_account(*, viewer: User, user_id: str | int | None) -> bool:
    """Whether `user_id` names the viewer: "me" (or None), or their own id."""
    if user_id is None or user_id == "me":
        return True
    if isinstance(user_id, str):
        return USER_ID.fullmatch(user_id) is not None and int(user_id) == viewer.pk
    return user_id == viewer.pk


def access_user_tier(*, viewer: User, user_id: int | None) -> User:
    """The user whose tier `viewer` asks for (None: themselves).

    Raises NotFound for anyone else unless the viewer is staff, whether or not they exist."""
    if user_id is None or own_account(viewer=viewer, user_id=user_id):
        return viewer
    target = User.objects.filter(pk=user_id).first() if viewer.is_staff else None
    if target is None:
        raise NotFound("User not found.", code="user_not_found")
    return target


def can_change_tiers(user: User | None) -> bool:
    """Staff who may manage users (the admin's "change user" permission); editors may not."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_staff
        and user.has_perm("access.change_user")
    )


class StaffOnly(AccessDenied):
    """A staff-only operation asked by anyone else (403 "forbidden")."""

    code = "forbidden"


def require_tier_manager(user: User | None) -> None:
    """Raises StaffOnly (AccessDenied "forbidden") unless `user` may change tiers."""
    if not can_change_tiers(user):
        raise StaffOnly("Only staff who manage users may change tiers.")


# --- accounts and tokens ---------------------------------------------------------------------


class NotAuthenticated(DomainError):
    code = "not_authenticated"


def _invalid(field: str, messages: list[str], code: str = "validation_error") -> Invalid:
    # The same message for every field's refusal; the details name the field and why.
    return Invalid("The request is not valid.", code=code, details={field: messages})


def normalize_email(email: str) -> str:
    """The stored form of an email address. Raises Invalid if it is not an address."""
    normalized = User.normalize_email_address(email)
    try:
        validate_email(normalized)
    except DjangoValidationError as error:
        raise _invalid("email", error.messages) from error
    return normalized


@transaction.atomic
def register_user(
    *, email: str, password: str, display_name: str = "", timezone: str = "UTC"
) -> User:
    """Create a free-tier student account.

    Raises Invalid (bad email, weak password, unknown time zone) or Conflict("email_taken")."""
    email = normalize_email(email)
    try:
        validate_timezone(timezone)
    except DjangoValidationError as error:
        raise _invalid("timezone", error.messages) from error
    candidate = User(email=email, display_name=display_name, timezone=timezone)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as error:
        raise _invalid("password", error.messages, code="weak_password") from error
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(code="email_taken")
    try:
        # A savepoint: two registrations racing for one address meet the unique constraint.
        with transaction.atomic():
            return User.objects.create_user(
                email, password, display_name=display_name, timezone=timezone
            )
    except IntegrityError as error:
        raise Conflict(code="email_taken") from error


def log_in(*, request: HttpRequest | None, email: str, password: str) -> User:
    """The active user with these credentials.

    Raises NotAuthenticated("invalid_credentials") alike for an unknown email, a wrong
    password and an inactive account, so the answer never tells which."""
    user = authenticate(request, email=User.normalize_email_address(email), password=password)
    if user is None:
        raise NotAuthenticated(code="invalid_credentials")
    return user


def access_lifetime_seconds() -> int:
    return int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds())


def issue_tokens(*, user: User) -> dict[str, Any]:
    """A new refresh token (recorded, so it can be revoked) and an access token for `user`."""
    refresh = RefreshToken.for_user(user)
    return {
        "access": str(refresh.access_token),
        "refresh": str(refresh),
        "token_type": "Bearer",
        "expires_in": access_lifetime_seconds(),
    }


def _invalid_token() -> NotAuthenticated:
    return NotAuthenticated(code="invalid_token")


def _verified_refresh(raw: str) -> tuple[RefreshToken, User]:
    try:
        # Signature, algorithm, expiry, type and blacklist. (simplejwt annotates the argument
        # as a Token, but takes the encoded string.)
        token = RefreshToken(raw)  # type: ignore[arg-type]
    except TokenError as error:
        raise _invalid_token() from error
    user_id = token.payload.get(jwt_settings.USER_ID_CLAIM)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or not password_unchanged_since(token, user):
        raise _invalid_token()
    return token, user


def password_unchanged_since(token: Token, user: User) -> bool:
    """False when `user`'s password changed after `token` was issued (the token carries a hash
    of the password hash then, as JWTAuthentication checks for access tokens)."""
    if not jwt_settings.CHECK_REVOKE_TOKEN:
        return True
    claim = token.payload.get(jwt_settings.REVOKE_TOKEN_CLAIM)
    return claim == get_md5_hash_password(user.password)


def _revoke(token: RefreshToken, user: User) -> bool:
    """Blacklist `token`; False if another request revoked it first."""
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=token.payload["jti"],
        defaults={
            "user": user,
            "token": str(token),
            "created_at": token.current_time,
            "expires_at": datetime_from_epoch(token.payload["exp"]),
        },
    )
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    return created


@transaction.atomic
def rotate_refresh_token(*, refresh: str) -> dict[str, Any]:
    """New access and refresh tokens for a refresh token, which stops working (rotation).

    Raises NotAuthenticated("invalid_token") for a bad, expired or already used token, or
    when its user is gone or inactive. Two concurrent uses of one token: only one succeeds."""
    token, user = _verified_refresh(refresh)
    if not _revoke(token, user):
        raise _invalid_token()
    return issue_tokens(user=user)


@transaction.atomic
def revoke_refresh_token(*, refresh: str) -> None:
    """Log out: the refresh token stops working. Raises NotAuthenticated("invalid_token"), also
    when a concurrent logout or refresh used the token first: exactly one of them succeeds, so a
    refresh racing a logout can never leave a working token behind a 204."""
    token, user = _verified_refresh(refresh)
    if not _revoke(token, user):
        raise _invalid_token()


@transaction.atomic
def update_profile(
    *, user: User, display_name: str | None = None, timezone: str | None = None
) -> User:
    """Change what a student may change about themselves. Raises Invalid for an unknown zone."""
    changed = []
    if display_name is not None:
        user.display_name = display_name.strip()
        changed.append("display_name")
    if timezone is not None:
        try:
            validate_timezone(timezone)
        except DjangoValidationError as error:
            raise _invalid("timezone", error.messages) from error
        user.timezone = timezone
        changed.append("timezone")
    if changed:
        user.save(update_fields=changed)
    return user
