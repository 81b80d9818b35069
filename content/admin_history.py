"""History pages for tracked models in the admin (content/history.py does the work): the list
of versions with who and when, a diff of any version against the one before it or against
now, and a revert button."""

from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from reversion.admin import VersionAdmin
from reversion.models import Version

from content import history


class HistoryAdmin(VersionAdmin):
    object_history_template = "admin/history/object_history.html"

    def _url_name(self, view: str) -> str:
        opts = self.model._meta
        return f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}"

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/history/<int:version_id>/diff/",
                wrap(self.diff_view),
                name=f"{name}_diff",
            ),
            path(
                "<path:object_id>/history/<int:version_id>/revert/",
                wrap(require_POST(self.revert_view)),
                name=f"{name}_revert",
            ),
            *super().get_urls(),
        ]

    def _version(self, request, object_id: str, version_id: int) -> tuple[Any, Version]:
        instance = self.get_object(request, unquote(object_id))
        if instance is None:
            raise Http404("No such object.")
        version = get_object_or_404(history.versions_of(instance), pk=version_id)
        return instance, version

    def history_view(self, request, object_id, extra_context=None):
        instance = self.get_object(request, unquote(object_id))
        if instance is None:
            raise Http404("No such object.")
        if not self.has_view_or_change_permission(request, instance):
            raise PermissionDenied
        versions = list(history.versions_of(instance))
        rows = [
            {
                "version": version,
                "diff_url": reverse(self._url_name("diff"), args=[instance.pk, version.pk]),
                "revert_url": reverse(self._url_name("revert"), args=[instance.pk, version.pk]),
                "is_current": index == 0,
                "has_previous": index + 1 < len(versions),
            }
            for index, version in enumerate(versions)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "object": instance,
            "title": f"History: {instance}",
            "rows": rows,
            "can_revert": self.has_change_permission(request, instance),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)

    def diff_view(self, request, object_id, version_id: int):
        instance, version = self._version(request, object_id, version_id)
        if not self.has_view_or_change_permission(request, instance):
            raise PermissionDenied
        against = request.GET.get("against", "previous")
        new_label = f"{version.revision.date_created:%Y-%m-%d %H:%M:%S}"
        if against == "current":
            old, new = history.version_snapshot(version), history.current_snapshot(instance)
            old_label, new_label = new_label, "Now"
        else:
            previous = history.previous_version(version)
            new = history.version_snapshot(version)
            old = history.version_snapshot(previous) if previous else history.Snapshot({}, [])
            old_label = (
                f"{previous.revision.date_created:%Y-%m-%d %H:%M:%S}" if previous else "(nothing)"
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "object": instance,
            "version": version,
            "against": against,
            "title": f"Changes: {instance}",
            "diff": mark_safe(  # noqa: S308  difflib.HtmlDiff escapes the compared text
                history.diff_table(old, new, self.model, old_label=old_label, new_label=new_label)
            ),
            "revert_url": reverse(self._url_name("revert"), args=[instance.pk, version.pk]),
            "history_url": reverse(self._url_name("history"), args=[instance.pk]),
            "can_revert": self.has_change_permission(request, instance),
            "is_current": history.versions_of(instance).values_list("pk", flat=True).first()
            == version.pk,
        }
        return TemplateResponse(request, "admin/history/diff.html", context)

    def revert_view(self, request, object_id, version_id: int):
        instance, version = self._version(request, object_id, version_id)
        if not self.has_change_permission(request, instance):
            raise PermissionDenied
        try:
            history.revert(version, user=request.user)
        except IntegrityError:
            self.message_user(
                request,
                "Could not revert: another row now holds one of this version's positions or "
                "names. Move it first, then revert again.",
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                f"Reverted to the version of {version.revision.date_created:%Y-%m-%d %H:%M:%S}. "
                "The revert is itself a new version.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse(self._url_name("history"), args=[instance.pk]))
