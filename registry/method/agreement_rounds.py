"""An agreement round measured: the two codings of its coded articles read from the
database and compared by registry/method/agreement.py, per pair of coders and for the round.

The first coding is the claims of the sampled articles: as they stand now while the round is
open, and as they stood when it closed once it is closed (from the claims' history), so that
adjudicating a disagreement, which changes a claim, does not raise the round's alpha after
the fact. The first coder of a unit is its article's coder.

Callers decide who may read this: the admin's round page (reviewers), the agreement_report
command, and releases (only public, published articles: `articles=`).
"""

from django.db.models import Exists, OuterRef

from registry.access.visibility import blinded_articles, can_see_restricted
from registry.method import agreement
from registry.models import Adjudication, Article, Claim, Enterprise, RoundStatus, SecondCoding


def second_coding_enterprises(user):
    """The enterprises a second coder may code: those with a claim on an article they may
    read whatever its status (drawn articles are unpublished, and so are often the
    enterprises they name), less the articles they code blind, or with no claims yet. An
    enterprise known only from the drawn articles themselves is not offered: its existence is
    the first coding. (The name of an enterprise in another coder's draft is offered.)"""
    claims = Claim.objects.filter(enterprise=OuterRef("pk")).exclude(article__in=blinded_articles(user))
    if not can_see_restricted(user):
        claims = claims.filter(article__disclosure="public")
    return Enterprise.objects.filter(Exists(claims) | ~Exists(Claim.objects.filter(enterprise=OuterRef("pk"))))


def _first_claims(round, article_ids):
    if round.status == RoundStatus.CLOSED and round.closed_at is not None:
        rows = Claim.history.as_of(round.closed_at).filter(article_id__in=article_ids)
    else:
        rows = Claim.objects.filter(article_id__in=article_ids)
    return {(c.article_id, c.enterprise_id, c.activity): (c.code, c.detail) for c in rows}


def codings(round, *, articles=None):
    """(first, second, coders): {unit: (code, detail)} of each coder over the round's coded
    articles (limited to the Article queryset `articles` if given), and {article id: first
    coder's name}."""
    drawn = round.articles.filter(coded_at__isnull=False)
    if articles is not None:
        drawn = drawn.filter(article__in=articles.values("pk"))
    article_ids = list(drawn.values_list("article_id", flat=True))
    first = _first_claims(round, article_ids)
    second = {
        (c.drawn.article_id, c.enterprise_id, c.activity): (c.code, c.detail)
        for c in SecondCoding.objects.filter(drawn__in=drawn).select_related("drawn")
    }
    coders = {
        pk: (username or "—")
        for pk, username in Article.objects.filter(pk__in=article_ids).values_list("pk", "coded_by__username")
    }
    return first, second, coders


def _measure(first, second, seed):
    result = agreement.compare({u: v[0] for u, v in first.items()}, {u: v[0] for u, v in second.items()}, seed=seed)
    return {"units": result["units"], "code": result["code"], "activity": result["activity"],
            "activity_nominal": result["activity_nominal"], "disagreements": result["disagreements"]}


def results(round, *, articles=None):
    """{"articles": coded articles, "all": the round's agreement, "pairs": [one per first coder
    with the second coder]}; each agreement {"units", "code", "activity", "disagreements"},
    code and activity {"alpha", "level", "verdict", "interval"}. The bootstrap is seeded with
    the round's seed: the same round reports the same interval."""
    first, second, coders = codings(round, articles=articles)
    second_name = round.second_coder.get_username()
    out = {"round": round.pk, "status": round.status, "articles": len(coders), "all": _measure(first, second, round.seed), "pairs": []}
    names = sorted(set(coders.values()))
    for name in names:
        mine = {pk for pk, coder in coders.items() if coder == name}
        # One first coder: the pair is the round (the bootstrap is the costly part).
        pair = out["all"] if len(names) == 1 else _measure(
            {u: v for u, v in first.items() if u[0] in mine}, {u: v for u, v in second.items() if u[0] in mine}, round.seed)
        out["pairs"].append({"first_coder": name, "second_coder": second_name, "articles": len(mine), **pair})
    return out


def disagreements(round):
    """The round's disagreements with what each coder said and how each was settled:
    dicts of article, enterprise ids, activity, first/second (code, detail) or None, and
    outcome (None while unsettled)."""
    first, second, _ = codings(round)
    settled = {
        (a.article_id, a.enterprise_id, a.activity): a.outcome
        for a in Adjudication.objects.filter(round=round)
    }
    rows = []
    for unit in sorted(set(first) | set(second)):
        if first.get(unit, (None,))[0] == second.get(unit, (None,))[0]:
            continue
        rows.append({
            "article": unit[0], "enterprise": unit[1], "activity": unit[2],
            "first": first.get(unit), "second": second.get(unit), "outcome": settled.get(unit),
        })
    return rows


REPORT_COLUMNS = [
    "round", "status", "first_coder", "second_coder", "articles", "units", "activity_units",
    "alpha_code", "code_low", "code_high", "code_verdict",
    "alpha_activity", "activity_low", "activity_high", "activity_verdict",
]


def _row(round, status, first_coder, second_coder, articles, found):
    code, activity = found["code"], found["activity"]
    return dict(zip(REPORT_COLUMNS, (
        round, status, first_coder, second_coder, articles, found["units"], activity["units"],
        code["alpha"], *(code["interval"] or (None, None)), code["verdict"],
        activity["alpha"], *(activity["interval"] or (None, None)), activity["verdict"],
    )))


def report_rows(rounds):
    """One row per round and coder pair, then the round as a whole (first_coder "all")."""
    for round in rounds:
        found = results(round)
        for pair in found["pairs"]:
            yield _row(round.pk, round.status, pair["first_coder"], pair["second_coder"], pair["articles"], pair)
        yield _row(round.pk, round.status, "all", round.second_coder.get_username(), found["articles"], found["all"])
