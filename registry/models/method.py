"""The method's own records: which periods of a source have been read (coverage), and
articles that report one event (stories: KCNA's English item and Rodong Sinmun's article).

Kept in a module of its own (the method, not the registry's data);
registry/models/__init__.py re-exports everything named in __all__.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.access.visibility import ReferenceQuerySet

__all__ = ["Coverage", "Extent", "Story", "StoryMember"]


class Extent(models.TextChoices):
    COMPLETE = "complete", _("read completely")
    PARTIAL = "partial", _("read partly")


class Coverage(models.Model):
    """A source read from `start` to `end` (both included): completely, or partly with a note
    saying what was skipped. One row per range, not per day. A period no coverage row
    touches was not read: the time series shows it as unknown, not as zero."""

    source = models.ForeignKey("registry.Source", verbose_name=_("source"), on_delete=models.PROTECT, related_name="coverage")
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    extent = models.CharField(_("extent"), max_length=10, choices=Extent.choices, default=Extent.COMPLETE)
    note = models.TextField(_("note"), blank=True, help_text=_("What was read or skipped; needed when read partly"))
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("read by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="coverage_read",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    # Coverage is public: it says what was read, never what an article says.
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("coverage")
        ordering = ["source", "start"]
        verbose_name_plural = _("coverage")
        constraints = [
            models.CheckConstraint(condition=Q(extent__in=Extent.values), name="registry_coverage_extent_valid"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="registry_coverage_end_after_start"),
            models.CheckConstraint(
                condition=Q(extent=Extent.COMPLETE) | ~Q(note=""), name="registry_coverage_partial_has_note"),
        ]
        indexes = [
            # The time series reads the coverage of its sources overlapping its range.
            models.Index(fields=["source", "start"], name="registry_coverage_source_start"),
        ]

    def __str__(self):
        return f"{self.source} {self.start}–{self.end} ({self.get_extent_display()})"

    def clean(self):
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "the end is before the start"})
        if self.extent == Extent.PARTIAL and not self.note.strip():
            raise ValidationError({"note": "say what was read or skipped when a range was read partly"})


class Story(models.Model):
    """One event reported by several articles (a reprint, a translation): counted once by
    the series' metric=stories. An article in no story is a story of its own."""

    title = models.CharField(_("title"), max_length=300, help_text=_("The event, in a few words"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    # A story is only its name; which of its articles a user sees is StoryMember's rule.
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def __str__(self):
        return self.title


class StoryMemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The links to articles the user may see (a restricted reprint stays hidden)."""
        from .articles import Article

        return self.filter(article__in=Article.objects.visible_to(user).values("pk"))


class StoryMember(models.Model):
    """An article's place in a story: a table of its own so that the article table does not
    change; an article is in one story at most."""

    story = models.ForeignKey(Story, verbose_name=_("story"), on_delete=models.CASCADE, related_name="members")
    article = models.OneToOneField("registry.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="story_link")

    history = HistoricalRecords()
    objects = StoryMemberQuerySet.as_manager()

    def __str__(self):
        return f"{self.article} in {self.story}"
