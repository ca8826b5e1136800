"""The two-level industry taxonomy."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.access.visibility import ReferenceQuerySet


class IndustryQuerySet(ReferenceQuerySet):
    def within(self, industry):
        """The industry and its sub-industries (the taxonomy has two levels)."""
        return self.filter(Q(pk=industry.pk) | Q(parent=industry.pk))


class Industry(models.Model):
    """A node of the two-level industry taxonomy, tied to ISIC Rev.4 divisions."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    isic = models.CharField(
        _("ISIC Rev.4 divisions"),
        max_length=50,
        blank=True,
        help_text=_("Two-digit division codes, comma-separated: 10,11"),
    )

    history = HistoricalRecords()
    objects = IndustryQuerySet.as_manager()

    class Meta:
        verbose_name = _("industry")
        ordering = ["parent__name", "name"]
        verbose_name_plural = _("industries")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="registry_industry_unique_name")
        ]

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    @property
    def isic_codes(self):
        return [code.strip() for code in self.isic.split(",") if code.strip()]

    def clean(self):
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": "The taxonomy has two levels: pick a top-level industry."})
