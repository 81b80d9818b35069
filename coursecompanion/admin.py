"""Admin pieces every app's admin shares."""

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Rows the admin shows but never lets anyone add, change or delete (records written by the
    services: tier history, attempts, progress). Works on ModelAdmins and inlines alike."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
