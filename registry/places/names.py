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


# One product, several spellings: the English press writes the DPRK's fibre "vinalon" or
# "vinylon", the North 비날론 and the South 비닐론. A search for any of them means all of
# them (EnterpriseQuerySet.search, the article search's own words through
# search.query_terms), and the duplicate guard reads them as one word (duplicates.fold).
SPELLINGS = (("vinalon", "vinylon", "비날론", "비닐론"),)


def spelling_variants(key):
    """The name key with every spelling of a word in SPELLINGS replaced by each other
    spelling of it, itself included: "vinylonfactory" also reads "vinalonfactory" and
    "비날논factory" (keys, so Hangul folded as name_key folds it)."""
    variants = {key}
    for group in SPELLINGS:
        keys = [name_key(word) for word in group]
        for found in keys:
            for variant in list(variants):
                if found in variant:
                    variants.update(variant.replace(found, other) for other in keys)
    return variants
