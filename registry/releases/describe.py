"""What a release says of itself: the Data Package descriptor, the README, CITATION.cff and
the citation, with its authors (ORCID) and licence."""

import json
import re

from registry.method import changelog as codebook_changelog, rules as method_rules
from registry.method.codebook import CODEBOOK_VERSION
from registry.releases.tables import TABLES
from registry.releases.files import ReleaseError


PUBLISHER = "North Korean Enterprise Registry"
PLACE_ATTRIBUTION = [
    {"title": "OpenStreetMap contributors (second-level units, Hangul names, centroids)",
     "path": "https://www.openstreetmap.org/copyright", "license": "ODbL-1.0"},
    {"title": "GeoNames (administrative codes, McCune–Reischauer names)",
     "path": "https://www.geonames.org/", "license": "CC-BY-4.0"},
    {"title": "countries-states-cities-database, dr5hn (first-level units, ISO 3166-2:KP, coordinates)",
     "path": "https://github.com/dr5hn/countries-states-cities-database", "license": "ODbL-1.0"},
]


LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
}
ORCID = re.compile(r"^(?:https://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


def parse_author(text):
    """{"family", "given", "orcid"} from "Family, Given" or "Family, Given, 0000-0002-1825-0097"
    (the ORCID optional, bare or as its https://orcid.org/ address)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (2, 3) or not all(parts):
        raise ReleaseError(f"--author {text!r}: write \"Family, Given\" or \"Family, Given, ORCID\"")
    orcid = None
    if len(parts) == 3:
        found = ORCID.match(parts[2])
        if not found:
            raise ReleaseError(f"--author {text!r}: {parts[2]!r} is not an ORCID (0000-0000-0000-0000)")
        orcid = found.group(1)
    return {"family": parts[0], "given": parts[1], "orcid": orcid}


def package_name(name):
    return "nk-enterprise-registry-" + re.sub(r"[^a-z0-9._-]", "-", name.lower())


def descriptor(meta, hashes):
    return {
        "profile": "tabular-data-package",
        "name": package_name(meta["name"]),
        "title": meta["title"],
        "version": meta["name"],
        "created": meta["created"].isoformat().replace("+00:00", "Z"),
        "description": meta["notes"] or meta["title"],
        "codebook_version": CODEBOOK_VERSION,
        # The data's licence; the place data's own (ODbL, GeoNames) named with their sources.
        "licenses": [{"name": meta.get("licence", "CC-BY-4.0"), "title": LICENCES[meta.get("licence", "CC-BY-4.0")][0],
                      "path": LICENCES[meta.get("licence", "CC-BY-4.0")][1]}],
        "contributors": [
            {"title": f"{a['given']} {a['family']}", "role": "author",
             **({"path": f"https://orcid.org/{a['orcid']}"} if a["orcid"] else {})}
            for a in meta.get("authors", ())
        ] or [{"title": PUBLISHER, "role": "publisher"}],
        "sources": PLACE_ATTRIBUTION,
        "resources": [
            {
                "name": table.name,
                "path": table.path,
                "profile": "tabular-data-resource",
                "description": table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "hash": f"sha256:{hashes[table.name]}",
                "schema": table.schema(),
            }
            for table in TABLES
        ],
    }


def citation(release):
    """How to cite a release, as one line."""
    return (
        f"{PUBLISHER} ({release.created_at:%Y}). {release.title}, release {release.name} [Data set]. "
        f"Codebook version {release.codebook_version}. SHA-256 {release.checksum}."
    )


def readme(meta):
    counts = "\n".join(f"| {name} | {n:,} |" for name, n in meta["counts"].items())
    files = "\n".join(f"- `{t.path}`: {t.description}" for t in TABLES)
    places = "\n".join(f"- {s['title']}: {s['license']}, {s['path']}" for s in PLACE_ATTRIBUTION)
    name = meta["name"]
    rules = method_rules.as_markdown()
    authors_md = "\n".join(
        f"- {a['family']}, {a['given']}" + (f" (ORCID {a['orcid']})" if a["orcid"] else "") for a in meta.get("authors", ())
    ) or f"- {PUBLISHER}"
    licence = meta.get("licence", "CC-BY-4.0")
    licence_url = LICENCES[licence][1]
    return f"""# {meta['title']}

Release **{name}** of the {PUBLISHER}, made {meta['created']:%Y-%m-%d %H:%M} UTC under codebook
version {CODEBOOK_VERSION}. It holds what the public may see of the registry at that moment:
public articles (headline, summary, link; no full texts), the enterprises they name, the
coded claims, the place tree with every spelling, the industry taxonomy, the sources, which
date ranges of each source were read (coverage), the stories that link reprints of one event,
the enterprises' attributes in time resting on public evidence (attribute periods), and the
codebook. A release never changes; later coding goes into later releases.

{meta['notes']}

## Contents

| file | rows |
| --- | ---: |
{counts}

{files}

`datapackage.json` describes every file as a Frictionless Table Schema: column types,
enumerations (defined in `data/codebook.csv`), primary and foreign keys. Empty cells are
missing values. Dates are ISO 8601; an article dated only to a month or a year carries the
first day of it and says so in `precision`.

## Checking it

`MANIFEST` lists the SHA-256 of every other file (`sha256sum -c MANIFEST`); the SHA-256 of
`MANIFEST` itself is the release's checksum, printed in its citation.

## Reproducing a number

Every time series of the registry can be computed from this release instead of the live data,
coverage included (a period nobody recorded reading that holds no article has no value, not 0;
one holding articles keeps its value, flagged), stories (`metric=stories`) and the attribute
periods (each claim counted under what its enterprise was on the claim's date; `as_of=` for
one day's values):

    python manage.py export_timeseries --release {name} --regions Chongjin --activity investment
    GET /api/v1/timeseries/?release={name}&regions=Chongjin&activity=investment

## Counting rules

How every number is counted (`registry/method/rules.py`; the same list is on the registry's
`/method/` page and at `/api/v1/method/`):

{rules}

## Codebook changelog

The codebook versions and what changed in each (docs/codebook_changelog.md); this release's
data were coded under version {CODEBOOK_VERSION}.

{codebook_changelog.as_markdown()}

## How to cite

{PUBLISHER} ({meta['created']:%Y}). {meta['title']}, release {name} [Data set]. Codebook
version {CODEBOOK_VERSION}. Give the release's checksum (the SHA-256 of `MANIFEST`) with it;
see also `CITATION.cff`.

## Authors and licence

{authors_md}

The data are released under {licence} ({licence_url}); the place data keep their own licences,
below.

## Licences and attributions of the place data

{places}
"""


def citation_cff(meta):
    def quoted(text):
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar

    authors = "".join(
        f"  - family-names: {quoted(a['family'])}\n    given-names: {quoted(a['given'])}\n"
        + (f"    orcid: {quoted('https://orcid.org/' + a['orcid'])}\n" if a["orcid"] else "")
        for a in meta.get("authors", ())
    ) or f"  - name: {quoted(PUBLISHER)}\n"
    return (
        "cff-version: 1.2.0\n"
        "message: If you use this data, please cite it as below.\n"
        "type: dataset\n"
        f"title: {quoted(meta['title'])}\n"
        f"version: {quoted(meta['name'])}\n"
        f"date-released: {meta['created']:%Y-%m-%d}\n"
        f"license: {quoted(meta.get('licence', 'CC-BY-4.0'))}\n"
        "authors:\n"
        f"{authors}"
        f"abstract: {quoted(meta['notes'] or meta['title'])}\n"
        "# The release's checksum (SHA-256 of MANIFEST, which lists this file) is printed with its\n"
        "# citation; a DOI, once one is assigned, goes here:\n"
        "# doi: 10.xxxx/xxxxx\n"
    )
