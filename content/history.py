"""History of editors' changes with django-reversion: who changed what and when, a readable
diff between two versions, and a one-click revert.

A revert never replays stored rows behind the services' back: it copies the old values onto
the live objects and saves them through the same service an editor's save uses (sections,
questions, media), so the cache is bumped and the search index follows. It runs inside a new
revision, so a revert is itself a version that can be reverted. A tracked parent's children
are restored exactly: children added since are deleted, removed ones are recreated with their
old ids."""

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from reversion.models import Version

# Bookkeeping columns: changing with every save, they would only add noise to a diff.
UNDIFFED = {"id", "created_at", "updated_at"}


@dataclass(frozen=True)
class Tracked:
    model: type[Any]
    # (child model, the child's foreign key attname, how children are ordered)
    children: tuple[type[Any], str, str] | None
    # save(instance, children) -> None: the service that writes the parent and its children
    save: Callable[[Any, list[Any]], None]
    fields: tuple[str, ...] | None = None


TRACKED: dict[type[Any], Tracked] = {}


def _plain_save(instance: models.Model, children: list[models.Model]) -> None:
    instance.save()


def track(
    model: type[Any],
    *,
    children: tuple[type[Any], str, str] | None = None,
    related_name: str | None = None,
    parent_name: str | None = None,
    save: Callable[[Any, list[Any]], None] = _plain_save,
    fields: tuple[str, ...] | None = None,
) -> None:
    """Keep versions of `model` (with its `children`, followed through `related_name`)."""
    if reversion.is_registered(model):
        return
    reversion.register(model, fields=fields, follow=(related_name,) if related_name else ())
    if children is not None:
        # A child edited on its own page also records its parent, so the parent's history
        # holds every state of its children.
        reversion.register(children[0], follow=(parent_name,) if parent_name else ())
    TRACKED[model] = Tracked(model=model, children=children, save=save, fields=fields)


def versions_of(instance_or_model, object_id=None):
    model = instance_or_model if object_id is not None else type(instance_or_model)
    object_id = object_id if object_id is not None else instance_or_model.pk
    return (
        Version.objects.get_for_object_reference(model, object_id)
        .select_related("revision", "revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def _child_versions(version: Version, tracked: Tracked) -> list[Version]:
    if tracked.children is None:
        return []
    child_model, foreign_key, _ = tracked.children
    content_type = ContentType.objects.get_for_model(child_model)
    parent_id = int(version.object_id)
    return [
        child
        for child in version.revision.version_set.filter(content_type=content_type)
        if child.field_dict.get(foreign_key) == parent_id
    ]


def _fields_of(instance: models.Model, tracked: Tracked) -> dict[str, Any]:
    names = tracked.fields
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if names is None or field.name in names or field.attname in names
    }


def _apply(instance: models.Model, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name not in UNDIFFED:
            setattr(instance, name, value)


@dataclass(frozen=True)
class Snapshot:
    fields: dict[str, Any]
    children: list[dict[str, Any]]


def version_snapshot(version: Version) -> Snapshot:
    tracked = TRACKED[version._model]
    children = []
    if tracked.children:
        order = tracked.children[2]
        children = sorted(
            (child.field_dict for child in _child_versions(version, tracked)),
            key=lambda values: (values.get(order) or 0, values.get("id") or 0),
        )
    return Snapshot(fields=version.field_dict, children=children)


def current_snapshot(instance: models.Model) -> Snapshot:
    tracked = TRACKED[type(instance)]
    children = []
    if tracked.children:
        child_model, foreign_key, order = tracked.children
        rows = child_model.objects.filter(**{foreign_key: instance.pk}).order_by(order, "pk")
        children = [
            {f.attname: getattr(row, f.attname) for f in child_model._meta.concrete_fields}
            for row in rows
        ]
    return Snapshot(fields=_fields_of(instance, tracked), children=children)


def _lines(values: dict[str, Any], skip: Iterable[str] = ()) -> list[str]:
    lines = []
    for name, value in values.items():
        if name in UNDIFFED or name in skip:
            continue
        text = "" if value is None else str(value)
        if "\n" in text:
            lines.append(f"{name}:")
            lines.extend(f"    {line}" for line in text.splitlines())
        else:
            lines.append(f"{name}: {text}")
    return lines


def snapshot_lines(snapshot: Snapshot, model: type[Any]) -> list[str]:
    lines = _lines(snapshot.fields)
    tracked = TRACKED[model]
    if tracked.children:
        child_model, foreign_key, order = tracked.children
        label = str(child_model._meta.verbose_name).capitalize()
        for child in snapshot.children:
            lines.append("")
            lines.append(f"── {label} {child.get(order)} (id {child.get('id')}) ──")
            lines.extend(_lines(child, skip=(foreign_key, order)))
    return lines


def diff_table(old: Snapshot, new: Snapshot, model, *, old_label: str, new_label: str) -> str:
    """A side-by-side HTML table of the changed lines with context; difflib escapes the text."""
    return difflib.HtmlDiff(wrapcolumn=72).make_table(
        snapshot_lines(old, model),
        snapshot_lines(new, model),
        fromdesc=old_label,
        todesc=new_label,
        context=True,
        numlines=3,  # enough to keep the "── Section n ──" line above a change
    )


def previous_version(version: Version) -> Version | None:
    return (
        Version.objects.get_for_object_reference(version._model, version.object_id)
        .filter(pk__lt=version.pk)
        .select_related("revision", "revision__user")
        .order_by("-pk")
        .first()
    )


def revert(version: Version, *, user) -> models.Model:
    """Make the object (and its children) what `version` recorded, through its services, as a
    new version. Raises django's IntegrityError when an old position or name is now taken."""
    tracked = TRACKED[version._model]
    model = tracked.model
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(
            f"Reverted to the version of {version.revision.date_created:%Y-%m-%d %H:%M:%S} UTC."
        )
        instance = model.objects.filter(pk=version.object_id).first() or model(pk=version.object_id)
        _apply(instance, version.field_dict)
        children: list[models.Model] = []
        if tracked.children:
            child_model, foreign_key, _ = tracked.children
            old = {
                int(child.object_id): child.field_dict
                for child in _child_versions(version, tracked)
            }
            child_model.objects.filter(**{foreign_key: instance.pk}).exclude(pk__in=old).delete()
            live = child_model.objects.in_bulk(list(old))
            for child_id, values in old.items():
                child = live.get(child_id) or child_model(pk=child_id)
                _apply(child, values)
                children.append(child)
        tracked.save(instance, children)
        reversion.add_to_revision(instance)
    return instance
