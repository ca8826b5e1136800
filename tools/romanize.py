"""Romanization of Korean (Hangul) place names, by rule.

Pure Python, standard library only, no Django import: usable from scripts and tests.

Three systems are produced from the same phonological pass:

* ``revised()``            Revised Romanization (South Korea, 2000): "Cheongjin", "Hamheung".
* ``mccune_reischauer()``  McCune–Reischauer: "Ch'ŏngjin", "P'yŏngyang" (or without
                           diacritics: "Chongjin", "Pyongyang").
* ``dprk()``               North Korea's own romanization as KCNA writes it (no breves):
                           aspirates ph/th/kh/ch, plain ㅈ as j, ㅓ as o, ㅡ as u:
                           "Nampho", "Jangjin", "Jongphyong", "Songrim".

Syllables are decomposed into jamo with the Unicode arithmetic
(syllable = 0xAC00 + (initial * 21 + medial) * 28 + final), then the sound changes that
matter for place names are applied across syllable boundaries: liaison (연음),
neutralisation of finals, nasalisation (ㄱ/ㄷ/ㅂ before ㄴ/ㅁ), the ㄹ rules
(ㄴ+ㄹ and ㄹ+ㄴ -> ll, ㄹ after other consonants -> ㄴ), ㅎ aspiration after a final ㅎ,
palatalisation of ㄷ/ㅌ before 이, and (for McCune–Reischauer) voicing/tensing of the plain
stops. Text is romanized *as written*: North Korean spellings with initial ㄹ/ㄴ stay
"Ryanggang", "Rinsan"; use ``south_form()`` first for the South's 두음법칙 spelling
(량강 -> 양강).

Compound names come out as one word in name case ("Kimchaek", "Hoeryong"); characters
that are not Hangul syllables are copied through and end a word.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "decompose",
    "dprk",
    "mccune_reischauer",
    "revised",
    "south_form",
    "strip_diacritics",
]

_SBASE = 0xAC00
_SCOUNT = 11172
_NV = 21
_NT = 28

INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
MEDIALS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
FINALS = (
    "", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ",
    "ㄿ", "ㅀ", "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ",
)

# Vowels in the three systems.
_VOWELS_RR = dict(zip(MEDIALS, (
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u",
    "wo", "we", "wi", "yu", "eu", "ui", "i",
)))
_VOWELS_MR = dict(zip(MEDIALS, (
    "a", "ae", "ya", "yae", "ŏ", "e", "yŏ", "ye", "o", "wa", "wae", "oe", "yo", "u",
    "wŏ", "we", "wi", "yu", "ŭ", "ŭi", "i",
)))
_VOWELS_DPRK = {k: strip for k, strip in ((k, v.replace("ŏ", "o").replace("ŭ", "u"))
                                          for k, v in _VOWELS_MR.items())}

# A final consonant that moves to the next syllable before a vowel (liaison):
# (what stays, what moves).
_LIAISON = {
    "ㄱ": ("", "ㄱ"), "ㄲ": ("", "ㄲ"), "ㄳ": ("ㄱ", "ㅆ"), "ㄴ": ("", "ㄴ"),
    "ㄵ": ("ㄴ", "ㅈ"), "ㄶ": ("", "ㄴ"), "ㄷ": ("", "ㄷ"), "ㄹ": ("", "ㄹ"),
    "ㄺ": ("ㄹ", "ㄱ"), "ㄻ": ("ㄹ", "ㅁ"), "ㄼ": ("ㄹ", "ㅂ"), "ㄽ": ("ㄹ", "ㅆ"),
    "ㄾ": ("ㄹ", "ㅌ"), "ㄿ": ("ㄹ", "ㅍ"), "ㅀ": ("", "ㄹ"), "ㅁ": ("", "ㅁ"),
    "ㅂ": ("", "ㅂ"), "ㅄ": ("ㅂ", "ㅆ"), "ㅅ": ("", "ㅅ"), "ㅆ": ("", "ㅆ"),
    "ㅈ": ("", "ㅈ"), "ㅊ": ("", "ㅊ"), "ㅋ": ("", "ㅋ"), "ㅌ": ("", "ㅌ"),
    "ㅍ": ("", "ㅍ"), "ㅎ": ("", ""),
}

# Neutralisation of finals to the seven that can be pronounced: K N T L M P NG.
_NEUTRAL = {
    "": "", "ㄱ": "K", "ㄲ": "K", "ㄳ": "K", "ㄴ": "N", "ㄵ": "N", "ㄶ": "N", "ㄷ": "T",
    "ㄹ": "L", "ㄺ": "K", "ㄻ": "M", "ㄼ": "L", "ㄽ": "L", "ㄾ": "L", "ㄿ": "P", "ㅀ": "L",
    "ㅁ": "M", "ㅂ": "P", "ㅄ": "P", "ㅅ": "T", "ㅆ": "T", "ㅇ": "NG", "ㅈ": "T",
    "ㅊ": "T", "ㅋ": "K", "ㅌ": "T", "ㅍ": "P", "ㅎ": "T",
}
_H_FINALS = {"ㅎ": "", "ㄶ": "N", "ㅀ": "L"}
_ASPIRATE = {"ㄱ": "ㅋ", "ㄷ": "ㅌ", "ㅈ": "ㅊ", "ㅂ": "ㅍ", "ㅅ": "ㅆ"}
_NASAL = {"K": "NG", "T": "N", "P": "M"}

_FINAL_LETTERS = {"K": "k", "N": "n", "T": "t", "L": "l", "M": "m", "P": "p", "NG": "ng"}

# Onsets by system and context. Contexts: "start" (word-initial), "voiced" (after a vowel
# or ㄴ/ㅁ/ㅇ), "l" (after ㄹ), "tense" (after a stop, where plain consonants are tensed).
_ONSET_MR = {
    "ㄱ": {"start": "k", "voiced": "g", "l": "g", "tense": "k"},
    "ㄷ": {"start": "t", "voiced": "d", "l": "t", "tense": "t"},
    "ㅂ": {"start": "p", "voiced": "b", "l": "b", "tense": "p"},
    "ㅈ": {"start": "ch", "voiced": "j", "l": "ch", "tense": "ch"},
    "ㄹ": {"start": "r", "voiced": "r", "l": "l", "tense": "r"},
    "ㄲ": "kk", "ㄸ": "tt", "ㅃ": "pp", "ㅆ": "ss", "ㅉ": "tch", "ㅅ": "s",
    "ㅊ": "ch'", "ㅋ": "k'", "ㅌ": "t'", "ㅍ": "p'", "ㅎ": "h",
    "ㄴ": "n", "ㅁ": "m", "ㅇ": "",
}
_ONSET_DPRK = {
    "ㄱ": {"start": "k", "voiced": "g", "l": "g", "tense": "k"},
    "ㄷ": {"start": "t", "voiced": "d", "l": "t", "tense": "t"},
    "ㅂ": {"start": "p", "voiced": "b", "l": "b", "tense": "p"},
    "ㅈ": "j",
    "ㄹ": {"start": "r", "voiced": "r", "l": "l", "tense": "r"},
    "ㄲ": "kk", "ㄸ": "tt", "ㅃ": "pp", "ㅆ": "ss", "ㅉ": "jj", "ㅅ": "s",
    "ㅊ": "ch", "ㅋ": "kh", "ㅌ": "th", "ㅍ": "ph", "ㅎ": "h",
    "ㄴ": "n", "ㅁ": "m", "ㅇ": "",
}
_ONSET_RR = {
    "ㄱ": "g", "ㄲ": "kk", "ㄴ": "n", "ㄷ": "d", "ㄸ": "tt",
    "ㄹ": {"start": "r", "voiced": "r", "l": "l", "tense": "r"},
    "ㅁ": "m", "ㅂ": "b", "ㅃ": "pp", "ㅅ": "s", "ㅆ": "ss", "ㅇ": "", "ㅈ": "j",
    "ㅉ": "jj", "ㅊ": "ch", "ㅋ": "k", "ㅌ": "t", "ㅍ": "p", "ㅎ": "h",
}


def decompose(char: str) -> tuple[str, str, str] | None:
    """(initial, medial, final) compatibility jamo of one Hangul syllable, else None."""
    code = ord(char) - _SBASE
    if not 0 <= code < _SCOUNT:
        return None
    initial, rest = divmod(code, _NV * _NT)
    medial, final = divmod(rest, _NT)
    return INITIALS[initial], MEDIALS[medial], FINALS[final]


def _compose(initial: str, medial: str, final: str) -> str:
    return chr(_SBASE + (INITIALS.index(initial) * _NV + MEDIALS.index(medial)) * _NT
               + FINALS.index(final))


def _split(text: str) -> list[list[tuple[str, str, str]] | str]:
    """Runs of Hangul syllables (as jamo triples) and runs of other text."""
    parts: list[list[tuple[str, str, str]] | str] = []
    for ch in text:
        jamo = decompose(ch)
        if jamo is None:
            if parts and isinstance(parts[-1], str):
                parts[-1] += ch
            else:
                parts.append(ch)
        else:
            if parts and isinstance(parts[-1], list):
                parts[-1].append(jamo)
            else:
                parts.append([jamo])
    return parts


def _pronounce(word: list[tuple[str, str, str]], dprk_l: bool = False):
    """Apply the sound changes to one word.

    Returns a list of (onset, context, vowel, coda) with onset a jamo, context one of
    start/voiced/l/tense, coda one of "", K, N, T, L, M, P, NG.
    ``dprk_l``: keep ㄹ as r after ㅇ/ㅁ (North Korean usage: Songrim, Kangryong).
    """
    onsets = [s[0] for s in word]
    vowels = [s[1] for s in word]
    finals = [s[2] for s in word]
    codas: list[str] = [""] * len(word)
    for i in range(len(word)):
        fin = finals[i]
        nxt = onsets[i + 1] if i + 1 < len(word) else None
        if nxt == "ㅇ" and fin not in ("", "ㅇ"):
            # Liaison: the final (or its second half) opens the next syllable.
            stay, move = _LIAISON[fin]
            if move in ("ㄷ", "ㅌ") and vowels[i + 1] == "ㅣ":
                move = "ㅈ" if move == "ㄷ" else "ㅊ"  # palatalisation: 굳이 -> 구지
            if move:
                onsets[i + 1] = move
            fin = stay
        elif nxt is not None and fin in _H_FINALS and nxt in _ASPIRATE:
            # ㅎ before a plain consonant aspirates it: 좋고 -> 조코.
            onsets[i + 1] = _ASPIRATE[nxt]
            fin = _H_FINALS[fin]
        coda = _NEUTRAL[fin]
        if nxt is not None:
            if nxt == "ㄹ":
                if coda in ("L", "N"):
                    coda = "L"  # 신라 -> 실라, 천리마 -> 철리마
                elif coda in ("NG", "M"):
                    if not dprk_l:
                        onsets[i + 1] = "ㄴ"  # 송림 -> 송님
                elif coda in ("K", "T", "P"):
                    onsets[i + 1] = "ㄴ"  # 락랑 -> 락낭 (-> 랑낭 below)
            elif nxt == "ㄴ" and coda == "L":
                onsets[i + 1] = "ㄹ"  # 설날 -> 설랄
            if onsets[i + 1] in ("ㄴ", "ㅁ") and coda in _NASAL:
                coda = _NASAL[coda]  # 백마 -> 뱅마, 압록 -> 암녹
        codas[i] = coda
    out = []
    for i in range(len(word)):
        if i == 0:
            context = "start"
        else:
            prev = codas[i - 1]
            if prev in ("K", "T", "P"):
                context = "tense"
            elif prev == "L":
                context = "l"
            else:
                context = "voiced"
        out.append((onsets[i], context, vowels[i], codas[i]))
    return out


def _onset(table: dict, jamo: str, context: str) -> str:
    value = table[jamo]
    return value[context] if isinstance(value, dict) else value


def _name_case(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1:]
    return text


def _romanize(text: str, system: str) -> str:
    if system == "mr":
        onset_table, vowel_table = _ONSET_MR, _VOWELS_MR
    elif system == "dprk":
        onset_table, vowel_table = _ONSET_DPRK, _VOWELS_DPRK
    else:
        onset_table, vowel_table = _ONSET_RR, _VOWELS_RR
    pieces = []
    for part in _split(text):
        if isinstance(part, str):
            pieces.append(part)
            continue
        syllables = _pronounce(part, dprk_l=(system == "dprk"))
        word = ""
        for i, (onset, context, vowel, coda) in enumerate(syllables):
            letters = _onset(onset_table, onset, context)
            if (system == "mr" and i > 0 and syllables[i - 1][3] == "N"
                    and letters.startswith("g")):
                word += "'"  # McCune–Reischauer n'g (선교 Sŏn'gyo) against ng
            word += letters + vowel_table[vowel] + _FINAL_LETTERS.get(coda, "")
        pieces.append(word)
    return _name_case("".join(pieces))


def revised(hangul: str) -> str:
    """Revised Romanization: 청진 -> "Cheongjin", 함흥 -> "Hamheung", 송림 -> "Songnim"."""
    return _romanize(hangul, "rr")


def mccune_reischauer(hangul: str, diacritics: bool = True) -> str:
    """McCune–Reischauer: 청진 -> "Ch'ŏngjin" (``diacritics=False``: "Chongjin")."""
    text = _romanize(hangul, "mr")
    return text if diacritics else strip_diacritics(text)


def dprk(hangul: str) -> str:
    """North Korea's own romanization as KCNA prints it: 남포 -> "Nampho",
    장진 -> "Jangjin", 정평 -> "Jongphyong", 송림 -> "Songrim"."""
    return _romanize(hangul, "dprk")


_APOSTROPHES = re.compile("['’ʼ‘`´]")


def strip_diacritics(text: str) -> str:
    """Drop breves and other diacritics and the apostrophes: "Ch'ŏngjin" -> "Chongjin"."""
    text = _APOSTROPHES.sub("", text)
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


_IOTIZED = set("ㅑㅒㅕㅖㅛㅠㅣ")


def south_form(hangul: str) -> str:
    """South Korean spelling by the initial-sound law (두음법칙) on each word's first
    syllable: 량강 -> 양강, 룡천 -> 용천, 락원 -> 낙원, 녕변 -> 영변, 라선 -> 나선."""
    out = []
    at_start = True
    for ch in hangul:
        jamo = decompose(ch)
        if jamo is None:
            out.append(ch)
            at_start = True
            continue
        initial, medial, final = jamo
        if at_start:
            if initial == "ㄹ":
                initial = "ㅇ" if medial in _IOTIZED else "ㄴ"
            elif initial == "ㄴ" and medial in _IOTIZED:
                initial = "ㅇ"
            ch = _compose(initial, medial, final)
        out.append(ch)
        at_start = False
    return "".join(out)
