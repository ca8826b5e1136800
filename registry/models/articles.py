"""Articles and the claims coded from them."""

import datetime
import hashlib
from collections import namedtuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import BooleanField, Count, Exists, F, FloatField, Max, Min, OuterRef, Q, Subquery
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.stored.columns import CLAIM_COLUMNS, ENTERPRISE_COLUMNS
from infra import locking
from registry.articles import search_terms
from registry.method.codebook import (
    TIER_GRADES, Activity, Code, Disclosure, Grade, Precision, Status, choice_check
)
from registry.access.visibility import (
    blinded_articles, sees_everything, sees_public_view, unblinded_claims, visible_articles
)
from .enterprises import Enterprise
from .history import DATED
from .sources import Source


class CountedQuerySet(models.QuerySet):
    """Counts that stop at a bound, asked once. `count_cap`: set by a search, the API's
    paginator counts these rows exactly only up to it (api/pagination.py)."""

    count_cap = None
    broad_search = False  # set by a search that matched more than RANKED_MATCHES rows

    def _clone(self):
        clone = super()._clone()
        clone.count_cap, clone.broad_search = self.count_cap, self.broad_search
        clone._counted = self._counts()  # shared: keyed by the exact query
        return clone

    def _counts(self):
        if getattr(self, "_counted", None) is None:
            self._counted = {}
        return self._counted

    def _count_probe(self, limit):
        """The SQL of the first limit + 1 rows' ids, and its parameters."""
        return self.order_by().values("pk")[: limit + 1].query.sql_with_params()

    def _remember_count(self, limit, count):
        sql, params = self._count_probe(limit)
        self._counts()[(sql, repr(params))] = count

    def count_upto(self, limit):
        """min(rows, limit + 1) in one query (COUNT over a LIMIT). Remembered by the query's
        SQL on this queryset and those made from it: the search's ranking check and the
        paginator's count of the same rows are then one query, not two. The probe's SQL,
        compiled for the key, is the query run (Django's count() would compile it again)."""
        sql, params = self._count_probe(limit)
        counts, key = self._counts(), (sql, repr(params))
        if key not in counts:
            with connections[self.db].cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM ({sql}) subquery", params)
                counts[key] = cursor.fetchone()[0]
        return counts[key]


class ArticleQuerySet(CountedQuerySet):
    def years_from_index(self):
        """These articles, their dates("published", "year") answered from the published
        index (the admin's date hierarchy over an unsearched list)."""
        clone = self._chain()
        clone._years_from_index = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._years_from_index = getattr(self, "_years_from_index", False)
        return clone

    def dates(self, field_name, kind, order="ASC"):
        """After years_from_index(), the years with articles from the published index: its
        two ends, then an EXISTS probe per year between them, in one query. Django's SELECT
        DISTINCT date_trunc('year', published) read all 500k rows (240 ms and more). Not for
        a searched list: a probe then walks a year's rows testing each against the search
        (228 ms for "oxygen furnace"), where the distinct years of its matches are cheap.
        Months and days keep Django's way: they are asked within one year or month."""
        if field_name != "published" or kind != "year" or not getattr(self, "_years_from_index", False):
            return super().dates(field_name, kind, order)
        span = self.order_by().aggregate(first=Min("published"), last=Max("published"))
        if span["first"] is None:
            return []
        span = range(span["first"].year, span["last"].year + 1)
        # One probe compiled, its two dates then set for each year: compiling a searched
        # list's condition (the search, the blind-coding subqueries) once per year cost
        # more than the probes themselves (~30 years, 60-100 ms of Python).
        adapt = connections[self.db].ops.adapt_datefield_value  # SQLite's: an ISO string
        start, end = datetime.date(1, 1, 1), datetime.date(1, 1, 2)
        probe = self.order_by().filter(published__gte=start, published__lt=end).values("pk")[:1]
        sql, params = probe.query.sql_with_params()
        at = [i for i, p in enumerate(params) if type(p) is type(adapt(start)) and p in (adapt(start), adapt(end))]
        if [params[i] for i in at] != [adapt(start), adapt(end)]:
            raise AssertionError("the probe's dates were not found among its parameters")
        selects, values = [], []
        for year in span:
            dated = list(params)
            dated[at[0]], dated[at[1]] = adapt(datetime.date(year, 1, 1)), adapt(datetime.date(year + 1, 1, 1))
            selects.append(f"EXISTS({sql})")
            values.extend(dated)
        with connections[self.db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(selects), values)
            found = cursor.fetchone()
        years = [year for year, exists in zip(span, found) if exists]
        return [datetime.date(year, 1, 1) for year in sorted(years, reverse=order == "DESC")]

    def public(self):
        """Public and published: what anyone may see (AnonymousUser's visible_to)."""
        return self.filter(visible_articles(None))

    def visible_to(self, user):
        """Articles a user may see (see visible_articles): restricted ones only with
        registry.view_restricted, drafts only by their coder, reviewers and admins."""
        return self if sees_everything(user) else self.filter(visible_articles(user))

    def for_api(self, user):
        """Articles as the API lists them: visible ones, source joined, claims counted, and
        `visible_follow_up_of` naming the article followed up only if the user may see it."""
        # A correlated COUNT rather than JOIN + GROUP BY: the page counts 50 articles' claims
        # from an index, and the paginator's COUNT needs no join with the claims at all.
        claims = (
            Claim.objects.filter(unblinded_claims(user), article=OuterRef("pk"))
            .order_by().values("article").annotate(n=Count("*")).values("n")
        )
        if sees_everything(user):
            follow_up = F("follow_up_of")
        else:
            # A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL may answer an EXISTS in
            # the select list by hashing every public article's id first (456k ids, 240-650 ms
            # at 500k articles when it expected many rows) for a page of 50.
            follow_up = Subquery(Article.objects.filter(visible_articles(user), pk=OuterRef("follow_up_of")).values("pk")[:1])
        return (
            self.visible_to(user).select_related("source")
            .annotate(claim_count=Coalesce(Subquery(claims), 0), visible_follow_up_of=follow_up)
            .order_by("-published", "id")
        )

    def open_to_coding(self, user):
        """Articles the user may give claims to: visible ones, less those the user is
        second-coding blind (a claim there would collide with the hidden first coding)."""
        visible = self.visible_to(user)
        return visible.exclude(pk__in=blinded_articles(user)) if user is not None and user.is_authenticated else visible

    def uncoded(self):
        """The inbox: drafts with no claim yet (registry/articles/ingest.py reads articles in so)."""
        return self.filter(status=Status.DRAFT).exclude(Exists(Claim.objects.filter(article=OuterRef("pk"))))

    def inbox_after(self, article):
        """The uncoded articles after `article` in the inbox's order (date, then id)."""
        return self.uncoded().filter(Q(published__gt=article.published) | Q(published=article.published, pk__gt=article.pk)).order_by("published", "pk")

    def search(self, text, *, prefix=False, names=True, ranked=False, listed=False, also=None):
        """Articles whose headlines, summary or (with `names`) the names of the enterprises
        their claims name contain every word of the text: English and other Latin-script
        words whole (with `prefix`, words that begin with each word, for a coder typing
        "oxyg"), Hangul anywhere inside a word and in either Korea's spelling (김책제철,
        제철 and 연합기업소 all find 김책제철련합기업소). Through the search index of
        registry/articles/search.py on both databases. `ranked`: best matches first (a headline hit
        before a summary hit before a name hit; `search_rank`, higher is better), newest
        first among equals, when at most RANKED_MATCHES rows match; a broader query comes
        newest first (see RANKED_MATCHES). `listed` (the admin's list, newest first): the
        same check of how many match, for PostgreSQL to plan a broad match (VectorMatch).
        `also`: a condition the matches must meet too (search_as), counted with them."""
        terms = search_terms.query_terms(text)
        if not terms:
            return self
        columns = tuple(search_terms.WEIGHTS) if names else ("search_head", "search_body")
        postgresql = _vendor(self.db) == "postgresql"
        if postgresql:
            query = search_terms.postgresql_query(terms, prefix=prefix, weights="".join(search_terms.WEIGHTS[c] for c in columns))
            qs = self.filter(VectorMatch(query), *[also] if also is not None else [])
            rank = RawSQL(f"ts_rank({ARTICLE_TSVECTOR}, to_tsquery('simple', %s))", [query], output_field=FloatField())
        else:
            query = search_terms.sqlite_query(terms, prefix=prefix, columns=columns)
            qs = self.filter(pk__in=RawSQL("SELECT rowid FROM registry_article_fts WHERE registry_article_fts MATCH %s", [query]))
            if also is not None:
                qs = qs.filter(also)
            weights = ", ".join(map(str, search_terms.BM25_WEIGHTS))
            # bm25 is lower for better matches; negated so both databases rank high-first.
            rank = RawSQL(
                f"(SELECT -bm25(registry_article_fts, {weights}) FROM registry_article_fts "
                f"WHERE registry_article_fts MATCH %s AND rowid = {ARTICLE_TABLE}.id)",
                [query], output_field=FloatField(),
            )
        qs.count_cap = RANKED_MATCHES
        if ranked or listed:
            if qs.count_upto(RANKED_MATCHES) > RANKED_MATCHES:
                if postgresql:  # the same condition, planned for a broad match (VectorMatch)
                    qs = self.filter(VectorMatch(query, broad=True), *[also] if also is not None else [])
                    qs.count_cap = RANKED_MATCHES
                    # The same rows, so the same count: the paginators' count (count_upto of
                    # the list as searched) is known without asking again.
                    qs._remember_count(RANKED_MATCHES, RANKED_MATCHES + 1)
                qs.broad_search = True
                return qs.order_by("-published", "id")
            if not ranked:
                return qs
            qs = qs.annotate(search_rank=rank).order_by("-search_rank", "-published", "id")
        return qs

    def search_as(self, user, text, **options):
        """search() for `user`, less what a blind second coder would learn: the stored names
        of an article's enterprises are its first coding, so while the user second-codes an
        article, only its own words (headline, summary) find it."""
        if not options.get("names", True) or user is None or not user.is_authenticated:  # anonymous: never blind
            return self.search(text, **options)
        blinded = blinded_articles(user)
        # No query to ask whether the user is blind now: a subquery that finds nothing for
        # most users (the own-words search behind the OR is then never evaluated). Part of
        # the search, so its check of how many match counts the rows listed (and the
        # paginator's count is that one query).
        own_words = Article.objects.search(text, prefix=options.get("prefix", False), names=False).values("pk")
        return self.search(text, **options, also=~Q(pk__in=blinded) | Q(pk__in=own_words))


# Ranking reads every match's stored vector (a heap row each): for "steel" at 500k articles,
# 35k rows and 0.9-1.5 s on the busy benchmark machine. Beyond this many matches the answer
# comes newest first instead, which PostgreSQL reads as a top-N walking the date index
# backwards with the search condition as a filter (~60-80 ms), never the whole match set.
# A searched list (articles or claims) is also counted exactly only up to this many
# (`count_cap`; "1,000+" in the API): counting 10,000 matches visits 10,000 heap pages
# (a GIN index answers no count alone), 100-430 ms at 500k articles, more than the page.
RANKED_MATCHES = 1000


# The stored, weighted tsvector of migration 0010 (a generated column, PostgreSQL only),
# unqualified so it also works inside subqueries, where Django renames the article table.
ARTICLE_TSVECTOR = "search_vector"
ARTICLE_TABLE = "registry_article"


class VectorMatch(Expression):
    """`search_vector @@ to_tsquery('simple', query)`, PostgreSQL's search condition.

    `broad` (more than RANKED_MATCHES rows match): where the rows are read a page at a time
    in date order, or only the first or last date or one row per year is wanted, the test
    is written as the function call ts_match_vq(...). The GIN index cannot answer that and
    the planner takes a third of the rows to match, so it walks the date index and stops at
    the page (22 ms for "oxygen furnace"). Through the index it took the words as
    independent ("oxygen" & "furnace": 519 rows expected where 16,497 match), read every
    match's heap page and sorted them (15k pages, 300-800 ms). Counts and everything else
    keep the indexed operator, whose cost does not depend on the order. Deep pages of a
    broad match cost more: the walk is longer."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, query, broad=False):
        super().__init__()
        self.query, self.broad = query, broad

    def as_sql(self, compiler, connection):
        if self.broad and _reads_by_date(compiler.query):
            return f"ts_match_vq({ARTICLE_TSVECTOR}, to_tsquery('simple', %s))", [self.query]
        return f"{ARTICLE_TSVECTOR} @@ to_tsquery('simple', %s)", [self.query]


def _reads_by_date(query):
    """A page in date order, a first/last date (MIN/MAX), or an existence probe (LIMIT 1)."""
    if query.is_sliced and not query.order_by and query.high_mark is not None and query.high_mark - query.low_mark == 1:
        return True
    if query.is_sliced and query.order_by and str(query.order_by[0]).lstrip("-") == "published":
        return True
    aggregates = list(query.annotation_select.values())
    return bool(aggregates) and all(isinstance(a, (Min, Max)) for a in aggregates)


class ArticleVectorMatch(Expression):
    """`<article>.search_vector @@ to_tsquery('simple', query)` on the article joined
    through `via` ("article__" from a claim): PostgreSQL only. The join is Django's own
    (resolved from the article's date), so its alias is right whatever else is joined."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, via, query):
        super().__init__()
        self.anchor, self.query = F(via + "published"), query

    def get_source_expressions(self):
        return [self.anchor]

    def set_source_expressions(self, exprs):
        (self.anchor,) = exprs

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(self.anchor.alias)
        return f"{table}.{ARTICLE_TSVECTOR} @@ to_tsquery('simple', %s)", [self.query]


def _vendor(alias):
    return connections[alias].vendor


# What a time series reads (ClaimQuerySet.for_series): the claims, and the names of the
# columns giving each one's date and date precision. What each claim's enterprise was is
# read from the claims' stored dated copies either way (models/history.py, Attributes).
SeriesColumns = namedtuple("SeriesColumns", "claims published precision")


class ClaimQuerySet(CountedQuerySet):
    def public(self):
        """Claims of public, published articles: what anyone may see."""
        return self.filter(visible_articles(None, "article__"))

    def visible_to(self, user):
        """Claims a user may see: those of the articles the user may see, except the
        articles the user is second-coding blind in an open agreement round (their first
        coding does not exist for that user until the round closes)."""
        qs = self if sees_everything(user) else self.filter(visible_articles(user, "article__"))
        return qs.filter(unblinded_claims(user))

    def for_series(self, user):
        """SeriesColumns(claims, published, precision): the claims a time series counts for
        `user` and the names of the article's date and precision to read on them. Whoever
        sees what the public sees (visibility.sees_public_view) reads each public claim's
        stored copies (registry/stored/evidence.py), with no join to the articles (one index of the
        claims, registry_claim_public_series by enterprise, registry_claim_public_groups by
        region, grade or tier); everyone else visible_to(user) and the article's columns."""
        if sees_public_view(user):
            return SeriesColumns(self.filter(public_published__isnull=False), "public_published", "public_precision")
        return SeriesColumns(self.visible_to(user), "article__published", "article__precision")

    def matching(
        self, *, activities=None, max_code=None, source_kinds=None, grades=None, tiers=None,
        industries=None, places=None, parents=None, start=None, end=None, statuses=None, dated="article__published",
        attributes=None,
    ):
        """Claims filtered the way every count and list of the registry filters them.

        activities: activity slugs (codebook.expand_activities turns groups into slugs);
        max_code: keep codes at or below it; source_kinds, grades, tiers, statuses: values;
        industries: Industry objects, each with its sub-industries; places: Location
        objects, each with everything inside it; start/end: dates, inclusive, compared with
        the article's (first-day) date, read from `dated` (the claim's stored public copy in
        the public's series, for_series). None or empty means no filter."""
        qs = self
        if activities:
            qs = qs.filter(activity__in=sorted(activities))
        if max_code is not None:
            qs = qs.filter(code__lte=max_code)
        if source_kinds:
            qs = qs.filter(article__source__kind__in=source_kinds)
        # What the enterprise was: on the claim's date unless the question says otherwise
        # (models/history.py, Attributes: the method's dated rule, or as_of).
        attributes = attributes or DATED
        if grades or tiers or industries or places or parents:
            qs = attributes.prepare(qs)
        if grades:
            qs = qs.filter(attributes.grade_in(grades))
        if tiers:
            qs = qs.filter(attributes.grade_in([g for tier in tiers for g in TIER_GRADES[tier]]))
        if statuses:
            qs = qs.filter(article__status__in=statuses)
        if industries:
            qs = qs.filter(attributes.industry_in(industries))
        if places:
            qs = qs.filter(attributes.place_in(places))
        if parents:
            qs = qs.filter(attributes.parent_in(parents))
        if start is not None:
            qs = qs.filter(**{f"{dated}__gte": start})
        if end is not None:
            qs = qs.filter(**{f"{dated}__lte": end})
        return qs

    def search(self, text, *, prefix=False, named=None):
        """Claims about an enterprise so named (EnterpriseQuerySet.search: any spelling,
        Hangul folded) or in an article whose headlines or summary contain the text
        (ArticleQuerySet.search, through the search index). The API's q= and the admin's
        claim search. `named`: turns the matching enterprises into what goes into the SQL
        (registry.vocabulary.filters._enterprise_ids inlines a short list of ids)."""
        if not search_terms.query_terms(text):
            return self
        enterprises = Enterprise.objects.search(text)
        enterprises = named(enterprises) if named else enterprises.values("pk")
        if _vendor(self.db) == "postgresql":
            # The claim's own article's vector, on the joined row: a list ordered by date
            # then walks the newest articles and stops at the page, where `article_id IN
            # (every matching article)` hashed all of them first ("steel": 38k articles,
            # 82k claims joined and sorted, 3.3 s at 1M claims).
            terms = search_terms.query_terms(text)
            query = search_terms.postgresql_query(terms, prefix=prefix, weights="AB")
            in_articles = Q(ArticleVectorMatch("article__", query))
        else:
            in_articles = Q(article__in=Article.objects.search(text, prefix=prefix, names=False).values("pk"))
        found = self.filter(Q(enterprise__in=enterprises) | in_articles)
        found.count_cap = RANKED_MATCHES
        return found

    def for_api(self, user):
        """Claims as the API lists them: visible ones, article, source, enterprise and its
        place and industry joined."""
        # Explicit order: "article" in Meta.ordering follows Article's ordering in model
        # queries but not in values_list(), and the CSV must come out in the JSON's order.
        return self.visible_to(user).select_related(
            "article__source", "enterprise__location", "enterprise__industry"
        ).order_by("-article__published", "article_id", "id")

    def evidence_summary(self):
        """Claims counted by activity and code, with the first and last article dates
        (one GROUP BY): an enterprise's evidence at a glance."""
        return (
            self.order_by()
            .values("activity", "code")
            .annotate(claims=Count("id"), first_seen=Min("article__published"), last_seen=Max("article__published"))
            .order_by("activity", "code")
        )

    def evidence(self, enterprise):
        """Annotations for an enterprise row (`enterprise`: an OuterRef to its id) from these
        claims: claim_count, first_seen and last_seen, and first_seen_precision /
        last_seen_precision, the precision of the article that gives each date ("year" for
        a first sighting known only as 2015, so 2015-01-01 is never read as New Year's Day;
        on a tie the more precise date wins, day < month < year). The admin's enterprise
        list and merge page and the API all annotate with this.

        Subqueries rather than a JOIN + GROUP BY, so the annotations stay correct whatever
        other joins a filter adds."""
        claims = self.filter(enterprise=enterprise)
        per_enterprise = claims.order_by().values("enterprise")
        return {
            # COUNT(*), not COUNT(id): answered from registry_claim_ent_cover alone.
            "claim_count": Coalesce(Subquery(per_enterprise.annotate(n=Count("*")).values("n")), 0),
            "first_seen": Subquery(per_enterprise.annotate(d=Min("article__published")).values("d")),
            "last_seen": Subquery(per_enterprise.annotate(d=Max("article__published")).values("d")),
            "first_seen_precision": Subquery(claims.order_by("article__published", "article__precision").values("article__precision")[:1]),
            "last_seen_precision": Subquery(claims.order_by("-article__published", "article__precision").values("article__precision")[:1]),
        }


class Article(models.Model):
    Precision = Precision

    Disclosure = Disclosure

    Status = Status

    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="articles")
    # A month- or year-precise date is stored as the first day of its month or year.
    published = models.DateField(_("published"))
    precision = models.CharField(_("precision"), max_length=5, choices=Precision.choices, default=Precision.DAY)
    page = models.PositiveSmallIntegerField(_("page"), null=True, blank=True)
    title = models.CharField(_("headline (English)"), max_length=500, blank=True)
    title_ko = models.CharField(_("headline (Korean)"), max_length=500, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    full_text = models.TextField(_("full text"), blank=True, help_text=_("Restricted: never public"))
    text_sha256 = models.CharField(
        _("SHA-256 of full text"), max_length=64, blank=True, editable=False
    )
    url = models.URLField(_("url"), max_length=500, blank=True)
    follow_up_of = models.ForeignKey(
        "self", verbose_name=_("follow up of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    disclosure = models.CharField(
        _("disclosure"),
        max_length=10, choices=Disclosure.choices, default=Disclosure.PUBLIC
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("internal notes"), blank=True, help_text=_("Restricted: never public"))
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("coded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles_coded",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles_reviewed",
    )
    # What the article is found by (registry/articles/search.py): headline, summary and the names of
    # the enterprises its claims name, as words and folded Hangul bigrams. Indexed by
    # migration 0010 (PostgreSQL: a generated tsvector with GIN; SQLite: FTS5).
    search_head = models.TextField(blank=True, default="", editable=False)
    search_body = models.TextField(blank=True, default="", editable=False)
    search_names = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Two coders on one article: the second save is refused, not merged (see locking.py).
    version = locking.version_field()

    history = HistoricalRecords(excluded_fields=["text_sha256", "search_head", "search_body", "search_names"])
    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published", "id"]
        permissions = [
            ("view_restricted", "Can see restricted articles, full texts and internal notes"),
            ("review_article", "Can mark an article reviewed"),
        ]
        constraints = [
            choice_check("precision", Precision, "registry_article_precision_valid"),
            choice_check("disclosure", Disclosure, "registry_article_disclosure_valid"),
            choice_check("status", Status, "registry_article_status_valid"),
            # The import recognises an article by source, date and headline. Headline first:
            # import_claims looks existing articles up by title alone (title__in=...), which
            # at 500k articles was a sequential scan per chunk of 500 (837 rows/s).
            models.UniqueConstraint(
                fields=["title", "source", "published"],
                condition=~Q(title=""),
                name="registry_article_unique_headline",
            ),
            models.CheckConstraint(
                condition=~Q(title="") | ~Q(title_ko=""), name="registry_article_has_headline"
            ),
            models.CheckConstraint(
                condition=~Q(follow_up_of=models.F("id")), name="registry_article_not_own_follow_up"
            ),
        ]
        indexes = [
            # Date-range filters and the time series' period grouping.
            models.Index(fields=["published", "precision"], name="registry_art_published"),
            # Status and id included: the claim list's capped COUNT walks the public articles
            # of a date range from this index alone, then their claims (registry_claim_article_cover).
            models.Index(fields=["disclosure", "published"], include=["status", "id"], name="registry_art_public_date"),
            # Time series and enterprise evidence join each claim to its article only for
            # these columns: with them in an index the join is an index-only scan, not a heap
            # fetch per claim (time series Pyongyang vs Chongjin: 1.9 s -> 0.5 s at 1M claims).
            # Status too: what anyone may see is public *and* published (visibility.visible_articles).
            models.Index(fields=["id", "published", "disclosure", "status", "precision"], name="registry_art_id_cover"),
        ]

    def __str__(self):
        return f"{self.source.short_name} {self.published_label}: {self.title or self.title_ko}"

    @property
    def published_label(self):
        """The date as precisely as it is known: 2019-04-15, 2019-04 or 2019."""
        if self.precision == self.Precision.YEAR:
            return f"{self.published:%Y}"
        if self.precision == self.Precision.MONTH:
            return f"{self.published:%Y-%m}"
        return self.published.isoformat()

    def clean(self):
        if self.published and self.precision == self.Precision.MONTH and self.published.day != 1:
            raise ValidationError({"published": "A month-precise date is stored as the 1st of the month."})
        if self.published and self.precision == self.Precision.YEAR and (self.published.month, self.published.day) != (1, 1):
            raise ValidationError({"published": "A year-precise date is stored as 1 January."})
        if not self.title and not self.title_ko:
            raise ValidationError({"title": "Give a headline in English or Korean."})
        if self.pk is not None and self.follow_up_of_id == self.pk:
            raise ValidationError({"follow_up_of": "An article cannot follow up itself."})

    def save(self, *args, **kwargs):
        # Lets a later reader detect that the source's online copy has changed.
        self.text_sha256 = (
            hashlib.sha256(self.full_text.encode("utf-8")).hexdigest() if self.full_text else ""
        )
        # Its own text's tokens; the enterprises' names follow its claims (search.refresh_articles).
        for field, value in search_terms.article_fields(self.title, self.title_ko, self.summary).items():
            setattr(self, field, value)
        # Its claims' stored copies and their enterprises' evidence follow its status,
        # disclosure and date by the database's triggers (registry/stored/copies.py).
        with locking.next_version(self):
            super().save(*args, **kwargs)


class Claim(models.Model):
    """One coded piece of information: an article says an enterprise did something."""

    # No single-column indexes: registry_claim_one_per_activity leads with article and
    # registry_claim_ent_cover with enterprise; two more indexes only slow every insert.
    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="claims", db_index=False)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="claims", db_index=False)
    activity = models.CharField(_("activity"), max_length=20, choices=Activity.choices)
    code = models.PositiveSmallIntegerField(_("code"), choices=Code.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Stored, derived (registry/stored/evidence.py defines them, registry/stored/copies.py's triggers keep
    # them): the article's date and precision while the claim is public (its article public and
    # published), else null, so the public's time series read one index of the claims and
    # never join the articles. Not in the history: they follow the article, not an edit.
    public_published = models.DateField(null=True, editable=False)
    public_precision = models.CharField(max_length=5, choices=Precision.choices, null=True, editable=False)
    # Stored, derived the same way: its enterprise's first-level region (a Location id) and
    # grade, on every claim (they follow the enterprise, not the article), so the public's
    # series by region, grade or tier group the claims without joining the enterprises. A
    # plain id, no foreign key: derived like the dates, and a constraint would add a trigger
    # to every claim written (the enterprise's region is the one protected).
    enterprise_region = models.BigIntegerField(null=True, editable=False)
    enterprise_grade = models.CharField(max_length=10, choices=Grade.choices, null=True, editable=False)
    # The rest of what its enterprise was on the claim's date (models/history.py): its place,
    # industry and parent complex. References without a database constraint, like the region:
    # derived, never written by anyone but the triggers (registry/stored/copies.py).
    enterprise_place = models.ForeignKey(
        "registry.Location", null=True, editable=False, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+",
    )
    enterprise_industry = models.ForeignKey(
        "registry.Industry", null=True, editable=False, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+",
    )
    enterprise_parent = models.ForeignKey(
        "registry.Enterprise", null=True, editable=False, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+",
    )

    history = HistoricalRecords(excluded_fields=[*CLAIM_COLUMNS, *ENTERPRISE_COLUMNS])
    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["article", "id"]
        constraints = [
            choice_check("activity", Activity, "registry_claim_activity_valid"),
            models.CheckConstraint(condition=Q(code__gte=1, code__lte=5), name="registry_claim_code_1_to_5"),
            models.UniqueConstraint(
                fields=["article", "enterprise", "activity"], name="registry_claim_one_per_activity"
            ),
        ]
        indexes = [
            # Enterprise evidence (first/last seen, counts), enterprise filters on claims, and
            # the time series by place (enterprise ids from the place, then their claims). The
            # article column makes these index-only scans.
            models.Index(fields=["enterprise", "activity", "code", "article"], name="registry_claim_ent_cover"),
            # Time series and claim lists filtered by activity and code threshold.
            models.Index(fields=["activity", "code"], name="registry_claim_activity_code"),
            # The claim list filtered by date range and activity/code: its capped COUNT goes
            # article by article (newest range first) and reads each one's claims from here
            # alone: 0.45-0.8 s -> 0.2-0.3 s for 10,001 claims of 2015-16 under load.
            models.Index(fields=["article", "activity", "code"], name="registry_claim_article_cover"),
            # The public's time series (registry/series/timeseries.py, ClaimQuerySet.for_series): an
            # index-only scan, by enterprise for places and whole for regions, grades and tiers,
            # with no join to the articles. Public claims only: what nobody else reads.
            models.Index(
                fields=["enterprise", "activity", "code", "public_published", "public_precision", "article"],
                condition=Q(public_published__isnull=False), name="registry_claim_public_series",
            ),
            # The public's series by region, grade or tier (all of them, no place filter): the
            # claims of some activities and codes in a date range, read with their stored
            # region and grade, index-only, with no join to the enterprises or the articles.
            models.Index(
                fields=["activity", "code", "public_published"],
                include=["public_precision", "enterprise_region", "enterprise_grade", "article", "enterprise"],
                condition=Q(public_published__isnull=False), name="registry_claim_public_groups",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} — {self.activity} ({self.code})"

