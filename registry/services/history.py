"""An enterprise's attributes in time (registry/models/history.py): a period checked, saved
or deleted, and periods imported from CSV (import_history)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.enterprises.attribute_values import (
    AttributeValueError, enterprise_named, parse_end, parse_start, resolve_value
)
from registry.importing.rows import ImportFailed, RowError, parse_csv
from registry.method.codebook import EnterpriseKind, Grade
from registry.method.dates import BadDate
from registry.models import Article, Attribute, AttributePeriod, Enterprise
from registry.models.history import PLAIN_FIELD, VALUE_COLUMN
from registry.places.names import name_key
from registry.services.records import name_change, record_save


# ---- enterprises' attributes in time (registry/models/history.py) ------------------------

HISTORY_HEADER = ["enterprise", "field", "value", "valid_from", "valid_to", "evidence", "note"]
# A period's model fields -> the import_history column an error about them names.
_HISTORY_COLUMNS = {
    "enterprise": "enterprise", "attribute": "field", "value": "value", "location": "value", "parent": "value",
    "industry": "value", "valid_from": "valid_from", "valid_to": "valid_to", "article": "evidence", "source": "evidence",
    "note": "note", "__all__": "value",
}


def period_description(period):
    """"grade 1st grade (2015 – 2018-06)": a period as an overlap error names it (the
    labels' first words: "special", not "special (complexes, general enterprises)")."""
    return f"{period.attribute} {period.value_label().split(' (')[0]} ({period.period_label()})"


def history_check(period):
    """Raise ValidationError (by field) if `period` cannot be stored: a value that does not
    fit its attribute, an end before its start, no evidence, or an overlap with another
    period of the same attribute of the same enterprise (naming both periods). Reads only."""
    errors = {}
    attribute = period.attribute
    if attribute not in Attribute.values:
        raise ValidationError({"attribute": _("The field is one of: %(values)s.") % {"values": ", ".join(Attribute.values)}})
    column = VALUE_COLUMN[attribute]
    if attribute == Attribute.NAME and not (period.value or "").strip():
        errors["value"] = _("A name period needs the name.")
    elif attribute == Attribute.GRADE and period.value not in Grade.values:
        errors["value"] = _("%(value)r is not a grade; use one of %(values)s.") % {"value": period.value, "values": ", ".join(Grade.values)}
    elif attribute == Attribute.KIND and period.value not in EnterpriseKind.values:
        errors["value"] = _("%(value)r is not a kind; use one of %(values)s.") % {"value": period.value, "values": ", ".join(EnterpriseKind.values)}
    elif attribute == Attribute.PLACE and period.location_id is None:
        errors["value"] = _("A place period needs the place.")
    elif attribute == Attribute.PARENT and period.parent_id is not None and period.parent_id == period.enterprise_id:
        errors["value"] = _("An enterprise is not its own parent complex.")
    if period.valid_from and period.valid_to and period.valid_from > period.valid_to:
        errors["valid_to"] = _("The period ends (%(end)s) before it starts (%(start)s).") % {"end": period.valid_to, "start": period.valid_from}
    if period.article_id is None and not (period.source or "").strip():
        errors["article"] = _("Give the evidence: an article of the registry, or a source (a yearbook, a report).")
    if errors:
        raise ValidationError(errors)
    others = AttributePeriod.objects.filter(enterprise_id=period.enterprise_id, attribute=attribute)
    if column != "value":
        others = others.select_related(column)  # named in the message
    if period.pk is not None:
        others = others.exclude(pk=period.pk)
    if period.valid_to is not None:
        others = others.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=period.valid_to))
    if period.valid_from is not None:
        others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.valid_from))
    clash = others.order_by("valid_from", "pk").first()
    if clash is not None:
        raise ValidationError({"valid_from": _("%(period)s overlaps %(other)s; periods of one attribute may not overlap (leave a gap for unknown).")
                               % {"period": period_description(period), "other": period_description(clash)}})


def _covers(period, day):
    return (period.valid_from is None or period.valid_from <= day) and (period.valid_to is None or period.valid_to >= day)


@transaction.atomic
def history_save(*, period, user):
    """Create or change an attribute period as `user` (history_check first: nothing is
    written if it fails). A name period's name_key is set (search, the autocomplete, the
    import and the duplicate guard find past names by it). A period covering today (its end
    open or not yet passed) holds today's value: it is written to the enterprise's own field
    through record_save, so the plain fields stay "the value valid now"."""
    column = VALUE_COLUMN.get(period.attribute)
    for other in ("value", "location", "parent", "industry"):
        if column is not None and other != column:
            setattr(period, other if other == "value" else f"{other}_id", "" if other == "value" else None)
    if period.attribute == Attribute.NAME:
        period.value = period.value.strip()
    period.name_key = name_key(period.value) if period.attribute == Attribute.NAME else ""
    history_check(period)
    name_change(period, user)
    period.save()
    if _covers(period, timezone.localdate()):
        enterprise = Enterprise.objects.select_for_update().get(pk=period.enterprise_id)
        plain = PLAIN_FIELD[period.attribute]
        value = period.value if column == "value" else getattr(period, f"{column}_id")
        attname = plain if column == "value" else f"{plain}_id"
        if getattr(enterprise, attname) != value:
            setattr(enterprise, attname, value)
            record_save(instance=enterprise, user=user, reason=f"history: {period_description(period)}"[:100])
    return period


@transaction.atomic
def history_delete(*, period, user):
    """Delete an attribute period as `user`. The enterprise's own fields keep what they
    hold (today's value is changed on the enterprise, or by a period covering today)."""
    name_change(period, user)
    period.delete()


def history_import(*, data, user=None, dry_run=False):
    """Import attribute periods from CSV (HISTORY_HEADER: enterprise, field, value,
    valid_from, valid_to, evidence, note): all of them or none, every row through
    history_save (so a row overlapping another row of the file is named too).
    `evidence`: an article id of the registry (one `user` may see), or a free-text source.
    A row equal to a period already stored (the same enterprise, field, value and ends) is
    matched, not added: importing a file twice adds nothing. Returns {"rows", "created",
    "matched"}; raises ImportFailed naming each bad row's line and column."""
    rows = parse_csv(data, HISTORY_HEADER)
    errors, counts = [], {"rows": len(rows), "created": 0, "matched": 0}
    articles = Article.objects.all() if user is None else Article.objects.visible_to(user)
    with transaction.atomic():
        for line, row in rows:
            before = len(errors)

            def error(column, message, value=None):
                errors.append(RowError(line, column, row.get(column, "") if value is None else value, str(message)))

            enterprise = None
            if not row["enterprise"]:
                error("enterprise", _("required"))
            else:
                try:
                    enterprise = enterprise_named(row["enterprise"])
                except AttributeValueError as exc:
                    error("enterprise", exc)
            attribute = row["field"].lower()
            columns = {}
            try:
                columns = resolve_value(attribute, row["value"], enterprise=enterprise)
            except AttributeValueError as exc:
                error("field" if attribute not in VALUE_COLUMN else "value", exc)
            ends = {}
            for column, parse in (("valid_from", parse_start), ("valid_to", parse_end)):
                try:
                    ends[column], ends[f"{column}_precision"] = parse(row[column])
                except BadDate as exc:
                    error(column, exc)
            article, source = None, ""
            if row["evidence"].isdigit():
                article = articles.filter(pk=int(row["evidence"])).first()
                if article is None:
                    error("evidence", _("no article #%(id)s in the registry") % {"id": row["evidence"]})
            else:
                source = row["evidence"]
            if len(errors) > before:
                continue
            period = AttributePeriod(enterprise=enterprise, attribute=attribute, article=article, source=source, note=row["note"], **columns, **ends)
            same = AttributePeriod.objects.filter(
                enterprise=enterprise, attribute=attribute, valid_from=period.valid_from, valid_to=period.valid_to,
                **{VALUE_COLUMN[attribute]: columns[VALUE_COLUMN[attribute]]},
            )
            if same.exists():
                counts["matched"] += 1
                continue
            try:
                history_save(period=period, user=user)
            except ValidationError as exc:
                for field_name, messages in exc.message_dict.items():
                    for message in messages:
                        error(_HISTORY_COLUMNS.get(field_name, field_name), message)
                continue
            counts["created"] += 1
        if errors:
            transaction.set_rollback(True)
        elif dry_run:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.line))
    return counts
