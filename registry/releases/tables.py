"""What a release holds: one table per file, each column with its Table Schema type.

The rows of articles, enterprises, aliases and claims are exactly what an anonymous user may
see (`X.objects.visible_to(AnonymousUser())`, the one visibility rule), and only their public
columns: never full texts, internal notes, who coded or read what, or a link to a hidden row.
Places (with every spelling), industries and sources are public reference data; so is
coverage (which ranges of each source were read), without who read them, so that a series
from the release leaves unread periods empty as the live one does. Stories keep only their
links to public articles, so metric=stories counts from the release as the public counts live. Column names are the
models' column names, so a release loads back into the same schema (data.py).
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Exists, F, OuterRef, When

from registry.method.codebook import Activity, Code, Grade, Tier, codebook_rows_english
from registry.models import (
    AgreementRound, Article, Attribute, AttributePeriod, Claim, Coverage, Enterprise, EnterpriseAlias,
    EnterpriseKind, Extent, Industry, Integration, Location, LocationKind, LocationName, Precision,
    Reliability, RoundStatus, Source, SourceKind, Status, Story, StoryMember
)
from registry.method.agreement_rounds import codings, results


@dataclass
class Column:
    name: str  # the CSV header, the Table Schema field and the model's column
    type: str = "string"
    description: str = ""
    enum: tuple = ()
    required: bool = False
    source: str = ""  # the queryset's value when it is not the column itself

    def schema(self):
        spec = {"name": self.name, "type": self.type}
        if self.description:
            spec["description"] = self.description
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if constraints:
            spec["constraints"] = constraints
        if self.type == "date":
            spec["format"] = "default"  # ISO 8601, YYYY-MM-DD
        return spec


@dataclass
class Table:
    name: str
    description: str
    columns: list
    rows: callable  # () -> iterable of tuples in column order
    model: type | None = None  # the model it loads back into; None for the codebook
    primary_key: list = field(default_factory=lambda: ["id"])
    foreign_keys: list = field(default_factory=list)  # (column, table, column)

    @property
    def path(self):
        return f"data/{self.name}.csv"

    def schema(self):
        return {
            "fields": [c.schema() for c in self.columns],
            "primaryKey": self.primary_key,
            "foreignKeys": [
                # "" names the table itself in a Table Schema.
                {"fields": column, "reference": {"resource": "" if table == self.name else table, "fields": ref}}
                for column, table, ref in self.foreign_keys
            ],
            "missingValues": [""],
        }


ID = Column("id", "integer", required=True)


def _values(queryset, columns):
    """Rows streamed from the database as plain tuples, in id order (stable across runs)."""
    return queryset.order_by("id").values_list(*[c.source or c.name for c in columns]).iterator(chunk_size=5000)


def _table(name, description, model, columns, queryset, foreign_keys=()):
    return Table(
        name=name, description=description, columns=columns, model=model,
        rows=lambda: _values(queryset(), columns), foreign_keys=list(foreign_keys),
    )


def _public():
    return AnonymousUser()


# A follow-up of a hidden article, or a unit of a hidden complex, must not name it. EXISTS
# per row (a primary-key probe), not IN (subquery): in a select list PostgreSQL hashes an IN
# only if it fits work_mem, and 500k article ids do not, which made the export quadratic.
def _articles():
    visible = Article.objects.visible_to(_public())
    named = Exists(visible.filter(pk=OuterRef("follow_up_of_id")))
    return visible.annotate(public_follow_up_of=Case(When(named, then=F("follow_up_of_id"))))


def _enterprises():
    visible = Enterprise.objects.visible_to(_public())
    named = Exists(visible.filter(pk=OuterRef("parent_id")))
    return visible.annotate(public_parent=Case(When(named, then=F("parent_id"))))


def _aliases():
    return EnterpriseAlias.objects.filter(enterprise__in=Enterprise.objects.visible_to(_public()).values("pk"))


def _agreement_rows():
    """One row per closed agreement round, measured over its public, published articles only
    (registry/method/agreement_rounds.py); no coder is named (a release never says who coded what)."""
    public = Article.objects.visible_to(_public())
    for round in AgreementRound.objects.filter(status=RoundStatus.CLOSED).select_related("second_coder").order_by("id"):
        measured = results(round, articles=public)
        found = measured["all"]
        code, activity = found["code"], found["activity"]
        yield (
            round.pk, round.created_at.date(), round.closed_at.date(), measured["articles"], found["units"], activity["units"],
            code["alpha"], *(code["interval"] or (None, None)), code["verdict"],
            activity["alpha"], *(activity["interval"] or (None, None)), activity["verdict"],
        )


def _coding_rows():
    """The two codings of each closed round's public articles, one row per unit and coder
    (the first coding as it stood when the round closed, as the round is measured), so that
    the agreement table's alpha recomputes from the release alone (registry/method/agreement.py
    compare() over (article, enterprise, activity) -> code). Coders are "A" (first) and "B"
    (second), never named. An enterprise not in the release is left unnamed; its number
    within the round still tells the units apart."""
    public = Article.objects.visible_to(_public())
    listed = Enterprise.objects.visible_to(_public())
    for round in AgreementRound.objects.filter(status=RoundStatus.CLOSED).order_by("id"):
        first, second, _coders = codings(round, articles=public)
        numbered = {pk: n for n, pk in enumerate(sorted({u[1] for u in (*first, *second)}), start=1)}
        named = set(listed.filter(pk__in=numbered).values_list("pk", flat=True))
        for coder, coding in (("A", first), ("B", second)):
            for (article, enterprise, activity), (code, _detail) in sorted(coding.items()):
                yield round.pk, article, enterprise if enterprise in named else None, numbered[enterprise], activity, coder, code


def _periods():
    """Attribute periods of public enterprises resting on public evidence (a public article,
    or a free-text source) - the API's rule for an anonymous user (AttributePeriod.for_api:
    a parent period only where the parent complex is public)."""
    return AttributePeriod.objects.for_api(_public())


def _story_members():
    return StoryMember.objects.visible_to(_public())


def _stories():
    """Stories with at least one public article; the others are nothing to the public."""
    return Story.objects.filter(pk__in=_story_members().values("story_id"))


def _nonblank(choices):
    return tuple(v for v in choices.values if v != "")


TABLES = [
    _table("places", "North Korea's administrative units: provinces, cities, counties, districts.", Location, [
        ID,
        Column("parent_id", "integer", "The unit this one lies in"),
        Column("level", "integer", "1 province or city of provincial rank … 4", required=True),
        Column("kind", enum=LocationKind.values, required=True),
        Column("name", description="McCune–Reischauer without diacritics or suffix", required=True),
        Column("name_mr", description="McCune–Reischauer"),
        Column("name_rr", description="Revised Romanization"),
        Column("hangul"),
        Column("iso_code", description="ISO 3166-2:KP (first-level units)"),
        Column("slug", required=True),
        Column("path", description="Slugs from the province down: everything inside a place shares its path as a prefix", required=True),
        Column("latitude", "number"),
        Column("longitude", "number"),
    ], Location.objects.all, [("parent_id", "places", "id")]),
    _table("place_names", "Every spelling a place is found by: romanizations, Hangul, aliases.", LocationName, [
        ID,
        Column("location_id", "integer", required=True),
        Column("name", required=True),
        Column("is_alias", "boolean", "false for spellings derived from the place's own fields", required=True),
    ], LocationName.objects.all, [("location_id", "places", "id")]),
    _table("industries", "The two-level industry taxonomy.", Industry, [
        ID,
        Column("parent_id", "integer", "The top-level industry of a sub-industry"),
        Column("name", required=True),
        Column("slug", required=True),
        Column("isic", description="ISIC Rev.4 divisions, comma-separated"),
    ], Industry.objects.all, [("parent_id", "industries", "id")]),
    _table("sources", "Publications the articles come from.", Source, [
        ID,
        Column("name", required=True),
        Column("short_name", required=True),
        Column("kind", enum=SourceKind.values, required=True),
        Column("language", description="ISO 639-1"),
        Column("reliability", description="Admiralty scale A-F; see codebook.csv", enum=Reliability.values, required=True),
        Column("url"),
    ], Source.objects.all),
    _table("coverage", "Which date ranges of each source were read (completely, or partly as the note says); "
           "a period no range touches was not read, and a series leaves it empty rather than 0.", Coverage, [
        ID,
        Column("source_id", "integer", required=True),
        Column("start", "date", "First day read", required=True),
        Column("end", "date", "Last day read (included)", required=True),
        Column("extent", description="complete, or partial (then the note says what was skipped)", enum=Extent.values, required=True),
        Column("note"),
    ], Coverage.objects.all, [("source_id", "sources", "id")]),
    _table("enterprises", "Enterprises with public evidence (or none yet).", Enterprise, [
        ID,
        Column("name", required=True),
        Column("hangul"),
        Column("grade", description="See codebook.csv", enum=Grade.values, required=True),
        Column("tier", description="Derived from the grade; see codebook.csv", enum=Tier.values, required=True),
        Column("kind", enum=EnterpriseKind.values, required=True),
        Column("integration", description="For complexes only", enum=_nonblank(Integration)),
        Column("parent_id", "integer", "The complex this enterprise is a unit of", source="public_parent"),
        Column("location_id", "integer", "The lowest place known"),
        Column("industry_id", "integer"),
        Column("products"),
        Column("ministry", description="Supervising ministry"),
    ], _enterprises, [
        ("parent_id", "enterprises", "id"), ("location_id", "places", "id"), ("industry_id", "industries", "id"),
    ]),
    _table("enterprise_aliases", "Other names of enterprises: romanizations, Hangul, former names.", EnterpriseAlias, [
        ID,
        Column("enterprise_id", "integer", required=True),
        Column("name", required=True),
    ], _aliases, [("enterprise_id", "enterprises", "id")]),
    _table("articles", "Public articles: headline, summary and link; the full text is not published.", Article, [
        ID,
        Column("source_id", "integer", required=True),
        Column("published", "date", "A month- or year-precise date is the first day of its month or year", required=True),
        Column("precision", enum=Precision.values, required=True),
        Column("page", "integer"),
        Column("title", description="Headline (English)"),
        Column("title_ko", description="Headline (Korean)"),
        Column("summary"),
        Column("url"),
        Column("follow_up_of_id", "integer", source="public_follow_up_of"),
        Column("status", description="Coding workflow state", enum=Status.values, required=True),
    ], _articles, [("source_id", "sources", "id"), ("follow_up_of_id", "articles", "id")]),
    _table("claims", "Coded claims: an article says an enterprise did something.", Claim, [
        ID,
        Column("article_id", "integer", required=True),
        Column("enterprise_id", "integer", required=True),
        Column("activity", description="See codebook.csv", enum=Activity.values, required=True),
        Column("code", "integer", "1 most to 5 least specific; see codebook.csv", enum=tuple(Code.values), required=True),
        Column("detail"),
        Column("quantity", "number"),
        Column("unit"),
    ], lambda: Claim.objects.visible_to(_public()), [
        ("article_id", "articles", "id"), ("enterprise_id", "enterprises", "id"),
    ]),
    _table("attribute_periods", "Enterprises' attributes in time: what an enterprise's name, grade, place, parent complex, "
           "industry or kind was between two dates (either end open), with its evidence. A claim is counted under the "
           "values valid on its article's date; an attribute with periods has no value on a date none covers (unknown); "
           "one without keeps the enterprise's own field. The enterprises table holds today's values.", AttributePeriod, [
        ID,
        Column("enterprise_id", "integer", required=True),
        Column("attribute", enum=Attribute.values, required=True),
        Column("value", description="A name, a grade or a kind (see codebook.csv); empty for the others"),
        Column("location_id", "integer", "The place (attribute place)"),
        Column("parent_id", "integer", "The parent complex (attribute parent; empty: none)"),
        Column("industry_id", "integer", "The industry (attribute industry; empty: none)"),
        Column("valid_from", "date", "First day covered; empty: open"),
        Column("valid_from_precision", description="How the start was written", enum=_nonblank(Precision)),
        Column("valid_to", "date", "Last day covered (an end written 2019 is 2019-12-31); empty: open"),
        Column("valid_to_precision", description="How the end was written", enum=_nonblank(Precision)),
        Column("article_id", "integer", "The public article it rests on"),
        Column("source", description="A free-text source (a yearbook, a report) where the evidence is not an article"),
        Column("note"),
    ], _periods, [
        ("enterprise_id", "enterprises", "id"), ("location_id", "places", "id"), ("parent_id", "enterprises", "id"),
        ("industry_id", "industries", "id"), ("article_id", "articles", "id"),
    ]),
    _table("stories", "Events reported by several articles (a KCNA item and its Rodong Sinmun reprint): "
           "counted once by metric=stories.", Story, [
        ID,
        Column("title", description="The event, in a few words", required=True),
    ], _stories),
    _table("story_members", "Which public articles report each story; an article in none is a story of its own.", StoryMember, [
        ID,
        Column("story_id", "integer", required=True),
        Column("article_id", "integer", required=True),
    ], _story_members, [("story_id", "stories", "id"), ("article_id", "articles", "id")]),
    Table(
        name="agreement",
        description="Inter-coder agreement: per closed round, Krippendorff's alpha between the first coding and a "
        "blind second coding of a random sample of articles, over the units article x enterprise x activity "
        "either coder recorded (public articles only), with bootstrap 95% intervals.",
        columns=[
            Column("round", "integer", "The agreement round", required=True),
            Column("drawn", "date", "When the sample was drawn", required=True),
            Column("closed", "date", "When second coding ended and the first coding was measured", required=True),
            Column("articles", "integer", "Public articles of the sample coded by both", required=True),
            Column("units", "integer", "Article x enterprise x activity units either coder recorded (the code's alpha is "
                   "taken over those both recorded)", required=True),
            Column("activity_units", "integer", "Article x enterprise units either coder recorded (the activity's units)", required=True),
            Column("alpha_code", "number", "Krippendorff's alpha of the reliability code (ordinal); empty where undefined"),
            Column("alpha_code_low", "number", "Bootstrap 95% interval, lower bound"),
            Column("alpha_code_high", "number", "Bootstrap 95% interval, upper bound"),
            Column("code_verdict", description=">= 0.80 reliable, >= 0.667 tentative",
                   enum=("reliable", "tentative", "unreliable", "undefined"), required=True),
            Column("alpha_activity", "number", "Krippendorff's alpha of the activity: the set of activities each coder recorded for an enterprise in an article, "
                   "two sets apart by Passonneau's MASI distance"),
            Column("alpha_activity_low", "number", "Bootstrap 95% interval, lower bound"),
            Column("alpha_activity_high", "number", "Bootstrap 95% interval, upper bound"),
            Column("activity_verdict", description=">= 0.80 reliable, >= 0.667 tentative",
                   enum=("reliable", "tentative", "unreliable", "undefined"), required=True),
        ],
        rows=_agreement_rows,
        primary_key=["round"],
    ),
    Table(
        name="codings",
        description="The two codings behind the agreement table: per closed round, every unit (article x enterprise x "
        "activity) each coder recorded on its public articles, the first coding as it stood when the round closed. "
        "registry/agreement.py compare() over these rows gives the agreement table's alphas and intervals "
        "(bootstrap seeded with the round's seed).",
        columns=[
            Column("round", "integer", "The agreement round", required=True),
            Column("article_id", "integer", "The public article coded twice", required=True),
            Column("enterprise_id", "integer", "The enterprise; empty where it is not in the release"),
            Column("enterprise_unit", "integer", "The enterprise numbered within the round (1, 2, ... in id order): "
                   "what tells units apart, named or not", required=True),
            Column("activity", enum=tuple(Activity.values), required=True),
            Column("coder", description="A: the first coding (the claims); B: the blind second coding", enum=("A", "B"), required=True),
            Column("code", "integer", "The reliability code the coder gave the unit", enum=tuple(Code.values), required=True),
        ],
        rows=_coding_rows,
        primary_key=["round", "article_id", "enterprise_unit", "activity", "coder"],
        foreign_keys=[("round", "agreement", "round"), ("article_id", "articles", "id"), ("enterprise_id", "enterprises", "id")],
    ),
    Table(
        name="codebook",
        description="The codebook: every code, activity, group, grade, tier and reliability letter, defined.",
        columns=[
            Column("scheme", enum=("activity", "activity_group", "code", "grade", "tier", "source_reliability"), required=True),
            Column("value", required=True),
            Column("label", required=True),
            Column("definition", required=True),
            Column("member_of", description="An activity's group; a grade's tier"),
        ],
        rows=codebook_rows_english,
        primary_key=["scheme", "value"],
    ),
]
