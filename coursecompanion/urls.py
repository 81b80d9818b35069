from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from content.admin_preview import preview_view
from coursecompanion import admin_dashboard, views
from coursecompanion.api import api

admin.site.site_header = "Course Companion"
admin.site.site_title = "Course Companion admin"

urlpatterns = [
    path("admin/preview/markdown/", preview_view, name="admin_markdown_preview"),
    path("admin/dashboard/", admin_dashboard.view, name="admin_dashboard"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
