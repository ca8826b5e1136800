"""Who may see what: the permissions, the one visibility rule as Q objects, and the place
and industry conditions every read path shares.

Imports no models: the querysets beside each model (registry/models/) build on these, and
the API, pages, admin and tools call them directly.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, Q

RESTRICTED_PERMISSION = "registry.view_restricted"
REVIEW_PERMISSION = "registry.review_article"
# Reviewers draw inter-coder agreement rounds (registry/models/agreement.py).
DRAW_ROUND_PERMISSION = "registry.draw_agreement_round"
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
    return list(settings.REGISTRY_PUBLISHED_STATUSES)


def sees_everything(user):
    """Whether `visible_to(user)` hides nothing from this user."""
    return can_see_restricted(user) and can_see_unpublished(user)


def sees_public_view(user):
    """Whether `visible_articles(user)` is exactly the public rule, so the enterprise
    evidence stored for the public (registry/stored/evidence.py) is this user's too: anonymous
    users, and signed-in ones who may see neither restricted material nor drafts, have
    coded no draft of their own (which they alone would see) and second-code no open
    agreement round (whose first coding the public figures include). Everyone else gets
    figures computed from the claims they may see."""
    if user is None or not user.is_authenticated:
        return True
    if can_see_restricted(user) or can_see_unpublished(user):
        return False
    # Asked once per request: the user object lives as long as the request.
    if not hasattr(user, "_sees_public_view"):
        from django.apps import apps  # this module imports no models at load time

        drafts = apps.get_model("registry", "Article").objects.filter(coded_by=user.pk).exclude(status__in=published_statuses())
        user._sees_public_view = not drafts.exists() and not blinded_articles(user).exists()
    return user._sees_public_view


def visible_articles(user, via=""):
    """Q: the articles (reached through `via`, e.g. "article__") a user may see: public ones
    unless they may see restricted material, published ones unless they may see drafts (their
    own drafts always). The one visibility rule; every visible_to is built from it."""
    found = Q()
    if not can_see_restricted(user):
        found &= Q(**{f"{via}disclosure": "public"})
    if not can_see_unpublished(user):
        published = Q(**{f"{via}status__in": published_statuses()})
        if user is not None and user.is_authenticated:
            published |= Q(**{f"{via}coded_by": user.pk})
        found &= published
    return found & unblinded_articles(user, via)


def unblinded_articles(user, via=""):
    """Q: articles (reached through `via`) the user may see as far as blind double-coding
    goes: an article drawn in an open agreement round does not exist for its second coder
    (its summary, notes and claims are the first coding) anywhere but the round's own page,
    whatever else they may see. For anonymous users nothing: drawn articles are unpublished
    (services.round_draw), so the publication rule hides them."""
    if user is None or not user.is_authenticated:
        return Q()
    return ~Q(**{f"{via}pk__in": blinded_articles(user)})


def unblinded_claims(user, via=""):
    """Q: claims (reached through `via`) the user may see as far as blind double-coding goes:
    while an agreement round is open, the claims of its sampled articles do not exist for
    its second coder, whatever else they may see (a reviewer second-coding too). A subquery,
    not a lookup first: no extra query, and for users with no open round it finds nothing."""
    if user is None or not user.is_authenticated:
        return Q()
    return ~Q(**{f"{via}article_id__in": blinded_articles(user)})


def blinded_articles(user):
    """The ids (a subquery) of the articles a signed-in user is second-coding blind: those
    of the open agreement rounds they were given."""
    from django.apps import apps  # the models import this module

    drawn = apps.get_model("registry", "RoundArticle").objects.filter(round__second_coder=user.pk, round__status="open")
    return drawn.values("article_id")


def known_through(claims, user):
    """Condition: the claims (an enterprise's, filtered on an OuterRef to it) include one the
    user may see, or there are none at all yet. An enterprise known only from restricted
    articles or drafts does not exist for the user."""
    return Exists(claims.filter(visible_articles(user, "article__"))) | ~Exists(claims)


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
