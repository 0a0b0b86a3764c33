"""Deleting what users made (runs, reports…), saying first what goes with it and what stops it.

The preview walks the same relations Django's delete would (cascades, and PROTECT links that
refuse it), so a page can say "deleting this run also deletes 20 hotspots and 2 reduction
reports" or "plan 'June' uses its hotspots: delete the plan first" before anything changes.
Apps stay unaware of those above them: the relations are found at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.admin.utils import NestedObjects
from django.db import router, transaction
from django.db.models import Model


class DeletionRefused(Exception):
    """Something still depends on the object; the message names it."""


@dataclass(frozen=True)
class DeletionPreview:
    deleted: list[tuple[str, int]]  # (what, how many) going with the object
    blocked_by: list[str]  # what stops the deletion, named

    @property
    def allowed(self) -> bool:
        return not self.blocked_by


def _describe(obj: Model) -> str:
    return f"{obj._meta.verbose_name} “{obj}”"


def deletion_preview(obj: Model, *, shown: int = 5) -> DeletionPreview:
    collector = NestedObjects(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    deleted = sorted(
        (str(model._meta.verbose_name if len(objects) == 1 else model._meta.verbose_name_plural),
         len(objects))
        for model, objects in collector.model_objs.items()
        if model is not type(obj) and objects
    )  # fmt: skip
    protected = sorted(collector.protected, key=str)
    blocked = [_describe(p) for p in protected[:shown]]
    if len(protected) > shown:
        blocked.append(f"and {len(protected) - shown} more")
    return DeletionPreview(deleted=deleted, blocked_by=blocked)


@transaction.atomic
def object_delete(obj: Model) -> DeletionPreview:
    """Delete `obj` and what cascades with it, or refuse, naming what depends on it."""
    preview = deletion_preview(obj)
    if not preview.allowed:
        raise DeletionRefused(
            f"{_describe(obj).capitalize()} cannot be deleted while these depend on it: "
            f"{'; '.join(preview.blocked_by)}."
        )
    obj.delete()
    return preview
