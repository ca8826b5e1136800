"""Reading and checking a coder's CSV of coded claims (the `import_claims` format).

One format, one validator: the management command and the admin's bulk import both call
`parse_claims_csv` and `plan_import`, so a file that passes one passes the other.
Every problem is collected (not just the first) and named by line and field, in the form
`line 3: published: 2021-02-30 — not a date`."""

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from registry.method.codebook import Activity
from registry.method.dates import BadDate, parse_partial_date
from registry.places.industries import IndustryLookupError, resolve_industry
from registry.models import Article, Claim, Enterprise, EnterpriseKind, Industry, Source, Story
from registry.places.names import name_key
from registry.places.lookup import Gazetteer, PlaceLookupError, describe_error, resolve_place
from registry.importing.matching import duplicate_error, flag_duplicates, identical_error, match_database, relation
from registry.importing.rows import ACTIVITIES, GRADE_VALUES, ImportFailed, KINDS, RowError, describe_value


@dataclass
class PlannedEnterprise:
    name: str
    line: int
    grade: str = ""
    kind: str = ""
    hangul: str = ""
    industry: object = None
    location: object = None
    existing: Enterprise | None = None
    # column -> (recorded, more precise): what the import refines on an existing enterprise.
    refinements: dict = field(default_factory=dict)
    # Existing enterprises the duplicate guard finds close to a new one (duplicates.py).
    similar: list = field(default_factory=list)
    # Existing enterprises of the same folded name in the same place: the row is refused.
    identical: list = field(default_factory=list)

    def describe_refinements(self):
        return "; ".join(f"{column} {describe_value(column, old)} → {describe_value(column, new)}" for column, (old, new) in self.refinements.items())


@dataclass
class PlannedArticle:
    source: Source
    published: object
    precision: str
    title: str
    summary: str
    line: int
    existing_id: int | None = None
    story: str = ""
    title_ko: str = ""


@dataclass
class PlannedClaim:
    article_key: tuple
    enterprise_key: str
    activity: str
    code: int
    detail: str
    quantity: Decimal | None
    unit: str
    line: int
    exists: bool = False


@dataclass
class ImportPlan:
    rows: int = 0
    articles: dict = field(default_factory=dict)  # key -> PlannedArticle
    enterprises: dict = field(default_factory=dict)  # name key -> PlannedEnterprise
    claims: dict = field(default_factory=dict)  # (article key, enterprise key, activity) -> PlannedClaim
    held: list = field(default_factory=list)  # flagged new enterprises not confirmed (services.claims_import)
    _counts: dict | None = None

    def counts(self):
        """What the import creates and what it matches, as planned before any write."""
        if self._counts is None:
            self._counts = self._count()
        return self._counts

    def _count(self):
        def split(items, is_new):
            new = sum(1 for item in items if is_new(item))
            return new, len(items) - new

        a = split(self.articles.values(), lambda a: a.existing_id is None)
        e = split(self.enterprises.values(), lambda e: e.existing is None)
        c = split(self.claims.values(), lambda c: not c.exists)
        return {
            "rows": self.rows,
            "articles_created": a[0], "articles_matched": a[1],
            "enterprises_created": e[0], "enterprises_matched": e[1],
            "enterprises_refined": len(self.refined_enterprises),
            "claims_created": c[0], "claims_matched": c[1],
        }

    @property
    def new_enterprises(self):
        return [e for e in self.enterprises.values() if e.existing is None]

    @property
    def refined_enterprises(self):
        return [e for e in self.enterprises.values() if e.existing is not None and e.refinements]

    @property
    def flagged_enterprises(self):
        """New enterprises the duplicate guard holds back until the coder confirms them."""
        return [e for e in self.new_enterprises if e.similar]


class _Resolver:
    """Caches every lookup of one import, so 50,000 rows naming 40 places cost 40 lookups."""

    def __init__(self):
        self.sources = {}
        for source in Source.objects.all():
            self.sources[name_key(source.name)] = source
            self.sources[name_key(source.short_name)] = source
        self.industries = list(Industry.objects.select_related("parent"))
        self.gazetteer = None  # read at the first place named
        self.places = {}
        self.industry_cache = {}

    def source(self, text):
        source = self.sources.get(name_key(text))
        if source is None:
            known = ", ".join(sorted({s.name for s in self.sources.values()}))
            raise ValueError(_("unknown source; known sources: %(known)s") % {"known": known})
        return source

    @staticmethod
    def _cached(cache, text, lookup, error_class, describe=str):
        """Look a value up once per import; remember failures too, with their message."""
        if text not in cache:
            try:
                cache[text] = lookup(text)
            except error_class as exc:
                cache[text] = ValueError(describe(exc))
        result = cache[text]
        if isinstance(result, ValueError):
            raise result
        return result

    def place(self, text):
        if self.gazetteer is None and text not in self.places:
            self.gazetteer = Gazetteer()
        return self._cached(self.places, text, lambda t: resolve_place(t, self.gazetteer), PlaceLookupError, describe_error)

    def industry(self, text):
        return self._cached(self.industry_cache, text, lambda t: resolve_industry(t, self.industries), IndustryLookupError)


def _enterprise_attributes(row, resolver, add_error, line):
    """The enterprise columns of a row, resolved; blank columns stay blank."""
    attrs = {}
    if row["grade"]:
        grade = row["grade"].lower()
        if grade not in GRADE_VALUES:
            add_error(line, "grade", row["grade"], _("unknown grade; use special, 1 to 7, local, or leave blank"))
        else:
            attrs["grade"] = GRADE_VALUES[grade]
    if row["kind"]:
        kind = row["kind"].lower()
        if kind not in KINDS:
            add_error(line, "kind", row["kind"], _("unknown kind; use one of %(values)s") % {"values": ", ".join(EnterpriseKind.values)})
        else:
            attrs["kind"] = kind
    if row["hangul"]:
        attrs["hangul"] = unicodedata.normalize("NFC", row["hangul"])
    for column, lookup in (("industry", resolver.industry), ("location", resolver.place)):
        if row[column]:
            try:
                attrs[column] = lookup(row[column])
            except ValueError as exc:
                add_error(line, column, row[column], str(exc))
    return attrs


def _column_lengths():
    """column -> the longest value its database column takes (what the database would refuse
    is refused in the dry run, on both databases: SQLite does not check a length itself)."""
    fields = {"title": (Article, "title"), "title_ko": (Article, "title_ko"), "enterprise": (Enterprise, "name"),
              "hangul": (Enterprise, "hangul"), "detail": (Claim, "detail"), "unit": (Claim, "unit"), "story": (Story, "title")}
    return {column: model._meta.get_field(name).max_length for column, (model, name) in fields.items()}


def plan_import(rows, accept_new=(), keep_existing=False):
    """Check every row and decide what the import would create and what it would match.

    Raises ImportFailed with every problem found, in one pass: a row's own problems, what it
    contradicts in the database and, if anything else is wrong, the new enterprises held as
    possible duplicates (less those in `accept_new`), so the coder corrects the file once.
    `keep_existing`: what is recorded wins (matching.match_database). Reads the
    database, writes nothing."""
    lengths = _column_lengths()

    resolver = _Resolver()
    plan = ImportPlan(rows=len(rows))
    errors = []

    def add_error(line, column, value, message):
        errors.append(RowError(line, column, value, message))

    for line, row in rows:
        problems_before = len(errors)
        source = published = precision = code = quantity = None
        try:
            source = resolver.source(row["source"]) if row["source"] else None
            if source is None:
                add_error(line, "source", "", _("required"))
        except ValueError as exc:
            add_error(line, "source", row["source"], str(exc))
        try:
            published, precision = parse_partial_date(row["published"])
        except BadDate as exc:
            add_error(line, "published", row["published"], str(exc))
        if not row["title"]:
            add_error(line, "title", "", _("required: the headline identifies the article"))
        if not row["enterprise"]:
            add_error(line, "enterprise", "", _("required"))
        if row["activity"].lower() not in ACTIVITIES:
            add_error(line, "activity", row["activity"], _("unknown activity; use one of %(values)s") % {"values": ", ".join(Activity.values)})
        try:
            code = int(row["code"])
            if not 1 <= code <= 5:
                raise ValueError
        except ValueError:
            add_error(line, "code", row["code"], _("the reliability code must be a whole number from 1 to 5"))
        if row["quantity"]:
            try:
                quantity = Decimal(row["quantity"].replace(",", ""))
                if not quantity.is_finite() or abs(quantity) >= 10**16:
                    raise InvalidOperation
                if quantity.as_tuple().exponent < -4:
                    add_error(line, "quantity", row["quantity"], _("at most 4 decimal places"))
            except InvalidOperation:
                add_error(line, "quantity", row["quantity"], _("not a number"))
        for column, longest in lengths.items():
            if len(row.get(column) or "") > longest:
                add_error(line, column, row[column], _("%(length)s characters; at most %(longest)s") % {"length": len(row[column]), "longest": longest})
        attrs = _enterprise_attributes(row, resolver, add_error, line)
        if len(errors) > problems_before:
            continue

        article_key = (source.pk, published, row["title"])
        article = plan.articles.get(article_key)
        if article is None:
            plan.articles[article_key] = PlannedArticle(source, published, precision, row["title"], row["summary"], line, title_ko=row["title_ko"])
        elif article.precision != precision:
            add_error(line, "published", row["published"], _("line %(line)s gives this article's date as a %(precision)s") % {"line": article.line, "precision": article.precision})
        elif row["summary"] and article.summary and row["summary"] != article.summary:
            add_error(line, "summary", row["summary"], _("differs from the summary of the same article on line %(line)s") % {"line": article.line})
        elif row["summary"] and not article.summary:
            article.summary = row["summary"]
        elif row["title_ko"] and article.title_ko and row["title_ko"] != article.title_ko:
            add_error(line, "title_ko", row["title_ko"], _("differs from the Korean headline of the same article on line %(line)s") % {"line": article.line})
        elif row["title_ko"] and not article.title_ko:
            article.title_ko = row["title_ko"]
        # The optional story column: one story per article, and the same on all its rows.
        story, planned = row.get("story", ""), plan.articles[article_key]
        if story and planned.story and story != planned.story:
            add_error(line, "story", story, _("line %(line)s puts this article in the story %(story)r") % {"line": planned.line, "story": planned.story})
        elif story:
            planned.story = story

        enterprise_key = name_key(row["enterprise"])
        enterprise = plan.enterprises.get(enterprise_key)
        if enterprise is None:
            plan.enterprises[enterprise_key] = PlannedEnterprise(row["enterprise"], line, **attrs)
        else:
            for column, value in attrs.items():
                given = getattr(enterprise, column)
                if given in (None, ""):
                    setattr(enterprise, column, value)
                elif column in ("industry", "location") and relation(column, given, value) != "other":
                    if relation(column, given, value) == "finer":
                        setattr(enterprise, column, value)  # two rows, one more precise: keep it
                elif given != value:
                    add_error(line, column, row[column], _("line %(line)s gives %(enterprise)r the %(column)s %(value)s") % {"line": enterprise.line, "enterprise": row["enterprise"], "column": column, "value": describe_value(column, given)})

        claim_key = (article_key, enterprise_key, row["activity"].lower())
        claim = PlannedClaim(article_key, enterprise_key, row["activity"].lower(), code, row["detail"], quantity, row["unit"], line)
        earlier = plan.claims.get(claim_key)
        if earlier is None:
            plan.claims[claim_key] = claim
        elif (earlier.code, earlier.detail, earlier.quantity, earlier.unit) != (claim.code, claim.detail, claim.quantity, claim.unit):
            add_error(line, "activity", row["activity"], _("line %(line)s already codes this activity for this enterprise in this article, differently") % {"line": earlier.line})

    # The rows that read well meet the database even if others did not: every error at once.
    match_database(plan, add_error, keep_existing=keep_existing)
    flag_duplicates(plan)
    errors += [identical_error(e) for e in plan.new_enterprises if e.identical]
    if errors:
        confirmed = {name_key(name) for name in accept_new}
        errors += [duplicate_error(e) for e in plan.flagged_enterprises if name_key(e.name) not in confirmed and not e.identical]
        raise ImportFailed(sorted(errors, key=lambda e: e.line))
    return plan
