"""Each enterprise's public evidence, stored on its row: what every list shows an anonymous
reader (claim count, first and last seen with their precisions, whether it is listed at all)
and its first-level region, so lists and facets read columns instead of running correlated
subqueries over a million claims for every row.

The stored figures are the PUBLIC view only (claims of public, published articles:
visibility.visible_articles(None)). Who reads them and who gets the computed figures is
decided in one place, visibility.sees_public_view; a reviewer or a coder still gets figures
computed from the claims they may see.

Kept in the same transaction as the write that changes them:
- Claim.save()/delete() and Article.save()/delete() (models/articles.py) refresh the
  enterprises they touch, like name_key or text_sha256 are derived in save(); every service
  writes through them (claim_save, claim_delete, article_save, article_restore, record_*);
- the services' bulk writes that bypass save() call this module: the import's COPY
  (`add_claims`), the merge's bulk update (`refresh`);
- Enterprise.save() sets the region from the place; Location.save() of a place moved in the
  tree gives the enterprises inside it their new region (`follow_place`).
`manage.py rebuild_evidence` recomputes all of it (after a change of
REGISTRY_PUBLISHED_STATUSES or a raw SQL write).

Each claim carries its article's date and precision while it is public (CLAIM_COLUMNS, null
otherwise), so that the public's time series count from one index of the claims without
joining the articles (ClaimQuerySet.for_series). Kept by the same writes: Claim.save()
(`refresh_claims` of the claim), Article.save() when its disclosure, status or date changes
(its claims), the import's COPY (`add_claims`), and rebuilt with the rest.

Each claim also carries its enterprise's first-level region and grade (ENTERPRISE_COLUMNS,
every claim), so that the public's series by region, grade or tier group the claims from one
index without joining the enterprises. Kept by: Claim.save() (`refresh_claims`: a new claim,
or one moved to another enterprise), Enterprise.save() when its region or grade changes (one
UPDATE of its claims, `follow_enterprise`; the merge's kept enterprise too), the merge's bulk
move of claims, the import's COPY (`enterprise_columns`), and rebuilt with the rest.
"""

from django.db import connections, transaction
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Subquery

from .bulk import in_sets
from .visibility import known_through, visible_articles

# The stored columns and the annotation (ClaimQuerySet.evidence) each one stores.
COLUMNS = {
    "public_claim_count": "claim_count",
    "public_first_seen": "first_seen",
    "public_first_seen_precision": "first_seen_precision",
    "public_last_seen": "last_seen",
    "public_last_seen_precision": "last_seen_precision",
}
CHUNK = 1000
# The claim's stored copy of its article's date and precision while public, and the article
# column each copies.
CLAIM_COLUMNS = {"public_published": "published", "public_precision": "precision"}
# The claim's stored copy of its enterprise's first-level region and grade, on every claim
# (public or not: they follow the enterprise), and the enterprise column each copies: the
# public's series by region, grade or tier group the claims by them without the join.
ENTERPRISE_COLUMNS = {"enterprise_region": "region_id", "enterprise_grade": "grade"}


def _models():
    from .models import Claim, Enterprise, Location

    return Claim, Enterprise, Location


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


def refresh(enterprise_ids, using="default"):
    """Recompute the stored evidence of these enterprises (ids; None and gone ones ignored)."""
    _, Enterprise, _ = _models()
    ids = sorted({pk for pk in enterprise_ids if pk is not None})
    with transaction.atomic(using=using):
        for start in range(0, len(ids), CHUNK):
            Enterprise.objects.using(using).filter(pk__in=ids[start : start + CHUNK]).update(**computed())


def claim_values():
    """The stored claim columns as expressions over a claim row: its article's date and
    precision if the article is one anyone may see (visibility.visible_articles(None)), else
    null; its enterprise's region and grade."""
    from .models import Article, Enterprise

    public = Article.objects.filter(visible_articles(None), pk=OuterRef("article_id"))
    enterprise = Enterprise.objects.filter(pk=OuterRef("enterprise_id"))
    return {
        **{column: Subquery(public.values(source)[:1]) for column, source in CLAIM_COLUMNS.items()},
        **{column: Subquery(enterprise.values(source)[:1]) for column, source in ENTERPRISE_COLUMNS.items()},
    }


def refresh_claims(claims, using="default"):
    """Recompute the stored columns of these claims (a Claim queryset): one UPDATE."""
    claims.using(using).order_by().update(**claim_values())


def enterprise_values(enterprise):
    """{claim column: value} an enterprise gives its claims (ENTERPRISE_COLUMNS)."""
    return {column: getattr(enterprise, source) for column, source in ENTERPRISE_COLUMNS.items()}


def follow_enterprise(enterprise, using="default"):
    """Give the enterprise's claims its region and grade (after a change of its place or
    grade): one UPDATE of those that differ, in the caller's transaction."""
    Claim, _, _ = _models()
    values = enterprise_values(enterprise)
    # exclude(): NOT (region = x AND grade = y), null-safe as Django writes it.
    Claim.objects.using(using).filter(enterprise=enterprise.pk).exclude(**values).order_by().update(**values)


def enterprise_columns(enterprise_ids):
    """{enterprise id: {claim column: value}}, read from the enterprises (one query per
    bulk.in_sets chunk): what claims written without save() store (the import)."""
    _, Enterprise, _ = _models()
    found = {}
    for ids in in_sets(enterprise_ids):
        for pk, *values in Enterprise.objects.filter(pk__in=ids).order_by().values_list("pk", *ENTERPRISE_COLUMNS.values()):
            found[pk] = dict(zip(ENTERPRISE_COLUMNS, values))
    return found


def public_articles(article_ids):
    """{article id: (published, precision)} of those the public sees, by the one visibility
    rule: what new claims on them store (CLAIM_COLUMNS) and add to their enterprises."""
    from .models import Article

    public = {}
    for ids in in_sets(article_ids):
        public.update((pk, (published, precision)) for pk, published, precision in Article.objects.public().filter(pk__in=ids).order_by().values_list("pk", "published", "precision"))
    return public


def fold_claims(claims, public):
    """{enterprise id: (public claim count, (first date, precision) or None, (last date,
    precision) or None)} of these (enterprise id, article id) pairs; `public`:
    public_articles() of their articles."""
    found = {}
    for enterprise_id, article_id in claims:
        seen = found.setdefault(enterprise_id, [0, None, None])
        if article_id not in public:
            continue
        published, precision = public[article_id]
        seen[0] += 1
        # A tie on the date goes to the more precise one: day < month < year.
        if seen[1] is None or (published, precision) < seen[1]:
            seen[1] = (published, precision)
        if seen[2] is None or (published, _reverse(precision)) > (seen[2][0], _reverse(seen[2][1])):
            seen[2] = (published, precision)
    return found


def new_enterprise_fields(found):
    """The stored columns of an enterprise whose only claims are those folded in `found`
    (one value of fold_claims), to insert it with them rather than update it after."""
    count, first, last = found
    return {
        "public_claim_count": count,
        "public_first_seen": first[0] if first else None, "public_first_seen_precision": first[1] if first else None,
        "public_last_seen": last[0] if last else None, "public_last_seen_precision": last[1] if last else None,
        "public_listed": count > 0,
    }


def add_claims(claims, public=None, found=None):
    """Fold newly inserted claims, (enterprise id, article id) pairs, into their enterprises'
    stored evidence without reading the claims already counted (the import adds 50k claims
    to enterprises that may hold 100k): only valid for claims just added, never for changed
    or deleted ones. Call it once for a whole write: each enterprise row is updated once.
    `public`: public_articles() of their articles, if the caller has it already; `found`:
    their fold_claims() by enterprise id, likewise (then `claims` is not read)."""
    _, Enterprise, _ = _models()
    if found is None:
        claims = list(claims)
        if public is None:
            public = public_articles(article_id for _, article_id in claims)
        found = fold_claims(claims, public)
    rows = []
    for ids in in_sets(found):
        stored = Enterprise.objects.filter(pk__in=ids).order_by().values_list("pk", *COLUMNS, "public_listed")
        for row in stored:
            pk, count, first_seen, first_precision, last_seen, last_precision, _ = row
            added, first, last = found[pk]
            count += added
            if first and (first_seen is None or first < (first_seen, first_precision)):
                first_seen, first_precision = first
            if last and (last_seen is None or (last[0], _reverse(last[1])) > (last_seen, _reverse(last_precision))):
                last_seen, last_precision = last
            # It has claims now: listed exactly when one of them is public.
            new = (pk, count, first_seen, first_precision, last_seen, last_precision, count > 0)
            if new != row:  # an enterprise row is rewritten only if its figures moved
                rows.append(new)
    _write(rows)


def _write(rows):
    """Write (id, count, first, precision, last, precision, listed) rows. PostgreSQL: one
    UPDATE ... FROM unnest(arrays), seven parameters however many rows (a VALUES list of
    7,000 placeholders per 1,000 rows took psycopg longer to interpolate than the server to
    run). SQLite: UPDATE ... FROM (VALUES ...) per chunk (bulk_update's CASE WHEN per row and
    column took longer to build than the import took to write its 50k claims)."""
    if not rows:
        return
    connection = connections["default"]
    set_columns = (
        "public_claim_count = v.n, public_first_seen = v.f, public_first_seen_precision = v.fp, "
        "public_last_seen = v.l, public_last_seen_precision = v.lp, public_listed = v.listed"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE registry_enterprise SET {set_columns} "
                "FROM unnest(%s::bigint[], %s::integer[], %s::date[], %s::text[], %s::date[], %s::text[], %s::boolean[]) "
                "AS v(id, n, f, fp, l, lp, listed) WHERE registry_enterprise.id = v.id",
                [list(column) for column in zip(*rows)],
            )
            return
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"WITH v(id, n, f, fp, l, lp, listed) AS (VALUES {values}) UPDATE registry_enterprise SET {set_columns} "
                "FROM v WHERE registry_enterprise.id = v.id",
                [value for row in chunk for value in row],
            )


def _reverse(precision):
    """Orders precisions so that the more precise compares greater (for the latest date)."""
    return {"day": 2, "month": 1, "year": 0}.get(precision, -1)


def region_of(location):
    """The first-level place a place lies in (itself at level 1), or None."""
    return None if location is None else location.region()


def follow_place(location, using="default"):
    """A place moved in the tree: the enterprises inside it take its new first-level region,
    and their claims their copy of it (one UPDATE each, of those that differ)."""
    Claim, Enterprise, _ = _models()
    region = region_of(location)
    moved = Enterprise.objects.using(using).filter(location__path__startswith=location.path).exclude(region=region)
    ids = list(moved.values_list("pk", flat=True))
    if ids:
        Enterprise.objects.using(using).filter(pk__in=ids).update(region=region)
        Claim.objects.using(using).filter(enterprise__in=ids).update(enterprise_region=region.pk)


def rebuild(using="default"):
    """Recompute every enterprise's stored evidence and region (on the database `using`: the
    release's SQLite copy too). Returns the number of rows."""
    Claim, Enterprise, Location = _models()
    enterprises = Enterprise.objects.using(using)
    with transaction.atomic(using=using):
        enterprises.update(region=None)
        for region in Location.objects.using(using).filter(level=1):
            enterprises.filter(location__path__startswith=region.path).update(region=region)
        refresh_claims(Claim.objects.all(), using=using)  # after the regions: the claims copy them
        ids = list(enterprises.values_list("pk", flat=True))
        refresh(ids, using=using)
    connection = connections[using]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fresh statistics on the new columns: without them the planner guessed 100
        # enterprises per region where there are up to 4,000 (a nested loop of 366k probes).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_enterprise")
            # Every claim row was rewritten: the series' index-only scans need the visibility
            # map back (until then PostgreSQL reads the heap, 0.5 s more at 1M claims).
            cursor.execute("VACUUM (ANALYZE) registry_claim")
    return len(ids)


def claim_differences():
    """Claims whose stored columns differ from their article's or enterprise's: [(id,
    column, stored, computed)]."""
    Claim, _, _ = _models()
    names = {f"computed_{column}": expression for column, expression in claim_values().items()}
    columns = [*CLAIM_COLUMNS, *ENTERPRISE_COLUMNS]
    found = []
    for row in Claim.objects.order_by().annotate(**names).values("pk", *columns, *names).iterator():
        for column in columns:
            if row[column] != row[f"computed_{column}"]:
                found.append((row["pk"], column, row[column], row[f"computed_{column}"]))
    return found


def differences(queryset=None):
    """Enterprises whose stored evidence differs from the computed one: [(id, column,
    stored, computed)]. What tests and `rebuild_evidence --check` compare (with
    claim_differences)."""
    _, Enterprise, Location = _models()
    queryset = Enterprise.objects.all() if queryset is None else queryset
    names = {f"computed_{column}": expression for column, expression in computed().items()}
    rows = queryset.annotate(**names).values("pk", *COLUMNS, "public_listed", *names, "region_id", "location__path")
    regions = dict(Location.objects.filter(level=1).values_list("path", "pk"))
    found = []
    for row in rows:
        row["computed_region_id"] = regions.get("/%s/" % row["location__path"].strip("/").split("/")[0]) if row["location__path"] else None
        for column in [*COLUMNS, "public_listed", "region_id"]:
            if row[column] != row[f"computed_{column}"]:
                found.append((row["pk"], column, row[column], row[f"computed_{column}"]))
    return found
