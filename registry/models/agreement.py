"""Inter-coder agreement rounds: a reviewer draws a random sample of published articles, a
second coder codes them blind into a table of their own (never into Claim), and
registry/method/agreement.py measures how far the two codings agree.

Blindness is a visibility rule (registry/access/visibility.py `unblinded_claims`): while a round is
open, the claims of its sampled articles do not exist for its second coder.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.method.codebook import Activity, Code, choice_check
from registry.access.visibility import DRAW_ROUND_PERMISSION, sees_everything

__all__ = ["AgreementRound", "RoundArticle", "RoundStatus", "SecondCoding", "Adjudication", "Outcome"]


class RoundStatus(models.TextChoices):
    OPEN = "open", _("open: being second-coded")
    CLOSED = "closed", _("closed: measured, to adjudicate")


class Outcome(models.TextChoices):
    FIRST = "first", _("keep the first coding")
    SECOND = "second", _("take the second coding")


def _may_draw(user):
    return bool(user and user.is_authenticated and user.has_perm(DRAW_ROUND_PERMISSION))


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A round itself (its size, seed, coders, status) is the team's business: every
        signed-in user the permission table lets in sees it. What it shows is narrower: its
        articles as Article.visible_to, and its results only to reviewers (the admin)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self


class AgreementRound(models.Model):
    """A random sample of published articles to be coded a second time, blind.

    The sample is reproducible: the same seed over the same articles draws the same sample
    (services.round_draw). With strata, each stratum (source, year, or source x year) gets
    a share of the sample proportional to its size (largest remainders)."""

    size = models.PositiveIntegerField(_("size"), help_text=_("Articles to draw"))
    seed = models.PositiveIntegerField(_("seed"), help_text=_("The same seed over the same articles draws the same sample"))
    by_source = models.BooleanField(_("stratify by source"), default=False)
    by_year = models.BooleanField(_("stratify by year"), default=False)
    first_coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("first coder"), help_text=_("Only articles this coder coded; empty: anyone's"),
    )
    second_coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agreement_rounds", verbose_name=_("second coder"),
    )
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("drawn by"),
    )
    created_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords()
    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("agreement round")
        verbose_name_plural = _("agreement rounds")
        permissions = [("draw_agreement_round", "Can draw, close and adjudicate agreement rounds")]
        constraints = [
            choice_check("status", RoundStatus, "registry_agreementround_status_valid"),
            models.CheckConstraint(condition=Q(size__gte=1), name="registry_agreementround_size_positive"),
            # A closed round knows when: its first coding is read as it stood then.
            models.CheckConstraint(
                condition=Q(status=RoundStatus.OPEN) | Q(closed_at__isnull=False), name="registry_agreementround_closed_at"),
        ]
        indexes = [
            # Every claim query of a signed-in user asks for the open rounds assigned to them.
            models.Index(fields=["second_coder", "status"], name="registry_round_coder_status"),
        ]

    def __str__(self):
        return _("Round %(id)s (%(coder)s, %(size)s articles)") % {"id": self.pk, "coder": self.second_coder, "size": self.size}


class RoundArticle(models.Model):
    """An article drawn into a round, with the stratum it was drawn from."""

    round = models.ForeignKey(AgreementRound, on_delete=models.CASCADE, related_name="articles")
    article = models.ForeignKey("registry.Article", on_delete=models.CASCADE, related_name="agreement_draws")
    stratum = models.CharField(max_length=60, blank=True)
    # Set when the second coder saves the article: only coded articles are measured (an
    # article they have not reached yet is not a disagreement).
    coded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "article"], name="registry_roundarticle_once_per_round")]
        indexes = [
            # The blind rule: "is this article in an open round of this coder" from the article.
            models.Index(fields=["article", "round"], name="registry_roundarticle_article"),
        ]

    def __str__(self):
        return f"{self.round_id}: {self.article_id}"


class SecondCodingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Second codings are seen by reviewers and by the coder who made them."""
        if _may_draw(user) or sees_everything(user):
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(coder=user.pk)


class SecondCoding(models.Model):
    """One unit (article x enterprise x activity) as the second coder coded it. Kept apart
    from Claim: nothing counts it, and the first coding stays what the first coder said.
    Tied to the drawn article (not to round and article apart), so it can only be of an
    article in the round's sample."""

    drawn = models.ForeignKey(RoundArticle, on_delete=models.CASCADE, related_name="codings")
    enterprise = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="+")
    activity = models.CharField(_("activity"), max_length=20, choices=Activity.choices)
    code = models.PositiveSmallIntegerField(_("code"), choices=Code.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = SecondCodingQuerySet.as_manager()

    class Meta:
        ordering = ["drawn", "id"]
        verbose_name = _("second coding")
        constraints = [
            choice_check("activity", Activity, "registry_secondcoding_activity_valid"),
            # As Claim's: a range, not choice_check's IN (1, 2, ...), whose integer list Django's
            # SQLite introspection cannot read back (the permission walk's checksum reads it).
            models.CheckConstraint(condition=Q(code__gte=1, code__lte=5), name="registry_secondcoding_code_1_to_5"),
            models.UniqueConstraint(fields=["drawn", "enterprise", "activity"], name="registry_secondcoding_one_per_unit"),
        ]

    def __str__(self):
        return f"{self.enterprise_id} {self.activity} ({self.code})"


class Adjudication(models.Model):
    """How a disagreement of a closed round was settled: the first coding kept, or the
    second taken (the claim changed through services.claim_save / claim_delete)."""

    round = models.ForeignKey(AgreementRound, on_delete=models.CASCADE, related_name="adjudications")
    article = models.ForeignKey("registry.Article", on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="+")
    activity = models.CharField(max_length=20, choices=Activity.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "id"]
        constraints = [
            choice_check("activity", Activity, "registry_adjudication_activity_valid"),
            choice_check("outcome", Outcome, "registry_adjudication_outcome_valid"),
            models.UniqueConstraint(fields=["round", "article", "enterprise", "activity"], name="registry_adjudication_once"),
        ]

    def __str__(self):
        return f"{self.round_id}: {self.article_id} {self.enterprise_id} {self.activity} -> {self.outcome}"
