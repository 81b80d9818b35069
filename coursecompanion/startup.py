"""Checks a web process runs once at start, so a broken deployment refuses to start with a clear
message instead of answering 500 on every request."""

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.exceptions import ImproperlyConfigured


def require_collected_static_files() -> None:
    """With a manifest storage (production), the manifest collectstatic writes must exist: without
    it every page that links a static file (the admin, the API docs) is a 500."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return
    if staticfiles_storage.read_manifest() is None:
        manifest = f"{settings.STATIC_ROOT}/{staticfiles_storage.manifest_name}"
        raise ImproperlyConfigured(
            f"Static files are not collected ({manifest} is missing): run "
            "`python manage.py collectstatic --noinput` before starting the web process "
            "(the Procfile's release step does)."
        )
