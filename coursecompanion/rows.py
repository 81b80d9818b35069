"""Generic row helpers every app may use: renumbering children and idempotent saves."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import F, QuerySet

# Rows being renumbered are parked above any real position first, so swapping two positions
# never trips the unique (parent, order) constraints halfway through.
PARKING_OFFSET = 1_000_000


def park_positions(rows: QuerySet[Any]) -> None:
    """Move `rows` (models with an `order`) above every real position in one statement, so
    positions can then be swapped or rotated without tripping a unique (parent, order)
    constraint halfway through. Used by every app that renumbers children."""
    rows.update(order=F("pk") + PARKING_OFFSET)


@transaction.atomic
def save_children(*, parent: models.Model, field_name: str, children: Iterable[Any]) -> None:
    """Save a parent's edited children (models with an `order` and a foreign key `field_name`
    to the parent), allowing their positions to be swapped or rotated."""
    children = list(children)
    if not children:
        return
    model = type(children[0])
    existing = [child.pk for child in children if child.pk]
    park_positions(model.objects.filter(**{field_name: parent}, pk__in=existing))
    for child in children:
        setattr(child, field_name, parent)
        child.save()


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def counts(self, *, write: bool) -> str:
        verb = "" if write else "would be "
        return (
            f"{len(self.created)} {verb}created, {len(self.updated)} {verb}updated, "
            f"{len(self.deleted)} {verb}deleted, {self.unchanged} unchanged"
        )


def save_if_changed(
    instance: Any, values: dict[str, Any], report: ImportReport, label: str
) -> None:
    """Save `instance` with `values` only if something differs, so a re-import is a no-op
    (importers of other apps use it too)."""
    is_new = instance.pk is None
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if is_new or changed:
        instance.full_clean(validate_constraints=False)
        instance.save()
        (report.created if is_new else report.updated).append(label)
    else:
        report.unchanged += 1
