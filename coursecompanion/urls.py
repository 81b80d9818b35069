from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from oauth2_provider import views as oauth_views

from access import client_registration, oauth
from access import views as access_views
from access.forms import RateLimitedAdminAuthenticationForm
from chatgpt import views as chatgpt_views
from content.admin_preview import preview_view
from coursecompanion import admin_dashboard, views
from coursecompanion.api import api

admin.site.site_header = "Course Companion"
admin.site.site_title = "Course Companion admin"
# Failed admin logins count against the same limits as the API's (access/forms.py).
admin.site.login_form = RateLimitedAdminAuthenticationForm

# django-oauth-toolkit's endpoints we serve (no device flow, no OIDC, no application
# management pages), in its namespace so its views and metadata find each other.
oauth_urlpatterns = (
    [
        path("authorize/", access_views.ConsentView.as_view(), name="authorize"),
        path("token/", access_views.TokenView.as_view(), name="token"),
        path("revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
        path("introspect/", oauth_views.IntrospectTokenView.as_view(), name="introspect"),
        # RFC 7591 / 7592: MCP clients register themselves (access/client_registration.py).
        path(
            "register/", client_registration.ClientRegistrationView.as_view(), name="dcr-register"
        ),
        path(
            "register/<str:client_id>/",
            client_registration.ClientConfigurationView.as_view(),
            name="dcr-register-management",
        ),
    ],
    "oauth2_provider",
)

urlpatterns = [
    path("admin/preview/markdown/", preview_view, name="admin_markdown_preview"),
    path("admin/dashboard/", admin_dashboard.view, name="admin_dashboard"),
    path("admin/", admin.site.urls),
    path("api/v1/openapi-gpt.json", chatgpt_views.gpt_openapi, name="openapi-gpt"),
    path("api/v1/", api.urls),
    path("oauth/", include(oauth_urlpatterns)),
    path("oauth/sign-in/", access_views.sign_in, name="oauth-sign-in"),
    path("oauth/sign-up/", access_views.register, name="oauth-sign-up"),
    path("oauth/sign-out/", access_views.sign_out, name="oauth-sign-out"),
    path(
        ".well-known/oauth-authorization-server",
        oauth.authorization_server_metadata_view,
        name="oauth-server-metadata",
    ),
    # RFC 9728: for the whole API, and for the MCP server (the path-suffixed form).
    path(
        ".well-known/oauth-protected-resource",
        oauth.ProtectedResourceMetadataView.as_view(),
        name="oauth-protected-resource",
    ),
    path(
        ".well-known/oauth-protected-resource/mcp",
        oauth.ProtectedResourceMetadataView.as_view(),
        name="oauth-protected-resource-mcp",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("terms/", views.terms, name="terms"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
