"""North Korea's administrative tree and every spelling of its places, and finding a place
(or a place name inside an enterprise's name) by any of them. A coder types what the article
prints: "Cheongjin", "Ch'ŏngjin", "청진"; each must find the row stored under its canonical name."""

import re

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz
from simple_history.models import HistoricalRecords

from registry.method.codebook import LocationKind, choice_check
from registry.places.names import name_key
from registry.access.visibility import ReferenceQuerySet

_WORDS = re.compile(r"[\s\-–]+")


class LocationQuerySet(ReferenceQuerySet):
    def within(self, location):
        """The place and everything inside it."""
        return self.filter(path__startswith=location.path)

    def named(self, text):
        """Places any of whose names (LocationName: MR, RR, DPRK spellings, Hangul, aliases)
        contains the text."""
        term = text.strip()
        if not term:
            return self
        key = name_key(term)
        names = LocationName.objects.filter(Q(name__icontains=term) | Q(key__contains=key) if key else Q(name__icontains=term))
        return self.filter(Q(name__icontains=term) | Q(hangul__icontains=term) | Q(pk__in=names.values("location_id")))


def place_variants(term):
    """The term's name key, plus the same key with every place name in it replaced by the
    place's canonical name: "Cheongjin Bag Factory" also reads "chongjinbagfactory".
    One query over LocationName, whose keys already hold every romanization and Hangul."""
    full = name_key(term)
    words = [w for w in _WORDS.split(term.strip()) if w]
    grams = {
        name_key(" ".join(words[i:j]))
        for i in range(len(words))
        for j in range(i + 1, min(i + 3, len(words)) + 1)
    } - {""}
    variants = {full} - {""}
    if not grams:
        return variants
    substituted = full
    for key, place in LocationName.objects.filter(key__in=grams).values_list("key", "location__name").order_by():
        canonical = name_key(place)
        # Spellings only (Cheongjin, Nampho, 청진), not former names: "Songjin" must not
        # turn into "Kimchaek" and find everything named after Kim Chaek.
        is_spelling = not key.isascii() or fuzz.ratio(key, canonical) >= 60
        if key != canonical and key in full and is_spelling:
            variants.add(full.replace(key, canonical))
            substituted = substituted.replace(key, canonical)
    variants.add(substituted)
    return variants


class Location(models.Model):
    """A unit of North Korea's administrative tree (province, city, county, district)."""

    Kind = LocationKind

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("level"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    name = models.CharField(
        _("name"),
        max_length=100, help_text=_("McCune–Reischauer without diacritics or suffix: Chongjin")
    )
    name_mr = models.CharField(_("McCune–Reischauer"), max_length=100, blank=True)
    name_rr = models.CharField(_("Revised Romanization"), max_length=100, blank=True)
    hangul = models.CharField(_("hangul"), max_length=50, blank=True)
    iso_code = models.CharField(_("ISO 3166-2"), max_length=6, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    # "/north-hamgyong/chongjin/": everything inside a place is one prefix match.
    path = models.CharField(_("path"), max_length=400, unique=True, editable=False)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True, blank=True)

    history = HistoricalRecords()
    objects = LocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
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
        moved = not self._state.adding and getattr(self, "_loaded_path", None) != self.path
        with transaction.atomic(using=self._state.db):
            super().save(*args, **kwargs)
            if moved:
                self._follow_move()
        self._loaded_path = self.path

    @classmethod
    def from_db(cls, db, field_names, values):
        location = super().from_db(db, field_names, values)
        if "path" in field_names:
            location._loaded_path = location.path  # save() follows a move only if it moved
        return location

    def _follow_move(self):
        """A place moved in the tree (another parent, another slug): the places inside it
        take their new paths (each saved, so each recurses). The enterprises and claims on
        each place follow its new path by the database's triggers (registry/stored/copies.py)."""
        for child in Location.objects.filter(parent=self.pk):
            child.parent = self
            child._change_reason = f"{self.name} moved"
            child.save()

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

    location = models.ForeignKey(Location, verbose_name=_("location"), on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=100)
    # For the place lookup: one indexed equality match per spelling tried.
    key = models.CharField(_("key"), max_length=100, db_index=True, editable=False)
    is_alias = models.BooleanField(
        _("is alias"),
        default=True, help_text=_("False for names derived from the place's own fields.")
    )

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("location name")
        verbose_name_plural = _("location names")
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
