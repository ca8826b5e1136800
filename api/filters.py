"""Filters of the API's lists. Every filter takes several values comma-separated
(`grade=special,1`); places, industries, activities and dates are read the way the import
reads them (resolve_place, resolve_industry, expand_activities, parse_partial_date), so a
researcher can write what a coder writes.

A value that cannot be read is an error (HTTP 400 naming the parameter, with candidates for
an unknown place), never an empty list. The parsing happens in the form fields, so
django-filter collects every error before anything is queried.
"""

import django_filters as filters
from django import forms
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field

from registry.codebook import Activity, Code, Grade, Tier, UnknownActivity, expand_activities
from registry.dates import BadDate, parse_partial_date, period_end
from registry.industries import IndustryLookupError, resolve_industry
from registry.models import (
    Article, Claim, Disclosure, Enterprise, EnterpriseKind, Industry, Location, LocationKind, Source,
    SourceKind, Status,
)
from registry.places import PlaceLookupError, describe_error, place_label, resolve_place
from registry.querysets import in_industries, inside_places


class CandidatesError(forms.ValidationError):
    """A validation error that carries the nearest places, for the JSON error body."""

    def __init__(self, message, candidates):
        super().__init__(message, code="unknown")
        self.candidates = candidates


def _pieces(value):
    return [piece.strip() for piece in value.split(",") if piece.strip()]


def _resolve_each(value, resolve):
    """Resolve comma-separated values, allowing a value that itself holds a comma ("Sinpo,
    South Hamgyong", an industry named "…(magnesite, graphite)"): two neighbouring pieces are
    tried together first, then the piece alone."""
    pieces, found, i = _pieces(value), [], 0
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


class ListField(forms.CharField):
    """Comma-separated values, each one of `choices`."""

    def __init__(self, *args, allowed=(), **kwargs):
        self.allowed = [str(c) for c in allowed]
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return []
        values = _pieces(value)
        unknown = [v for v in values if v not in self.allowed]
        if unknown:
            raise forms.ValidationError(
                f"unknown value {', '.join(map(repr, unknown))}; use one or more of: {', '.join(self.allowed)} (comma-separated)"
            )
        return values


class PlaceField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return []
        try:
            return _resolve_each(value, resolve_place)
        except PlaceLookupError as error:
            candidates = [{"slug": c.slug, "name": place_label(c), "kind": c.kind} for c in error.candidates]
            raise CandidatesError(describe_error(error), candidates) from None


class IndustryField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return []
        taxonomy = list(Industry.objects.select_related("parent"))
        try:
            return _resolve_each(value, lambda text: resolve_industry(text, taxonomy))
        except IndustryLookupError as error:
            raise forms.ValidationError(str(error)) from None


class ActivityField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return []
        try:
            return sorted(expand_activities(_pieces(value)))
        except UnknownActivity as error:
            raise forms.ValidationError(str(error)) from None


class PartialDateField(forms.CharField):
    """YYYY, YYYY-MM or YYYY-MM-DD; `end=True` reads it as the last day it covers, so
    `published_before=2019` includes all of 2019."""

    def __init__(self, *args, end=False, **kwargs):
        self.end = end
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return period_end(value) if self.end else parse_partial_date(value)[0]
        except BadDate as error:
            raise forms.ValidationError(f"{error} (got {value!r})") from None


class IdListField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return []
        pieces = _pieces(value)
        bad = [p for p in pieces if not p.isdigit() or len(p) > 18]
        if bad:
            raise forms.ValidationError(f"not an id: {', '.join(map(repr, bad))}; give numeric ids, comma-separated")
        return [int(p) for p in pieces]


class SourceField(forms.CharField):
    """Sources by short name or name (any case) or id."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return []
        sources = list(Source.objects.all())
        known = {}
        for source in sources:
            known.update({str(source.pk): source, source.short_name.lower(): source, source.name.lower(): source})
        pieces = _pieces(value)
        unknown = [p for p in pieces if p.lower() not in known]
        if unknown:
            raise forms.ValidationError(
                f"unknown source {', '.join(map(repr, unknown))}; use a short name: "
                + ", ".join(s.short_name for s in sources)
            )
        return [known[p.lower()] for p in pieces]


class CodeField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=5, **kwargs)


def _filter(field_class, help_text, schema=None, **field_kwargs):
    """A filter whose form field does the parsing; the FilterSet's `apply` uses the
    parsed values (several of them combine in one Claim.objects.matching call). In the
    OpenAPI schema it is a string (comma-separated values) unless `schema` says otherwise."""

    class ParsedFilter(filters.CharFilter):
        pass

    ParsedFilter.field_class = field_class
    if schema is not None:
        extend_schema_field(schema)(ParsedFilter)
    return ParsedFilter(help_text=help_text, **field_kwargs)


def _choices_help(text, choices):
    return f"{text} One or more of: {', '.join(str(c) for c in choices)}, comma-separated."


class StableOrderingFilter(filters.OrderingFilter):
    """Orders by the fields asked for, then by id, so pages never overlap."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            return qs.order_by(*qs.query.order_by, "pk")
        return qs


class MultiValueFilterSet(filters.FilterSet):
    """Applies the parsed values itself: the claim-level ones (activity, code, place,
    industry, grade, dates, …) go into one Claim.objects.matching() call, so a row matches
    when one of its claims meets all of them together."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.user = getattr(request, "user", None)

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        queryset = self.apply(queryset, data)
        ordering = self.filters.get("ordering")
        if ordering is not None:
            queryset = ordering.filter(queryset, data.get("ordering"))
        return queryset

    def claims_matching(self, data):
        return Claim.objects.visible_to(self.user).matching(
            activities=data.get("activity"),
            max_code=data.get("max_code"),
            source_kinds=data.get("source_kind"),
            places=data.get("place"),
            industries=data.get("industry"),
            grades=data.get("grade"),
            tiers=data.get("tier"),
            statuses=data.get("status"),
            start=data.get(self.start_param),
            end=data.get(self.end_param),
        )


CODE_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 5}
HELP = {
    "place": "Places by any name, spelling or slug (Chongjin, Ch'ŏngjin, 청진, chongjin; "
    "'Sinpo, South Hamgyong' for a name several places share); each includes everything inside it. "
    "An unknown place is a 400 listing candidates.",
    "industry": "Industries by name, slug or two-digit ISIC division (24); each includes its sub-industries.",
    "activity": "Activity groups (investment, technology, production, other) and/or activity slugs ("
    + ", ".join(Activity.values)
    + ").",
    "max_code": "Keep claims with a reliability code at or below this (1 = established fact … 5 = production claim).",
    "date": "YYYY, YYYY-MM or YYYY-MM-DD.",
    "q": "Search: enterprise names and aliases in any romanization or Hangul, article headlines and summaries "
    "(every word must appear).",
}


class EnterpriseFilter(MultiValueFilterSet):
    start_param, end_param = "seen_after", "seen_before"

    grade = _filter(ListField, _choices_help("Grades.", Grade.values), allowed=Grade.values)
    tier = _filter(ListField, _choices_help("Tiers.", Tier.values), allowed=Tier.values)
    kind = _filter(ListField, _choices_help("Kinds.", EnterpriseKind.values), allowed=EnterpriseKind.values)
    industry = _filter(IndustryField, HELP["industry"])
    place = _filter(PlaceField, HELP["place"])
    seen_after = _filter(PartialDateField, "Seen (a visible claim dated) on or after this date. " + HELP["date"])
    seen_before = _filter(PartialDateField, "Seen on or before this date (2019 means up to 2019-12-31). " + HELP["date"], end=True)
    activity = _filter(ActivityField, "With a claim of these activities. " + HELP["activity"])
    max_code = _filter(CodeField, "With a claim coded at or below this. " + HELP["max_code"], schema=CODE_SCHEMA)
    source_kind = _filter(ListField, _choices_help("With a claim from these kinds of source.", SourceKind.values), allowed=SourceKind.values)
    min_claims = _filter(forms.IntegerField, "At least this many claims (of those you may see).", schema={"type": "integer", "minimum": 0}, min_value=0)
    q = _filter(forms.CharField, HELP["q"])
    ordering = StableOrderingFilter(
        fields=["name", "grade", "claim_count", "first_seen", "last_seen", "id"],
        help_text="Sort by name, grade, claim_count, first_seen, last_seen or id; prefix '-' to reverse.",
    )

    class Meta:
        model = Enterprise
        fields = []

    def apply(self, qs, data):
        if data.get("grade"):
            qs = qs.filter(grade__in=data["grade"])
        if data.get("tier"):
            qs = qs.filter(tier__in=data["tier"])
        if data.get("kind"):
            qs = qs.filter(kind__in=data["kind"])
        if data.get("industry"):
            qs = qs.filter(in_industries(data["industry"]))
        if data.get("place"):
            qs = qs.filter(inside_places(data["place"], "location__"))
        evidence = {"activity", "max_code", "source_kind", "seen_after", "seen_before"}
        if any(data.get(name) not in (None, []) for name in evidence):
            claims = self.claims_matching({k: v for k, v in data.items() if k in evidence})
            qs = qs.filter(pk__in=claims.values("enterprise"))
        if data.get("min_claims") is not None:
            qs = qs.filter(claim_count__gte=data["min_claims"])
        if data.get("q"):
            qs = qs.search(data["q"])
        return qs


class ArticleFilter(MultiValueFilterSet):
    start_param, end_param = "published_after", "published_before"

    source = _filter(SourceField, "Sources by short name (KCNA, RS), name or id, comma-separated.")
    source_kind = _filter(ListField, _choices_help("Kinds of source.", SourceKind.values), allowed=SourceKind.values)
    published_after = _filter(PartialDateField, "Published on or after. " + HELP["date"])
    published_before = _filter(PartialDateField, "Published on or before (2019 means up to 2019-12-31). " + HELP["date"], end=True)
    status = _filter(ListField, _choices_help("Coding statuses.", Status.values), allowed=Status.values)
    disclosure = _filter(ListField, _choices_help("Disclosure levels (only those you may see).", Disclosure.values), allowed=Disclosure.values)
    max_code = _filter(CodeField, "With a claim coded at or below this. " + HELP["max_code"], schema=CODE_SCHEMA)
    activity = _filter(ActivityField, "With a claim of these activities. " + HELP["activity"])
    enterprise = _filter(IdListField, "With a claim about these enterprises (ids, comma-separated).")
    place = _filter(PlaceField, "With a claim about an enterprise in these places. " + HELP["place"])
    industry = _filter(IndustryField, "With a claim about an enterprise in these industries. " + HELP["industry"])
    grade = _filter(ListField, _choices_help("With a claim about an enterprise of these grades.", Grade.values), allowed=Grade.values)
    q = _filter(forms.CharField, HELP["q"])
    ordering = StableOrderingFilter(
        fields=["published", "title", "claim_count", "id"],
        help_text="Sort by published, title, claim_count or id; prefix '-' to reverse.",
    )

    class Meta:
        model = Article
        fields = []

    def apply(self, qs, data):
        qs = _source_filter(qs, data, "source")
        if data.get("source_kind"):
            qs = qs.filter(source__kind__in=data["source_kind"])
        if data.get("published_after"):
            qs = qs.filter(published__gte=data["published_after"])
        if data.get("published_before"):
            qs = qs.filter(published__lte=data["published_before"])
        if data.get("status"):
            qs = qs.filter(status__in=data["status"])
        if data.get("disclosure"):
            qs = qs.filter(disclosure__in=data["disclosure"])
        claim_level = {"max_code", "activity", "place", "industry", "grade", "enterprise"}
        if any(data.get(name) not in (None, []) for name in claim_level):
            claims = self.claims_matching({k: v for k, v in data.items() if k in claim_level})
            if data.get("enterprise"):
                claims = claims.filter(enterprise__in=data["enterprise"])
            qs = qs.filter(pk__in=claims.values("article"))
        if data.get("q"):
            # One IN over a UNION, not "IN (…) OR IN (…)": PostgreSQL hashes one subquery,
            # but re-ran the claims' one for every article when OR-ed (minutes at 500k).
            named = _enterprise_ids(Enterprise.objects.search(data["q"]))
            if named == []:
                # No enterprise is named: the text search alone, on the listed rows themselves
                # (no self-join to fetch each match twice).
                qs = qs.search(data["q"])
            else:
                found = Article.objects.search(data["q"]).order_by().values("pk")
                found = found.union(Claim.objects.filter(enterprise__in=named).order_by().values("article"))
                qs = qs.filter(pk__in=found)
        return qs


# Up to this many enterprises matched by name go into the SQL as a list of ids.
NAMED_IDS_INLINE = 2000


def _enterprise_ids(enterprises):
    """The ids as a list when there are few: PostgreSQL cannot estimate `name_key LIKE '%…%'`
    (it guesses half the table), and with the guess it scans all 1M claims instead of reading
    the few hundred enterprises' claims from registry_claim_ent_cover. Many: the subquery."""
    ids = list(enterprises.order_by().values_list("pk", flat=True)[: NAMED_IDS_INLINE + 1])
    return ids if len(ids) <= NAMED_IDS_INLINE else enterprises.values("pk")


def _source_filter(qs, data, prefix):
    if data.get("source"):
        qs = qs.filter(**{f"{prefix}__in": [s.pk for s in data["source"]]})
    return qs


class ClaimFilter(MultiValueFilterSet):
    start_param, end_param = "published_after", "published_before"

    activity = _filter(ActivityField, HELP["activity"])
    code = _filter(ListField, "Reliability codes, comma-separated (1-5).", allowed=Code.values)
    max_code = _filter(CodeField, HELP["max_code"], schema=CODE_SCHEMA)
    source = _filter(SourceField, "Sources by short name (KCNA, RS), name or id, comma-separated.")
    source_kind = _filter(ListField, _choices_help("Kinds of source.", SourceKind.values), allowed=SourceKind.values)
    published_after = _filter(PartialDateField, "Article published on or after. " + HELP["date"])
    published_before = _filter(PartialDateField, "Article published on or before (2019 means up to 2019-12-31). " + HELP["date"], end=True)
    status = _filter(ListField, _choices_help("Articles' coding statuses.", Status.values), allowed=Status.values)
    enterprise = _filter(IdListField, "Enterprises (ids, comma-separated).")
    article = _filter(IdListField, "Articles (ids, comma-separated).")
    place = _filter(PlaceField, HELP["place"])
    industry = _filter(IndustryField, HELP["industry"])
    grade = _filter(ListField, _choices_help("Enterprise grades.", Grade.values), allowed=Grade.values)
    tier = _filter(ListField, _choices_help("Enterprise tiers.", Tier.values), allowed=Tier.values)
    kind = _filter(ListField, _choices_help("Enterprise kinds.", EnterpriseKind.values), allowed=EnterpriseKind.values)
    q = _filter(forms.CharField, HELP["q"])
    ordering = StableOrderingFilter(
        fields=[("article__published", "published"), "code", "activity", ("enterprise__name", "enterprise"), "id"],
        help_text="Sort by published, code, activity, enterprise or id; prefix '-' to reverse.",
    )

    class Meta:
        model = Claim
        fields = []

    def apply(self, qs, data):
        matching = {
            "activity", "max_code", "source_kind", "place", "industry", "grade", "tier", "status",
            "published_after", "published_before",
        }
        if any(data.get(name) not in (None, []) for name in matching):
            # matching() filters the same queryset: no subquery needed for claims.
            qs = qs.matching(
                activities=data.get("activity"), max_code=data.get("max_code"),
                source_kinds=data.get("source_kind"), places=data.get("place"),
                industries=data.get("industry"), grades=data.get("grade"), tiers=data.get("tier"),
                statuses=data.get("status"), start=data.get("published_after"), end=data.get("published_before"),
            )
        if data.get("code"):
            qs = qs.filter(code__in=[int(c) for c in data["code"]])
        if data.get("kind"):
            qs = qs.filter(enterprise__kind__in=data["kind"])
        if data.get("enterprise"):
            qs = qs.filter(enterprise__in=data["enterprise"])
        if data.get("article"):
            qs = qs.filter(article__in=data["article"])
        qs = _source_filter(qs, data, "article__source")
        if data.get("q"):
            q = data["q"]
            qs = qs.filter(
                Q(enterprise__in=Enterprise.objects.search(q).values("pk"))
                | Q(article__in=Article.objects.search(q).values("pk"))
            )
        return qs


class PlaceFilter(MultiValueFilterSet):
    level = filters.NumberFilter(help_text="Administrative level: 1 province or city, 2 city/county/district, …")
    kind = _filter(ListField, _choices_help("Kinds of place.", LocationKind.values), allowed=LocationKind.values)
    within = _filter(PlaceField, "Places inside these places (themselves included). " + HELP["place"])
    q = _filter(forms.CharField, "Places known by a name that contains this, in any spelling.")

    class Meta:
        model = Location
        fields = []

    def apply(self, qs, data):
        if data.get("level") is not None:
            qs = qs.filter(level=data["level"])
        if data.get("kind"):
            qs = qs.filter(kind__in=data["kind"])
        if data.get("within"):
            qs = qs.filter(inside_places(data["within"]))
        if data.get("q"):
            qs = qs.named(data["q"])
        return qs


class IndustryFilter(MultiValueFilterSet):
    top_level = filters.BooleanFilter(help_text="true: top-level industries only; false: sub-industries only.")

    class Meta:
        model = Industry
        fields = []

    def apply(self, qs, data):
        if data.get("top_level") is not None:
            qs = qs.filter(parent__isnull=data["top_level"])
        return qs


class SourceFilter(MultiValueFilterSet):
    kind = _filter(ListField, _choices_help("Kinds of source.", SourceKind.values), allowed=SourceKind.values)

    class Meta:
        model = Source
        fields = []

    def apply(self, qs, data):
        if data.get("kind"):
            qs = qs.filter(kind__in=data["kind"])
        return qs
