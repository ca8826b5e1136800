"""Reference data: the place tree, the industry taxonomy and the sources, from fixtures/.

`load_reference()` is idempotent and safe on a database in use: it creates what is missing,
updates what differs from the fixture, and deletes nothing (coders' own aliases and any
row an enterprise points at stay). A second run writes nothing, not even history rows.
"""

import csv
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from registry.models import Industry, Location, LocationName, Source
from registry.places.names import name_key

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
_HANGUL_SUFFIXES = ("특별시", "직할시", "구역", "지구", "시", "군", "구", "도")


@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    unchanged: dict = field(default_factory=dict)

    def count(self, bucket, model):
        counts = getattr(self, bucket)
        counts[model] = counts.get(model, 0) + 1

    def __str__(self):
        models = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return "; ".join(
            f"{m}: {self.created.get(m, 0)} created, {self.updated.get(m, 0)} updated, "
            f"{self.unchanged.get(m, 0)} unchanged"
            for m in models
        )


def _read(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _upsert(model, lookup, values, report, label):
    """Create or update one row, saving (and writing history) only when something differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.save()
        report.count("created", label)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
        report.count("updated", label)
    else:
        report.count("unchanged", label)
    return obj


def hangul_stem(hangul):
    """청진시 -> 청진, 사동구역 -> 사동; a bare name is returned as it is."""
    for suffix in _HANGUL_SUFFIXES:
        if hangul.endswith(suffix) and len(hangul) > len(suffix) + 1:
            return hangul[: -len(suffix)]
    return hangul


def _coordinate(text):
    return Decimal(text).quantize(Decimal("0.00001")) if text else None


def load_places(path, report):
    by_slug = {}
    for row in _read(path):
        parent = by_slug[row["parent"]] if row["parent"] else None
        location = _upsert(
            Location,
            {"slug": row["slug"]},
            {
                "parent": parent,
                "level": int(row["level"]),
                "kind": row["kind"],
                "name": row["name"],
                "name_mr": row["name_mr"],
                "name_rr": row["name_rr"],
                "hangul": row["hangul"],
                "iso_code": row["iso_code"],
                "latitude": _coordinate(row["latitude"]),
                "longitude": _coordinate(row["longitude"]),
            },
            report,
            "places",
        )
        by_slug[location.slug] = location
        own = [row["name"], row["name_mr"], row["name_rr"], row["hangul"], hangul_stem(row["hangul"]), row["slug"], row["iso_code"]]
        aliases = [a for a in row["aliases"].split("|")]
        existing = set(location.names.values_list("key", flat=True))
        new_names = []
        for names, is_alias in ((own, False), (aliases, True)):
            for name in names:
                key = name_key(name)
                if key and key not in existing:
                    existing.add(key)
                    new_names.append(LocationName(location=location, name=name.strip(), key=key, is_alias=is_alias))
        LocationName.objects.bulk_create(new_names)
        for _ in new_names:
            report.count("created", "place names")


def load_industries(path, report):
    by_slug = {}
    for row in _read(path):
        industry = _upsert(
            Industry,
            {"slug": row["slug"]},
            {"parent": by_slug[row["parent"]] if row["parent"] else None, "name": row["name"], "isic": row["isic"]},
            report,
            "industries",
        )
        by_slug[industry.slug] = industry


def load_sources(path, report):
    for row in _read(path):
        _upsert(
            Source,
            {"short_name": row["short_name"]},
            {k: row[k] for k in ("name", "hangul", "kind", "language", "reliability", "url")},
            report,
            "sources",
        )


@transaction.atomic
def load_reference(*, directory=FIXTURES):
    """Load places, industries and sources from the fixture CSVs in one transaction."""
    report = LoadReport()
    directory = Path(directory)
    load_places(directory / "places.csv", report)
    load_industries(directory / "industries.csv", report)
    load_sources(directory / "sources.csv", report)
    return report
