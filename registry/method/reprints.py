"""Likely reprints: other sources' articles within ±3 days naming the same enterprise and
activity, with a similar headline (English or Korean), for a coder to link as one story.

    reprint_suggestions(articles=[article], user=request.user)
"""

import datetime
from difflib import SequenceMatcher

from django.db.models import Q

from registry.models import Article, Claim

WINDOW = datetime.timedelta(days=3)
SIMILAR = 0.5  # difflib ratio of the headlines; KCNA and Rodong Sinmun headlines of one event pass it
MAX_CANDIDATES = 200  # candidates read per call, before the headline test: every call bounded


def similarity(a, b):
    """The best ratio between the two articles' English and Korean headlines."""
    pairs = [(a.title, b.title), (a.title_ko, b.title_ko), (a.title, b.title_ko), (a.title_ko, b.title)]
    return max((SequenceMatcher(None, x.lower(), y.lower()).ratio() for x, y in pairs if x and y), default=0.0)


def reprint_suggestions(*, articles, user, exclude=()):
    """Articles `user` may see that look like reprints of any of `articles`, most similar first."""
    articles = list(articles)
    if not articles:
        return []
    near = Q()
    for article in articles:
        units = Claim.objects.visible_to(user).filter(article=article).values_list("enterprise_id", "activity")
        for enterprise, activity in units:
            near |= Q(
                published__range=(article.published - WINDOW, article.published + WINDOW),
                claims__enterprise_id=enterprise, claims__activity=activity,
            ) & ~Q(source_id=article.source_id)
    if not near:
        return []
    skip = {a.pk for a in articles} | {getattr(a, "pk", a) for a in exclude}
    candidates = (
        Article.objects.open_to_coding(user).filter(near).exclude(pk__in=skip).distinct()
        .select_related("source").order_by("published", "pk")[:MAX_CANDIDATES]
    )
    scored = [(max(similarity(c, a) for a in articles), c) for c in candidates]
    return [c for score, c in sorted(scored, key=lambda pair: -pair[0]) if score >= SIMILAR]
