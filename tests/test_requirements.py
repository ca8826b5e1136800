"""The requirements split holds: production (`make serve`, requirements/prod.txt) imports no
test or docs tool, and every pin is written once."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements"
# The import name of each distribution only dev.txt installs.
IMPORT_NAMES = {
    "pytest": "pytest", "pytest-django": "pytest_django", "pytest-xdist": "xdist", "factory-boy": "factory", "selenium": "selenium",
    "hypothesis": "hypothesis", "schemathesis": "schemathesis", "mkdocs": "mkdocs", "mkdocs-material": "material",
    "locust": "locust",
}


def pins(name):
    """{distribution: version} pinned in requirements/NAME, without what it reads with -r."""
    found = {}
    for line in (REQUIREMENTS / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-r"):
            distribution, version = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", line).groups()
            found[distribution.lower()] = version
    return found


def test_every_pin_is_written_once_and_each_file_reads_the_one_below():
    base, prod, dev = pins("base.txt"), pins("prod.txt"), pins("dev.txt")
    assert not (set(base) & set(prod)) and not (set(base) & set(dev)) and not (set(prod) & set(dev))
    assert "-r base.txt" in (REQUIREMENTS / "prod.txt").read_text()
    assert "-r prod.txt" in (REQUIREMENTS / "dev.txt").read_text()
    assert (ROOT / "requirements.txt").read_text().strip().endswith("-r requirements/dev.txt")
    assert set(dev) == set(IMPORT_NAMES), "a new dev-only package: name its import in IMPORT_NAMES"
    assert "gunicorn" in prod and "django" in base


@pytest.mark.slow
def test_production_starts_without_any_dev_only_package(tmp_path):
    # Django set up, every URL and admin module imported, `check --deploy` run, with each
    # dev-only package made unimportable, as on a server that installed prod.txt only.
    blocked = sorted(IMPORT_NAMES.values())
    script = f"""
import importlib.abc, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"{{name}} is not installed in production")
sys.meta_path.insert(0, Refuse())
sys.argv = ["manage.py", "check", "--deploy", "--fail-level", "ERROR"]
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every view module imported
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "PYTEST"))}
    env.update(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="registry.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "is not installed in production" not in result.stderr
