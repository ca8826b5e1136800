"""The writes of one record: articles and claims through the workflow (draft -> coded ->
reviewed), any other record with its history row. Every other write area builds on these."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.stored import evidence
from infra import locking
from registry.articles import search
from registry.models import Article, Claim, RoundArticle, RoundStatus, Status
from registry.access.roles import may_review
from registry.access.visibility import published_statuses


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


def name_change(instance, user, reason=None):
    """The user (none for an anonymous or system write) and the reason the history row of
    `instance`'s next save will carry. Every write area calls it before saving."""
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
    _refuse_publishing_drawn(article, previous)
    if article.coded_by_id is None and user is not None and user.is_authenticated:
        article.coded_by = user
    if article.status == Status.REVIEWED and previous != Status.REVIEWED:
        article.reviewed_by = user
    if article.status != Status.REVIEWED:
        article.reviewed_by = None
    name_change(article, user, reason)
    article.save()
    return article


def claims_changed(article_ids, user, touch=True):
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
            name_change(article, user, REOPENED + " (a claim)")
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


def _refuse_publishing_drawn(article, previous):
    """An article drawn in an open agreement round stays unpublished until the round closes:
    published, its first coding would be on the public answers, pages and releases that its
    second coder can read signed out."""
    published = published_statuses()
    if article.pk is None or article.status not in published or previous in published:
        return
    rounds = list(RoundArticle.objects.filter(article_id=article.pk, round__status=RoundStatus.OPEN).values_list("round_id", flat=True))
    if rounds:
        raise WorkflowError({"status": _("Article #%(id)s is drawn in open agreement round %(round)s: it is published once the round closes.")
                             % {"id": article.pk, "round": ", ".join(map(str, rounds))}})


@transaction.atomic
def claim_save(*, claim, user, with_article=False):
    """Create or change a claim as `user`; its article (and the one it moved from) moves on.
    `with_article`: saved on its article's own page, whose save has moved the article on."""
    _refuse_blinded(claim, user)
    stored = _stored(claim)
    name_change(claim, user)
    claim.save()
    if stored is not None and not _differs(claim, stored):
        return claim
    claims_changed({claim.article_id, stored.article_id if stored else None}, user, touch=not with_article)
    return claim


@transaction.atomic
def claim_delete(*, claim, user, with_article=False):
    """Delete a claim as `user`; its article moves on (see claim_save)."""
    name_change(claim, user)
    article_id = claim.article_id
    claim.delete()
    claims_changed({article_id}, user, touch=not with_article)


@transaction.atomic
def record_save(*, instance, user, reason=None):
    """Create or change any other record (enterprise, alias, place, industry, source) as `user`."""
    name_change(instance, user, reason)
    instance.save()  # an enterprise's or alias's new name reaches its articles' search columns (search.py's signals)
    return instance


@transaction.atomic
def record_delete(*, instance, user):
    """Delete a record as `user`; a claim through claim_delete, so its article is told."""
    if isinstance(instance, Claim):
        return claim_delete(claim=instance, user=user)
    name_change(instance, user)
    instance.delete()
