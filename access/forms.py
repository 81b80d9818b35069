"""The admin's sign-in form, limited by the same failed-login policy as POST /auth/token: the
same counters (per account and IP, per account, per IP), so failures on either count for both."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from access import ratelimits
from coursecompanion.errors import NotReady, RateLimited


class RateLimitedAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        email = self.cleaned_data.get("username") or ""
        try:
            ratelimits.refuse_login_while_limited(self.request, email=email)
        except RateLimited as limited:
            raise ValidationError(
                "Too many failed sign-ins. Try again in %(seconds)s seconds.",
                code="rate_limited",
                params={"seconds": limited.retry_after},
            ) from limited
        except NotReady as unavailable:
            raise ValidationError(
                "Sign-in is unavailable for a moment; try again shortly.",
                code="rate_limiter_unavailable",
            ) from unavailable
        try:
            return super().clean()
        except ValidationError as refused:
            # A wrong password, or an account that may not use the admin: a failed login.
            if refused.code == "invalid_login":
                ratelimits.record_failed_login(self.request, email=email)
            raise
