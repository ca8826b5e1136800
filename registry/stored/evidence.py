"""Each enterprise's public evidence and each claim's copies: what they are (this module)
and who keeps them (the database: registry/stored/copies.py's triggers).

An enterprise stores what every list shows an anonymous reader (claim count, first and last
seen with their precisions, whether it is listed at all) and its first-level region, so that
lists and facets read columns instead of running correlated subqueries over a million claims.
These are the PUBLIC view only (claims of public, published articles:
visibility.visible_articles(None)); who reads them is decided in one place,
visibility.sees_public_view.

Each claim stores its article's date and precision while the article is public (null
otherwise), and what its enterprise was on the article's date (models/history.py): place,
first-level region, grade, industry and parent complex. The public's series count from one
index of the claims with no join (ClaimQuerySet.for_series); every series groups and filters
by the dated values.

No model method keeps any of it: triggers do, whatever the kind of write (save(),
queryset.update(), bulk_create, COPY, raw SQL, a migration, a restore, a merge, a place moved,
a period added). This module defines the same values with the ORM, independently of the
triggers' SQL, for `rebuild_evidence --check` and the tests that compare the two
(`differences`, `claim_differences`); `rebuild` recomputes everything with the triggers'
expressions.
"""

from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Subquery

from registry.stored import copies
from registry.stored.columns import CLAIM_COLUMNS, COLUMNS, ENTERPRISE_COLUMNS  # noqa: F401 (evidence.COLUMNS, as before)
from registry.access.visibility import known_through, visible_articles
from registry.models import Article, Claim, Enterprise, Location
from registry.models.history import DATED_FIELDS, dated_value


def _models():
    return Claim, Enterprise, Location


def claim_values():
    """The stored claim columns as expressions over a claim row: its article's date and
    precision if the article is one anyone may see (visibility.visible_articles(None)), else
    null; what its enterprise was on its article's date (dated_value). The region of that
    place is claim_differences' (a place's region is its path's first step)."""
    public = Article.objects.filter(visible_articles(None), pk=OuterRef("article_id"))
    # The claim's date: an annotation of the claims (claim_day, claim_differences), read
    # from inside each period subquery.
    day = OuterRef("claim_day")
    return {
        **{column: Subquery(public.values(source)[:1]) for column, source in CLAIM_COLUMNS.items()},
        # Keyed by field name (enterprise_place), as ENTERPRISE_COLUMNS.
        **{column: dated_value(column, OuterRef("enterprise_id"), day) for column in DATED_FIELDS},
    }


def rebuild(using="default"):
    """Recompute every stored copy (on the database `using`: the release's SQLite copy too)
    with the triggers' own expressions. Returns the number of enterprises."""
    count = copies.rebuild(using)
    connection = connections[using]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fresh statistics on the stored columns, and the visibility map back for the series'
        # index-only scans (every claim row was rewritten).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_enterprise")
            cursor.execute("VACUUM (ANALYZE) registry_claim")
    return count


def regions_by_place():
    """{place id: its first-level place's id}: one read of the place tree."""
    _, _, Location = _models()
    rows = list(Location.objects.values_list("pk", "path"))
    top = {path: pk for pk, path in rows if path.count("/") == 2}
    return {pk: top.get("/%s/" % path.strip("/").split("/")[0]) for pk, path in rows}





def computed():
    """The stored columns as expressions over an enterprise row (an UPDATE's values): the
    same ClaimQuerySet.evidence the computed path annotates, over the public claims, and
    the same known_through rule visible_to applies for an anonymous user."""
    Claim, _, _ = _models()
    evidence = Claim.objects.public().evidence(OuterRef("pk"))
    values = {column: evidence[name] for column, name in COLUMNS.items()}
    values["public_listed"] = ExpressionWrapper(
        known_through(Claim.objects.filter(enterprise=OuterRef("pk")), None), output_field=BooleanField()
    )
    return values


def claim_differences():
    """Claims whose stored columns differ from their article's or enterprise's: [(id,
    column, stored, computed)]."""
    Claim, _, _ = _models()
    names = {f"computed_{column}": expression for column, expression in claim_values().items()}
    columns = [*CLAIM_COLUMNS, *ENTERPRISE_COLUMNS]
    regions = regions_by_place()
    found = []
    claims = Claim.objects.order_by().annotate(claim_day=F("article__published"))
    for row in claims.annotate(**names).values("pk", *columns, *names).iterator():
        row["computed_enterprise_region"] = regions.get(row["computed_enterprise_place"])
        for column in columns:
            if row[column] != row[f"computed_{column}"]:
                found.append((row["pk"], column, row[column], row[f"computed_{column}"]))
    return found


def differences(queryset=None):
    """Enterprises whose stored evidence differs from the computed one: [(id, column,
    stored, computed)]. What tests and `rebuild_evidence --check` compare (with
    claim_differences)."""
    _, Enterprise, _ = _models()
    queryset = Enterprise.objects.all() if queryset is None else queryset
    names = {f"computed_{column}": expression for column, expression in computed().items()}
    rows = queryset.annotate(**names).values("pk", *COLUMNS, "public_listed", *names, "region_id", "location_id")
    regions = regions_by_place()
    found = []
    for row in rows:
        row["computed_region_id"] = regions.get(row["location_id"])
        for column in [*COLUMNS, "public_listed", "region_id"]:
            if row[column] != row[f"computed_{column}"]:
                found.append((row["pk"], column, row[column], row[f"computed_{column}"]))
    return found
