"""The coders' workbench. One module per area; importing them registers the ModelAdmins."""

from . import agreement, articles, enterprises, lockouts, method, reference, timeline  # noqa: F401
