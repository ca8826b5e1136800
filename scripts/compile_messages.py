"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib (pure Python), so `make install` needs
no GNU gettext on a fresh machine. A .mo newer than its .po is left alone. Fuzzy entries are
left out, as msgfmt does: a guess is not shown to a reader.

    python scripts/compile_messages.py [--check]   # --check: exit 1 if any .mo is stale
"""

import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def stale():
    return [po for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")) if not po.with_suffix(".mo").exists()
            or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]


def compile_all():
    done = []
    for po in stale():
        catalog = polib.pofile(str(po))
        for entry in catalog.fuzzy_entries():
            catalog.remove(entry)
        catalog.save_as_mofile(str(po.with_suffix(".mo")))
        done.append(po)
    return done


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(1 if stale() else 0)
    for po in compile_all():
        print(f"compiled {po.relative_to(LOCALE.parent)}")
