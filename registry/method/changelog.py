"""The codebook's changelog (docs/codebook_changelog.md) as a release's README carries it:
every version's entry, its headings one level down. The file is the one statement; a
deployment without docs/ says where to find it instead."""

from pathlib import Path

from django.conf import settings

PATH = Path(settings.BASE_DIR) / "docs" / "codebook_changelog.md"
ENTRY = "\n## Version "


def as_markdown():
    """The entries ("### Version 1 — date", fingerprint, what changed), or a pointer."""
    try:
        text = PATH.read_text(encoding="utf-8")
    except OSError:
        return "See docs/codebook_changelog.md in the registry's repository."
    if ENTRY not in text:
        return "See docs/codebook_changelog.md in the registry's repository."
    entries = text[text.index(ENTRY) + 1:]
    return "\n".join("#" + line if line.startswith("## ") else line for line in entries.splitlines()).strip()
