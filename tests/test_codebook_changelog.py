"""The codebook changelog (docs/codebook_changelog.md, in the docs' nav) has an entry for the
codebook version the code reports, naming the fingerprint of the definitions in the code: a
definition changed without a new version and an entry fails here."""

import hashlib
import json
import re
from pathlib import Path

import yaml
from django.conf import settings

from registry.method.codebook import CODEBOOK_VERSION, codebook_rows_english

ROOT = Path(settings.BASE_DIR)
CHANGELOG = ROOT / "docs" / "codebook_changelog.md"
ENTRY = re.compile(r"^## Version (\S+) — (\d{4}-\d{2}-\d{2})\n\nFingerprint: `([0-9a-f]{64})`$", re.M)


def entries(text):
    """{version: (date, fingerprint)} of the changelog's entries, in order."""
    return {version: (date, fingerprint) for version, date, fingerprint in ENTRY.findall(text)}


def fingerprint():
    return hashlib.sha256(json.dumps(list(codebook_rows_english())).encode()).hexdigest()


def test_the_version_the_code_reports_has_an_entry_with_its_fingerprint():
    found = entries(CHANGELOG.read_text(encoding="utf-8"))
    assert CODEBOOK_VERSION in found, f"docs/codebook_changelog.md has no entry for codebook version {CODEBOOK_VERSION}"
    assert found[CODEBOOK_VERSION][1] == fingerprint(), (
        f"the definitions in registry/method/codebook.py are not those of version {CODEBOOK_VERSION}'s entry: a changed "
        "definition is a new CODEBOOK_VERSION with its own entry")


def test_the_check_reads_entries_and_would_see_a_missing_one():
    text = "# Codebook changelog\n\n## Version 1 — 2026-12-01\n\nFingerprint: `" + "a" * 64 + "`\n\nFirst.\n"
    assert entries(text) == {"1": ("2026-12-01", "a" * 64)}
    assert "2" not in entries(text) and entries(text.replace("Fingerprint", "Hash")) == {}


def test_the_changelog_is_in_the_docs_nav():
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    pages = [page for item in nav for page in item.values()]
    assert "codebook_changelog.md" in pages


def test_a_release_carries_the_entries_one_level_down(monkeypatch, tmp_path):
    from registry.method import changelog as codebook_changelog

    text = codebook_changelog.as_markdown()
    assert text.startswith("### Version 1 — 2026-12-01\n\nFingerprint: `") and "\n## " not in text
    # Without the docs (a deployment that left them out): a pointer, not an error.
    monkeypatch.setattr(codebook_changelog, "PATH", tmp_path / "missing.md")
    assert codebook_changelog.as_markdown() == "See docs/codebook_changelog.md in the registry's repository."
