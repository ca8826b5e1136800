"""An enterprise's name taken apart for the duplicate guard (duplicates.py) and the proposals:
folded to one spelling (`fold`), and parsed into its place, its type of enterprise and its
core words (`parse`, `readings`)."""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from registry.places.names import SPELLINGS


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
    # of one product ("vinylon", "vinalon": names.SPELLINGS, as the search reads them) meet.
    text = _MONTH_DAY.sub(lambda m: f" {_MONTHS[m.group(1)]} {m.group(2)} ", text)
    for first, *others in SPELLINGS:
        for other in others:
            text = text.replace(f" {other} ", f" {first} ")
    return text


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
TYPE_FITS = {("_works", "_complex"), ("_complex", "_works"), ("_works", "_factory"), ("_factory", "_works")}
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
STOP_WORDS = frozenset(_letters(word) for word in ("and", "the", "of"))


@dataclass(frozen=True)
class Parsed:
    prefix: str  # the leading place name, folded ("" if none)
    places: frozenset  # paths of the places the prefix can name
    kind: str  # the last type token ("" if none)
    products: frozenset
    core: str  # the distinctive rest, folded, without spaces
    confirmed: bool = False  # the prefix names the enterprise's recorded place


@lru_cache(maxsize=200_000)
def name_words(name):
    text = _ANY_TYPE.sub(lambda m: _TYPE_WORDS[m.group(1)], _plain(name or ""))
    return tuple(w if w.startswith("_") else _letters(w) for w in text.split())



def parse(name, places=None, own=None):
    """Read a name as place prefix, type, products and distinctive rest (see the module's
    docstring). `places`: folded place name -> set of place paths; `own`: the path of the
    enterprise's recorded place: a leading word naming a place elsewhere is no prefix
    ("Ryongsong" is a district of Pyongyang, the Ryongsong Machine Complex is in Hamhung)."""
    words = [w for w in name_words(name) if w and w not in STOP_WORDS]
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
            if key in places and n < len(words) and (own is None or nested_in(places[key], [own])):
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


def nested_in(paths, others):
    return any(a.startswith(b) or b.startswith(a) for a in paths for b in others)
