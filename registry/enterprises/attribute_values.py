"""What a coder types for an enterprise's attribute in time, read into the attribute's value.

One reader for every door that enters history (the admin's timeline, `import_history`): a
name as written; a grade by its slug or label ("special", "1", "1st grade", "local"); a kind
by its slug or label; a place in any spelling the place tree knows (places.resolve_place); a
parent complex by any of its names, past names included (import_matching.enterprises_named,
the import's own matching); an industry by name, slug or ISIC division
(industries.resolve_industry). And the two ends of a period as partial dates (dates.py): a
start "2019" is 1 January 2019, an end "2019" is 31 December 2019.
"""

import unicodedata

from django.utils.translation import gettext as _

from registry.method.codebook import EnterpriseKind, Grade
from registry.method.dates import BadDate, parse_partial_date, period_end
from registry.places.industries import IndustryLookupError, resolve_industry
from registry.models import Attribute, Enterprise
from registry.models.history import VALUE_COLUMN
from registry.places.names import name_key
from registry.places.lookup import PlaceLookupError, describe_error, resolve_place
from registry.importing.matching import enterprises_named

# "none": a parent or industry period saying the enterprise had none (an independent unit).
NONE_WORDS = frozenset({"", "none", "-", "—"})


class AttributeValueError(ValueError):
    """A value that does not fit its attribute; the message is fit to show a coder."""


def _choice(choices, text, what):
    key = name_key(text)
    for value, label in choices.choices:
        if key in (name_key(value), name_key(label), name_key(str(label).split(" (")[0])):
            return value
    # "1st", "first": the grade's number is its slug.
    if choices is Grade:
        for value in Grade.values:
            if key in (f"{value}st", f"{value}nd", f"{value}rd", f"{value}th", f"{value}stgrade", f"{value}ndgrade", f"{value}rdgrade", f"{value}thgrade"):
                return value
    raise AttributeValueError(_("unknown %(what)s %(text)r; use one of %(values)s") % {"what": what, "text": text, "values": ", ".join(choices.values)})


def enterprise_named(text, *, exclude=None):
    """The one enterprise a name means (current name, Hangul, alias or past name), else
    AttributeValueError naming the trouble. `exclude`: an enterprise that may not be meant (itself)."""
    key = name_key(text)
    found = {pk: e for pk, e in enterprises_named([key]).get(key, {}).items() if pk != exclude}
    if not found:
        raise AttributeValueError(_("no enterprise is called %(text)r") % {"text": text})
    if len(found) > 1:
        names = " or ".join(sorted(f"{e.name!r} (#{e.pk})" for e in found.values()))
        raise AttributeValueError(_("ambiguous: %(text)r names %(names)s; use the canonical name") % {"text": text, "names": names})
    return next(iter(found.values()))


def resolve_value(attribute, text, *, enterprise=None):
    """{column: value} for an attribute's text (the columns of models.history.VALUE_COLUMN),
    or AttributeValueError with a message naming what is wrong. `enterprise`: whose period it is (a
    complex is not its own parent)."""
    text = unicodedata.normalize("NFC", (text or "").strip())
    if attribute not in Attribute.values:
        raise AttributeValueError(_("unknown field %(text)r; use one of %(values)s") % {"text": attribute, "values": ", ".join(Attribute.values)})
    column = VALUE_COLUMN[attribute]
    if attribute == Attribute.NAME:
        if not text:
            raise AttributeValueError(_("a name is required"))
        return {"value": text}
    if attribute == Attribute.GRADE:
        return {"value": _choice(Grade, text, _("grade"))}
    if attribute == Attribute.KIND:
        return {"value": _choice(EnterpriseKind, text, _("kind"))}
    if attribute == Attribute.PLACE:
        try:
            return {column: resolve_place(text)}
        except PlaceLookupError as exc:
            raise AttributeValueError(describe_error(exc)) from None
    if text.lower() in NONE_WORDS:
        return {column: None}
    if attribute == Attribute.INDUSTRY:
        try:
            return {column: resolve_industry(text)}
        except IndustryLookupError as exc:
            raise AttributeValueError(str(exc)) from None
    return {column: enterprise_named(text, exclude=getattr(enterprise, "pk", enterprise))}


def value_text(period):
    """The text that resolve_value reads back into the period's value (a form's initial)."""
    column = VALUE_COLUMN[period.attribute]
    if column == "value":
        return period.value
    target = getattr(period, column)
    if target is None:
        return "none" if period.attribute != Attribute.PLACE else ""
    if isinstance(target, Enterprise):
        return target.name
    return str(target) if period.attribute == Attribute.PLACE else target.name


def parse_start(text):
    """(first day, precision) of a period's start written as a partial date; (None, "") if blank."""
    text = (text or "").strip()
    if not text:
        return None, ""
    return parse_partial_date(text)


def parse_end(text):
    """(last day, precision) of a period's end: "2019" ends on 2019-12-31, "2019-06" on 2019-06-30."""
    text = (text or "").strip()
    if not text:
        return None, ""
    return period_end(text), parse_partial_date(text)[1]


__all__ = ["BadDate", "AttributeValueError", "enterprise_named", "parse_end", "parse_start", "resolve_value", "value_text"]
