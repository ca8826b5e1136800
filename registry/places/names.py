"""Name keys: the normalised form under which places and enterprises are looked up.

Coders meet the same name as "Ch'ŏngjin", "Chongjin", "CHONGJIN" or "Chong-jin"; they all
share one key, "chongjin". Romanization variants (Cheongjin, Jangjin) are not folded here: they are
stored as aliases, so a lookup stays an exact, indexed match.
"""

import re
import unicodedata

from registry.places.hangul import fold

# Everything that is not a letter or digit goes: apostrophes (McCune–Reischauer's ch'),
# hyphens, spaces, dots ("2.8 Vinalon").
_DROP = re.compile(r"[\W_]+")


def name_key(text):
    """Return the lookup key of a name: lower case, without diacritics, apostrophes,
    hyphens, spaces or punctuation, so "Kim Chaek" and "Kimchaek", "Chong-jin" and
    "Ch'ŏngjin", "Iron & Steel" and "Iron and Steel" meet. Hangul is composed and folded to
    one spelling of North and South (hangul.fold: 련합 and 연합, 로동 and 노동 meet)."""
    if text is None:
        return ""
    text = str(text)
    if text.isascii():  # the common case, and a hot path of the import
        return _DROP.sub("", text.lower().replace("&", "and"))
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Recompose so Hangul syllables (decomposed by NFKD into jamo) compare as typed.
    stripped = fold(unicodedata.normalize("NFC", stripped))
    stripped = stripped.replace("&", "and")
    return _DROP.sub("", stripped.lower())
