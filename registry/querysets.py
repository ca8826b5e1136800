"""Read paths of the registry, as named queryset methods the views call."""

from django.db import models
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery

RESTRICTED_PERMISSION = "registry.view_restricted"


def can_see_restricted(user):
    """Restricted articles, full texts and internal notes are for signed-in users with the
    permission; everyone else sees public articles' public fields only."""
    return bool(user and user.is_authenticated and user.has_perm(RESTRICTED_PERMISSION))


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
            claim_count=Subquery(claims.annotate(n=Count("id")).values("n")),
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

    def matching(self, *, activities=None, max_code=None):
        """Claims of the given activity slugs (None: all) at or below a reliability code."""
        qs = self
        if activities:
            qs = qs.filter(activity__in=sorted(activities))
        if max_code is not None:
            qs = qs.filter(code__lte=max_code)
        return qs
