"""What the docs say is run: every command block of the README and of docs/ marked to run
(`<!-- docs: run -->` on the line before a ```sh fence) is run, in reading order, against a
fresh SQLite database, as a newcomer would type it; and the site builds with --strict and
loads nothing from the internet.

A newcomer's first hour once met four failures no test saw: no word on activating .venv,
`api_token alice` before any alice existed, no `createdb` before the PostgreSQL block, a
button named "Save" that reads "Revert". The first two are now commands this file runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- docs: run -->"
FENCE = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
# `. .venv/bin/activate` puts the virtualenv first on the PATH: the test does that itself
# (the interpreter running the tests is the virtualenv's; CI's .venv, or a shared one).
ACTIVATE = re.compile(r"^\s*(\.|source)\s+\.venv/bin/activate\s*$", re.M)


def pages():
    """README.md, then the docs in the site's order (mkdocs.yml's nav)."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = [next(iter(entry.values())) for entry in config["nav"]]
    return [ROOT / "README.md"] + [ROOT / "docs" / name for name in nav]


def marked_blocks(path):
    text = path.read_text(encoding="utf-8")
    blocks = []
    for piece in text.split(MARKER)[1:]:
        match = FENCE.match(piece.lstrip("\n"))
        assert match, f"{path.name}: {MARKER} must stand on the line before a ```sh fence"
        blocks.append(match.group(1))
    return blocks


def test_every_run_marker_stands_before_a_command_block_and_there_are_some():
    found = {path.name: len(marked_blocks(path)) for path in pages()}
    assert found["README.md"] >= 3, found
    assert sum(found.values()) >= 4, found


def test_the_site_names_every_page_in_docs():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = {next(iter(entry.values())) for entry in config["nav"]}
    assert {p.name for p in (ROOT / "docs").glob("*.md")} == listed


@pytest.mark.slow
def test_the_marked_commands_run_against_a_fresh_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REGISTRY_", "PYTEST"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        RELEASES_DIR=str(tmp_path / "releases"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(Path(sys.executable).parent.parent),
    )
    ran = []
    for path in pages():
        for block in marked_blocks(path):
            script = ACTIVATE.sub("", block)
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
            )
            assert result.returncode == 0, f"{path.name}:\n{block}\n--- stdout\n{result.stdout[-2000:]}\n--- stderr\n{result.stderr[-2000:]}"
            ran.append((path.name, block, result.stdout))
    assert len(ran) >= 4
    # What the quick start promises is what it printed.
    output = "\n".join(out for _, _, out in ran)
    assert re.search(r"\b[0-9a-f]{40}\b", output), "api_token printed no key"
    assert "2018,Chongjin,2" in output and output.count("Pyongyang") >= 7


@pytest.mark.slow
def test_the_site_builds_strict_and_loads_nothing_from_the_internet(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    built = sorted(p.name for p in site.glob("*.html"))
    assert {"index.html", "api.html", "method.html", "coding.html", "operations.html", "architecture.html"} <= set(built)
    remote = re.compile(r"""<(?:script|img|iframe)[^>]*\ssrc="(?:https?:)?//|<link[^>]*\shref="(?:https?:)?//[^"]*\.css""")
    for page in site.glob("*.html"):
        assert not remote.search(page.read_text(encoding="utf-8")), page.name
    for sheet in site.glob("assets/stylesheets/*.css"):
        assert not re.search(r"url\((?:https?:)?//", sheet.read_text(encoding="utf-8")), sheet.name
