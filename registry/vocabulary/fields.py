"""The fields of the query vocabulary: the list syntax, the bounds, and one field per kind
of value (places, industries, activities, sources, ids, codes, dates, search words, choices).
registry/vocabulary/__init__.py names the parameters made of them."""

import datetime
import re

from django import forms
from django.utils.translation import gettext as _

from registry.method import codebook
from registry.method.dates import BadDate, parse_partial_date, period_end
from registry.places.industries import IndustryLookupError, resolve_industry
from ..models import Industry, Source
from registry.places.lookup import PlaceLookupError, describe_error, place_label, resolve_place

MAX_VALUES = 50
MAX_VALUE_CHARS = 200
MAX_Q_CHARS = 200
MAX_Q_WORDS = 20

LIST_HELP = "Comma-separated or repeated; ';' always separates."


class CandidatesError(forms.ValidationError):
    """A validation error that carries the nearest places, for the JSON error body."""

    def __init__(self, message, candidates):
        super().__init__(message, code="unknown")
        self.candidates = candidates


class ListInput(forms.TextInput):
    """Every value of a repeated parameter (?regions=a&regions=b), not only the last."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            values = data.getlist(name)
        else:
            value = data.get(name)
            values = value if isinstance(value, (list, tuple)) else [] if value is None else [value]
        return [str(v) for v in values if v is not None]


def split_values(raw):
    """The list syntax: [[piece, …] per ';'-separated or repeated part]."""
    raw = [raw] if isinstance(raw, str) else raw or []
    parts = [part for value in raw for part in str(value).split(";")]
    return [[p.strip() for p in part.split(",") if p.strip()] for part in parts if part.strip(" ,")]


def _pairing(pieces, resolve):
    """Resolve pieces, reading two neighbours as one value first ("Sinpo", "South Hamgyong"
    is one place; an industry named "…(magnesite, graphite)" is one industry)."""
    found, i = [], 0
    while i < len(pieces):
        if i + 1 < len(pieces):
            try:
                found.append(resolve(f"{pieces[i]}, {pieces[i + 1]}"))
                i += 2
                continue
            except ValueError:
                pass
        found.append(resolve(pieces[i]))
        i += 1
    return found


class ListField(forms.Field):
    """A list parameter. `claim` names the key it fills in a claim selection."""

    widget = ListInput
    pairs = False  # neighbouring pieces may form one value

    def __init__(self, *, claim=None, max_values=MAX_VALUES, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.claim, self.max_values = claim, max_values

    def to_python(self, value):
        parts = split_values(value)
        count = sum(len(part) for part in parts)
        if count > self.max_values:
            raise forms.ValidationError(
                _("%(count)s values; at most %(limit)s per parameter") % {"count": count, "limit": self.max_values}, code="limit")
        long = [p for part in parts for p in part if len(p) > MAX_VALUE_CHARS]
        if long:
            raise forms.ValidationError(_("a value longer than %(limit)s characters") % {"limit": MAX_VALUE_CHARS}, code="limit")
        found = []
        for part in parts:
            found.extend(_pairing(part, self.read_one) if self.pairs else [self.read_one(p) for p in part])
        return list(dict.fromkeys(found))

    def read_one(self, text):
        return text

    separator = ","  # between values, as the field gives them back (PlaceListField: ";")

    def as_text(self, values):
        return self.separator.join(self.text_of(v) for v in values)

    def text_of(self, value):
        return str(value)


class ChoiceListField(ListField):
    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.allowed = [str(c) for c in choices]

    def to_python(self, value):
        values = super().to_python(value)
        unknown = [v for v in values if v not in self.allowed]
        if unknown:
            raise forms.ValidationError(
                _("unknown value %(values)s: not one of %(allowed)s") % {"values": ", ".join(map(repr, unknown)), "allowed": ", ".join(self.allowed)})
        return values


class ActivityField(ListField):
    """Activity groups and slugs, kept as given (lower case); expand() turns them into slugs."""

    def to_python(self, value):
        values = [v.lower() for v in super().to_python(value)]
        try:
            codebook.expand_activities(values)
        except codebook.UnknownActivity as error:
            raise forms.ValidationError(str(error)) from None
        return values


class PlaceListField(ListField):
    """Places by any name, spelling or slug, each with everything inside it."""

    pairs = True
    separator = ";"  # "chongjin,north-hamgyong" would read as one place

    def read_one(self, text):
        return resolve_place(text)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except PlaceLookupError as error:
            candidates = [{"slug": c.slug, "name": place_label(c), "kind": c.kind} for c in error.candidates]
            raise CandidatesError(describe_error(error), candidates) from None

    def text_of(self, place):
        return place.slug


class IndustryListField(ListField):
    """Industries by name, slug or ISIC division, each with its sub-industries."""

    pairs = True

    def to_python(self, value):
        self._taxonomy = None
        try:
            return super().to_python(value)
        except IndustryLookupError as error:
            raise forms.ValidationError(str(error)) from None

    def read_one(self, text):
        if self._taxonomy is None:
            self._taxonomy = list(Industry.objects.select_related("parent"))
        return resolve_industry(text, self._taxonomy)

    def text_of(self, industry):
        return industry.slug


class SourceListField(ListField):
    """Sources by short name or name (any case) or id."""

    def to_python(self, value):
        pieces = super().to_python(value)
        if not pieces:
            return []
        sources = list(Source.objects.all())
        known = {}
        for source in sources:
            known.update({str(source.pk): source, source.short_name.lower(): source, source.name.lower(): source})
        unknown = [p for p in pieces if p.lower() not in known]
        if unknown:
            raise forms.ValidationError(
                _("unknown source %(values)s; use a short name: %(known)s")
                % {"values": ", ".join(map(repr, unknown)), "known": ", ".join(s.short_name for s in sources)})
        return list(dict.fromkeys(known[p.lower()] for p in pieces))

    def text_of(self, source):
        return source.short_name


class IdListField(ListField):
    def to_python(self, value):
        pieces = super().to_python(value)
        bad = [p for p in pieces if not p.isdigit() or len(p) > 18]
        if bad:
            raise forms.ValidationError(_("not an id: %(values)s; give numeric ids") % {"values": ", ".join(map(repr, bad))})
        return [int(p) for p in pieces]


class CodeField(forms.CharField):
    """A reliability code, 1 to 5."""

    def __init__(self, *, claim=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.claim = claim

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        if value not in {"1", "2", "3", "4", "5"}:
            raise forms.ValidationError(_("%(value)r is not a code from 1 to 5") % {"value": value})
        return int(value)


class PartialDateField(forms.CharField):
    """YYYY, YYYY-MM or YYYY-MM-DD; `end=True` reads it as the last day it covers, so
    `published_before=2019` includes all of 2019."""

    def __init__(self, *, end=False, claim=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.end, self.claim = end, claim

    def to_python(self, value):
        value = super().to_python(value)
        self.text = value  # per form: fields are copied for each bound form
        if not value:
            return None
        try:
            return period_end(value) if self.end else parse_partial_date(value)[0]
        except BadDate as error:
            raise forms.ValidationError(_("%(value)r is %(error)s") % {"value": value, "error": error}) from None

    def as_text(self, value):
        return self.text


class SearchField(forms.CharField):
    """Search words, bounded: every word becomes a condition in the SQL."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if len(value) > MAX_Q_CHARS:
            raise forms.ValidationError(_("%(count)s characters; at most %(limit)s") % {"count": len(value), "limit": MAX_Q_CHARS}, code="limit")
        words = len(re.findall(r"\w+", value))
        if words > MAX_Q_WORDS:
            raise forms.ValidationError(_("%(count)s words; at most %(limit)s") % {"count": words, "limit": MAX_Q_WORDS}, code="limit")
        return value


class OneOfField(forms.CharField):
    """One of a few words, any case; empty means `default`."""

    def __init__(self, choices, *, default="", **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.allowed, self.default = tuple(choices), default

    def to_python(self, value):
        value = super().to_python(value).lower() or self.default
        if value not in self.allowed and value != self.default:
            raise forms.ValidationError(_("%(value)r is not one of %(allowed)s") % {"value": value, "allowed": ", ".join(self.allowed)})
        return value


class YesNoField(forms.CharField):
    TRUE, FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = "1" if value is True else "" if value in (False, None) else super().to_python(value).lower()
        if value not in self.TRUE | self.FALSE:
            raise forms.ValidationError(_("%(value)r is not yes or no") % {"value": value})
        return value in self.TRUE

    def as_text(self, value):
        return "1"


class AsOfField(forms.CharField):
    """`as_of`: count every claim under what its enterprise was on one day ("today" or
    YYYY-MM-DD; YYYY and YYYY-MM mean their first day) instead of on the claim's own date
    (models/history.py). None: the method's dated rule."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        self.text = value
        if not value:
            return None
        if value.lower() == "today":
            return datetime.date.today()
        try:
            return parse_partial_date(value)[0]
        except BadDate as error:
            raise forms.ValidationError(_("%(value)r is %(error)s, or give today") % {"value": value, "error": error}) from None

    def as_text(self, value):
        return self.text
