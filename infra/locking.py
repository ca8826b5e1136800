"""Optimistic locking for the records two coders may edit at once (articles, enterprises).

Each row carries a `version`. A save of an existing row first moves the row on from the
version the editor read to the next one with one conditional UPDATE
(`WHERE id = … AND version = <read>`); if another save got there first the UPDATE matches
no row and the save raises VersionConflict instead of overwriting. On PostgreSQL the UPDATE
also locks the row, so of two saves racing on the same version exactly one wins.

The version an editor read travels with the edit: a hidden field in the admin's change
form, `version` or `If-Match` in the API. Whoever saves sets `instance.version` to it first.
"""

from contextlib import contextmanager

from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext, gettext_lazy as _


class VersionConflict(Exception):
    """The row changed since the editor read it. Says who changed it and when, if the history knows."""

    def __init__(self, instance, expected, current, changed_by=None, changed_at=None):
        self.model = type(instance)
        self.pk = instance.pk
        self.expected, self.current = expected, current
        self.changed_by, self.changed_at = changed_by, changed_at
        super().__init__(self.message())

    def message(self, reveal=True):
        """Without `reveal`, neither who changed the row nor when (for callers who may not change it)."""
        what = self.model._meta.verbose_name
        if self.current is None:
            return gettext("This %(what)s was deleted by someone else after you opened it. Nothing was saved.") % {"what": what}
        by = gettext(" by %(user)s") % {"user": self.changed_by} if self.changed_by and reveal else ""
        at = gettext(" at %(time)s UTC") % {"time": f"{self.changed_at:%Y-%m-%d %H:%M}"} if self.changed_at and reveal else ""
        return gettext(
            "This %(what)s was changed%(by)s%(at)s after you opened it (you edited version %(expected)s, "
            "it is now at version %(current)s). Nothing was saved: reload it to see their "
            "changes, then make yours again."
        ) % {"what": what, "by": by, "at": at, "expected": self.expected, "current": self.current}


def version_field():
    # db_default too: the corpus generator's COPY names its columns and leaves this one out.
    return models.PositiveIntegerField(
        default=1, db_default=1, editable=False, verbose_name=_("version"), help_text=_("Raised by one on every save; a save from an older version is refused")
    )


def stored_version(model, pk):
    """The version stored now; None if the row is gone."""
    return model._default_manager.filter(pk=pk).values_list("version", flat=True).first()


def latest_change(model, pk):
    """(current version, who saved it, when) from the row and its history; version None if the row is gone."""
    current = stored_version(model, pk)
    if current is None:
        return None, None, None
    record = (
        model.history.filter(id=pk, version=current)
        .select_related("history_user")
        .order_by("-history_id")
        .first()
    )
    if record is None:
        return current, None, None
    user = record.history_user
    return current, (user.get_username() if user else None), record.history_date


def conflict(instance, expected):
    current, changed_by, changed_at = latest_change(type(instance), instance.pk)
    return VersionConflict(instance, expected, current, changed_by, changed_at)


def check(instance, expected):
    """Raise VersionConflict now if the stored row is no longer at `expected`. Locks the row on
    PostgreSQL when called inside a transaction, so the save that follows cannot be overtaken."""
    model = type(instance)
    rows = model._default_manager.filter(pk=instance.pk)
    if transaction.get_connection(rows.db).in_atomic_block:
        rows = rows.select_for_update()
    current = rows.values_list("version", flat=True).first()
    if current != expected:
        raise conflict(instance, expected)


@contextmanager
def next_version(instance):
    """Wraps a model's save: claims the next version with a conditional UPDATE, then lets the
    save write the row (with history) in the same transaction."""
    if instance._state.adding or instance.pk is None:
        instance.version = 1
        yield
        return
    model, expected = type(instance), instance.version
    with transaction.atomic(using=instance._state.db):
        claimed = model._default_manager.filter(pk=instance.pk, version=expected).update(version=F("version") + 1)
        if not claimed:
            raise conflict(instance, expected)
        instance.version = expected + 1
        try:
            yield
        except BaseException:
            instance.version = expected
            raise


def touch(model, pks):
    """Record a change made around a row rather than to it (a claim written to an article from
    elsewhere, units moved to another complex): its version moves on, so an editor holding the
    old version cannot save over what they have not seen."""
    pks = {pk for pk in pks if pk is not None}
    if pks:
        model._default_manager.filter(pk__in=pks).update(version=F("version") + 1)
