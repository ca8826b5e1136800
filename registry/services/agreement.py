"""Inter-coder agreement rounds: drawing a sample, a second coder's coding, closing a round,
adjudicating a disagreement, and a double-coded sample imported from CSV."""

import random

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.importing.rows import ImportFailed
from registry.method.agreement_csv import parse_agreement_csv
from registry.method.agreement_rounds import disagreements, second_coding_enterprises
from registry.method.codebook import Activity, Code
from registry.models import (
    Adjudication, AgreementRound, Article, Claim, Disclosure, Enterprise, Outcome, RoundArticle, RoundStatus,
    SecondCoding
)
from registry.access.visibility import DRAW_ROUND_PERMISSION, can_see_restricted, published_statuses
from registry.services.records import name_change, claim_delete, claim_save, record_save


# ---- inter-coder agreement rounds ------------------------------------------------------

MAX_ROUND_SIZE = 1000


def _may_draw(user):
    if user is None or not user.is_authenticated or not user.has_perm(DRAW_ROUND_PERMISSION):
        raise PermissionDenied(_("Only a reviewer may draw, close or adjudicate an agreement round."))


def _allocate(strata, size):
    """Proportional allocation with largest remainders: stratum h of N_h articles gets
    floor(size * N_h / N), and the articles left over go one each to the strata with the
    largest remainders (ties: the stratum named first). {key: ids} -> {key: n}."""
    total = sum(len(ids) for ids in strata.values())
    exact = {key: size * len(ids) / total for key, ids in strata.items()}
    counts = {key: int(value) for key, value in exact.items()}
    left = size - sum(counts.values())
    for key in sorted(strata, key=lambda k: (-(exact[k] - counts[k]), k))[:left]:
        counts[key] += 1
    return counts


@transaction.atomic
def round_draw(*, user, size, seed, second_coder, by_source=False, by_year=False, first_coder=None):
    """Draw an agreement round as `user` (a reviewer): `size` coded articles not yet
    published (a status outside REGISTRY_PUBLISHED_STATUSES, with claims) that the user may
    see, at random, for `second_coder` to code blind; never an article the second coder coded
    first, nor a restricted one they may not read. With `first_coder`, only that coder's.

    Reproducible: the candidates are ordered by id and drawn with random.Random(seed), so the
    same seed over the same articles gives the same sample. With by_source and/or by_year
    the candidates fall into strata (source, year, or both), each stratum drawn apart with a
    share of `size` proportional to its size (_allocate). Raises ValidationError naming the
    field for a bad size or coder; writes nothing then."""
    _may_draw(user)
    errors = {}
    if not isinstance(size, int) or not 1 <= size <= MAX_ROUND_SIZE:
        errors["size"] = _("The size is a whole number from 1 to %(max)s.") % {"max": MAX_ROUND_SIZE}
    if not isinstance(seed, int) or seed < 0:
        errors["seed"] = _("The seed is a whole number, 0 or more.")
    if second_coder is None or not second_coder.is_active or not second_coder.has_perm("registry.add_secondcoding"):
        errors["second_coder"] = _("The second coder must be an active user who may code (registry.add_secondcoding).")
    if errors:
        raise ValidationError(errors)
    # Not yet published, and coded: the first coding is on no public answer, page or release
    # while the round is open (article_save refuses to publish a drawn article until it
    # closes), and the second coder sees nothing of it (visibility.unblinded_articles).
    candidates = (
        Article.objects.visible_to(user).exclude(status__in=published_statuses()).exclude(coded_by=second_coder)
        .filter(Exists(Claim.objects.filter(article=OuterRef("pk"))))
    )
    if not can_see_restricted(second_coder):
        candidates = candidates.filter(disclosure=Disclosure.PUBLIC)
    if first_coder is not None:
        candidates = candidates.filter(coded_by=first_coder)
    strata = {}
    for pk, source, published in candidates.order_by("pk").values_list("pk", "source__short_name", "published"):
        key = " ".join(part for part, wanted in ((source, by_source), (str(published.year), by_year)) if wanted)
        strata.setdefault(key, []).append(pk)
    available = sum(len(ids) for ids in strata.values())
    if size > available:
        raise ValidationError({"size": _("Only %(n)s coded, unpublished articles can be drawn for this coder; ask for fewer.") % {"n": available}})
    rng = random.Random(seed)
    drawn = []
    for key, n in sorted(_allocate(strata, size).items()):
        drawn += [(pk, key) for pk in rng.sample(strata[key], n)]
    round = record_save(
        instance=AgreementRound(size=size, seed=seed, by_source=by_source, by_year=by_year, first_coder=first_coder,
                                second_coder=second_coder, created_by=user),
        user=user,
    )
    RoundArticle.objects.bulk_create([RoundArticle(round=round, article_id=pk, stratum=key) for pk, key in sorted(drawn)])
    return round


@transaction.atomic
def second_coding_save(*, user, drawn, codings, enterprises=None):
    """The second coder's coding of one drawn article, as a whole: `codings` is a list of
    {"enterprise", "activity", "code", "detail"} (one per unit); units coded before and not
    listed are removed. Only the round's second coder, only while it is open. Marks the
    article coded (it is measured from now on). Raises ValidationError naming the row and
    field of the first bad unit; writes nothing then."""
    round = AgreementRound.objects.select_for_update().get(pk=drawn.round_id)
    if user is None or not user.is_authenticated or round.second_coder_id != user.pk or not user.has_perm("registry.add_secondcoding"):
        raise PermissionDenied(_("Only the round's second coder may code its articles."))
    if round.status != RoundStatus.OPEN:
        raise ValidationError(_("Round %(id)s is closed: its codings no longer change.") % {"id": round.pk})
    # `enterprises`: the import's, named in its file (coded elsewhere, blind there).
    enterprises = second_coding_enterprises(user) if enterprises is None else enterprises
    wanted = {}
    for number, row in enumerate(codings, start=1):
        enterprise = row.get("enterprise")
        enterprise_id = getattr(enterprise, "pk", enterprise)
        if enterprise_id is None or not enterprises.filter(pk=enterprise_id).exists():
            raise ValidationError({"enterprise": _("Row %(n)s: no such enterprise.") % {"n": number}})
        if row.get("activity") not in Activity.values:
            raise ValidationError({"activity": _("Row %(n)s: %(value)r is not an activity.") % {"n": number, "value": row.get("activity")}})
        if row.get("code") not in Code.values:
            raise ValidationError({"code": _("Row %(n)s: the code is a number from 1 to 5 (%(value)r is not).") % {"n": number, "value": row.get("code")}})
        unit = (enterprise_id, row["activity"])
        if unit in wanted:
            raise ValidationError({"enterprise": _("Row %(n)s repeats an enterprise and activity.") % {"n": number}})
        wanted[unit] = (row["code"], (row.get("detail") or "").strip())
    stored = {(c.enterprise_id, c.activity): c for c in SecondCoding.objects.filter(drawn=drawn)}
    for unit, coding in stored.items():
        if unit not in wanted:
            name_change(coding, user)
            coding.delete()
    for (enterprise_id, activity), (code, detail) in wanted.items():
        coding = stored.get((enterprise_id, activity)) or SecondCoding(drawn=drawn, enterprise_id=enterprise_id, activity=activity, coder=user)
        if coding.pk is not None and (coding.code, coding.detail) == (code, detail):
            continue
        coding.code, coding.detail = code, detail
        record_save(instance=coding, user=user)
    drawn.coded_at = timezone.now()
    drawn.save(update_fields=["coded_at"])
    return drawn


@transaction.atomic
def round_close(*, user, round):
    """Close a round (a reviewer): second coding ends, the first coding is measured as it
    stands now, and its claims are no longer hidden from the second coder."""
    _may_draw(user)
    round = AgreementRound.objects.select_for_update().get(pk=round.pk)
    if round.status != RoundStatus.OPEN:
        raise ValidationError(_("Round %(id)s is already closed.") % {"id": round.pk})
    round.status, round.closed_at = RoundStatus.CLOSED, timezone.now()
    return record_save(instance=round, user=user, reason="closed")


@transaction.atomic
def adjudicate(*, user, round, article, enterprise, activity, outcome):
    """Settle one disagreement of a closed round (a reviewer): keep the first coding, or take
    the second, which changes the claims through claim_save / claim_delete (the workflow and
    the history hold: the claim's history names the reviewer and the round). Recorded as an
    Adjudication, once per unit. Raises ValidationError for a unit that is not a
    disagreement of the round or an outcome that is not one of Outcome."""
    _may_draw(user)
    if round.status != RoundStatus.CLOSED:
        raise ValidationError(_("Close round %(id)s before adjudicating it: its second coder is still coding blind.") % {"id": round.pk})
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("The outcome is one of: %(values)s.") % {"values": ", ".join(Outcome.values)}})
    article_id, enterprise_id = getattr(article, "pk", article), getattr(enterprise, "pk", enterprise)
    found = [d for d in disagreements(round) if (d["article"], d["enterprise"], d["activity"]) == (article_id, enterprise_id, activity)]
    if not found:
        raise ValidationError(_("Article #%(a)s, enterprise #%(e)s, %(activity)s is not a disagreement of round %(id)s.") % {
            "a": article_id, "e": enterprise_id, "activity": activity, "id": round.pk})
    if found[0]["outcome"] is not None:
        raise ValidationError(_("That disagreement was settled already (%(outcome)s).") % {"outcome": found[0]["outcome"]})
    reason = f"adjudicated in agreement round {round.pk}"
    if outcome == Outcome.SECOND:
        claim = Claim.objects.select_for_update().filter(article_id=article_id, enterprise_id=enterprise_id, activity=activity).first()
        second = found[0]["second"]
        if second is None:
            if claim is not None:
                claim._change_reason = reason
                claim_delete(claim=claim, user=user)
        else:
            claim = claim or Claim(article_id=article_id, enterprise_id=enterprise_id, activity=activity)
            claim.code, claim.detail = second
            claim._change_reason = reason
            claim_save(claim=claim, user=user)
    return record_save(
        instance=Adjudication(round=round, article_id=article_id, enterprise_id=enterprise_id, activity=activity,
                              outcome=outcome, decided_by=user),
        user=user, reason=reason,
    )


@transaction.atomic
def agreement_import(*, data, second_coder, user=None, close=False):
    """A round double-coded outside the registry (on paper, in a spreadsheet), from CSV
    (registry/method/agreement_csv.py): its articles are the sample, its rows the second coding of
    `second_coder`; closed at once with `close`. All of it, or nothing (ImportFailed naming
    every bad row). The round's seed is 0: it was not drawn here."""
    coded = parse_agreement_csv(data)
    if second_coder is None or not second_coder.has_perm("registry.add_secondcoding"):
        raise ImportFailed(["the second coder must be a user who may code (registry.add_secondcoding)"])
    published = [article for article in coded if article.status in published_statuses()]
    if published and not close:
        # Left open, its first coding would be public while it counts as blind.
        raise ImportFailed([_("%(n)s of the articles are published: a round coded elsewhere on published articles is imported "
                              "closed (--close).") % {"n": len(published)}])
    # Imported twice (make setup run again): the round of these articles is there already.
    wanted = sorted(article.pk for article in coded)
    for earlier in AgreementRound.objects.filter(second_coder=second_coder, size=len(coded), seed=0):
        if sorted(earlier.articles.values_list("article_id", flat=True)) == wanted:
            return earlier
    round = record_save(
        instance=AgreementRound(size=len(coded), seed=0, second_coder=second_coder, created_by=user), user=user, reason="agreement_import")
    for article in coded:
        drawn = RoundArticle.objects.create(round=round, article=article, stratum="imported")
        named = [e.pk for e, *_rest in coded[article]]
        second_coding_save(user=second_coder, drawn=drawn, enterprises=Enterprise.objects.filter(pk__in=named), codings=[
            {"enterprise": e.pk, "activity": activity, "code": code, "detail": detail} for e, activity, code, detail in coded[article]
        ])
    if close:
        round.status, round.closed_at = RoundStatus.CLOSED, timezone.now()
        record_save(instance=round, user=user, reason="agreement_import: closed")
    return round


