"""Every write, as keyword-only functions under one transaction: the API's serializers, the
admin's save_model/save_formset/delete_model, the import and the merge all call these. Each
checks the workflow, names the user on the history row, and moves the version on (the
models' save() does, through infra/locking.py).

The workflow: draft -> coded -> reviewed. Only a reviewer marks an article reviewed; a change
by anyone else to a reviewed article, or to one of its claims, returns it to coded, and its
history says why.
"""

import random

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from registry.stored import evidence
from infra import locking
from registry.articles import search
from infra.bulk import insert_rows
from registry.series.coverage_csv import parse_coverage_csv
from registry.importing.matching import duplicate_error
from registry.enterprises.attribute_values import (
    AttributeValueError, enterprise_named, parse_end, parse_start, resolve_value
)
from registry.importing.claims import ImportFailed, RowError, parse_claims_csv, parse_csv, plan_import
from registry.method.codebook import Activity, Code, EnterpriseKind, Grade
from registry.method.dates import BadDate
from registry.models import (
    Adjudication, AgreementRound, Article, Attribute, AttributePeriod, Claim, Coverage, Disclosure,
    Enterprise, EnterpriseAlias, Outcome, RoundArticle, RoundStatus, SecondCoding, Status, Story,
    StoryMember
)
from registry.models.history import PLAIN_FIELD, VALUE_COLUMN
from registry.places.names import name_key
from registry.access.roles import may_review
from registry.access.visibility import DRAW_ROUND_PERMISSION, published_statuses

REOPENED = "returned to coded: changed after review"


class WorkflowError(ValidationError):
    """A write the workflow forbids (a coder marking an article reviewed). Nothing was written."""


def _stored(instance):
    """The row as stored now, or None for a new one."""
    if instance.pk is None:
        return None
    return type(instance)._default_manager.filter(pk=instance.pk).first()


def _differs(instance, stored):
    # A claim's stored public date follows its article (registry/stored/evidence.py), its region and
    # grade its enterprise: not an edit.
    derived = ("version", "updated_at", "text_sha256", *evidence.CLAIM_COLUMNS, *evidence.ENTERPRISE_COLUMNS)
    fields = [f.attname for f in instance._meta.concrete_fields if f.attname not in derived]
    return any(getattr(instance, name) != getattr(stored, name) for name in fields)


def _record(instance, user, reason=None):
    instance._history_user = user if user is not None and user.is_authenticated else None
    if reason:
        instance._change_reason = reason


@transaction.atomic
def article_save(*, article, user, reason=None):
    """Create or change an article as `user`. The first to save it is its coder (a draft is
    seen by its coder); whoever marks it reviewed is its reviewer. A coder's change to a
    reviewed article returns it to coded. Raises WorkflowError for a coder marking it
    reviewed, locking.VersionConflict if it changed since `article.version` was read."""
    if article.pk is not None:
        _refuse_blinded(article, user, field="title")
    stored = _stored(article)
    previous = stored.status if stored is not None else None
    reviewer = may_review(user)
    if article.status == Status.REVIEWED and previous != Status.REVIEWED and not reviewer:
        raise WorkflowError({"status": "Only a reviewer may mark an article reviewed; save it as coded."})
    if previous == Status.REVIEWED and article.status == Status.REVIEWED and not reviewer and _differs(article, stored):
        article.status, reason = Status.CODED, REOPENED
    if article.coded_by_id is None and user is not None and user.is_authenticated:
        article.coded_by = user
    if article.status == Status.REVIEWED and previous != Status.REVIEWED:
        article.reviewed_by = user
    if article.status != Status.REVIEWED:
        article.reviewed_by = None
    _record(article, user, reason)
    article.save()
    return article


def _claims_changed(article_ids, user, touch=True):
    """Claims of these articles were written: each article's version moves on (a coder holding
    it must reload it), and a reviewed one is returned to coded unless a reviewer did it."""
    article_ids = {pk for pk in article_ids if pk is not None}
    if not article_ids:
        return
    # The enterprises an article names are part of what it is found by (registry/articles/search.py):
    # for bulk writes (the merge's) and a claim moved to another article.
    search.refresh_articles(article_ids)
    if not may_review(user):
        for article in Article.objects.filter(pk__in=article_ids, status=Status.REVIEWED):
            article.status, article.reviewed_by = Status.CODED, None
            _record(article, user, REOPENED + " (a claim)")
            article.save()
            article_ids.discard(article.pk)
    if touch:
        locking.touch(Article, article_ids)


def _refuse_blinded(row, user, field="article"):
    """A second coder writing an article they are coding blind, or a claim on it, would meet
    (and so learn of) the first coding: refused, naming the article. `row`: a claim or an
    article."""
    article_id = row.pk if isinstance(row, Article) else row.article_id
    if user is None or not user.is_authenticated or article_id is None:
        return
    if RoundArticle.objects.filter(article_id=article_id, round__second_coder=user.pk, round__status=RoundStatus.OPEN).exists():
        raise WorkflowError({field: _("Article #%(id)s is in your open agreement round: code it in the round, not here.") % {"id": article_id}})


@transaction.atomic
def claim_save(*, claim, user, with_article=False):
    """Create or change a claim as `user`; its article (and the one it moved from) moves on.
    `with_article`: saved on its article's own page, whose save has moved the article on."""
    _refuse_blinded(claim, user)
    stored = _stored(claim)
    _record(claim, user)
    claim.save()
    if stored is not None and not _differs(claim, stored):
        return claim
    _claims_changed({claim.article_id, stored.article_id if stored else None}, user, touch=not with_article)
    return claim


@transaction.atomic
def claim_delete(*, claim, user, with_article=False):
    """Delete a claim as `user`; its article moves on (see claim_save)."""
    _record(claim, user)
    article_id = claim.article_id
    claim.delete()
    _claims_changed({article_id}, user, touch=not with_article)


@transaction.atomic
def record_save(*, instance, user, reason=None):
    """Create or change any other record (enterprise, alias, place, industry, source) as `user`."""
    _record(instance, user, reason)
    instance.save()  # an enterprise's or alias's new name reaches its articles' search columns (search.py's signals)
    return instance


@transaction.atomic
def record_delete(*, instance, user):
    """Delete a record as `user`; a claim through claim_delete, so its article is told."""
    if isinstance(instance, Claim):
        return claim_delete(claim=instance, user=user)
    _record(instance, user)
    instance.delete()


def claims_import(*, data, user=None, dry_run=False, progress=None, accept_new=(), keep_existing=False):
    """Import a CSV of coded claims (text or bytes): all of it, or nothing.

    Returns the plan's counts. Raises importing.ImportFailed listing every bad row; then
    nothing is written. Re-importing a file adds nothing: what exists is matched.
    A new enterprise the duplicate guard finds close to an existing one is not created
    unless its name is in `accept_new` (the coder confirmed it is another enterprise); the
    plan's `held` lists those still unconfirmed (a dry run reports them).
    `progress(done, total)` is called as claims are written, for a terminal's benefit.
    `keep_existing`: what is recorded wins over the file (`make setup` run again on a
    database coders have worked in): it only adds what is missing."""
    rows = parse_claims_csv(data)
    plan = plan_import(rows, accept_new=accept_new, keep_existing=keep_existing)
    plan.counts()  # fixed before the write marks new rows as existing
    confirmed = {name_key(name) for name in accept_new}
    plan.held = [e for e in plan.flagged_enterprises if name_key(e.name) not in confirmed]
    if plan.held and not dry_run:
        raise ImportFailed([duplicate_error(e) for e in plan.held])
    if not dry_run:
        with transaction.atomic():
            _write(plan, user, progress)
    return plan


def _write(plan, user, progress):
    reason = "import_claims"
    user_id = user.pk if user else None
    _refine(plan.refined_enterprises, user, reason)
    # Plain rows, not model instances: save() is not called, so the name key is set here.
    new_enterprises = plan.new_enterprises
    already_stored = {a.existing_id for a in plan.articles.values() if a.existing_id is not None}
    new_articles = [a for a in plan.articles.values() if a.existing_id is None]
    # The articles go in first: a new article is written with its search columns whole, the
    # names of the enterprises its claims name included (registry/articles/search.py), rather than
    # written and then updated; a new enterprise's names are the file's (it has no alias).
    named = {id(a): set() for a in new_articles}
    for c in plan.claims.values():
        article = plan.articles[c.article_key]
        if article.existing_id is None:
            named[id(article)].add(c.enterprise_key)
    stored_names = search.enterprise_names(
        plan.enterprises[key].existing.pk for key in set().union(*named.values()) if plan.enterprises[key].existing
    )
    names = {}
    for key in set().union(*named.values()):
        planned = plan.enterprises[key]
        names[key] = stored_names[planned.existing.pk] if planned.existing else [planned.name, planned.hangul]
    ids = insert_rows(
        Article,
        [
            {"source_id": a.source.pk, "published": a.published, "precision": a.precision, "title": a.title,
             "title_ko": a.title_ko, "summary": a.summary, "status": Status.CODED, "coded_by_id": user_id,
             **search.article_fields(a.title, a.title_ko, a.summary),
             "search_names": search.names_tokens(n for key in named[id(a)] for n in names[key])}
            for a in new_articles
        ],
        user=user, reason=reason,
    )
    for article, pk in zip(new_articles, ids):
        article.existing_id = pk

    # The stored copies (the enterprises' region and evidence, the claims' public dates and
    # dated attributes) are the database's triggers' (registry/stored/copies.py), COPY or not.
    new_claims = [c for c in plan.claims.values() if not c.exists]
    ids = insert_rows(
        Enterprise,
        [
            {"name": e.name, "name_key": name_key(e.name), "hangul": e.hangul, "hangul_key": name_key(e.hangul),
             "grade": e.grade or "unknown", "kind": e.kind or "other",
             "industry_id": e.industry.pk if e.industry else None, "location_id": e.location.pk if e.location else None}
            for e in new_enterprises
        ],
        user=user, reason=reason,
    )
    enterprise_ids = {id(e): pk for e, pk in zip(new_enterprises, ids)}

    def enterprise_id(key):
        planned = plan.enterprises[key]
        return planned.existing.pk if planned.existing else enterprise_ids[id(planned)]

    claims = [
        {"article_id": plan.articles[c.article_key].existing_id, "enterprise_id": enterprise_id(c.enterprise_key),
         "activity": c.activity, "code": c.code, "detail": c.detail, "quantity": c.quantity, "unit": c.unit}
        for c in new_claims
    ]
    insert_rows(Claim, claims, user=user, reason=reason, progress=progress)
    # New claims on articles already stored change those articles: they move on, and a
    # reviewed one goes back to coded unless a reviewer imports; their search columns
    # follow the enterprises they now name.
    _claims_changed({c["article_id"] for c in claims} & already_stored, user)
    _link_stories(plan, user)


def _link_stories(plan, user):
    """The import's story column: each named story (found by title, or created) gets its
    articles; an article in another story moves to the one named."""
    for planned in plan.articles.values():
        if not planned.story:
            continue
        story = Story.objects.filter(title=planned.story).order_by("pk").first()
        if story is None:
            story = record_save(instance=Story(title=planned.story), user=user)
        member = StoryMember.objects.filter(article_id=planned.existing_id).first() or StoryMember(article_id=planned.existing_id)
        if member.story_id != story.pk:
            member.story = story
            record_save(instance=member, user=user)


def _refine(refined, user, reason):
    """Give existing enterprises the more precise place or industry a file names, each save
    a history row saying what was refined. Refuses (ImportFailed) if the enterprise changed
    since the plan read it."""
    for planned in refined:
        enterprise = Enterprise.objects.select_for_update().get(pk=planned.existing.pk)
        for column, (recorded, finer) in planned.refinements.items():
            if getattr(enterprise, f"{column}_id") != (recorded.pk if recorded else None):
                raise ImportFailed([RowError(planned.line, column, str(finer), f"{enterprise.name!r} was changed meanwhile; check the file again")])
            setattr(enterprise, column, finer)
        enterprise._change_reason = f"{reason}: refined {planned.describe_refinements()}"[:100]
        enterprise._history_user = user
        enterprise.save()


class MergeConflict(Exception):
    """Both enterprises carry a claim on the same article and activity, coded differently.
    `conflicts` lists (kept claim, absorbed claim) pairs; nothing was changed."""

    def __init__(self, conflicts):
        self.conflicts = conflicts
        lines = [
            f"{kept.article}: {kept.activity} coded {kept.code} ({kept.detail!r}) against {absorbed.code} ({absorbed.detail!r})"
            for kept, absorbed in conflicts
        ]
        super().__init__("conflicting claims; reconcile them first: " + "; ".join(lines))


class PeriodMergeConflict(MergeConflict):
    """An absorbed enterprise's attribute period overlaps one of the kept enterprise's:
    which holds is a coder's judgement. Nothing was changed."""

    def __init__(self, message):
        self.conflicts = []
        Exception.__init__(self, message)


def _merge_periods(keep, absorb, user, reason):
    """A merge's attribute periods (registry/models/history.py): the absorbed enterprise's
    go to `keep` (refused, PeriodMergeConflict, where one overlaps a period of `keep`), and
    periods naming it as the parent complex name `keep`; a period of `keep` naming the
    absorbed one as its own parent would make it its own parent, and goes."""
    for period in AttributePeriod.objects.filter(parent=absorb).exclude(enterprise__in=[keep, absorb]):
        period.parent = keep
        _record(period, user, reason)
        period.save()
    for period in AttributePeriod.objects.filter(parent=absorb, enterprise=keep):
        _record(period, user, reason)
        period.delete()
    for period in AttributePeriod.objects.filter(enterprise=absorb).select_related("location", "parent", "industry"):
        period.enterprise = keep
        if period.parent_id in (keep.pk, absorb.pk):
            _record(period, user, reason)
            period.delete()
            continue
        try:
            history_check(period)
        except ValidationError as error:
            raise PeriodMergeConflict("; ".join(m for messages in error.message_dict.values() for m in messages)) from None
        _record(period, user, reason)
        period.save()


def _claim_content(claim):
    return (claim.code, claim.detail, claim.quantity, claim.unit)


@transaction.atomic
def enterprise_merge(*, keep, absorb, user=None):
    """Merge `absorb` into `keep`: its claims, aliases and affiliated units move over, its
    names become aliases, blank fields of `keep` are filled from it, and it is deleted.

    Nothing is lost. The one collision the schema forbids is two claims of one article on one
    activity (registry_claim_one_per_activity): if they are coded alike, the absorbed one is a
    duplicate and is dropped (its history row keeps it); if they differ, the merge refuses
    with MergeConflict, because picking one code over the other is a coder's judgement.
    Every row written gets a history record naming the user and the merge."""
    if keep.pk == absorb.pk:
        raise ValueError("an enterprise cannot be merged into itself")
    keep = Enterprise.objects.select_for_update().get(pk=keep.pk)
    absorb = Enterprise.objects.select_for_update().get(pk=absorb.pk)
    reason = f"merge: {absorb.name} (#{absorb.pk}) into {keep.name} (#{keep.pk})"

    kept_claims = {(c.article_id, c.activity): c for c in Claim.objects.filter(enterprise=keep).select_related("article__source")}
    moving, duplicates, conflicts = [], [], []
    for claim in Claim.objects.filter(enterprise=absorb).select_related("article__source"):
        twin = kept_claims.get((claim.article_id, claim.activity))
        if twin is None:
            moving.append(claim)
        elif _claim_content(twin) == _claim_content(claim):
            duplicates.append(claim)
        else:
            conflicts.append((twin, claim))
    if conflicts:
        raise MergeConflict(conflicts)

    for claim in duplicates:
        claim._change_reason, claim._history_user = reason + " (duplicate claim)", user
        claim.delete()
    for claim in moving:
        claim.enterprise = keep
    # Their stored copies and both enterprises' evidence follow by the triggers (copies.py).
    bulk_update_with_history(moving, Claim, ["enterprise"], default_user=user, default_change_reason=reason)
    # Their articles now name another enterprise: a coder holding one open must reload it.
    _claims_changed({claim.article_id for claim in moving + duplicates}, user)

    # Fill what `keep` does not know from what `absorb` did; never overwrite.
    blank = {"hangul": "", "grade": "unknown", "kind": "other", "integration": "", "location_id": None,
             "industry_id": None, "products": "", "ministry": ""}
    for field, empty in blank.items():
        if getattr(keep, field) == empty and getattr(absorb, field) != empty:
            setattr(keep, field, getattr(absorb, field))
    if absorb.notes:
        keep.notes = "\n\n".join(n for n in (keep.notes, f"From {absorb.name} (merged): {absorb.notes}") if n)
    if keep.parent_id == absorb.pk:
        keep.parent_id = absorb.parent_id if absorb.parent_id != keep.pk else None
    keep._change_reason, keep._history_user = reason, user
    keep.save()

    known = {keep.name_key, name_key(keep.hangul)} | set(keep.aliases.values_list("name_key", flat=True))
    aliases = []
    for alias in absorb.aliases.all():
        if alias.name_key in known:
            continue  # the same name already reaches `keep`; it goes with the absorbed row
        known.add(alias.name_key)
        alias.enterprise = keep
        aliases.append(alias)
    bulk_update_with_history(aliases, EnterpriseAlias, ["enterprise"], default_user=user, default_change_reason=reason)
    for name in (absorb.name, absorb.hangul):
        if name and name_key(name) not in known:
            known.add(name_key(name))
            alias = EnterpriseAlias(enterprise=keep, name=name)
            alias._change_reason, alias._history_user = reason, user
            alias.save()

    units = list(absorb.units.exclude(pk=keep.pk))
    for unit in units:
        unit.parent = keep
    bulk_update_with_history(units, Enterprise, ["parent"], default_user=user, default_change_reason=reason)
    locking.touch(Enterprise, [unit.pk for unit in units])

    _merge_periods(keep, absorb, user, reason)

    absorb._change_reason, absorb._history_user = reason, user
    absorb.delete()
    # Its articles now name `keep`, which has gained the absorbed names as aliases.
    search.refresh_enterprise(keep.pk)
    return keep


class RestoreConflict(Exception):
    """A version cannot be restored as it was (a claim's enterprise is gone); nothing changed."""


@transaction.atomic
def article_restore(*, article, history_id, user=None):
    """Restore an article to one of its versions, its claims included: the claims it had
    when that version was current come back as they were, later ones go. `article` is the
    version as the revert page rebuilt it (the coder may have touched it up; its `version`
    is the one the coder opened, so a save in between is refused by locking). Returns how
    many claims were added, changed or removed. The article and each claim are written by
    article_save / claim_save / claim_delete, so the workflow, the user and the reason are
    recorded as for any other save."""
    record = Article.history.get(id=article.pk, history_id=history_id)
    reason = f"restored the version of {record.history_date:%Y-%m-%d %H:%M:%S}"
    # The claims as they stood when this version was current: just before the next save of
    # the article (whose own claim changes follow it), or now if it is the latest.
    following = Article.history.filter(id=article.pk, history_date__gt=record.history_date).order_by("history_date").first()
    if following is None:
        then = list(Claim.objects.filter(article_id=article.pk))
    else:
        then = list(Claim.history.as_of(following.history_date).filter(article_id=article.pk))
    missing = {c.enterprise_id for c in then} - set(Enterprise.objects.filter(pk__in={c.enterprise_id for c in then}).values_list("pk", flat=True))
    if missing:
        raise RestoreConflict(f"the version's claims name enterprise(s) no longer recorded (merged or deleted): #{', #'.join(map(str, sorted(missing)))}")
    article_save(article=article, user=user, reason=reason)

    wanted = {(c.enterprise_id, c.activity): c for c in then}
    current = {(c.enterprise_id, c.activity): c for c in Claim.objects.select_for_update().filter(article_id=article.pk)}
    changed = 0
    for key, claim in current.items():
        if key not in wanted:
            claim._change_reason = reason
            claim_delete(claim=claim, user=user, with_article=True)
            changed += 1
    for key, old in wanted.items():
        claim = current.get(key) or Claim(article_id=article.pk, enterprise_id=old.enterprise_id, activity=old.activity)
        if claim.pk is not None and _claim_content(claim) == _claim_content(old):
            continue
        claim.code, claim.detail, claim.quantity, claim.unit = _claim_content(old)
        claim._change_reason = reason
        claim_save(claim=claim, user=user, with_article=True)
        changed += 1
    return changed


@transaction.atomic
def coverage_import(*, data, user=None):
    """Import coverage ranges from CSV (registry/series/coverage_csv.py): all rows, or none.
    A range already recorded (same source, start, end, extent) is not added twice.
    Returns the number of ranges added."""
    added = 0
    for row in parse_coverage_csv(data, user=user if user is not None and user.is_authenticated else None):
        if not Coverage.objects.filter(source=row.source, start=row.start, end=row.end, extent=row.extent).exists():
            record_save(instance=row, user=user)
            added += 1
    return added


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
    """Draw an agreement round as `user` (a reviewer): `size` published articles the user
    may see, at random, for `second_coder` to code blind; never an article the second coder
    coded first. With `first_coder`, only that coder's articles.

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
    candidates = Article.objects.visible_to(user).filter(status__in=published_statuses()).exclude(coded_by=second_coder)
    if first_coder is not None:
        candidates = candidates.filter(coded_by=first_coder)
    strata = {}
    for pk, source, published in candidates.order_by("pk").values_list("pk", "source__short_name", "published"):
        key = " ".join(part for part, wanted in ((source, by_source), (str(published.year), by_year)) if wanted)
        strata.setdefault(key, []).append(pk)
    available = sum(len(ids) for ids in strata.values())
    if size > available:
        raise ValidationError({"size": _("Only %(n)s published articles can be drawn for this coder; ask for fewer.") % {"n": available}})
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
def second_coding_save(*, user, drawn, codings):
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
    enterprises = Enterprise.objects.visible_to(user)
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
            _record(coding, user)
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
    from registry.method.agreement_rounds import disagreements

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
    from registry.method.agreement_csv import parse_agreement_csv

    coded = parse_agreement_csv(data)
    if second_coder is None or not second_coder.has_perm("registry.add_secondcoding"):
        raise ImportFailed(["the second coder must be a user who may code (registry.add_secondcoding)"])
    # Imported twice (make setup run again): the round of these articles is there already.
    wanted = sorted(article.pk for article in coded)
    for earlier in AgreementRound.objects.filter(second_coder=second_coder, size=len(coded), seed=0):
        if sorted(earlier.articles.values_list("article_id", flat=True)) == wanted:
            return earlier
    round = record_save(
        instance=AgreementRound(size=len(coded), seed=0, second_coder=second_coder, created_by=user), user=user, reason="agreement_import")
    for article in coded:
        drawn = RoundArticle.objects.create(round=round, article=article, stratum="imported")
        second_coding_save(user=second_coder, drawn=drawn, codings=[
            {"enterprise": e.pk, "activity": activity, "code": code, "detail": detail} for e, activity, code, detail in coded[article]
        ])
    if close:
        round.status, round.closed_at = RoundStatus.CLOSED, timezone.now()
        record_save(instance=round, user=user, reason="agreement_import: closed")
    return round


class StoryConflict(ValidationError):
    """The articles are already in two different stories; nothing was changed."""


@transaction.atomic
def story_link(*, article, reprint, user, title=None):
    """Link `reprint` to `article` as one story (a coder's one click on a suggested reprint).
    The story is the one either is already in, or a new one named `title` (default: the
    article's headline). Two different stories are not merged here: that is done on the
    story's page, where all of both are seen. Returns the story; history names the user."""
    if article.pk == reprint.pk:
        raise StoryConflict({"reprint": _("an article is not a reprint of itself")})
    members = {m.article_id: m for m in StoryMember.objects.select_for_update().filter(article_id__in=[article.pk, reprint.pk]).select_related("story")}
    held = {m.story_id for m in members.values()}
    if len(held) > 1:
        first, second = members[article.pk].story, members[reprint.pk].story
        raise StoryConflict({"reprint": _("#%(article)s is in the story %(first)r and #%(reprint)s in %(second)r; "
                                          "merge them on a story's page") % {
            "article": article.pk, "first": first.title, "reprint": reprint.pk, "second": second.title}})
    if held:
        story = next(iter(members.values())).story
    else:
        # Named after a public one of the two: a story's title is shown to everyone who sees the story.
        named = next((a for a in (article, reprint) if a.disclosure == Disclosure.PUBLIC), article)
        name = (title or named.title or named.title_ko or f"article #{named.pk}")[:300]
        story = record_save(instance=Story(title=name), user=user, reason=f"linked #{article.pk} and #{reprint.pk} as one story")
    for pk in (article.pk, reprint.pk):
        if pk not in members:
            record_save(instance=StoryMember(story=story, article_id=pk), user=user, reason="linked as a reprint")
    return story


# ---- enterprises' attributes in time (registry/models/history.py) ------------------------

HISTORY_HEADER = ["enterprise", "field", "value", "valid_from", "valid_to", "evidence", "note"]
# A period's model fields -> the import_history column an error about them names.
_HISTORY_COLUMNS = {
    "enterprise": "enterprise", "attribute": "field", "value": "value", "location": "value", "parent": "value",
    "industry": "value", "valid_from": "valid_from", "valid_to": "valid_to", "article": "evidence", "source": "evidence",
    "note": "note", "__all__": "value",
}


def period_description(period):
    """"grade 1st grade (2015 – 2018-06)": a period as an overlap error names it (the
    labels' first words: "special", not "special (complexes, general enterprises)")."""
    return f"{period.attribute} {period.value_label().split(' (')[0]} ({period.period_label()})"


def history_check(period):
    """Raise ValidationError (by field) if `period` cannot be stored: a value that does not
    fit its attribute, an end before its start, no evidence, or an overlap with another
    period of the same attribute of the same enterprise (naming both periods). Reads only."""
    errors = {}
    attribute = period.attribute
    if attribute not in Attribute.values:
        raise ValidationError({"attribute": _("The field is one of: %(values)s.") % {"values": ", ".join(Attribute.values)}})
    column = VALUE_COLUMN[attribute]
    if attribute == Attribute.NAME and not (period.value or "").strip():
        errors["value"] = _("A name period needs the name.")
    elif attribute == Attribute.GRADE and period.value not in Grade.values:
        errors["value"] = _("%(value)r is not a grade; use one of %(values)s.") % {"value": period.value, "values": ", ".join(Grade.values)}
    elif attribute == Attribute.KIND and period.value not in EnterpriseKind.values:
        errors["value"] = _("%(value)r is not a kind; use one of %(values)s.") % {"value": period.value, "values": ", ".join(EnterpriseKind.values)}
    elif attribute == Attribute.PLACE and period.location_id is None:
        errors["value"] = _("A place period needs the place.")
    elif attribute == Attribute.PARENT and period.parent_id is not None and period.parent_id == period.enterprise_id:
        errors["value"] = _("An enterprise is not its own parent complex.")
    if period.valid_from and period.valid_to and period.valid_from > period.valid_to:
        errors["valid_to"] = _("The period ends (%(end)s) before it starts (%(start)s).") % {"end": period.valid_to, "start": period.valid_from}
    if period.article_id is None and not (period.source or "").strip():
        errors["article"] = _("Give the evidence: an article of the registry, or a source (a yearbook, a report).")
    if errors:
        raise ValidationError(errors)
    others = AttributePeriod.objects.filter(enterprise_id=period.enterprise_id, attribute=attribute)
    if column != "value":
        others = others.select_related(column)  # named in the message
    if period.pk is not None:
        others = others.exclude(pk=period.pk)
    if period.valid_to is not None:
        others = others.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=period.valid_to))
    if period.valid_from is not None:
        others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.valid_from))
    clash = others.order_by("valid_from", "pk").first()
    if clash is not None:
        raise ValidationError({"valid_from": _("%(period)s overlaps %(other)s; periods of one attribute may not overlap (leave a gap for unknown).")
                               % {"period": period_description(period), "other": period_description(clash)}})


def _covers(period, day):
    return (period.valid_from is None or period.valid_from <= day) and (period.valid_to is None or period.valid_to >= day)


@transaction.atomic
def history_save(*, period, user):
    """Create or change an attribute period as `user` (history_check first: nothing is
    written if it fails). A name period's name_key is set (search, the autocomplete, the
    import and the duplicate guard find past names by it). A period covering today (its end
    open or not yet passed) holds today's value: it is written to the enterprise's own field
    through record_save, so the plain fields stay "the value valid now"."""
    column = VALUE_COLUMN.get(period.attribute)
    for other in ("value", "location", "parent", "industry"):
        if column is not None and other != column:
            setattr(period, other if other == "value" else f"{other}_id", "" if other == "value" else None)
    if period.attribute == Attribute.NAME:
        period.value = period.value.strip()
    period.name_key = name_key(period.value) if period.attribute == Attribute.NAME else ""
    history_check(period)
    _record(period, user)
    period.save()
    if _covers(period, timezone.localdate()):
        enterprise = Enterprise.objects.select_for_update().get(pk=period.enterprise_id)
        plain = PLAIN_FIELD[period.attribute]
        value = period.value if column == "value" else getattr(period, f"{column}_id")
        attname = plain if column == "value" else f"{plain}_id"
        if getattr(enterprise, attname) != value:
            setattr(enterprise, attname, value)
            record_save(instance=enterprise, user=user, reason=f"history: {period_description(period)}"[:100])
    return period


@transaction.atomic
def history_delete(*, period, user):
    """Delete an attribute period as `user`. The enterprise's own fields keep what they
    hold (today's value is changed on the enterprise, or by a period covering today)."""
    _record(period, user)
    period.delete()


def history_import(*, data, user=None, dry_run=False):
    """Import attribute periods from CSV (HISTORY_HEADER: enterprise, field, value,
    valid_from, valid_to, evidence, note): all of them or none, every row through
    history_save (so a row overlapping another row of the file is named too).
    `evidence`: an article id of the registry (one `user` may see), or a free-text source.
    A row equal to a period already stored (the same enterprise, field, value and ends) is
    matched, not added: importing a file twice adds nothing. Returns {"rows", "created",
    "matched"}; raises ImportFailed naming each bad row's line and column."""
    rows = parse_csv(data, HISTORY_HEADER)
    errors, counts = [], {"rows": len(rows), "created": 0, "matched": 0}
    articles = Article.objects.all() if user is None else Article.objects.visible_to(user)
    with transaction.atomic():
        for line, row in rows:
            before = len(errors)

            def error(column, message, value=None):
                errors.append(RowError(line, column, row.get(column, "") if value is None else value, str(message)))

            enterprise = None
            if not row["enterprise"]:
                error("enterprise", _("required"))
            else:
                try:
                    enterprise = enterprise_named(row["enterprise"])
                except AttributeValueError as exc:
                    error("enterprise", exc)
            attribute = row["field"].lower()
            columns = {}
            try:
                columns = resolve_value(attribute, row["value"], enterprise=enterprise)
            except AttributeValueError as exc:
                error("field" if attribute not in VALUE_COLUMN else "value", exc)
            ends = {}
            for column, parse in (("valid_from", parse_start), ("valid_to", parse_end)):
                try:
                    ends[column], ends[f"{column}_precision"] = parse(row[column])
                except BadDate as exc:
                    error(column, exc)
            article, source = None, ""
            if row["evidence"].isdigit():
                article = articles.filter(pk=int(row["evidence"])).first()
                if article is None:
                    error("evidence", _("no article #%(id)s in the registry") % {"id": row["evidence"]})
            else:
                source = row["evidence"]
            if len(errors) > before:
                continue
            period = AttributePeriod(enterprise=enterprise, attribute=attribute, article=article, source=source, note=row["note"], **columns, **ends)
            same = AttributePeriod.objects.filter(
                enterprise=enterprise, attribute=attribute, valid_from=period.valid_from, valid_to=period.valid_to,
                **{VALUE_COLUMN[attribute]: columns[VALUE_COLUMN[attribute]]},
            )
            if same.exists():
                counts["matched"] += 1
                continue
            try:
                history_save(period=period, user=user)
            except ValidationError as exc:
                for field_name, messages in exc.message_dict.items():
                    for message in messages:
                        error(_HISTORY_COLUMNS.get(field_name, field_name), message)
                continue
            counts["created"] += 1
        if errors:
            transaction.set_rollback(True)
        elif dry_run:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.line))
    return counts
