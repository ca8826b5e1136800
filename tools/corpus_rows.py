"""The synthetic corpus's rows and how they are written (tools/corpus.py): the column order of
each COPY, the writer (COPY on PostgreSQL, bulk_create elsewhere), the weighted picker every
draw uses, and the coverage and attribute-history rows a seed yields."""

import random
from bisect import bisect
from datetime import date
from itertools import accumulate

from django.db import connection

from registry.method.codebook import Grade
from registry.models import AttributePeriod, Location, Source
from .corpus_shape import SOURCES


FIRST_YEAR, LAST_YEAR = 1995, 2025
# Articles written per COPY / per transaction: big enough to be fast, small enough that
# progress shows and memory stays flat.
CHUNK = 20_000

ARTICLE_COLUMNS = [
    "id", "source_id", "published", "precision", "page", "title", "title_ko", "summary", "full_text", "text_sha256",
    "url", "follow_up_of_id", "disclosure", "status", "notes", "coded_by_id", "reviewed_by_id", "created_at", "updated_at",
    "search_head", "search_body", "search_names",
]
CLAIM_COLUMNS = ["id", "article_id", "enterprise_id", "activity", "code", "detail", "quantity", "unit", "created_at"]
ENTERPRISE_COLUMNS = [
    "id", "name", "name_key", "hangul", "hangul_key", "grade", "kind", "integration", "parent_id", "location_id", "industry_id",
    "products", "ministry", "notes", "created_at", "updated_at",
]


class Pick:
    """A weighted choice that costs one random() and one bisect."""

    def __init__(self, weights):
        if isinstance(weights, dict):
            self.items, values = list(weights), list(weights.values())
        else:
            self.items, values = [w[0] for w in weights], [w[1] for w in weights]
        self.cumulative = list(accumulate(values))
        self.total = self.cumulative[-1]

    def __call__(self, rng):
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


def write_rows(model, columns, rows):
    if not rows:
        return
    if connection.vendor == "postgresql":
        # Django's cursor wrapper hands through to psycopg 3's cursor, which speaks COPY.
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        model.objects.bulk_create([model(**dict(zip(columns, row))) for row in rows], batch_size=2000)


# Coverage of the synthetic sources: most years read, a few half-years only partly, and some
# years nobody read (the series shows those as unknown). Drawn from a generator of its own, so
# the articles and claims of a seed stay what they were before coverage was added.
UNREAD_YEAR, PARTLY_READ = 0.08, 0.1


def coverage_rows(seed):
    """Coverage ranges (source_id, start, end, extent, note), two half-years a source and year."""
    rng = random.Random(f"coverage-{seed}")
    sources = dict(Source.objects.filter(short_name__in=SOURCES).values_list("short_name", "pk"))
    rows = []
    for short_name in SOURCES:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            if rng.random() < UNREAD_YEAR:
                continue
            for start, end in ((date(year, 1, 1), date(year, 6, 30)), (date(year, 7, 1), date(year, 12, 31))):
                if rng.random() < PARTLY_READ:
                    rows.append((sources[short_name], start, end, "partial", "synthetic: some issues missing"))
                else:
                    rows.append((sources[short_name], start, end, "complete", ""))
    return rows


# Share of enterprises whose grade, and whose place, changed once (models/history.py).
GRADE_CHANGED, PLACE_CHANGED = 0.10, 0.05


def history_rows(seed, enterprise_rows, now):
    """AttributePeriod rows: 10% of the enterprises promoted or demoted once, 5% moved once,
    in a year between 2000 and 2020: the former value up to the end of the year before, the
    present one (the enterprise's own field) from 1 January. From a generator of its own, so
    the rest of a seed's corpus is what it was before histories were added."""
    rng = random.Random(f"history-{seed}")
    places = list(Location.objects.filter(level=2).values_list("pk", flat=True))
    grades = [g for g in Grade.values if g != Grade.UNKNOWN]
    columns = dict(zip(ENTERPRISE_COLUMNS, range(len(ENTERPRISE_COLUMNS))))
    rows = []
    for row in enterprise_rows:
        pk = row[columns["id"]]
        for attribute, share in (("grade", GRADE_CHANGED), ("place", PLACE_CHANGED)):
            if rng.random() >= share:
                continue
            year = rng.randint(2000, 2020)
            if attribute == "grade":
                before, after = rng.choice([g for g in grades if g != row[columns["grade"]]]), row[columns["grade"]]
                values = ({"value": before}, {"value": after})
            else:
                if row[columns["location_id"]] is None:
                    continue
                values = ({"location_id": rng.choice(places)}, {"location_id": row[columns["location_id"]]})
            rows.append(AttributePeriod(enterprise_id=pk, attribute=attribute, valid_to=date(year - 1, 12, 31),
                                        valid_to_precision="year", source="synthetic", created_at=now, **values[0]))
            rows.append(AttributePeriod(enterprise_id=pk, attribute=attribute, valid_from=date(year, 1, 1),
                                        valid_from_precision="year", source="synthetic", created_at=now, **values[1]))
    return rows
