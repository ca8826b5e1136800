"""North Korea's administrative tree and every spelling of its places."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from ..codebook import LocationKind, choice_check
from ..names import name_key
from ..querysets import LocationQuerySet, ReferenceQuerySet


class Location(models.Model):
    """A unit of North Korea's administrative tree (province, city, county, district)."""

    Kind = LocationKind

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    name = models.CharField(
        max_length=100, help_text="McCune–Reischauer without diacritics or suffix: Chongjin"
    )
    name_mr = models.CharField("McCune–Reischauer", max_length=100, blank=True)
    name_rr = models.CharField("Revised Romanization", max_length=100, blank=True)
    hangul = models.CharField(max_length=50, blank=True)
    iso_code = models.CharField("ISO 3166-2", max_length=6, blank=True)
    slug = models.SlugField(max_length=100, unique=True)
    # "/north-hamgyong/chongjin/": everything inside a place is one prefix match.
    path = models.CharField(max_length=400, unique=True, editable=False)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)

    history = HistoricalRecords()
    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            choice_check("kind", LocationKind, "registry_location_kind_valid"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=4), name="registry_location_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="registry_location_parent_matches_level",
            ),
        ]

    def __str__(self):
        if self.parent_id and self.level > 1:
            return f"{self.name}, {self.parent.name}"
        return self.name

    def save(self, *args, **kwargs):
        # The path is derived from the parent's and must never drift from it.
        self.path = f"{self.parent.path if self.parent_id else '/'}{self.slug}/"
        super().save(*args, **kwargs)

    def ancestors(self):
        """This place's ancestors, outermost first (one query)."""
        slugs = [s for s in self.path.strip("/").split("/")[:-1]]
        by_slug = {loc.slug: loc for loc in Location.objects.filter(slug__in=slugs)}
        return [by_slug[s] for s in slugs if s in by_slug]

    def region(self):
        """The first-level unit this place lies in (itself at level 1)."""
        top = self.path.strip("/").split("/")[0]
        return self if top == self.slug else Location.objects.get(slug=top)


class LocationName(models.Model):
    """Every spelling under which a place is found: canonical, diacritics, Revised
    Romanization, Hangul (with and without suffix), slug, and further aliases."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=100)
    # For the place lookup: one indexed equality match per spelling tried.
    key = models.CharField(max_length=100, db_index=True, editable=False)
    is_alias = models.BooleanField(
        default=True, help_text="False for names derived from the place's own fields."
    )

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["location", "key"], name="registry_locationname_no_duplicates"
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.key = name_key(self.name)
        super().save(*args, **kwargs)
