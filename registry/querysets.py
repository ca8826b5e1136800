"""Read paths of the registry, as named queryset methods the views call."""

from django.db import models
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery

RESTRICTED_PERMISSION = "registry.view_restricted"


def can_see_restricted(user):
    """Restricted articles, full texts and internal notes are for signed-in users with the
    permission; everyone else sees public articles' public fields only."""
    return bool(user and user.is_authenticated and user.has_perm(RESTRICTED_PERMISSION))


class IndustryQuerySet(models.QuerySet):
    def within(self, industry):
        """The industry and its sub-industries (the taxonomy has two levels)."""
        return self.filter(Q(pk=industry.pk) | Q(parent=industry.pk))


class LocationQuerySet(models.QuerySet):
    def within(self, location):
        """The place and everything inside it."""
        return self.filter(path__startswith=location.path)


class EnterpriseQuerySet(models.QuerySet):
    def in_place(self, location):
        """Enterprises in the place or anywhere inside it. An enterprise known only to be
        in a province sits on the province and is never counted for a city in it."""
        return self.filter(location__path__startswith=location.path)

    def with_evidence(self):
        """Annotate claim count and first/last seen from the claims' article dates.

        Subqueries rather than a JOIN + GROUP BY, so the annotations stay correct whatever
        other joins a filter adds."""
        from .models import Claim

        claims = Claim.objects.filter(enterprise=OuterRef("pk")).order_by().values("enterprise")
        return self.annotate(
            # COUNT(*), not COUNT(id): answered from registry_claim_ent_cover alone.
            claim_count=Subquery(claims.annotate(n=Count("*")).values("n")),
            first_seen=Subquery(claims.annotate(d=Min("article__published")).values("d")),
            last_seen=Subquery(claims.annotate(d=Max("article__published")).values("d")),
        )


class ArticleQuerySet(models.QuerySet):
    def public(self):
        return self.filter(disclosure="public")

    def visible_to(self, user):
        return self if can_see_restricted(user) else self.public()


class ClaimQuerySet(models.QuerySet):
    def public(self):
        return self.filter(article__disclosure="public")

    def visible_to(self, user):
        return self if can_see_restricted(user) else self.public()

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
            ids = {i.pk for i in industries}
            qs = qs.filter(Q(enterprise__industry__in=ids) | Q(enterprise__industry__parent__in=ids))
        if places:
            within = Q()
            for place in places:
                within |= Q(enterprise__location__path__startswith=place.path)
            qs = qs.filter(within)
        if start is not None:
            qs = qs.filter(article__published__gte=start)
        if end is not None:
            qs = qs.filter(article__published__lte=end)
        return qs
