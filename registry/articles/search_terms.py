"""Search tokens and queries: the words and Hangul bigrams an article is stored and found by,
and a query for each database (what they are and why: registry/articles/search.py). No
model is read here: the models' querysets build their searches from it, and search.py keeps
the stored columns with it."""

import re
from functools import lru_cache

from registry.places.hangul import fold
from registry.places.names import spelling_variants

# A Latin word or number stops where Hangul begins: "2.8비날론련합기업소" is 2, 8 and a Hangul run
# (a word run of \w took "8비날론..." whole, and 비날론 never found it).
_RUNS = re.compile(r"([\uac00-\ud7a3]+)|([^\W_\uac00-\ud7a3]+)")
_HANGUL_ONLY = re.compile(r"[\uac00-\ud7a3]+")
WEIGHTS = {"search_head": "A", "search_body": "B", "search_names": "C"}
# bm25 column weights for SQLite, in the FTS5 table's column order (head, body, names),
# in the ratio of PostgreSQL's default ts_rank weights for A, B, C (1.0, 0.4, 0.2).
BM25_WEIGHTS = (10.0, 4.0, 2.0)


def _units(text):
    """(is_hangul, unit) pairs of the folded text: Hangul runs and other words."""
    for hangul, word in _RUNS.findall(fold(text or "")):
        if hangul:
            yield True, hangul
        else:
            yield False, word.lower()


def bigrams(run):
    return [run[i : i + 2] for i in range(len(run) - 1)] or [run]


def tokens(*texts):
    """The search tokens of texts, as stored: words and Hangul bigrams, space-separated."""
    out = []
    for text in texts:
        for hangul, unit in _units(text):
            out.extend(bigrams(unit) if hangul else [unit])
    return " ".join(out)


def query_terms(text):
    """The query as a list of terms, each ("word", w) or ("phrase", [bigrams]) or
    ("prefix", syllable) for a lone Hangul syllable, or ("any", [terms]) for a word with
    other spellings (names.SPELLINGS). Every term must match.

    Unlike the stored side, the query keeps its spaces: "분리기 제철" is two terms, each
    found anywhere. Spacing still meets either way: the stored text has its Hangul spaces
    removed, so "김책제철 연합기업소" (two terms) finds 김책제철련합기업소 and "김책제철"
    (one phrase) finds "김책 제철"."""
    terms = []
    for hangul, unit in (u for piece in (text or "").split() for u in _units(piece)):
        # A product's other spellings (names.SPELLINGS) are found too: "vinylon" is the
        # term (vinylon | vinalon | 비날론 | 비닐론), an "any" of the single terms.
        spellings = sorted(v for v in spelling_variants(unit) if v != unit and (_HANGUL_ONLY.fullmatch(v) or v.isascii()))
        if spellings:
            terms.append(("any", [_term(unit, hangul)] + [_term(v, not v.isascii()) for v in spellings]))
        else:
            terms.append(_term(unit, hangul))
    return terms


def _term(unit, hangul):
    if not hangul:
        return ("word", unit)
    if len(unit) == 1:
        return ("prefix", unit)
    return ("phrase", bigrams(unit))


def postgresql_query(terms, *, prefix=False, weights="ABC"):
    """A to_tsquery('simple', …) string: every term, restricted to the weights (columns)."""
    label = "" if weights == "ABC" else weights

    def lexeme(token, star=False):
        return f"'{token}':{'*' if star else ''}{label}" if (star or label) else f"'{token}'"

    def part(kind, value):
        if kind == "word":
            return lexeme(value, prefix)
        if kind == "prefix":
            return lexeme(value, True)
        if kind == "any":
            return "(" + " | ".join(part(*term) for term in value) + ")"
        return "(" + " <-> ".join(lexeme(b) for b in value) + ")"

    return " & ".join(part(kind, value) for kind, value in terms)


def sqlite_query(terms, *, prefix=False, columns=("search_head", "search_body", "search_names")):
    """An FTS5 MATCH expression: every term, restricted to the columns."""
    def part(kind, value):
        if kind == "word":
            return f'"{value}"' + ("*" if prefix else "")
        if kind == "prefix":
            return f'"{value}"*'
        if kind == "any":
            return "(" + " OR ".join(part(*term) for term in value) + ")"
        return '"' + " ".join(value) + '"'

    expression = " AND ".join(part(kind, value) for kind, value in terms)
    if len(columns) < 3:
        expression = "{" + " ".join(columns) + "} : (" + expression + ")"
    return expression


def article_fields(title, title_ko, summary):
    """The stored head and body tokens of an article's own text."""
    return {"search_head": tokens(title, title_ko), "search_body": tokens(summary)}


def names_tokens(names):
    """The stored `search_names` of an article naming these names: each name's tokens, in the
    names' sorted order (the same as tokens() of them all, one name at a time)."""
    return " ".join(t for t in map(_name_tokens, sorted(set(n for n in names if n))) if t)


# The same few thousand enterprise names recur across every article that names them.
@lru_cache(maxsize=50_000)
def _name_tokens(name):
    return tokens(name)
