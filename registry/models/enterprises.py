"""Enterprises and their other names."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Q, Value, When
from simple_history.models import HistoricalRecords

from .. import locking
from ..codebook import TIER_GRADES, EnterpriseKind, Grade, Integration, Tier, choice_check
from ..names import name_key
from ..querysets import EnterpriseAliasQuerySet, EnterpriseQuerySet
from .industries import Industry
from .places import Location


class Enterprise(models.Model):
    Kind = EnterpriseKind

    Integration = Integration

    name = models.CharField(max_length=200, help_text="Canonical English name")
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    hangul = models.CharField(max_length=100, blank=True)
    grade = models.CharField(max_length=10, choices=Grade.choices, default=Grade.UNKNOWN)
    tier = models.GeneratedField(
        expression=Case(
            *[When(grade__in=[str(g) for g in grades], then=Value(str(tier))) for tier, grades in TIER_GRADES.items()],
            default=Value(str(Tier.UNKNOWN)),
        ),
        output_field=models.CharField(max_length=10, choices=Tier.choices),
        db_persist=True,
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    integration = models.CharField(
        max_length=12, choices=Integration.choices, blank=True, help_text="For complexes only"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        help_text="The complex this enterprise is an affiliated unit of",
    )
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
        help_text="The lowest level known: an enterprise only known to be in a province sits on it",
    )
    industry = models.ForeignKey(
        Industry, null=True, blank=True, on_delete=models.PROTECT, related_name="enterprises"
    )
    products = models.TextField(blank=True)
    ministry = models.CharField("supervising ministry", max_length=200, blank=True)
    notes = models.TextField("internal notes", blank=True, help_text="Restricted: never public")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Two coders on one enterprise: the second save is refused, not merged (see locking.py).
    version = locking.version_field()

    history = HistoricalRecords()
    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            choice_check("grade", Grade, "registry_enterprise_grade_valid"),
            choice_check("kind", EnterpriseKind, "registry_enterprise_kind_valid"),
            choice_check("integration", Integration, "registry_enterprise_integration_valid"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="registry_enterprise_not_own_parent"
            ),
        ]
        indexes = [
            # Enterprise lists filtered by grade within a place.
            models.Index(fields=["grade", "location"], name="registry_ent_grade_loc"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        # The public page; the admin's "View on site" on an enterprise links to it.
        from django.urls import reverse

        return reverse("enterprise", args=[self.pk])

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        with locking.next_version(self):
            super().save(*args, **kwargs)

    def clean(self):
        if self.integration and self.kind not in (self.Kind.COMPLEX, self.Kind.GENERAL):
            raise ValidationError({"integration": "Only complexes and general enterprises have an integration."})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "An enterprise cannot be its own parent."})


class EnterpriseAlias(models.Model):
    """Another name of an enterprise: other romanizations, Hangul, former names."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)

    history = HistoricalRecords()
    objects = EnterpriseAliasQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "enterprise aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "name_key"], name="registry_enterprisealias_no_duplicates"
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)
