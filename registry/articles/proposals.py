"""Proposed claims: from an article's title and text (English or Korean), the enterprises it
names, their place, the activity reported and the code the codebook suggests, each with the
words of the text that support it. The coder confirms, edits or drops them; nothing here
writes anything.

    propose(title, text) -> [Proposal, ...]

Enterprises are found with the duplicate guard's name index (duplicates.NameIndex, kept per
data version), so the proposals know every name the guard and the autocomplete know: names,
past names and aliases, any romanization, Hangul in the North's or the South's spelling,
`2·8`/`2.8`/"February 8", another word order. English names are read as the run of
capitalised words ending in an enterprise-type word ("… Complex", "… Factory", "… Mine");
Korean ones as the word ending in a type suffix ("…련합기업소", "…공장", "…탄광"). A name the
index does not know is proposed as a new enterprise (`new_name`), with the place its name
or its sentence names. The activity comes from codebook.ACTIVITY_WORDS, read in the
sentence naming the enterprise (then the headline), and the code from SUGGESTED_CODE.
"""

import re
from dataclasses import asdict, dataclass, field

from registry.method.codebook import ACTIVITY_PRIORITY, ACTIVITY_WORDS, SUGGESTED_CODE, Activity
from registry.enterprises.duplicates import NameIndex, bag, fold, parse
from registry.places.hangul import fold as fold_hangul
from registry.models import Enterprise, Location, LocationName
from registry.places.names import name_key
from registry.stored import dataversion

# English enterprise-type words ending a name.
_TYPE_END = {
    "complex", "complexes", "factory", "factories", "mill", "mills", "plant", "mine", "colliery", "works",
    "station", "shipyard", "dockyard", "farm", "enterprise", "kombinat", "ironworks", "steelworks",
    "smeltery", "refinery", "combine", "kombinat",
}
# Words that may sit inside a name although written in lower case.
_JOINERS = {"and", "of", "&", "the"}
# Capitalised words that begin a sentence or a phrase but no name.
_LEADING = {"at", "in", "on", "the", "a", "an", "from", "by", "for", "to", "of", "and", "with", "as", "after",
            "when", "while", "its", "his", "their", "this", "that", "these", "those", "both", "other", "new", "kim jong un",
            "visiting", "workers", "officials", "also"}
_GENERIC = {"factory", "mill", "plant", "complex", "mine", "works", "station", "farm", "enterprise", "shipyard",
            "power", "machine", "textile", "chemical", "the", "local", "regional", "industry", "other", "several",
            "many", "area", "county", "provincial", "city", "major", "big", "large", "new", "these", "those", "all"}
# Korean type suffixes, longest first (련합 and 연합 both: the text may be spelt either way).
_SUFFIXES = (
    "련합기업소", "연합기업소", "종합공장", "종합농장", "수산사업소", "사업소", "기업소", "공장", "탄광", "광산",
    "발전소", "조선소", "제철소", "제강소", "제련소", "농장", "목장", "양묘장", "화력발전소",
)
_KOREAN_NAME = re.compile(r"([0-9.·\uac00-\ud7a3]+?(?:%s))" % "|".join(sorted(_SUFFIXES, key=len, reverse=True)))
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_SENTENCE = re.compile(r"(?<=[.!?。])\s+|\n+")
_WORD = re.compile(r"[0-9]+(?:[.·][0-9]+)*|[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F'’\-]*|&")
# Korean words never the distinctive part of a name ("또다른 기계공장", "여러 공장").
_KOREAN_GENERIC = {"공장", "기업소", "련합기업소", "연합기업소", "탄광", "광산", "농장", "발전소", "사업소", "기계공장", "지방공업공장", "공장들", "해당", "수산사업소", "가방공장", "신발공장"}


@dataclass
class Proposal:
    enterprise: str | None  # the canonical name of a known enterprise
    enterprise_id: int | None
    new_name: str | None  # the name as the text gives it, for an enterprise the registry lacks
    place: str | None
    place_id: int | None
    activity: str
    code: int
    evidence: dict = field(default_factory=dict)  # part -> the words of the text
    start: int = -1  # where the name is in title + "\n" + text

    def as_dict(self):
        data = asdict(self)
        data.pop("start")
        return data


class Lexicon:
    """What the proposals read: the guard's name index, the enterprises' Hangul keys and
    places, and every place name (English folded, Hangul with and without its suffix)."""

    def __init__(self):
        self.index = NameIndex.current()
        self.hangul = {}  # name_key of a Hangul name -> enterprise ids
        for pk, _, matched, _ in self.index.entries:
            if _HANGUL.search(matched):
                self.hangul.setdefault(name_key(matched), set()).add(pk)
        self.enterprises = {
            pk: (name, location_id)
            for pk, name, location_id in Enterprise.objects.values_list("pk", "name", "location_id").iterator()
        }
        self.locations = dict(Location.objects.values_list("pk", "name"))
        self.path_to_location = {path: pk for pk, path in Location.objects.values_list("pk", "path")}
        self.korean_places = {}
        self.english_places = {}
        rows = list(LocationName.objects.values_list("name", "location_id", "location__level"))
        rows += list(Location.objects.values_list("name", "pk", "level"))
        for name, location_id, level in rows:
            if _HANGUL.search(name):
                key = fold_hangul(name).replace(" ", "")
                if len(key) >= 2:
                    self.korean_places.setdefault(key, (location_id, level))
            else:
                self.english_places.setdefault(fold(name), (location_id, level))

        self.korean_place_keys = sorted((k for k in self.korean_places if len(k) >= 2), key=len, reverse=True)
        self.bare_cache = {}

    @classmethod
    def current(cls):
        return dataversion.remember(("proposals.Lexicon",), cls, unwritten_transaction=True)


def propose(title, text, lexicon=None):
    """The proposed claims of an article, in the order its text names them (one per
    enterprise)."""
    lexicon = lexicon or Lexicon.current()
    whole = f"{title or ''}\n{text or ''}"
    found = {}  # enterprise id or new name key -> Proposal
    sentences = _sentences(whole)
    named = [list(_mentions(whole[start:end], lexicon)) for start, end in sentences]
    for n, ((start, end), mentions) in enumerate(zip(sentences, named)):
        # What the text says of an enterprise: its sentence and those after it that name
        # no other (up to two): "He visited the X. It has modernized its shops."
        context = [whole[start:end]]
        for (s2, e2), others in list(zip(sentences, named))[n + 1 : n + 3]:
            if others:
                break
            context.append(whole[s2:e2])
        if sum(map(len, named)) == len(mentions):
            context = [whole]  # the only sentence naming enterprises: the article is theirs
        for offset, surface, match in mentions:
            key = match[0] if match[0] is not None else ("new", name_key(match[1]))
            if key in found:
                continue
            found[key] = _proposal(match, surface, start + offset, " ".join(context), title, lexicon)
    return sorted(found.values(), key=lambda p: p.start)


def _sentences(whole):
    spans, at = [], 0
    for piece in _SENTENCE.split(whole):
        begin = whole.find(piece, at)
        if piece.strip():
            spans.append((begin, begin + len(piece)))
        at = begin + len(piece)
    return spans


def _mentions(sentence, lexicon):
    """(offset, surface words, (enterprise id or None, name)) for each enterprise the
    sentence names."""
    yield from _english(sentence, lexicon)
    yield from _coordinated(sentence, lexicon)
    yield from _korean(sentence, lexicon)


def _known(name, lexicon):
    """The enterprise id a name (as written) is, or None: the same folded name, the same
    words in another order, or the guard's candidate at 90 or more."""
    index = lexicon.index
    hits = index.identical(name)
    if len(hits) == 1:
        return hits[0].enterprise_id
    for i in index.bags.get(bag(name), ()):
        return index.entries[i][0]
    candidates = index.search(name, limit=2)
    if candidates and candidates[0].score >= 90 and (len(candidates) == 1 or candidates[1].score < candidates[0].score):
        return candidates[0].enterprise_id
    return None


def _english(sentence, lexicon):
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(sentence)]
    for j, (_, end, word) in enumerate(words):
        if word.lower() not in _TYPE_END:
            continue
        # The run of capitalised words (digits, "and", "of", "&") ending at the type word.
        i = j
        while i > 0 and j - i < 9:
            previous = words[i - 1][2]
            if previous[:1].isupper() or previous[:1].isdigit() or previous.lower() in _JOINERS - {"the"} or previous == "&":
                i -= 1
            else:
                break
        run = words[i : j + 1]
        while run and (run[0][2].lower() in _LEADING or run[0][2].lower() in _JOINERS):
            run = run[1:]
        if len(run) < 2:
            continue
        # The run as the registry knows it; or, its first word beginning the sentence (a
        # capital that may be no name's), the rest; else the run as a new name.
        tails = 2 if run[0][0] == words[0][0] and len(run) > 2 else 1
        for k in range(tails):
            tail = run[k:]
            surface = sentence[tail[0][0] : end]
            surface = re.sub(r"['’]s\b", "", surface)
            pk = _known(surface, lexicon)
            if pk is not None:
                yield tail[0][0], surface, (pk, surface)
                break
        else:
            surface = re.sub(r"['’]s\b", "", sentence[run[0][0] : end])
            distinctive = [w for _, _, w in run if w.lower() not in _GENERIC and w.lower() not in _JOINERS]
            if distinctive and word[:1].isupper():
                yield run[0][0], surface, (None, _singular(surface))


# "the Mundok, Nampho and Cholsan fishery stations", "the Kaechon and Anju area coal-mining
# complexes": several names sharing their last words.
_PLURAL = {"complexes": "Complex", "factories": "Factory", "mills": "Mill", "stations": "Station", "mines": "Mine",
           "plants": "Plant", "farms": "Farm", "works": "Works", "shipyards": "Shipyard"}
_COORDINATED = re.compile(
    r"\b((?:[A-Z][\w'’-]*\s*,\s*)*[A-Z][\w'’-]*\s*,?\s+and\s+[A-Z][\w'’-]*)\s+((?:[a-z][\w-]*\s+){0,3})(%s)\b" % "|".join(_PLURAL))


def _coordinated(sentence, lexicon):
    for m in _COORDINATED.finditer(sentence):
        shared = " ".join(w.capitalize() for w in m.group(2).replace("-", " ").split())
        kind = _PLURAL[m.group(3)]
        for part in re.finditer(r"[A-Z][\w'’-]*", m.group(1)):
            name = " ".join(x for x in (part.group(), shared, kind) if x)
            pk = _known(name, lexicon)
            yield m.start(1) + part.start(), part.group(), (pk, name)


def _singular(name):
    return re.sub(r"(Complex|Factor|Mill)(es|ies|s)$", lambda m: {"Factor": "Factory"}.get(m.group(1), m.group(1)), name)


def _korean(sentence, lexicon):
    previous = None
    for token in re.finditer(r"[0-9.·\uac00-\ud7a3]+", sentence):
        text, before = token.group(), previous
        previous = token
        if not _HANGUL.search(text):
            continue
        # The name ends at the last type suffix of the word (particles follow: 에서, 의, 는...).
        last = None
        for m in _KOREAN_NAME.finditer(text):
            last = m
        if last is None:
            continue
        name, start = text[: last.end()].lstrip(".·"), token.start()
        # A place written apart before it is part of the name ("남포시 학생신발공장").
        if before is not None and sentence[before.end() : token.start()] == " " and fold_hangul(before.group()) in lexicon.korean_places:
            name, start = before.group() + name, before.start()
        suffix = next(s for s in sorted(_SUFFIXES, key=len, reverse=True) if name.endswith(s))
        if name in _KOREAN_GENERIC or len(name) - len(suffix) < 2:
            continue
        key = name_key(name)
        ids = lexicon.hangul.get(key)
        if not ids:
            # The registry's Hangul may put a place word elsewhere ("평양김정숙방직공장" /
            # "김정숙평양방직공장"): the same place and the same rest.
            bare = _without_places(key, lexicon)
            ids = {pk for k, pks in lexicon.hangul.items() if bare[1] and _without_places(k, lexicon) == bare for pk in pks}
        if len(ids) == 1:
            yield start, name, (next(iter(ids)), name)
        elif not ids and (len(name) - len(suffix) >= 3 or _starts_with_place(name, lexicon)):
            yield start, name, (None, name)


def _starts_with_place(name, lexicon):
    key = fold_hangul(name)
    return any(key.startswith(key[:n]) and key[:n] in lexicon.korean_places for n in range(2, min(len(key), 6)))


def _without_places(key, lexicon):
    """(the key without the first place name inside it, that place) or (key, None)."""
    if key not in lexicon.bare_cache:
        found = (key, None)
        for place in lexicon.korean_place_keys:
            if place in key and key != place:
                found = (key.replace(place, "", 1), place)
                break
        lexicon.bare_cache[key] = found
    return lexicon.bare_cache[key]


def _place_in(text, lexicon):
    """The most precise place a text names: (location id, the words), or (None, None)."""
    best = None
    for m in _WORD.finditer(text):
        found = lexicon.english_places.get(fold(m.group()))
        if found and (best is None or found[1] > best[0][1]):
            best = (found, m.group())
    for m in re.finditer(r"[\uac00-\ud7a3]+", text):
        word = fold_hangul(m.group())
        for size in range(min(len(word), 6), 1, -1):
            found = lexicon.korean_places.get(word[:size])
            if found:
                if best is None or found[1] > best[0][1]:
                    best = (found, m.group()[:size])
                break
    return (best[0][0], best[1]) if best else (None, None)


def _hits(text):
    folded = fold_hangul(text).lower() if _HANGUL.search(text) else text.lower()
    hits = {}
    for activity, words in ACTIVITY_WORDS.items():
        for word in words:
            needle = fold_hangul(word).lower() if _HANGUL.search(word) else word
            if _HANGUL.search(word) or needle == "cnc":
                at = folded.find(needle)
                found = text[at : at + len(needle)] if at >= 0 and len(folded) == len(text) else (word if at >= 0 else None)
            else:
                # The whole word as the text has it: "modernized", not the lexicon's "moderniz".
                m = re.search(r"\b" + re.escape(needle) + r"[\w-]*", folded)
                found = text[m.start() : m.end()] if m else None
            if found:
                hits.setdefault(activity, []).append(found)
    return hits


def _activity(context, title):
    """The activity the words about the enterprise (then the headline) signal, with those
    words. A visit or a meeting (operation) only where nothing more is said: what the
    visitor was shown is what the coder records."""
    readings = [_hits(context), _hits(title or "")]
    for hits in readings:
        substantive = {a: w for a, w in hits.items() if a != Activity.OPERATION}
        if substantive:
            best = max(substantive, key=lambda a: (len(substantive[a]), -ACTIVITY_PRIORITY.index(a)))
            return best, substantive[best]
    for hits in readings:
        if Activity.OPERATION in hits:
            return Activity.OPERATION, hits[Activity.OPERATION]
    return Activity.OPERATION, []


def _proposal(match, surface, start, sentence, title, lexicon):
    pk, name = match
    activity, words = _activity(sentence, title)
    evidence = {"enterprise": surface}
    if words:
        evidence["activity"] = ", ".join(words)
    place_id = None
    if pk is not None:
        canonical, place_id = lexicon.enterprises.get(pk, (name, None))
    else:
        canonical = None
        parsed = parse(name, lexicon.index.places)
        if parsed.prefix and len(parsed.places) == 1:
            place_id = lexicon.path_to_location.get(next(iter(parsed.places)))
            evidence["place"] = name.split()[0]
        if place_id is None:
            place_id, words_of = _place_in(name, lexicon)
            if place_id is None:
                place_id, words_of = _place_in(sentence, lexicon)
            if words_of:
                evidence["place"] = words_of
    return Proposal(
        enterprise=canonical, enterprise_id=pk, new_name=None if pk is not None else name,
        place=lexicon.locations.get(place_id), place_id=place_id,
        activity=str(activity), code=int(SUGGESTED_CODE[activity]), evidence=evidence, start=start,
    )


# The longest text proposals are asked for (a long article is some 20,000 characters).
MAX_TEXT = 100_000


class BadRequest(ValueError):
    """A request the proposals cannot read; `errors`: field -> messages."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items()))


def suggest(record, lexicon=None):
    """One article's proposals as the command and the API give them: {"id", "claims"}.
    `record`: {"id"?, "title", "text"} (a line of ingest_articles' JSON Lines). Raises
    BadRequest naming the field."""
    if not isinstance(record, dict):
        raise BadRequest({"body": ["a JSON object with title and text"]})
    errors = {}
    for name in ("title", "text"):
        value = record.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[name] = ["a string"]
        elif len(value) > MAX_TEXT:
            errors[name] = [f"{len(value):,} characters; at most {MAX_TEXT:,}"]
    if not errors and not (record.get("title") or record.get("text")):
        errors["text"] = ["give a title or a text (or both)"]
    if errors:
        raise BadRequest(errors)
    claims = [p.as_dict() for p in propose(record.get("title") or "", record.get("text") or "", lexicon)]
    return {"id": record.get("id"), "claims": claims}
