"""Filters of the API's lists, each declared once from the query vocabulary
(registry/vocabulary.py): the vocabulary's field parses and bounds the value, the filter's
`field_name`/`lookup_expr` or `method` applies it to the listed rows. Filters that are about
claims (`claim=`: activity, max_code, source kind, dates…) are applied together, in one
claim selection, by QuestionFilterSet: a row matches when one of its claims meets all of them.

A value that cannot be read is an error (HTTP 400 naming the parameter, with candidates for
an unknown place); so is a parameter the list does not know.
"""

import django_filters as filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from registry import vocabulary
from registry.models import Article, Claim, Enterprise, Industry, Location, Source
from registry.access.visibility import in_industries, inside_places

# Parameters every list knows besides its filters.
LIST_PARAMETERS = (*vocabulary.DOWNLOAD_PARAMETERS, "page", "page_size", "facets")


class Param(filters.CharFilter):
    """A filter whose form field is the vocabulary's parameter `vocab` (default: the
    filter's own name). `claim=False` makes a claim filter apply to the listed rows' own
    field instead."""

    def __init__(self, *args, vocab=None, claim=None, help_text=None, **kwargs):
        self.vocab, self.claim_override, self.help = vocab, claim, help_text
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        if not hasattr(self, "_field"):
            changes = {"label": self.label}
            if self.help:
                changes["help_text"] = self.help
            if self.claim_override is False:
                changes["claim"] = None
            self._field = vocabulary.parameter(self.vocab or self.field_name, **changes)
        return self._field

    @property
    def extra(self):
        # The schema generator reads the description here (known once the filter is named).
        if (self.vocab or self.field_name) is None:
            return self._extra
        return {**self._extra, "help_text": self.field.help_text}

    @extra.setter
    def extra(self, value):
        self._extra = {"required": False, **value}

    def filter(self, qs, value):
        if getattr(self.field, "claim", None):
            return qs  # applied with the other claim filters, in one selection
        return super().filter(qs, value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 5})
class CodeParam(Param):
    pass


class WholeNumberFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class StableOrderingFilter(filters.OrderingFilter):
    """Orders by the fields asked for, then by id, so pages never overlap."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            return qs.order_by(*qs.query.order_by, "pk")
        return qs


class QuestionFilterSet(filters.FilterSet):
    """Applies each filter's own lookup, then the claim filters together: through the
    claims the user may see, linked to the listed rows by `claim_link` (None: the rows are
    claims)."""

    claim_link = None

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.user = getattr(request, "user", None)

    def accepted(self):
        return [*self.filters, *LIST_PARAMETERS]

    def claim_selection(self):
        return vocabulary.claim_selection(self.form.fields, self.form.cleaned_data)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        selection = self.claim_selection()
        if not selection:
            return queryset
        if self.claim_link is None:
            return vocabulary.select_claims(queryset, selection)
        claims = vocabulary.select_claims(Claim.objects.visible_to(self.user), selection)
        return queryset.filter(pk__in=claims.values(self.claim_link))

    # Methods the filters name: places and industries with everything inside them. `name`
    # is the filter's field: the place's `path` itself, or a relation holding a place.
    def in_places(self, qs, name, value):
        return qs.filter(inside_places(value, "" if name == "path" else f"{name}__"))

    def in_industries(self, qs, name, value):
        return qs.filter(in_industries(value, name.removesuffix("industry")))

    def search(self, qs, name, value):
        return qs.search(value)


class EnterpriseFilter(QuestionFilterSet):
    claim_link = "enterprise"

    grade = Param("grade", lookup_expr="in", claim=False)
    tier = Param("tier", lookup_expr="in", claim=False)
    kind = Param("kind", lookup_expr="in", claim=False)
    industry = Param("industry", method="in_industries", claim=False)
    place = Param("location", vocab="place", method="in_places", claim=False)
    seen_after = Param(vocab="start", help_text="Seen (a visible claim dated) on or after this date. " + vocabulary.HELP["date"])
    seen_before = Param(vocab="end", help_text="Seen on or before this date (2019 means up to 2019-12-31). " + vocabulary.HELP["date"])
    activity = Param(help_text="With a claim of these activities. " + vocabulary.HELP["activity"])
    max_code = CodeParam(help_text="With a claim coded at or below this. " + vocabulary.HELP["max_code"])
    source_kind = Param(help_text="With a claim from these kinds of source.")
    status = Param(help_text="With a claim in an article of these coding statuses.")
    min_claims = WholeNumberFilter("claim_count", lookup_expr="gte", min_value=0,
                                      help_text="At least this many claims (of those you may see).")
    q = Param(method="search", help_text="Enterprise names and aliases in any romanization or Hangul. " + vocabulary.HELP["q"])
    ordering = StableOrderingFilter(
        fields=["name", "grade", "claim_count", "first_seen", "last_seen", "id"],
        help_text="Sort by name, grade, claim_count, first_seen, last_seen or id; prefix '-' to reverse.",
    )

    class Meta:
        model = Enterprise
        fields = []


class ArticleFilter(QuestionFilterSet):
    claim_link = "article"

    source = Param("source", lookup_expr="in", claim=False)
    source_kind = Param("source__kind", vocab="source_kind", lookup_expr="in", claim=False)
    published_after = Param("published", vocab="start", lookup_expr="gte", claim=False, help_text="Published on or after. " + vocabulary.HELP["date"])
    published_before = Param("published", vocab="end", lookup_expr="lte", claim=False, help_text="Published on or before (2019 means up to 2019-12-31). " + vocabulary.HELP["date"])
    status = Param("status", lookup_expr="in", claim=False)
    disclosure = Param("disclosure", lookup_expr="in")
    max_code = CodeParam(help_text="With a claim coded at or below this. " + vocabulary.HELP["max_code"])
    activity = Param(help_text="With a claim of these activities. " + vocabulary.HELP["activity"])
    enterprise = Param(help_text="With a claim about these enterprises (ids).")
    place = Param(help_text="With a claim about an enterprise in these places. " + vocabulary.HELP["place"])
    industry = Param(help_text="With a claim about an enterprise in these industries. " + vocabulary.HELP["industry"])
    grade = Param(help_text="With a claim about an enterprise of these grades.")
    q = Param(method="search_with_enterprises", help_text="Headlines and summaries, or a claim about an enterprise so named. " + vocabulary.HELP["q"])
    ordering = StableOrderingFilter(
        fields=["published", "title", "claim_count", "id"],
        help_text="Sort by published, title, claim_count or id; prefix '-' to reverse.",
    )

    class Meta:
        model = Article
        fields = []

    def search_with_enterprises(self, qs, name, value):
        # The articles' own words through the search index, or a claim about an enterprise
        # the enterprise search finds (one definition, EnterpriseQuerySet.search), the few
        # enterprises inlined as ids (_enterprise_ids). Best matches first unless `ordering`
        # asks otherwise (it is applied after this: then nothing is ranked, and a broad
        # search keeps the index's plan).
        return qs.search_as(self.user, value, ranked=not self.form.cleaned_data.get("ordering"), named=_enterprise_ids)


# Up to this many enterprises matched by name go into the SQL as a list of ids.
NAMED_IDS_INLINE = 2000


def _enterprise_ids(enterprises):
    """The ids as a list when there are few: PostgreSQL cannot estimate `name_key LIKE '%…%'`
    (it guesses half the table), and with the guess it scans all 1M claims instead of reading
    the few hundred enterprises' claims from registry_claim_ent_cover. Many: the subquery."""
    ids = list(enterprises.order_by().values_list("pk", flat=True)[: NAMED_IDS_INLINE + 1])
    return ids if len(ids) <= NAMED_IDS_INLINE else enterprises.values("pk")


class ClaimFilter(QuestionFilterSet):
    claim_link = None  # the rows are the claims: the selection filters them directly

    activity = Param()
    code = Param()
    max_code = CodeParam()
    source = Param()
    source_kind = Param()
    published_after = Param(vocab="start")
    published_before = Param(vocab="end")
    status = Param()
    enterprise = Param()
    article = Param()
    place = Param()
    industry = Param()
    grade = Param()
    tier = Param()
    kind = Param()
    q = Param(method="search_enterprises_or_articles", help_text="Enterprise names, or article headlines and summaries. " + vocabulary.HELP["q"])
    ordering = StableOrderingFilter(
        fields=[("article__published", "published"), "code", "activity", ("enterprise__name", "enterprise"), "id"],
        help_text="Sort by published, code, activity, enterprise or id; prefix '-' to reverse.",
    )

    class Meta:
        model = Claim
        fields = []

    def search_enterprises_or_articles(self, qs, name, value):
        return qs.search(value, named=_enterprise_ids)


class PlaceFilter(QuestionFilterSet):
    level = filters.NumberFilter(help_text="Administrative level: 1 province or city, 2 city/county/district, …")
    kind = Param("kind", vocab="location_kind", lookup_expr="in")
    within = Param("path", vocab="place", method="in_places", claim=False,
                   help_text="Places inside these places (themselves included). " + vocabulary.HELP["place"])
    q = Param(method="named", help_text="Places known by a name that contains this, in any spelling.")

    class Meta:
        model = Location
        fields = []

    def named(self, qs, name, value):
        return qs.named(value)


class IndustryFilter(QuestionFilterSet):
    top_level = filters.BooleanFilter("parent", lookup_expr="isnull",
                                      help_text="true: top-level industries only; false: sub-industries only.")

    class Meta:
        model = Industry
        fields = []


class SourceFilter(QuestionFilterSet):
    kind = Param("kind", vocab="source_kind", lookup_expr="in", claim=False)

    class Meta:
        model = Source
        fields = []
