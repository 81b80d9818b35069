import copy
import functools
import zoneinfo
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now

from access.tiers import Tier
from coursecompanion.models import TimestampedModel

# Files the tz database directory holds that are not zones a person lives in: "localtime" is
# the server's own zone (a symlink, different on every machine) and "Factory" is tzdata's
# placeholder for "zone not yet set" (abbreviation "-00").
NOT_IANA_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@functools.cache
def iana_zone_names() -> frozenset[str]:
    # available_timezones() walks the tz database on disk (~14 ms); it changes only on upgrades.
    return frozenset(zoneinfo.available_timezones()) - NOT_IANA_ZONES


def is_staff(user) -> bool:
    """Whether `user` (a User, AnonymousUser or None) is signed-in staff: who may see drafts,
    skip the tier gate and read any student's progress."""
    return user is not None and user.is_authenticated and user.is_staff


def validate_timezone(value: str) -> None:
    if value not in iana_zone_names():
        raise ValidationError(f"{value!r} is not an IANA time zone name.", code="invalid_timezone")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=User.normalize_email_address(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A student or a member of staff; the email address is the login."""

    email = models.EmailField(max_length=254, unique=True)
    display_name = models.CharField(max_length=100, blank=True)
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.FREE)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can log in to the admin (editors and operators)."
    )
    date_joined = models.DateTimeField(default=now)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            # Case-insensitive uniqueness at the database, not only in forms: "A@x.io" and
            # "a@x.io" are one account even when two registrations race.
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = self.normalize_email_address(self.email)
        super().save(*args, **kwargs)

    @staticmethod
    def normalize_email_address(email: str) -> str:
        return email.strip().lower()

    @property
    def tier_enum(self) -> Tier:
        return Tier(self.tier)


class TierPlan(models.Model):
    """What a tier costs and unlocks, as staff describe it (shown by GET /tiers). The ranking of
    tiers stays in code (`Tier`); which chapter needs which tier is set on each chapter."""

    name = models.CharField(max_length=16, choices=Tier.choices, unique=True)
    price_usd_month = models.DecimalField(max_digits=7, decimal_places=2)
    unlocks = models.TextField(help_text="What this tier unlocks, one item per line.")
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_usd_month__gte=0), name="tierplan_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_name_display()} (${self.price_usd_month}/month)"

    @property
    def order(self) -> int:
        """1 for the lowest tier; follows the ranking in `Tier`."""
        return Tier(self.name).rank + 1

    @property
    def unlock_list(self) -> list[str]:
        return [line.strip() for line in self.unlocks.splitlines() if line.strip()]


class TierChange(TimestampedModel):
    """One change of a user's tier: who changed it, from what, to what, when and why."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.CharField(max_length=16, choices=Tier.choices)
    to_tier = models.CharField(max_length=16, choices=Tier.choices)
    changed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tier_changes_made",
        help_text="Empty when an operator changed it from the command line.",
    )
    reason = models.TextField()

    def __str__(self) -> str:
        return f"{self.user}: {self.from_tier} → {self.to_tier}"


class AccessLog(models.Model):
    """One gated read a user was refused, or one /access/check answer (the upgrade wall).
    Granted reads are not recorded: that would put a write on the hottest path."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="access_logs"
    )
    resource = models.CharField(max_length=64, help_text='"<kind>:<id>", e.g. "chapter:4".')
    granted = models.BooleanField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "access_logs"
        indexes = [
            models.Index(fields=["granted", "created_at"], name="access_logs_granted_created"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {'opened' if self.granted else 'refused'} {self.resource}"


# Fields that make a user staff; a delegated (OAuth) view of a user never carries them.
PRIVILEGE_FIELDS = frozenset({"is_staff", "is_superuser", "groups", "user_permissions"})


class DelegatedUser(User):
    """A user acting through a delegated token (an OAuth app such as ChatGPT): the same account
    and data, with no staff powers for the request, whatever the account may do in the admin.
    Every staff check in the services (`is_staff`, permissions) then answers no."""

    class Meta:
        proxy = True

    @classmethod
    def of(cls, user: User) -> User:
        if not (user.is_staff or user.is_superuser):
            return user
        delegated = copy.copy(user)
        delegated.__class__ = cls
        delegated.is_staff = delegated.is_superuser = False
        return delegated

    def save(self, *args, update_fields=None, **kwargs) -> None:
        # The staff flags are off only for this request: writing them back would demote staff.
        if update_fields is None or PRIVILEGE_FIELDS & set(update_fields):
            raise TypeError("A delegated user saves only named, unprivileged fields.")
        super().save(*args, update_fields=update_fields, **kwargs)

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perm_list, obj=None) -> bool:
        return False

    def has_module_perms(self, app_label) -> bool:
        return False

    def get_all_permissions(self, obj=None) -> set:
        return set()


class OAuthConnection(models.Model):
    """An app a student connected to their account through OAuth (ChatGPT): what it may do and
    when it last acted. The student lists and revokes these (GET/DELETE /me/connections)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="oauth_connections")
    application = models.ForeignKey(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="connections"
    )
    scope = models.TextField(help_text="The scopes granted, space separated.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="oauthconnection_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.application}"

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()


class RedeemedCode(models.Model):
    """An authorization code that was exchanged for tokens, kept (as a hash) so a second use of
    it can be recognised and the tokens issued from it revoked (RFC 6749 section 4.1.2)."""

    code_checksum = models.CharField(max_length=64, unique=True)
    application = models.ForeignKey("oauth2_provider.Application", on_delete=models.CASCADE)
    token_family = models.UUIDField(help_text="The refresh-token family the code started.")
    redeemed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"Code redeemed at {self.redeemed_at:%Y-%m-%d %H:%M}"


class ClientRegistration(models.Model):
    """One dynamic client registration (RFC 7591): anyone may register a client without an
    account (ChatGPT Apps do), so each one is kept with where it came from and what it asked."""

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="registration"
    )
    client_name = models.CharField(max_length=255, blank=True)
    token_endpoint_auth_method = models.CharField(max_length=32)
    redirect_uris = models.TextField(help_text="Space separated, as registered.")
    ip_address = models.CharField(max_length=64)
    user_agent = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.client_name or self.application_id} registered {self.created_at:%Y-%m-%d}"
