"""The scale benchmark's writes and stored evidence (tools/benchmark.py, parts 4 and 6): an
import committed then undone, and the enterprise list's evidence stored against computed."""

import time

from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import OuterRef

from registry.stored import evidence
from registry.models import Article, Claim, Enterprise, Location, Story, StoryMember
from registry.services import claims_import
from .bench_http import PAGE
from .corpus import claims_csv
from registry.access.visibility import known_through
from .measuring import Timing, ms, verdict


# --- 4. import -------------------------------------------------------------------------------

# What an import writes: new rows of these models (and their history), undone after each run.
IMPORT_WRITES = (Claim, StoryMember, Story, Article, Enterprise)


def _import_marks():
    """Each written table's highest id (main and history), and the enterprises' stored
    evidence (the only columns of existing rows the generated file changes)."""
    from django.db.models import Max

    marks = {}
    for model in IMPORT_WRITES:
        for table in (model, model.history.model) if hasattr(model, "history") else (model,):
            pk = table._meta.pk.name
            marks[table] = table.objects.aggregate(top=Max(pk))["top"] or 0
    stored = list(Enterprise.objects.order_by().values_list("pk", *evidence.COLUMNS, "public_listed"))
    return marks, stored


def _undo_import(marks, stored):
    """Delete what the import wrote (rows above the marks), so the next run imports into the
    same corpus; the enterprises' stored evidence must come back with it. Raw DELETEs: the foreign
    keys are deferred, and Django's cascade collector would read every row first."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table, top in marks.items():
            pk = table._meta.pk.column
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table._meta.db_table)} WHERE {pk} > %s", [top])
        # The copy triggers recount the enterprises whose claims went (registry/stored/copies.py).
        now = set(Enterprise.objects.order_by().values_list("pk", *evidence.COLUMNS, "public_listed"))
        if any(row not in now for row in stored):
            raise AssertionError("the enterprises' stored evidence did not come back with the import undone")
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Autovacuum is off on the benchmark server: without this each run leaves ~150k
        # dead rows (and bloated indexes) for the next one to wade through.
        with connection.cursor() as cursor:
            for table in marks:
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table._meta.db_table)}")
            cursor.execute("VACUUM (ANALYZE) registry_enterprise")


def bench_import(out, rows, repeats, seed):
    """The whole import as `manage.py import_claims` runs it: read, check, write and COMMIT
    (where PostgreSQL runs the deferred foreign-key checks and data-version triggers), then
    what it wrote is deleted again, untimed. Each run starts with the data version moved, so
    the duplicate guard's name index is built cold, as in a fresh `import_claims` process."""
    data = claims_csv(rows=rows, seed=seed)
    runs, counts = [], None
    for _ in range(repeats):
        marks, stored = _import_marks()
        try:
            started = time.perf_counter()
            plan = claims_import(data=data)  # its own transaction: committed outside a test's
            runs.append(time.perf_counter() - started)
        finally:
            _undo_import(marks, stored)
        counts = plan.counts()
        # The undo knows only new rows and the enterprises' evidence: a file that touched
        # existing articles (their search columns, versions, statuses) could not be undone.
        assert counts["articles_matched"] == counts["claims_matched"] == 0 and not plan.refined_enterprises, counts
    timing = Timing(runs)
    rate = rows / timing.median
    target = 5000 if connection.vendor == "postgresql" else None
    out(f"4. import_claims of a generated {rows:,}-row CSV ({counts['articles_created']:,} articles, "
        f"{counts['enterprises_created']:,} new and {counts['enterprises_matched']:,} matched enterprises; "
        "committed, then deleted untimed)")
    out(f"   median {timing.median:.2f} s = {rate:,.0f} rows/s  (runs " + ", ".join(f"{t:.2f}" for t in runs) + " s)" + (
        f"   target >= 5,000 rows/s  {verdict(rate >= target)}" if target else "   (target applies on PostgreSQL)"))
    return rate


# --- 6. stored vs computed evidence, side by side ---------------------------------------------

def _evidence_page(stored):
    """Issue 18's enterprise list (North Hamgyong, grades special-3, first page of 50 by
    name, with its count) for an anonymous reader: from the stored public evidence (what
    for_api does now), or computed per row from the public claims (what it did before)."""
    place = Location.objects.get(slug="north-hamgyong")
    rows = Enterprise.objects.in_place(place).filter(grade__in=["special", "1", "2", "3"])
    if stored:
        rows = rows.visible_to(AnonymousUser()).with_evidence(AnonymousUser())
    else:
        claims = Claim.objects.filter(enterprise=OuterRef("pk"))
        rows = rows.filter(known_through(claims, None)).annotate(**Claim.objects.public().evidence(OuterRef("pk")))
    page = list(rows.order_by("name", "id").values("pk", "claim_count", "first_seen", "last_seen")[:PAGE])
    return rows.count(), page


def bench_stored_evidence(out, repeats):
    out("6. enterprise list evidence, stored columns vs per-row subqueries (the same page, alternating)")
    stored_runs, computed_runs, same = [], [], True
    for _ in range(repeats + 1):
        for stored, runs in ((True, stored_runs), (False, computed_runs)):
            started = time.perf_counter()
            result = _evidence_page(stored)
            runs.append(time.perf_counter() - started)
            if stored:
                stored_result = result
            else:
                same = same and result == stored_result
    stored_timing, computed_timing = Timing(stored_runs[1:]), Timing(computed_runs[1:])
    ratio = stored_timing.median / computed_timing.median
    out(f"   stored (public_* columns)            median {ms(stored_timing.median):>10}")
    out(f"   computed (correlated subqueries)     median {ms(computed_timing.median):>10}   ratio {ratio:.2f}"
        + ("" if same else "   WARNING: the two disagree"))
    return {"stored": stored_timing, "computed": computed_timing, "same": same}
