from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from coursecompanion import views
from coursecompanion.api import api

admin.site.site_header = "Course Companion"
admin.site.site_title = "Course Companion admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # RFC 9728: for the whole API, and for the MCP server at /mcp (the path-suffixed form).
    path(
        ".well-known/oauth-protected-resource",
        views.protected_resource_metadata,
        name="oauth-protected-resource",
    ),
    path(
        ".well-known/oauth-protected-resource/mcp",
        views.protected_resource_metadata,
        {"resource_path": "/mcp"},
        name="oauth-protected-resource-mcp",
    ),
    path("", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
