from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.responses import Status

from access import oauth, ratelimits, services
from access.auth import (
    bearer_auth,
    bearer_write_auth,
    request_credential,
    signed_in_user,
    tier_manager_auth,
)
from access.schemas import (
    AccessCheckIn,
    AccessCheckOut,
    ConnectionListOut,
    ProfileIn,
    RefreshIn,
    RegisterIn,
    RegisterOut,
    TierPlanListOut,
    TokenIn,
    TokenOut,
    UpgradeIn,
    UpgradeOut,
    UserOut,
    UserTierOut,
)
from coursecompanion import presenters
from coursecompanion.schemas import ObjectId, responses

router = Router(tags=["access"])


# --- accounts (public: no token needed, and none is looked at) -------------------------------


@router.post(
    "/auth/register",
    auth=None,
    response=responses(
        RegisterOut,
        "email_taken",
        "weak_password",
        "payload_too_large",
        "rate_limiter_unavailable",
        status=201,
    ),
    operation_id="register",
    summary="Create a student account and sign in",
)
def register(request: HttpRequest, payload: RegisterIn):
    ratelimits.limit_registration(request)
    user = services.register_user(
        email=payload.email,
        password=payload.password,
        display_name=payload.display_name,
        timezone=payload.timezone,
    )
    return Status(201, {"user": user, **services.issue_tokens(user=user)})


@router.post(
    "/auth/token",
    auth=None,
    response=responses(TokenOut, "invalid_credentials", "rate_limiter_unavailable"),
    operation_id="obtainToken",
    summary="Sign in with email and password for access and refresh tokens",
)
def obtain_token(request: HttpRequest, payload: TokenIn):
    # Refused while earlier failures hold a limit; only a failed login counts.
    with ratelimits.login_attempt(request, email=payload.email):
        user = services.log_in(request=request, email=payload.email, password=payload.password)
    return services.issue_tokens(user=user)


@router.post(
    "/auth/token/refresh",
    auth=None,
    response=responses(TokenOut, "invalid_token"),
    operation_id="refreshToken",
    summary="Trade a refresh token for new tokens (the old one stops working)",
)
def refresh_token(request: HttpRequest, payload: RefreshIn):
    return services.rotate_refresh_token(refresh=payload.refresh)


@router.post(
    "/auth/logout",
    auth=None,
    response=responses(None, "invalid_token", status=204),
    operation_id="logout",
    summary="Revoke a refresh token",
)
def logout(request: HttpRequest, payload: RefreshIn):
    services.revoke_refresh_token(refresh=payload.refresh)
    return Status(204, None)


@router.get(
    "/me",
    auth=bearer_auth,
    response=responses(UserOut, "not_authenticated"),
    operation_id="getMe",
    summary="The signed-in student's profile",
)
def get_me(request: HttpRequest):
    return presenters.profile(request_credential(request))


@router.patch(
    "/me",
    auth=bearer_write_auth,
    response=responses(UserOut, "not_authenticated"),
    operation_id="updateMe",
    summary="Change the signed-in student's display name or time zone",
)
def update_me(request: HttpRequest, payload: ProfileIn):
    return presenters.update_profile(
        request_credential(request), display_name=payload.display_name, timezone=payload.timezone
    )


@router.get(
    "/me/connections",
    auth=bearer_auth,
    response=responses(ConnectionListOut, "not_authenticated", "insufficient_scope"),
    operation_id="listConnections",
    summary="The apps connected to your account through OAuth (e.g. ChatGPT)",
)
def list_connections(request: HttpRequest):
    connections = oauth.list_connections(user=signed_in_user(request))
    items = [
        {
            "id": connection.pk,
            "name": connection.application.name,
            "scopes": connection.scopes,
            "created_at": connection.created_at,
            "last_used_at": connection.last_used_at,
        }
        for connection in connections
    ]
    return {"items": items, "count": len(items)}


@router.delete(
    "/me/connections/{connection_id}",
    auth=bearer_write_auth,
    response=responses(
        None, "not_authenticated", "insufficient_scope", "connection_not_found", status=204
    ),
    operation_id="deleteConnection",
    summary="Disconnect an app: its tokens stop working at once",
)
def delete_connection(request: HttpRequest, connection_id: Path[ObjectId]):
    oauth.revoke_connection(user=signed_in_user(request), connection_id=connection_id)
    return Status(204, None)


# --- tiers and access ------------------------------------------------------------------------


@router.get(
    "/tiers",
    response=responses(TierPlanListOut, "not_authenticated"),
    operation_id="listTiers",
    summary="The tiers, their prices and what each unlocks",
)
def list_tiers(request: HttpRequest):
    return presenters.tiers()


ACCESS_CHECK_ERRORS = (
    "not_authenticated",
    "invalid_resource",
    "unknown_resource_kind",
    "chapter_not_found",
    "section_not_found",
    "quiz_not_found",
)


@router.post(
    "/access/check",
    response=responses(AccessCheckOut, *ACCESS_CHECK_ERRORS),
    operation_id="checkAccess",
    summary="May the caller open a resource such as chapter:4 or quiz:2?",
)
def check_access(request: HttpRequest, payload: AccessCheckIn):
    return presenters.access_check(request_credential(request), resource=payload.resource)


@router.get(
    "/access/check",
    response=responses(AccessCheckOut, *ACCESS_CHECK_ERRORS),
    operation_id="checkAccessByQuery",
    summary="Same as POST /access/check, for clients that can only GET",
)
def check_access_by_query(request: HttpRequest, query: Query[AccessCheckIn]):
    return presenters.access_check(request_credential(request), resource=query.resource)


@router.get(
    "/user/{user_id}/tier",
    auth=bearer_auth,
    response=responses(UserTierOut, "not_authenticated", "user_not_found"),
    operation_id="getUserTier",
    summary="A user's tier and since when (your own, or anyone's for staff)",
)
def get_user_tier(
    request: HttpRequest,
    user_id: str = Path(..., pattern=r"^(me|[0-9]{1,18})$", examples=["me", "42"]),
):
    return presenters.user_tier(request_credential(request), user_id=user_id)


@router.post(
    "/access/upgrade",
    auth=tier_manager_auth,
    response=responses(UpgradeOut, "not_authenticated", "forbidden", "user_not_found"),
    operation_id="upgradeUserTier",
    summary="Staff only: move a user to another tier (recorded with who and why)",
)
def upgrade_user_tier(request: HttpRequest, payload: UpgradeIn):
    # tier_manager_auth already answered 403 to anyone else; the service checks again.
    return presenters.upgrade_tier(
        request_credential(request),
        user_id=payload.user_id,
        new_tier=payload.new_tier,
        reason=payload.reason,
    )
