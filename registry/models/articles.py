"""Articles: what a source published, with the search columns they are found by; the claims
coded from them are in claims.py, which imports this module for its foreign key."""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Count, Exists, F, FloatField, Max, Min, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from infra import locking
from registry.articles import search_terms
from registry.method.codebook import Disclosure, Precision, Status, choice_check
from registry.access.visibility import blinded_articles, sees_everything, unblinded_articles, unblinded_claims, visible_articles
from .enterprises import Enterprise
from .sources import Source
from .querying import ARTICLE_TABLE, ARTICLE_TSVECTOR, CountedQuerySet, VectorMatch, vendor


def _claims():
    """Claim's manager. Claim (claims.py) imports this module for its foreign key, so it is
    reached through the reverse relation rather than imported: the imports run one way."""
    return Article._meta.get_field("claims").related_model.objects


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
        return self.filter(unblinded_articles(user)) if sees_everything(user) else self.filter(visible_articles(user))

    def for_api(self, user):
        """Articles as the API lists them: visible ones, source joined, claims counted, and
        `visible_follow_up_of` naming the article followed up only if the user may see it."""
        # A correlated COUNT rather than JOIN + GROUP BY: the page counts 50 articles' claims
        # from an index, and the paginator's COUNT needs no join with the claims at all.
        claims = (
            _claims().filter(unblinded_claims(user), article=OuterRef("pk"))
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
        return self.filter(status=Status.DRAFT).exclude(Exists(_claims().filter(article=OuterRef("pk"))))

    def inbox_after(self, article):
        """The uncoded articles after `article` in the inbox's order (date, then id)."""
        return self.uncoded().filter(Q(published__gt=article.published) | Q(published=article.published, pk__gt=article.pk)).order_by("published", "pk")

    def search(self, text, *, prefix=False, names=True, ranked=False, listed=False, also=None, named=None):
        """Articles whose headlines or summary contain every word of the text, or (with
        `names`) that claim an enterprise the enterprise search finds for it
        (EnterpriseQuerySet.search, the one definition: names, past names, aliases, Hangul
        folded, romanization variants, places: "Kimchaek", "Cheongjin", "함흥"). Their own
        words through the search index of registry/articles/search.py on both databases: English and
        other Latin-script words whole (with `prefix`, words that begin with each word, for
        a coder typing "oxyg"), Hangul anywhere inside a word and in either Korea's spelling
        (김책제철, 제철 and 연합기업소 all find 김책제철련합기업소), a product in any spelling
        (vinylon, 비날론). `ranked`: best matches first (a headline hit before a summary hit
        before an enterprise's name alone; `search_rank`, higher is better), newest first
        among equals, when at most RANKED_MATCHES rows match; a broader query comes newest
        first (see RANKED_MATCHES). `listed` (the admin's list, newest first): the same
        check of how many match, for PostgreSQL to plan a broad match (VectorMatch).
        `also`: a condition the matches must meet too (search_as), counted with them.
        `named`: turns the matching enterprises into what goes into the SQL, as for
        ClaimQuerySet.search (an empty list: no enterprise, only the articles' words)."""
        terms = search_terms.query_terms(text)
        if not terms:
            return self
        postgresql = vendor(self.db) == "postgresql"
        if postgresql:
            query = search_terms.postgresql_query(terms, prefix=prefix, weights="AB")
            rank = RawSQL(f"ts_rank({ARTICLE_TSVECTOR}, to_tsquery('simple', %s))", [query], output_field=FloatField())
        else:
            query = search_terms.sqlite_query(terms, prefix=prefix, columns=("search_head", "search_body"))
            weights = ", ".join(map(str, search_terms.BM25_WEIGHTS))
            # bm25 is lower for better matches; negated so both databases rank high-first.
            rank = Coalesce(RawSQL(
                f"(SELECT -bm25(registry_article_fts, {weights}) FROM registry_article_fts "
                f"WHERE registry_article_fts MATCH %s AND rowid = {ARTICLE_TABLE}.id)",
                [query], output_field=FloatField(),
            ), 0.0)
        claimed = None
        if names:
            enterprises = Enterprise.objects.search(text)
            enterprises = named(enterprises) if named else enterprises.values("pk")
            if not isinstance(enterprises, list) or enterprises:
                claimed = _claims().filter(enterprise__in=enterprises).order_by().values("article_id")

        def matching(broad=False):
            if not postgresql:
                own = Q(pk__in=RawSQL("SELECT rowid FROM registry_article_fts WHERE registry_article_fts MATCH %s", [query]))
            elif claimed is not None and not broad:
                # One set of ids (the index's matches and the claims'), joined back by key:
                # an OR of the two would read every article to test it.
                return Q(pk__in=self.model.objects.filter(VectorMatch(query)).order_by().values("pk").union(claimed))
            else:
                own = Q(VectorMatch(query, broad=broad))
            return own | Q(pk__in=claimed) if claimed is not None else own

        qs = self.filter(matching(), *[also] if also is not None else [])
        qs.count_cap = RANKED_MATCHES
        if ranked or listed:
            if qs.count_upto(RANKED_MATCHES) > RANKED_MATCHES:
                if postgresql:  # the same condition, planned for a broad match (VectorMatch)
                    qs = self.filter(matching(broad=True), *[also] if also is not None else [])
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
        """search() for `user`, less what a blind second coder would learn: the enterprises
        an article's claims name are its first coding, so while the user second-codes an
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
