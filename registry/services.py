"""Writes that touch several models, as keyword-only functions under one transaction."""

from django.db import transaction

from .bulk import insert_with_history
from .importing import parse_claims_csv, plan_import
from .models import Article, Claim, Enterprise, Status
from .names import name_key

BATCH = 2000


def claims_import(*, data, user=None, dry_run=False, progress=None):
    """Import a CSV of coded claims (text or bytes): all of it, or nothing.

    Returns the plan's counts. Raises importing.ImportFailed listing every bad row; then
    nothing is written. Re-importing a file adds nothing: what exists is matched.
    `progress(done, total)` is called as claims are written, for a terminal's benefit."""
    rows = parse_claims_csv(data)
    plan = plan_import(rows)
    plan.counts()  # fixed before the write marks new rows as existing
    if not dry_run:
        with transaction.atomic():
            _write(plan, user, progress)
    return plan


def _write(plan, user, progress):
    reason = "import_claims"
    # bulk_create skips save(), so the name key is set here.
    new_enterprises = [
        Enterprise(
            name=e.name, name_key=name_key(e.name), grade=e.grade or "unknown",
            kind=e.kind or "other", industry=e.industry, location=e.location,
        )
        for e in plan.new_enterprises
    ]
    created = insert_with_history(Enterprise, new_enterprises, user=user, reason=reason)
    for planned, enterprise in zip(plan.new_enterprises, created):
        planned.existing = enterprise

    new_articles = [(key, a) for key, a in plan.articles.items() if a.existing_id is None]
    articles = [
        Article(
            source=a.source, published=a.published, precision=a.precision, title=a.title,
            summary=a.summary, status=Status.CODED, coded_by=user,
        )
        for _, a in new_articles
    ]
    created = insert_with_history(Article, articles, user=user, reason=reason)
    for (_, planned), article in zip(new_articles, created):
        planned.existing_id = article.pk

    claims = [
        Claim(
            article_id=plan.articles[c.article_key].existing_id,
            enterprise_id=plan.enterprises[c.enterprise_key].existing.pk,
            activity=c.activity, code=c.code, detail=c.detail, quantity=c.quantity, unit=c.unit,
        )
        for c in plan.claims.values()
        if not c.exists
    ]
    for start in range(0, len(claims), BATCH):
        insert_with_history(Claim, claims[start : start + BATCH], user=user, reason=reason)
        if progress:
            progress(min(start + BATCH, len(claims)), len(claims))
