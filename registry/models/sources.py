"""The publications articles come from."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.method.codebook import Reliability, SourceKind, choice_check
from registry.access.visibility import ReferenceQuerySet


class Source(models.Model):
    Kind = SourceKind

    Reliability = Reliability

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, unique=True)
    hangul = models.CharField(_("hangul"), max_length=100, blank=True, help_text=_("As the publication writes its name: 로동신문"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=20, default="ko", help_text=_("ISO 639-1, e.g. ko, en"))
    reliability = models.CharField(_("reliability"), max_length=1, choices=Reliability.choices, default=Reliability.F)
    url = models.URLField(_("url"), blank=True)

    history = HistoricalRecords()
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["name"]
        constraints = [
            choice_check("kind", SourceKind, "registry_source_kind_valid"),
            choice_check("reliability", Reliability, "registry_source_reliability_valid"),
        ]

    def __str__(self):
        return self.name
