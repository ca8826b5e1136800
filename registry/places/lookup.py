"""The one place lookup: import, API filters and time series all resolve names here.

A coder may write "Chongjin", "Ch'ŏngjin", "Cheongjin", "청진시", "Chongjin City",
"Chongjin-si", "Musan County", "Sadong-guyok" or "Sinpo, South Hamgyong". Each spelling a
place is known by is stored as a LocationName with its key (names.name_key); the lookup
tries the key of the text as written and with an administrative word taken off, so a
match is always an exact, indexed comparison. Unknown or ambiguous names are errors that
list the nearest candidates.
"""

from django.utils.translation import gettext
from rapidfuzz import fuzz, process

from registry.models import Location, LocationKind, LocationName
from registry.places.names import name_key

K = LocationKind
# Administrative words, English and Korean (romanized and Hangul), with the kinds of place
# they name. Longest first, so "guyok" is tried before "gu".
_SUFFIXES = sorted(
    {
        "directlygovernedcity": {K.DIRECTLY_GOVERNED_CITY},
        "specialcity": {K.SPECIAL_CITY},
        "municipality": {K.DIRECTLY_GOVERNED_CITY, K.SPECIAL_CITY, K.CITY},
        "province": {K.PROVINCE},
        "county": {K.COUNTY},
        "district": {K.DISTRICT, K.WORKERS_DISTRICT},
        "workersdistrict": {K.WORKERS_DISTRICT},
        "city": {K.CITY, K.SPECIAL_CITY, K.DIRECTLY_GOVERNED_CITY},
        "jikhalsi": {K.DIRECTLY_GOVERNED_CITY},
        "teukbyeolsi": {K.SPECIAL_CITY},
        "tukpyolsi": {K.SPECIAL_CITY},
        "tukbyolsi": {K.SPECIAL_CITY},
        "guyok": {K.DISTRICT},
        "kuyok": {K.DISTRICT},
        "guyeok": {K.DISTRICT},
        "jigu": {K.WORKERS_DISTRICT},
        "chigu": {K.WORKERS_DISTRICT},
        "gun": {K.COUNTY},
        "kun": {K.COUNTY},
        "si": {K.CITY, K.SPECIAL_CITY},
        "gu": {K.DISTRICT},
        "ku": {K.DISTRICT},
        "do": {K.PROVINCE},
        "직할시": {K.DIRECTLY_GOVERNED_CITY},
        "특별시": {K.SPECIAL_CITY},
        "구역": {K.DISTRICT},
        "지구": {K.WORKERS_DISTRICT},
        "시": {K.CITY, K.SPECIAL_CITY},
        "군": {K.COUNTY},
        "구": {K.DISTRICT},
        "도": {K.PROVINCE},
    }.items(),
    key=lambda item: -len(item[0]),
)


class PlaceLookupError(ValueError):
    """An unknown or ambiguous place name. `candidates` holds the nearest places."""

    def __init__(self, message, candidates=(), *, ambiguous=False):
        super().__init__(message)
        self.candidates = list(candidates)
        self.ambiguous = ambiguous  # its message already lists the candidates


def _spellings(key):
    """(key, kinds) pairs to try: the key as written, then without an administrative word."""
    tried = [(key, None)]
    for suffix, kinds in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            tried.append((key[: -len(suffix)], kinds))
    return tried


def place_label(location):
    """How a place is written unambiguously: "Sinpo, South Hamgyong"."""
    return str(location)


def _nearest(text, limit=5):
    keys = dict(LocationName.objects.values_list("key", "location_id"))
    found = process.extract(name_key(text), list(keys), scorer=fuzz.WRatio, limit=limit * 3)
    ids = list(dict.fromkeys(keys[key] for key, score, _ in found if score >= 50))[:limit]
    places = Location.objects.select_related("parent").in_bulk(ids)
    return [places[i] for i in ids if i in places]


class Gazetteer:
    """Every place name and place, read once (two queries), for resolving many names at a
    time: an import names hundreds of places, three queries each otherwise."""

    def __init__(self):
        self.names = {}
        for key, location_id, kind in LocationName.objects.values_list("key", "location_id", "location__kind"):
            self.names.setdefault(key, []).append((key, location_id, kind))
        self.locations = Location.objects.select_related("parent").in_bulk()

    def name_rows(self, keys):
        return [row for key in keys for row in self.names.get(key, ())]


def _match(text, gazetteer=None):
    """All places a name (without ", Parent") can mean, preferring the exact spelling and
    then a place whose kind fits the administrative word that was taken off."""
    spellings = _spellings(name_key(text))
    keys = {key for key, _ in spellings}
    if gazetteer is not None:
        rows = gazetteer.name_rows(keys)
    else:
        rows = LocationName.objects.filter(key__in=keys).values_list("key", "location_id", "location__kind")
    by_key = {}
    for key, location_id, kind in rows:
        by_key.setdefault(key, {})[location_id] = kind
    for key, kinds in spellings:
        places = by_key.get(key, {})
        if kinds is not None:
            fitting = {pk for pk, kind in places.items() if kind in kinds}
            places = fitting or places
        if places:
            return set(places)
    return set()


def resolve_place(text, gazetteer=None):
    """Return the one Location a name means, or raise PlaceLookupError naming candidates.

    "Name, Parent" tells apart places of one name: the parent may be any ancestor.
    `gazetteer`: a Gazetteer to read names and places from instead of the database."""
    raw = (text or "").strip()
    if not raw:
        raise PlaceLookupError("no place given")

    def places(ids):
        if gazetteer is not None:
            return [gazetteer.locations[pk] for pk in ids if pk in gazetteer.locations]
        return Location.objects.filter(pk__in=ids)

    name, _, parent_text = raw.partition(",")
    ids = _match(name, gazetteer)
    if parent_text.strip() and ids:
        parent_ids = _match(parent_text, gazetteer)
        if not parent_ids:
            raise PlaceLookupError(
                gettext("unknown place %(name)s") % {"name": repr(parent_text.strip())}, _nearest(parent_text)
            )
        parents = places(parent_ids)
        inside = places(ids)
        ids = {
            loc.pk
            for loc in inside
            if any(loc.path.startswith(p.path) and loc.pk != p.pk for p in parents)
        }
        if not ids:
            candidates = list(Location.objects.filter(pk__in=_match(name, gazetteer)).select_related("parent"))
            raise PlaceLookupError(
                gettext("no place %(name)s in %(parent)s") % {"name": repr(name.strip()), "parent": repr(parent_text.strip())}, candidates)
    if not ids:
        raise PlaceLookupError(gettext("unknown place %(name)s") % {"name": repr(raw)}, _nearest(name))
    if len(ids) > 1:
        candidates = list(Location.objects.filter(pk__in=ids).select_related("parent"))
        raise PlaceLookupError(
            gettext("ambiguous place %(name)s: write it as %(options)s") % {
                "name": repr(raw), "options": gettext(" or ").join(repr(place_label(c)) for c in candidates)},
            candidates, ambiguous=True,
        )
    if gazetteer is not None and (found := gazetteer.locations.get(next(iter(ids)))) is not None:
        return found
    return Location.objects.select_related("parent").get(pk=ids.pop())


def describe_error(error):
    """The error with its candidates, as one line for a coder or a researcher."""
    if error.candidates and not getattr(error, "ambiguous", False):
        return gettext("%(error)s; did you mean: %(candidates)s") % {
            "error": error, "candidates": "; ".join(place_label(c) for c in error.candidates)}
    return str(error)
