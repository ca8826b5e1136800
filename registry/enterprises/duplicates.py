"""The duplicate guard: is a new enterprise name close to one the registry already holds?

The same enterprise reaches coders spelt many ways: "Ch'ŏngjin", "Chongjin" and "Cheongjin"
(McCune–Reischauer with and without breves, Revised Romanization), "Jangjin"/"Changjin",
"Phyongyang" (North Korea's own ph/th/kh for aspirates), "Iron & Steel" for "Iron and
Steel", "Works" or "Combined Enterprise" for "Complex". `fold` maps all of them to one
comparison key; rapidfuzz then scores what folding cannot reach (typos, a dropped word).

The fold is lossy on purpose (every g becomes k, every j ch): it is only ever compared with
another fold, never shown or stored. Exact lookups keep using names.name_key.

A whole-name score misses what North Korean names share and where they differ, so each name
is also read as parts (`parse`): a leading place ("Hamheung" Ryongsong Machine Complex), the
enterprise-type word (Complex, Works, Mine, Factory...), product words (Iron and Steel) and
the distinctive rest. Two names are the same enterprise (`compare`) when their places agree
(the same prefix, or a prefix naming the other's recorded place), their types fit (Works is
a complex or a factory; a mine is not a power station), one's products are among the
other's ("Steel" in "Iron and Steel") and the distinctive rest is alike or absent in both.
So "Musan Mine" meets "Musan Mining Complex", while "Chongjin Bag Factory" and "Pyongyang
Bag Factory", two places' factories, stay two enterprises."""

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from registry.stored import dataversion
from registry.models import Attribute, AttributePeriod, Enterprise, EnterpriseAlias, Location, LocationName
from registry.enterprises.name_parts import TYPE_FITS, STOP_WORDS, nested_in, name_words, fold, parse, readings


# Scores are 0-100 (rapidfuzz's ratio over the folded keys). 90 keeps "Chongjin Bag Factory"
# apart from "Chongjin Shoe Factory" (84) and "Hwanghae Iron and Steel Complex" from "Kim Chaek
# Iron and Steel Complex" (85), while a one-letter typo still scores above 95.
THRESHOLD = 90
LIMIT = 8
# The distinctive rest of two names must be at least this alike (ratio of folded words).
CORE_THRESHOLD = 88


def _compare_one(a, b, a_place, b_place):
    if a.prefix and b.prefix:
        if a.prefix != b.prefix and not nested_in(a.places, b.places):
            return "distinct"  # two places' factories
    elif a.prefix and b_place and not nested_in(a.places, [b_place]):
        return "distinct"
    elif b.prefix and a_place and not nested_in(b.places, [a_place]):
        return "distinct"
    if a.kind and b.kind and a.kind != b.kind and (a.kind, b.kind) not in TYPE_FITS:
        return "distinct"
    if a.products and b.products and not (a.products <= b.products or b.products <= a.products):
        return "distinct"
    if not a.core and not b.core:
        return "same" if (a.prefix or b.prefix or a.products or b.products) else "unsure"
    if a.core and b.core and fuzz.ratio(a.core, b.core) >= CORE_THRESHOLD:
        return "same"
    return "unsure"


def compare(a, b, a_place=None, b_place=None):
    """"same", "distinct" or "unsure" for two parsed names; `a_place`/`b_place`: the path of
    each enterprise's recorded place, if known. The same if any reading of the two is; apart
    if their first readings are."""
    verdicts = [_compare_one(x, y, a_place, b_place) for x in readings(a) for y in readings(b)]
    if "same" in verdicts:
        return "same"
    return verdicts[0]


@dataclass(frozen=True)
class Candidate:
    enterprise_id: int
    name: str  # the enterprise's canonical name
    matched: str  # the name or alias that came close
    score: float  # 0-100, the whole names' likeness (similarity)
    place: str | None = None  # the candidate's recorded place path (identical only)


class NameIndex:
    """Every enterprise name and alias, folded and parsed once, to score many new names
    against (the import checks each new enterprise of a file with one load)."""

    def __init__(self, names, places=None):
        # names: (enterprise id, canonical name, name or alias[, place path]) tuples;
        # places: folded place name -> paths (see load_places).
        self.places = places or {}
        self.entries = [(row[0], row[1], row[2], row[3] if len(row) > 3 else None) for row in names]
        self.keys = [fold(matched) for _, _, matched, _ in self.entries]
        self.parsed = [parse(matched, self.places, own) for _, _, matched, own in self.entries]
        # The words of every name in any order: "Pyongyang Kim Jong Suk Textile Mill" and "Kim
        # Jong Suk Pyongyang Textile Mill" (KCNA's word order and the registry's) meet.
        self.bags = {}
        for i, (_, _, matched, _) in enumerate(self.entries):
            self.bags.setdefault(bag(matched), []).append(i)
        self.core_of, self.cores = [], []  # the distinctive rest of every reading
        self.bare = {}  # readings with no distinctive rest, by their place prefix
        for i, p in enumerate(self.parsed):
            for reading in readings(p):
                if reading.core:
                    self.core_of.append(i)
                    self.cores.append(reading.core)
                else:
                    self.bare.setdefault(reading.prefix, []).append(i)

    @classmethod
    def load(cls, exclude=None, user=None):
        """Load from the database: five queries, values only. With `user`, only the
        enterprises that user may see (visible_to): a warning must not name an enterprise
        known only from another coder's draft. Without, all (the command line's operator)."""
        enterprises = Enterprise.objects.all() if user is None else Enterprise.objects.visible_to(user)
        aliases = EnterpriseAlias.objects.all() if user is None else EnterpriseAlias.objects.filter(enterprise__in=enterprises.values("pk"))
        if exclude is not None:
            enterprises = enterprises.exclude(pk=exclude)
            aliases = aliases.exclude(enterprise_id=exclude)
        rows = list(enterprises.values_list("pk", "name", "name", "location__path").iterator())
        rows += list(enterprises.exclude(hangul="").values_list("pk", "hangul", "hangul", "location__path").iterator())
        rows += list(aliases.values_list("enterprise_id", "enterprise__name", "name", "enterprise__location__path").iterator())
        # Past names (a name period): a 1998 name typed again is the same enterprise.
        past = AttributePeriod.objects.filter(attribute=Attribute.NAME, enterprise__in=enterprises.values("pk"))
        if user is not None:
            past = past & AttributePeriod.objects.visible_to(user)
        rows += list(past.values_list("enterprise_id", "enterprise__name", "value", "enterprise__location__path").iterator())
        return cls(rows, load_places())

    @classmethod
    def current(cls):
        """load() of every name, kept per data version (dataversion.remember): building it
        folds and parses every name and alias, seconds at 20,000 enterprises, and the import
        checks each file twice (a dry run, then the write). Treat it as read-only."""
        return dataversion.remember(("duplicates.NameIndex",), cls.load, unwritten_transaction=True)

    def _heads(self, keys):
        groups = {}
        for i, key in enumerate(keys):
            groups.setdefault(key[:2], {})[i] = key
        return groups

    def search(self, name, threshold=THRESHOLD, limit=LIMIT, place=None, blocked=False):
        """Enterprises that a new one called `name` (in `place`, a Location or its path, if
        known) may duplicate, best first, one per enterprise.

        `blocked`: compare only with names whose folded key (or distinctive rest) begins with
        the same two letters, for an import checking thousands of new names (4 ms a name
        against 25,000 otherwise); a difference in the first two letters then goes unseen."""
        key = fold(name)
        if not key:
            return []
        place = getattr(place, "path", place)
        new = parse(name, self.places, place)
        keys, cores = self.keys, self.cores
        if blocked:
            if not hasattr(self, "_key_heads"):
                self._key_heads, self._core_heads = self._heads(self.keys), self._heads(self.cores)
            keys = self._key_heads.get(key[:2], {})
        scores = {}
        for _, score, i in process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=threshold, limit=None):
            if compare(new, self.parsed[i], place, self.entries[i][3]) != "distinct":
                scores[i] = score
        found = {}
        for reading in readings(new):
            if reading.core:
                if blocked:
                    cores = self._core_heads.get(reading.core[:2], {})
                for _, score, j in process.extract(reading.core, cores, scorer=fuzz.ratio, score_cutoff=CORE_THRESHOLD, limit=None):
                    found[self.core_of[j]] = max(score, found.get(self.core_of[j], 0))
            else:
                for i in self.bare.get(reading.prefix, []):
                    found[i] = 100.0
        for i, score in found.items():
            if i not in scores and compare(new, self.parsed[i], place, self.entries[i][3]) == "same":
                scores[i] = score
        for i in self.bags.get(bag(name), ()):
            if i not in scores and compare(new, self.parsed[i], place, self.entries[i][3]) != "distinct":
                scores[i] = 0
        best = {}
        # The score shown is the two whole names' likeness, whatever part of them matched:
        # 100 only for one name (after folding), never for two that share their core.
        honest = {i: similarity(name, self.entries[i][2]) for i in scores}
        for i in sorted(scores, key=lambda i: -honest[i]):
            pk, canonical, matched, _ = self.entries[i]
            if pk not in best:
                best[pk] = Candidate(pk, canonical, matched, honest[i])
        return sorted(best.values(), key=lambda c: (-c.score, c.name))[:limit]

    def identical(self, name, place=None):
        """Enterprises with a name or alias identical to `name` after folding, in the same
        place: both in one place, or either with none recorded (then nothing tells them
        apart). "Save anyway" and a confirmed import cannot add such a copy."""
        key = fold(name)
        place = getattr(place, "path", place)
        if not key:
            return []
        if not hasattr(self, "_by_key"):
            self._by_key = {}
            for i, folded in enumerate(self.keys):
                self._by_key.setdefault(folded, []).append(i)
        best = {}
        for i in self._by_key.get(key, ()):
            pk, canonical, matched, own = self.entries[i]
            if place and own and place != own:
                continue
            best.setdefault(pk, Candidate(pk, canonical, matched, 100.0, own))
        return sorted(best.values(), key=lambda c: c.enterprise_id)


def bag(name):
    """The words of a name (folded, types unified, "and"/"of" dropped) in sorted order."""
    return tuple(sorted(w for w in name_words(name) if w and w not in STOP_WORDS))


def similarity(a, b):
    """How alike two whole names are, 0-100: 100 when they fold to one key; otherwise the
    better of their folded keys' ratio and their words' ratio in any order, below 100 (two
    names are never "100% alike" unless they are one name)."""
    fa, fb = fold(a), fold(b)
    if fa == fb:
        return 100.0
    words = fuzz.token_sort_ratio(" ".join(name_words(a)), " ".join(name_words(b)))
    return min(99.0, round(max(fuzz.ratio(fa, fb), words), 1))


def load_places():
    """Every place name, folded, with the paths of the places it names (two queries)."""
    places = {}
    for name, path in LocationName.objects.values_list("name", "location__path").iterator():
        places.setdefault(fold(name), set()).add(path)
    for name, path in Location.objects.values_list("name", "path").iterator():
        places.setdefault(fold(name), set()).add(path)
    return places


def similar_enterprises(name, *, exclude=None, place=None, user=None, threshold=THRESHOLD, limit=LIMIT):
    """Existing enterprises a new one called `name` may duplicate, best first.
    `exclude`: the id of the enterprise being edited, so it does not find itself;
    `place`: where the new one is, if known (a place prefix naming another place is apart);
    `user`: the person who will read the warning (only what they may see is named)."""
    return NameIndex.load(exclude=exclude, user=user).search(name, threshold=threshold, limit=limit, place=place)
