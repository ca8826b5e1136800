"""A release's CITATION.cff is valid Citation File Format 1.2.0: checked against the format's
own JSON Schema (tests/vendor/cff-1.2.0.schema.json, the schema `cffconvert --validate`
applies) with jsonschema, on a release made with two authors and a licence.

Why not cffconvert itself: its only release (2.0.0) requires jsonschema < 4, while frictionless
(the releases' validator) requires jsonschema >= 4.20; the two cannot be installed together.
The schema is the same; what cffconvert adds beyond it is conversion to other formats."""

import io
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.core.management import call_command

from registry.releases import files as releases
from registry.models import Release

from . import timeseries_data

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parent / "vendor" / "cff-1.2.0.schema.json").read_text(encoding="utf-8"))


class _TextDates(yaml.SafeLoader):
    """YAML as cffconvert reads it: a date stays the text it was written as (the schema
    wants a string, YYYY-MM-DD)."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def problems(text):
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(yaml.load(text, _TextDates)))


@pytest.fixture(autouse=True)
def releases_dir(settings, tmp_path):
    settings.RELEASES_DIR = tmp_path / "releases"


def test_a_release_with_two_authors_and_a_licence_has_a_valid_citation_cff():
    timeseries_data.build()
    call_command("make_release", "2026.7", authors=["Kim, Min-jun, 0000-0002-1825-0097", "Lee, Seo-yeon"],
                 licence="CC-BY-4.0", notes="Second 2026 release: \"quoted\" notes, 한글 too.",
                 stdout=io.StringIO(), stderr=io.StringIO())
    text = (releases.release_path(Release.objects.get(name="2026.7").name) / "CITATION.cff").read_text(encoding="utf-8")
    assert problems(text) == []
    cff = yaml.load(text, _TextDates)
    assert set(SCHEMA["required"]) <= set(cff) and cff["cff-version"] == "1.2.0"
    assert [a["family-names"] for a in cff["authors"]] == ["Kim", "Lee"] and cff["license"] == "CC-BY-4.0"
    assert cff["abstract"] == "Second 2026 release: \"quoted\" notes, 한글 too."
    # The README beside it carries the codebook's changelog (docs/codebook_changelog.md).
    readme = (releases.release_path("2026.7") / "README.md").read_text(encoding="utf-8")
    assert "## Codebook changelog" in readme and "### Version 1 — 2026-12-01" in readme
    assert "Fingerprint: `342fe7dbe7fd67faac292841787753b2ecaf33b42995212f286083dd5d6189b4`" in readme


def test_the_check_finds_what_cffconvert_would_refuse():
    good = ("cff-version: 1.2.0\nmessage: Cite it.\ntitle: Registry\ntype: dataset\nlicense: CC-BY-4.0\n"
            "date-released: 2026-12-07\nauthors:\n  - family-names: Kim\n    given-names: Min-jun\n")
    assert problems(good) == []
    assert problems(good.replace("message: Cite it.\n", "")) == ["(top): 'message' is a required property"]
    assert problems(good.replace("CC-BY-4.0", "CC-BY-FOUR")) != []  # not an SPDX identifier
    assert problems(good + "    orcid: 0000-0002-1825-0097\n") != []  # an ORCID is its https://orcid.org/ address
    assert problems(good.replace("2026-12-07", "7 December 2026")) != []
