"""Restoring an article, its claims included, to one of its recorded versions."""

from django.db import transaction

from registry.models import Article, Claim, Enterprise
from registry.services.merge import claim_content
from registry.services.records import article_save, claim_delete, claim_save


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
        if claim.pk is not None and claim_content(claim) == claim_content(old):
            continue
        claim.code, claim.detail, claim.quantity, claim.unit = claim_content(old)
        claim._change_reason = reason
        claim_save(claim=claim, user=user, with_article=True)
        changed += 1
    return changed
