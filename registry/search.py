"""Finding enterprises and places by any of their names, for the admin's search boxes and
autocompletes. A coder types what the article prints: "Cheongjin", "Ch'ŏngjin", "청진",
"Kim Chaek Iron & Steel"; each must find the row stored under its canonical name."""

import re

from django.db.models import Q
from rapidfuzz import fuzz

from .names import name_key

_WORDS = re.compile(r"[\s\-–]+")


def _place_variants(term):
    """The term's name key, plus the same key with every place name in it replaced by the
    place's canonical name: "Cheongjin Bag Factory" also reads "chongjinbagfactory".
    One query over LocationName, whose keys already hold every romanization and Hangul."""
    from .models import LocationName

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


def enterprises_named(queryset, term):
    """Enterprises whose name, Hangul name or any alias contains the term, in any spelling
    name_key folds (case, diacritics, apostrophes, hyphens, spaces, "&") or a place spelling
    LocationName knows."""
    from .models import EnterpriseAlias

    term = term.strip()
    if not term:
        return queryset
    match = Q(name__icontains=term) | Q(hangul__icontains=term)
    alias_match = Q(name__icontains=term)
    for key in _place_variants(term):
        match |= Q(name_key__contains=key)
        alias_match |= Q(name_key__contains=key)
    return queryset.filter(match | Q(pk__in=EnterpriseAlias.objects.filter(alias_match).values("enterprise_id")))


def places_named(queryset, term):
    """Places any of whose names (LocationName: MR, RR, DPRK spellings, Hangul) contains the term."""
    from .models import LocationName

    term = term.strip()
    if not term:
        return queryset
    key = name_key(term)
    names = LocationName.objects.filter(Q(name__icontains=term) | Q(key__contains=key) if key else Q(name__icontains=term))
    return queryset.filter(Q(name__icontains=term) | Q(hangul__icontains=term) | Q(pk__in=names.values("location_id")))
