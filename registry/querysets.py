"""Read paths of the registry, as named queryset methods the views call."""

import re

from django.db import models
from django.db.models import BooleanField, Case, Count, Exists, ExpressionWrapper, F, Max, Min, OuterRef, Q, Subquery, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

RESTRICTED_PERMISSION = "registry.view_restricted"
REVIEW_PERMISSION = "registry.review_article"
# Fields only users with RESTRICTED_PERMISSION see, wherever they are shown (API, admin forms
# and history pages).
RESTRICTED_FIELDS = {"registry.article": ("full_text", "notes", "text_sha256"), "registry.enterprise": ("notes",)}


def can_see_restricted(user):
    """Restricted articles, full texts and internal notes are for signed-in users with the
    permission; everyone else sees public articles' public fields only."""
    return bool(user and user.is_authenticated and user.has_perm(RESTRICTED_PERMISSION))


def can_see_unpublished(user):
    """Drafts (articles not yet in a published status) are work in progress: reviewers and
    admins see them all, their coder sees their own, nobody else any."""
    return bool(user and user.is_authenticated and user.has_perm(REVIEW_PERMISSION))


def published_statuses():
    """What counts as published: the one setting REGISTRY_PUBLISHED_STATUSES."""
    from django.conf import settings

    return list(settings.REGISTRY_PUBLISHED_STATUSES)


def sees_everything(user):
    """Whether `visible_to(user)` hides nothing from this user."""
    return can_see_restricted(user) and can_see_unpublished(user)


def visible_articles(user, via=""):
    """Q: the articles (reached through `via`, e.g. "article__") a user may see: public ones
    unless they may see restricted material, published ones unless they may see drafts (their
    own drafts always). The one visibility rule; every visible_to below is built from it."""
    found = Q()
    if not can_see_restricted(user):
        found &= Q(**{f"{via}disclosure": "public"})
    if not can_see_unpublished(user):
        published = Q(**{f"{via}status__in": published_statuses()})
        if user is not None and user.is_authenticated:
            published |= Q(**{f"{via}coded_by": user.pk})
        found &= published
    return found


def inside_places(places, via=""):
    """Q: rows whose place, reached through `via` ("enterprise__location__"), is one of
    `places` or lies anywhere inside one (a prefix of the materialised path)."""
    found = Q()
    for place in places:
        found |= Q(**{f"{via}path__startswith": place.path})
    return found


def in_industries(industries, via=""):
    """Q: rows whose industry, reached through `via` ("enterprise__"), is one of
    `industries` or a sub-industry of one (the taxonomy has two levels)."""
    ids = [industry.pk for industry in industries]
    return Q(**{f"{via}industry__in": ids}) | Q(**{f"{via}industry__parent__in": ids})


class ReferenceQuerySet(models.QuerySet):
    """Reference data (places, their names, industries, sources): public, all of it."""

    def visible_to(self, user):
        return self


class IndustryQuerySet(ReferenceQuerySet):
    def within(self, industry):
        """The industry and its sub-industries (the taxonomy has two levels)."""
        return self.filter(Q(pk=industry.pk) | Q(parent=industry.pk))


class LocationQuerySet(ReferenceQuerySet):
    def within(self, location):
        """The place and everything inside it."""
        return self.filter(path__startswith=location.path)

    def named(self, text):
        """Places any of whose names (every romanization, Hangul, aliases) contains the text."""
        from .search import places_named

        return places_named(self, text)


def _known_to(user, enterprise):
    """Q: the enterprise (an OuterRef to its id) has evidence the user may see, or none at
    all yet. One known only from restricted articles or drafts does not exist for the user."""
    from .models import Claim

    claims = Claim.objects.filter(enterprise=enterprise)
    return Exists(claims.filter(visible_articles(user, "article__"))) | ~Exists(claims)


class EnterpriseAliasQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Aliases of the enterprises a user may see."""
        from .models import Enterprise

        return self if sees_everything(user) else self.filter(enterprise__in=Enterprise.objects.visible_to(user).values("pk"))


def _seen_precisions(claims):
    """first_seen_precision / last_seen_precision: the precision of the article that gives
    first_seen / last_seen ("year" for a first sighting known only as 2015), so 2015-01-01 is
    never read as New Year's Day. On a tie the more precise date wins (day < month < year)."""
    return {
        "first_seen_precision": Subquery(claims.order_by("article__published", "article__precision").values("article__precision")[:1]),
        "last_seen_precision": Subquery(claims.order_by("-article__published", "article__precision").values("article__precision")[:1]),
    }


class EnterpriseQuerySet(models.QuerySet):
    def in_place(self, location):
        """Enterprises in the place or anywhere inside it. An enterprise known only to be
        in a province sits on the province and is never counted for a city in it."""
        return self.filter(location__path__startswith=location.path)

    def with_evidence(self, user):
        """Annotate claim count and first/last seen from the article dates of the claims
        `user` may see (a restricted article or a draft must not show through them).

        Subqueries rather than a JOIN + GROUP BY, so the annotations stay correct whatever
        other joins a filter adds."""
        from .models import Claim

        claims = Claim.objects.visible_to(user).filter(enterprise=OuterRef("pk")).order_by().values("enterprise")
        return self.annotate(
            # COUNT(*), not COUNT(id): answered from registry_claim_ent_cover alone.
            claim_count=Subquery(claims.annotate(n=Count("*")).values("n")),
            first_seen=Subquery(claims.annotate(d=Min("article__published")).values("d")),
            last_seen=Subquery(claims.annotate(d=Max("article__published")).values("d")),
            **_seen_precisions(Claim.objects.visible_to(user).filter(enterprise=OuterRef("pk"))),
        )

    def visible_to(self, user):
        """Enterprises a user may see: those with evidence the user may see, or with none yet.
        An enterprise known only from restricted articles or drafts is hidden with them."""
        if sees_everything(user):
            return self
        return self.filter(_known_to(user, OuterRef("pk")))

    def for_api(self, user):
        """Enterprises as the API lists them: the visible ones, with place, industry and
        parent joined, and claim_count, first_seen and last_seen computed from the claims
        the user may see (a restricted article's date must not show through first_seen).
        `visible_parent_id`/`_name` name the parent complex only if the user may see it."""
        from .models import Claim

        claims = Claim.objects.visible_to(user).filter(enterprise=OuterRef("pk")).order_by().values("enterprise")
        return (
            self.visible_to(user)
            .select_related("location", "industry", "parent")
            .annotate(
                claim_count=Coalesce(Subquery(claims.annotate(n=Count("id")).values("n")), 0),
                first_seen=Subquery(claims.annotate(d=Min("article__published")).values("d")),
                last_seen=Subquery(claims.annotate(d=Max("article__published")).values("d")),
                **_seen_precisions(Claim.objects.visible_to(user).filter(enterprise=OuterRef("pk"))),
                # Checked on the parent's own claims, row by row: an EXISTS over the visible
                # enterprises was planned as a scan of all 20k of them, three times a page.
                parent_visible=ExpressionWrapper(
                    Q(parent__isnull=False) if sees_everything(user)
                    else Q(parent__isnull=False) & _known_to(user, OuterRef("parent_id")),
                    output_field=BooleanField(),
                ),
            )
            .order_by("name", "id")
            .annotate(
                visible_parent_id=Case(When(parent_visible=True, then=F("parent_id"))),
                visible_parent_name=Case(When(parent_visible=True, then=F("parent__name"))),
            )
        )

    def search(self, text):
        """Enterprises whose name, Hangul name or an alias contains the text, in any
        spelling that shares its name key ("Kim Chaek", "kimchaek", "김책") or a place
        spelling the place tree knows ("Cheongjin Bag Factory"). The admin's search box and
        autocomplete and the API's q= all use this."""
        from .search import enterprises_named

        return enterprises_named(self, text)


class ArticleQuerySet(models.QuerySet):
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
        from .models import Article, Claim

        # A correlated COUNT rather than JOIN + GROUP BY: the page counts 50 articles' claims
        # from an index, and the paginator's COUNT needs no join with the claims at all.
        claims = Claim.objects.filter(article=OuterRef("pk")).order_by().values("article").annotate(n=Count("*")).values("n")
        if sees_everything(user):
            follow_up = F("follow_up_of")
        else:
            followed = Article.objects.filter(visible_articles(user), pk=OuterRef("follow_up_of"))
            follow_up = Case(When(Exists(followed), then=F("follow_up_of")))
        return (
            self.visible_to(user).select_related("source")
            .annotate(claim_count=Coalesce(Subquery(claims), 0), visible_follow_up_of=follow_up)
            .order_by("-published", "id")
        )

    def search(self, text, *, prefix=False):
        """Articles whose headlines or summary contain every word of the text; with
        `prefix`, words that begin with each word of the text (for a coder typing "oxyg").

        PostgreSQL: full-text search with the 'simple' configuration (no stemming, so a
        word matches as written), served by the GIN index of migration 0002 — the
        expression here must stay identical to the index's. SQLite: each word matched on
        word boundaries, which gives the same results for plain words."""
        words = _WORDS.findall(text or "")
        if not words:
            return self
        if _vendor(self.db) == "postgresql":
            if prefix:
                condition, value = "to_tsquery('simple', %s)", " & ".join(f"{w}:*" for w in words)
            else:
                condition, value = "plainto_tsquery('simple', %s)", " ".join(words)
            return self.filter(RawSQL(f"{ARTICLE_TSVECTOR} @@ {condition}", [value], output_field=BooleanField()))
        found = Q()
        for word in words:
            pattern = rf"(^|\W){re.escape(word)}" + ("" if prefix else r"($|\W)")
            found &= Q(title__iregex=pattern) | Q(title_ko__iregex=pattern) | Q(summary__iregex=pattern)
        return self.filter(found)


# Unqualified columns: the expression is also used inside subqueries, where Django renames
# the article table; it must match the index expression in migration 0002 exactly.
ARTICLE_TSVECTOR = "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(title_ko, '') || ' ' || coalesce(summary, ''))"
_WORDS = re.compile(r"\w+")


def _vendor(alias):
    from django.db import connections

    return connections[alias].vendor


class ClaimQuerySet(models.QuerySet):
    def public(self):
        """Claims of public, published articles: what anyone may see."""
        return self.filter(visible_articles(None, "article__"))

    def visible_to(self, user):
        """Claims a user may see: exactly those of the articles the user may see."""
        return self if sees_everything(user) else self.filter(visible_articles(user, "article__"))

    def matching(
        self, *, activities=None, max_code=None, source_kinds=None, grades=None, tiers=None,
        industries=None, places=None, start=None, end=None, statuses=None,
    ):
        """Claims filtered the way every count and list of the registry filters them.

        activities: activity slugs (codebook.expand_activities turns groups into slugs);
        max_code: keep codes at or below it; source_kinds, grades, tiers, statuses: values;
        industries: Industry objects, each with its sub-industries; places: Location
        objects, each with everything inside it; start/end: dates, inclusive, compared with
        the article's (first-day) date. None or empty means no filter."""
        qs = self
        if activities:
            qs = qs.filter(activity__in=sorted(activities))
        if max_code is not None:
            qs = qs.filter(code__lte=max_code)
        if source_kinds:
            qs = qs.filter(article__source__kind__in=source_kinds)
        if grades:
            qs = qs.filter(enterprise__grade__in=grades)
        if tiers:
            qs = qs.filter(enterprise__tier__in=tiers)
        if statuses:
            qs = qs.filter(article__status__in=statuses)
        if industries:
            qs = qs.filter(in_industries(industries, "enterprise__"))
        if places:
            qs = qs.filter(inside_places(places, "enterprise__location__"))
        if start is not None:
            qs = qs.filter(article__published__gte=start)
        if end is not None:
            qs = qs.filter(article__published__lte=end)
        return qs

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
