"""The student's pages of the OAuth flow: sign in (or register), then consent. ChatGPT opens them
in the phone's browser; they are plain HTML forms (templates/oauth/), no script needed."""

from urllib.parse import urlencode, urlsplit

from django import forms
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from oauth2_provider import views as oauth_views
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.views import AuthorizationView

from access import ratelimits, services
from access.models import User
from coursecompanion.errors import DomainError, RateLimited


class SignInForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        max_length=1024, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class RegisterForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    display_name = forms.CharField(
        label="Your name (optional)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, and not a common password.",
    )
    # Filled in by the browser's own time zone (a one-line script) so streak days are the
    # student's days; UTC without script.
    timezone = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput())


def _next_url(request: HttpRequest) -> str:
    """Where to go after signing in: the authorization request that sent the student here, and
    never another site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, template, {"next": _next_url(request), **context}, status=status)
    retry_after = context.get("retry_after")
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _failure(error: DomainError) -> dict:
    return {
        "error_message": error.message,
        "retry_after": getattr(error, "retry_after", None),
    }


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Email and password, limited exactly like POST /auth/token (failed attempts only)."""
    template = "oauth/sign_in.html"
    if request.method == "GET":
        return _page(request, template, {"form": SignInForm()})
    form = SignInForm(request.POST)
    if not form.is_valid():
        return _page(request, template, {"form": form}, status=400)
    email = form.cleaned_data["email"]
    try:
        with ratelimits.login_attempt(request, email=email):
            user = services.log_in(
                request=request, email=email, password=form.cleaned_data["password"]
            )
    except RateLimited as error:
        return _page(request, template, {"form": form, **_failure(error)}, status=429)
    except DomainError as error:
        return _page(request, template, {"form": form, **_failure(error)}, status=error.status_code)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(_next_url(request))


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """A new student account, with the same rules as POST /auth/register, then signed in."""
    template = "oauth/register.html"
    if request.method == "GET":
        return _page(request, template, {"form": RegisterForm()})
    form = RegisterForm(request.POST)
    if not form.is_valid():
        return _page(request, template, {"form": form}, status=400)
    try:
        ratelimits.limit_registration(request)
        user = services.register_user(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            display_name=form.cleaned_data["display_name"],
            timezone=_known_zone(form.cleaned_data["timezone"]),
        )
    except DomainError as error:
        for field, messages in (error.details or {}).items():
            if field in form.fields:
                for message in messages:
                    form.add_error(field, message)
        context = {"form": form, **_failure(error)}
        if error.details and set(error.details) <= set(form.fields):
            context["error_message"] = "Please correct the fields below."
        return _page(request, template, context, status=error.status_code)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(_next_url(request))


def _known_zone(name: str) -> str:
    from access.models import iana_zone_names

    return name if name in iana_zone_names() else "UTC"


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """ "Not you?" on the consent page: sign out and start the sign-in again."""
    next_url = _next_url(request)
    logout(request)
    return HttpResponseRedirect(f"{reverse('oauth-sign-in')}?{urlencode({'next': next_url})}")


SELF_REGISTERED = Application.RegistrationSource.DCR


class ConsentView(AuthorizationView):
    """DOT's authorization endpoint with our consent page: it names the app and says what each
    scope allows, in the words of settings.OAUTH2_PROVIDER["SCOPES"]."""

    template_name = "oauth/consent.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["signed_in_as"] = user.email if isinstance(user, User) else ""
        application = context.get("application")
        if application is not None and application.registration_source == SELF_REGISTERED:
            # A self-registered client (RFC 7591) chose its own name: say where allowing it
            # sends the student, so a look-alike name cannot hide another site.
            context["returns_to"] = urlsplit(context.get("redirect_uri") or "").hostname
        return context


class TokenView(oauth_views.TokenView):
    """DOT's token endpoint. A replay racing the request it copies (the same refresh token or
    code sent twice at once) revokes the tokens just issued before DOT reads them back for its
    `app_authorized` signal: that is the replay protection working, and answers invalid_grant,
    not a 500."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().post(request, *args, **kwargs)
        except AccessToken.DoesNotExist:
            return JsonResponse(
                {
                    "error": "invalid_grant",
                    "error_description": "The grant was used twice; its tokens were revoked.",
                },
                status=400,
            )
