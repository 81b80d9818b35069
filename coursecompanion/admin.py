"""Admin pieces every app's admin shares."""

from typing import Any

from django.db import models
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


class OrderedChildrenAdminMixin:
    """A ModelAdmin whose inline children (with an `order`) are saved through the app's service,
    so editors can swap or rotate positions: `children_model` names the inline's model, and
    `save_ordered_children` calls the service."""

    children_model: type[models.Model]

    def save_ordered_children(self, parent: Any, children: list[Any]) -> None:
        raise NotImplementedError

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not self.children_model:
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            return
        children = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        self.save_ordered_children(form.instance, children)
        formset.save_m2m()
