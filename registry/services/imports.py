"""Imports that write: the claims CSV (all rows or none, enterprises refined where the file
is more precise, reprints linked) and coverage ranges."""

from django.db import transaction

from registry.articles import search
from infra.bulk import insert_rows
from registry.series.coverage_csv import parse_coverage_csv
from registry.importing.matching import duplicate_error
from registry.importing.claims import plan_import
from registry.importing.rows import ImportFailed, RowError, parse_claims_csv
from registry.models import Article, Claim, Coverage, Enterprise, Status, Story, StoryMember
from registry.places.names import name_key
from registry.services.records import claims_changed, record_save


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
    claims_changed({c["article_id"] for c in claims} & already_stored, user)
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
