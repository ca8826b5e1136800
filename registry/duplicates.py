"""The duplicate guard: is a new enterprise name close to one the registry already holds?

The same enterprise reaches coders spelt many ways: "Ch'ŏngjin", "Chongjin" and "Cheongjin"
(McCune–Reischauer with and without breves, Revised Romanization), "Jangjin"/"Changjin",
"Phyongyang" (North Korea's own ph/th/kh for aspirates), "Iron & Steel" for "Iron and
Steel", "Works" or "Combined Enterprise" for "Complex". `fold` maps all of them to one
comparison key; rapidfuzz then scores what folding cannot reach (typos, a dropped word).

The fold is lossy on purpose (every g becomes k, every j ch): it is only ever compared with
another fold, never shown or stored. Exact lookups keep using names.name_key.
"""

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

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


def fold(name):
    """The comparison key of an enterprise name: lower case, no diacritics, apostrophes,
    hyphens or spaces, generic words unified, romanization variants collapsed.

    >>> fold("Ch'ŏngjin Iron & Steel Works") == fold("Cheongjin Iron and Steel Complex")
    True
    """
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text).lower()
    # Apostrophes mark aspiration in McCune–Reischauer (ch'), nothing else: drop them first
    # so "ch'ŏng" and "chong" meet before the words are split.
    text = re.sub(r"['’‘`ʼ]", "", text).replace("&", " and ")
    text = f" {_NON_WORD.sub(' ', text)} "
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    words = text.split()
    folded = []
    for word in words:
        for old, new in _LETTERS:
            word = word.replace(old, new)
        folded.append(word)
    # Hyphens and spaces vary ("Kim Chaek", "Kimchaek", "Chong-jin"): compare without them.
    return "".join(folded)


@dataclass(frozen=True)
class Candidate:
    enterprise_id: int
    name: str  # the enterprise's canonical name
    matched: str  # the name or alias that came close
    score: float


class NameIndex:
    """Every enterprise name and alias, folded once, to score many new names against
    (the admin's bulk import checks each new enterprise of a file with one load)."""

    def __init__(self, names):
        # names: (enterprise id, canonical name, name or alias) triples
        self.entries = [(pk, canonical, matched) for pk, canonical, matched in names]
        self.keys = [fold(matched) for _, _, matched in self.entries]

    @classmethod
    def load(cls, exclude=None):
        """Load from the database: two queries, values only."""
        from .models import Enterprise, EnterpriseAlias

        enterprises = Enterprise.objects.all()
        aliases = EnterpriseAlias.objects.all()
        if exclude is not None:
            enterprises = enterprises.exclude(pk=exclude)
            aliases = aliases.exclude(enterprise_id=exclude)
        rows = [(pk, name, name) for pk, name in enterprises.values_list("pk", "name").iterator()]
        rows += [(pk, hangul, hangul) for pk, hangul in enterprises.exclude(hangul="").values_list("pk", "hangul").iterator()]
        rows += list(aliases.values_list("enterprise_id", "enterprise__name", "name").iterator())
        return cls(rows)

    def search(self, name, threshold=THRESHOLD, limit=LIMIT):
        """Enterprises whose name or an alias folds close to `name`, best first, one per
        enterprise."""
        key = fold(name)
        if not key:
            return []
        hits = process.extract(key, self.keys, scorer=fuzz.ratio, score_cutoff=threshold, limit=None)
        best = {}
        for _, score, index in sorted(hits, key=lambda h: -h[1]):
            pk, canonical, matched = self.entries[index]
            if pk not in best:
                best[pk] = Candidate(pk, canonical, matched, round(score, 1))
        return sorted(best.values(), key=lambda c: (-c.score, c.name))[:limit]


def similar_enterprises(name, *, exclude=None, threshold=THRESHOLD, limit=LIMIT):
    """Existing enterprises a new one called `name` may duplicate, best first.
    `exclude`: the id of the enterprise being edited, so it does not find itself."""
    return NameIndex.load(exclude=exclude).search(name, threshold=threshold, limit=limit)
