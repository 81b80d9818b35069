from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from access import services
from access.models import ClientRegistration, OAuthConnection, TierChange, TierPlan, User
from coursecompanion.admin import ReadOnlyAdminMixin


class EmailUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):
    tier_change_reason = forms.CharField(
        label="Reason for tier change",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the tier changes; kept in the tier history.",
    )

    class Meta:
        model = User
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if "tier" in self.changed_data and not cleaned.get("tier_change_reason", "").strip():
            self.add_error("tier_change_reason", "Say why the tier changes.")
        return cleaned


class TierChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TierChange
    fk_name = "user"
    fields = ("created_at", "from_tier", "to_tier", "changed_by", "reason")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    extra = 0
    can_delete = False
    verbose_name_plural = "Tier history"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ("email",)
    list_display = ("email", "display_name", "tier", "is_staff", "is_active", "date_joined")
    list_filter = ("tier", "is_staff", "is_active", "groups")
    search_fields = ("email", "display_name")
    inlines = (TierChangeInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "timezone", "tier", "tier_change_reason")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    # Only a superuser may hand out superuser status, groups or permissions: staff who manage
    # users could otherwise grant themselves anything.
    PRIVILEGE_FIELDS = ("is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        return readonly + tuple(f for f in self.PRIVILEGE_FIELDS if f not in readonly)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def save_model(self, request, obj, form, change) -> None:
        if not (change and "tier" in form.changed_data):
            super().save_model(request, obj, form, change)
            return
        # The tier goes through the service, which records who changed it and why.
        new_tier = obj.tier
        obj.tier = form.initial["tier"]
        super().save_model(request, obj, form, change)
        services.change_tier(
            user=obj,
            new_tier=new_tier,
            changed_by=request.user,
            reason=form.cleaned_data["tier_change_reason"],
        )


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The tier history: read-only, since it is the record of what happened."""

    list_display = ("created_at", "user", "from_tier", "to_tier", "changed_by", "reason")
    list_filter = ("to_tier", "from_tier")
    search_fields = ("user__email", "changed_by__email", "reason")
    list_select_related = ("user", "changed_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")


@admin.register(TierPlan)
class TierPlanAdmin(admin.ModelAdmin):
    """What each tier costs and unlocks, as GET /tiers shows it. Which chapters need which tier
    is set on each chapter."""

    list_display = ("name", "price_usd_month", "unlocks_summary")
    ordering = ("price_usd_month",)

    def has_add_permission(self, request) -> bool:
        # One plan per tier, seeded by a migration; the tiers themselves are defined in code.
        return super().has_add_permission(request) and (
            TierPlan.objects.count() < len(TierPlan._meta.get_field("name").choices or ())
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Unlocks")
    def unlocks_summary(self, plan: TierPlan) -> str:
        return "; ".join(plan.unlock_list)


@admin.register(OAuthConnection)
class OAuthConnectionAdmin(admin.ModelAdmin):
    """Which students linked which app (ChatGPT), with what scopes. The tokens and grants
    themselves are under "Django OAuth Toolkit"; deleting a connection here does not revoke
    them: students disconnect with DELETE /api/v1/me/connections/{id}."""

    list_display = ("user", "application", "scope", "created_at", "last_used_at")
    list_filter = ("application",)
    search_fields = ("user__email", "application__name")
    list_select_related = ("user", "application")
    ordering = ("-created_at", "-id")
    readonly_fields = ("user", "application", "scope", "created_at", "last_used_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClientRegistration)
class ClientRegistrationAdmin(admin.ModelAdmin):
    """Every client that registered itself (RFC 7591: ChatGPT Apps, the MCP Inspector), from
    where and with what. Read-only, since it is the record; the client itself is under "Django
    OAuth Toolkit", where deleting it revokes everything it holds."""

    list_display = (
        "created_at",
        "client_name",
        "application",
        "token_endpoint_auth_method",
        "ip_address",
    )
    list_filter = ("token_endpoint_auth_method",)
    search_fields = ("client_name", "application__client_id", "ip_address", "redirect_uris")
    list_select_related = ("application",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
