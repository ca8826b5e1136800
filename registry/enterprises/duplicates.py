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
Bag Factory", two places' factories, stay two enterprises.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from registry.stored import dataversion
from registry.models import Attribute, AttributePeriod, Enterprise, EnterpriseAlias, Location, LocationName

# Scores are 0-100 (rapidfuzz's ratio over the folded keys). 90 keeps "Chongjin Bag Factory"
# apart from "Chongjin Shoe Factory" (84) and "Hwanghae Iron and Steel Complex" from "Kim Chaek
# Iron and Steel Complex" (85), while a one-letter typo still scores above 95.
THRESHOLD = 90
LIMIT = 8

# Generic words that differ between translations of the same name, mapped to one form.
_PHRASES = [
    (re.compile(r"\b(combined enterprise|united enterprise|works|complex|kombinat)\b"), " complex "),
    (re.compile(r"\bironworks\b"), " iron complex "),
    (re.compile(r"\bsteelworks\b"), " steel complex "),
    (re.compile(r"\b(generating station|power plant)\b"), " power station "),
    (re.compile(r"\bcoal mine\b"), " colliery "),
]
# Romanization variants, applied in this order to each word's letters.
_LETTERS = [
    ("eo", "o"),  # Revised Romanization ŏ: Cheongjin → Chongjin
    ("eu", "u"),  # Revised Romanization ŭ: Hamheung → Hamhung
    ("ph", "p"), ("th", "t"), ("kh", "k"),  # DPRK aspirates: Phyongyang, Jongphyong
    ("sh", "s"),  # Shinuiju → Sinuiju
    ("j", "ch"),  # Jangjin → Changjin (DPRK and RR j against McCune–Reischauer ch)
    ("g", "k"), ("b", "p"), ("d", "t"),  # voiced/unvoiced: Gim/Kim, Danchon/Tanchon
    ("l", "r"),  # Ryugyong/Lyugyong, Rason/Lason
    ("wo", "o"),  # wŏ written wo or weo (weo became wo above)
]
_NON_WORD = re.compile(r"[^a-z0-9\uac00-\ud7a3]+")


# Every name is folded and split afresh each time an index loads (each admin save, each
# import): cached, a process that has seen the registry's names once does it again ~5x faster.
@lru_cache(maxsize=200_000)
def fold(name):
    """The comparison key of an enterprise name: lower case, no diacritics, apostrophes,
    hyphens or spaces, generic words unified, romanization variants collapsed.

    >>> fold("Ch'ŏngjin Iron & Steel Works") == fold("Cheongjin Iron and Steel Complex")
    True
    """
    if not name:
        return ""
    text = _plain(name)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    # Hyphens and spaces vary ("Kim Chaek", "Kimchaek", "Chong-jin"): compare without them.
    return "".join(_letters(word) for word in text.split())


def _plain(name):
    """The name in lower case without diacritics or apostrophes, "&" as "and", anything
    but letters and digits as spaces, padded with a space for the word patterns. The first
    step of fold and of parse's words."""
    text = str(name)
    if not text.isascii():  # ASCII has nothing to decompose (most names: a cold index loads 2x faster)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = unicodedata.normalize("NFC", text)
    text = text.lower()
    # Apostrophes mark aspiration in McCune–Reischauer (ch'), nothing else: drop them first
    # so "ch'ŏng" and "chong" meet before the words are split.
    text = re.sub(r"['’‘`ʼ]", "", text).replace("&", " and ")
    text = f" {_NON_WORD.sub(' ', text)} "
    # A date-name written in words or figures ("February 8", "2.8", "2·8") and the spellings
    # of one product ("vinylon", "vinalon") meet.
    text = _MONTH_DAY.sub(lambda m: f" {_MONTHS[m.group(1)]} {m.group(2)} ", text)
    return text.replace(" vinylon ", " vinalon ")


_MONTHS = {name: str(n) for n, name in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTH_DAY = re.compile(r" (%s) (\d{1,2}) " % "|".join(_MONTHS))


@lru_cache(maxsize=100_000)  # names share their words: a cold index meets each word once
def _letters(word):
    """One word's romanization variants collapsed, as in fold."""
    for old, new in _LETTERS:
        word = word.replace(old, new)
    return word


# Enterprise-type words, longest first, each to one token ("_" marks a type). "Works"
# translates both 련합기업소 (complex) and 공장 (factory), so it fits either.
_TYPES = [
    (re.compile(r"\b(generating station|power station|power plant)\b"), " _power "),
    (re.compile(r"\b(mining complex|mining enterprise|colliery|mine)\b"), " _mine "),
    (re.compile(r"\b(combined enterprise|united enterprise|kombinat|complex)\b"), " _complex "),
    (re.compile(r"\bironworks\b"), " iron _works "),
    (re.compile(r"\bsteelworks\b"), " steel _works "),
    (re.compile(r"\bworks\b"), " _works "),
    (re.compile(r"\b(factory|mill|plant)\b"), " _factory "),
    (re.compile(r"\b(shipyard|dockyard)\b"), " _shipyard "),
    (re.compile(r"\bfarm\b"), " _farm "),
]
# The same substitutions in one pass: one regex run per name instead of nine (a cold index
# parses every name and alias). Equivalent: no replacement contains a later pattern's words,
# and a phrase's first word (generating, power, mining, combined, united) is no pattern of
# its own, so the leftmost match at each position is the one the sequence would make.
_TYPE_WORDS = {}
for _pattern, _replacement in _TYPES:
    for _words_of in _pattern.pattern[2:-2].strip("()").split("|"):
        _TYPE_WORDS[_words_of] = _replacement
_ANY_TYPE = re.compile(r"\b(%s)\b" % "|".join(sorted(map(re.escape, _TYPE_WORDS), key=len, reverse=True)))
_FITS = {("_works", "_complex"), ("_complex", "_works"), ("_works", "_factory"), ("_factory", "_works")}
# What an enterprise makes: translations name more or fewer of them ("Iron and Steel" ~
# "Steel"), so one name's products need only be among the other's. Folded spellings.
PRODUCT_WORDS = frozenset(
    _letters(word) for word in (
        "iron steel metal metals machine machines machinery tool tools chemical chemicals fertilizer "
        "fertiliser cement coal ore textile textiles silk glass paper rubber vinalon ferro alloy "
        "alloys smelter smelting refinery nonferrous non ferrous"
    ).split()
)
_ADMINISTRATIVE = frozenset(_letters(word) for word in ("county", "city", "district", "gun", "si", "guyok", "kun", "kuyok"))
_STOP = frozenset(_letters(word) for word in ("and", "the", "of"))
# The distinctive rest of two names must be at least this alike (ratio of folded words).
CORE_THRESHOLD = 88


@dataclass(frozen=True)
class Parsed:
    prefix: str  # the leading place name, folded ("" if none)
    places: frozenset  # paths of the places the prefix can name
    kind: str  # the last type token ("" if none)
    products: frozenset
    core: str  # the distinctive rest, folded, without spaces
    confirmed: bool = False  # the prefix names the enterprise's recorded place


@lru_cache(maxsize=200_000)
def _words(name):
    text = _ANY_TYPE.sub(lambda m: _TYPE_WORDS[m.group(1)], _plain(name or ""))
    return tuple(w if w.startswith("_") else _letters(w) for w in text.split())



def parse(name, places=None, own=None):
    """Read a name as place prefix, type, products and distinctive rest (see the module's
    docstring). `places`: folded place name -> set of place paths; `own`: the path of the
    enterprise's recorded place: a leading word naming a place elsewhere is no prefix
    ("Ryongsong" is a district of Pyongyang, the Ryongsong Machine Complex is in Hamhung)."""
    words = [w for w in _words(name) if w and w not in _STOP]
    prefix, paths = "", frozenset()
    if places:
        leading = []
        for word in words[:3]:
            if word.startswith("_") or word in PRODUCT_WORDS:
                break
            leading.append(word)
        # The longest run of leading words that names a place, and leaves something after it.
        for n in range(len(leading), 0, -1):
            key = "".join(leading[:n])
            if key in places and n < len(words) and (own is None or _nested(places[key], [own])):
                prefix, paths, words = key, frozenset(places[key]), words[n:]
                if len(words) > 1 and words[0] in _ADMINISTRATIVE:
                    words = words[1:]  # "Kangdong County Foodstuff Factory"
                break
    kinds = [w for w in words if w.startswith("_")]
    products = frozenset(w for w in words if w in PRODUCT_WORDS)
    core = "".join(w for w in words if not w.startswith("_") and w not in PRODUCT_WORDS)
    return Parsed(prefix, paths, kinds[-1] if kinds else "", products, core, bool(prefix and own))


def readings(parsed):
    """The name as parsed and, if it starts with a place the enterprise's recorded place does
    not confirm (none is recorded), also as if that word were part of the name proper."""
    if not parsed.prefix or parsed.confirmed:
        return [parsed]
    return [parsed, Parsed("", frozenset(), parsed.kind, parsed.products, parsed.prefix + parsed.core)]


def _nested(paths, others):
    return any(a.startswith(b) or b.startswith(a) for a in paths for b in others)


def _compare_one(a, b, a_place, b_place):
    if a.prefix and b.prefix:
        if a.prefix != b.prefix and not _nested(a.places, b.places):
            return "distinct"  # two places' factories
    elif a.prefix and b_place and not _nested(a.places, [b_place]):
        return "distinct"
    elif b.prefix and a_place and not _nested(b.places, [a_place]):
        return "distinct"
    if a.kind and b.kind and a.kind != b.kind and (a.kind, b.kind) not in _FITS:
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
    return tuple(sorted(w for w in _words(name) if w and w not in _STOP))


def similarity(a, b):
    """How alike two whole names are, 0-100: 100 when they fold to one key; otherwise the
    better of their folded keys' ratio and their words' ratio in any order, below 100 (two
    names are never "100% alike" unless they are one name)."""
    fa, fb = fold(a), fold(b)
    if fa == fb:
        return 100.0
    words = fuzz.token_sort_ratio(" ".join(_words(a)), " ".join(_words(b)))
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
