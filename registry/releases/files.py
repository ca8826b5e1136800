"""Where a release lives and whether it is intact: its directory and zip under RELEASES_DIR,
its name checked, its MANIFEST of SHA-256 sums verified; the errors and the stage timings
the other release modules share. Below make.py and data.py, which both read it."""

import datetime
import decimal
import hashlib
import re
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

from django.conf import settings

from registry.models import RELEASE_NAME_PATTERN, Release


class ReleaseError(ValueError):
    pass


class Timings:
    """Wall and CPU seconds of each stage of a release, in order (`make_release --timings`):
    where the minutes of a big release go."""

    def __init__(self):
        self.stages = []  # (stage, wall seconds, CPU seconds of this process)

    @contextmanager
    def stage(self, name):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.stages.append((name, time.perf_counter() - wall, time.process_time() - cpu))


class _Untimed:
    @staticmethod
    def stage(name):
        return nullcontext()


UNTIMED = _Untimed()


def releases_dir():
    return Path(settings.RELEASES_DIR)


def release_path(name):
    return releases_dir() / name


def zip_path(name):
    return releases_dir() / f"{name}.zip"


def check_name(name):
    if not re.match(RELEASE_NAME_PATTERN, name or ""):
        raise ReleaseError(f"name {name!r}: use letters, digits, '.', '-' or '_' (up to 40), e.g. 2026.1")
    if Release.objects.filter(name=name).exists() or release_path(name).exists() or zip_path(name).exists():
        raise ReleaseError(f"name {name!r} is already used: a release never changes; choose a new name")


PLAIN = {str, int, type(None)}


def cell_text(value):
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        # 12.5000 -> 12.5; never an exponent (1E+1) that a reader might not take as a number.
        return format(value.normalize(), "f")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "MANIFEST")


def manifest_text(root):
    return "".join(f"{sha256(p)}  {p.relative_to(root).as_posix()}\n" for p in manifest_files(root))


def verify(root):
    """The checksum of the release at `root`, after checking every file against MANIFEST.
    Raises ReleaseError naming the first file that differs, is missing or is extra."""
    try:
        manifest = (root / "MANIFEST").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReleaseError(f"{root.name}: the release's files are not on this server") from None
    listed = {}
    for line in manifest.splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    present = {p.relative_to(root).as_posix() for p in manifest_files(root)}
    for name in sorted(set(listed) | present):
        if name not in present:
            raise ReleaseError(f"{name}: listed in MANIFEST but missing")
        if name not in listed:
            raise ReleaseError(f"{name}: not listed in MANIFEST")
        if sha256(root / name) != listed[name]:
            raise ReleaseError(f"{name}: its SHA-256 differs from MANIFEST")
    return hashlib.sha256(manifest.encode()).hexdigest()
