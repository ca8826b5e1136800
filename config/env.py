"""Reading the environment: each setting's value refused when it is a typo rather than guessed,
and the two switches the other settings modules read (DEBUG, TESTING). Used by
config/settings.py and config/databases.py."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured


def envbool(name, default):
    """Read a yes/no setting, refusing a typo rather than guessing ("ture" is an error)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected one of 1/0, true/false, yes/no, on/off")


def envlist(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envint(name, default):
    """Read a whole number, refusing anything else ("20MB" is an error, not 20)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from None


def envfloat(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return float(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a number") from None


TESTING = "pytest" in sys.modules
DEBUG = envbool("DJANGO_DEBUG", default=True)
