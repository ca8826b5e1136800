"""Partial dates as coders and researchers write them: 2019-04-15, 2019-04 or 2019."""

import calendar
import datetime
import re
from functools import lru_cache

from django import forms
from django.utils.translation import gettext as _

from registry.method.codebook import Precision

_PARTIAL_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?$")


class BadDate(ValueError):
    pass


# An import's 50,000 rows name a few thousand dates: each is parsed once. Errors are not
# kept (lru_cache keeps only returns), so each bad cell still raises with its message.
@lru_cache(maxsize=20_000)
def parse_partial_date(text):
    """Return (first day of the period, precision) for YYYY, YYYY-MM or YYYY-MM-DD.

    Raises BadDate with a message fit to show a coder ("not a date", not a traceback).
    """
    value = (text or "").strip()
    match = _PARTIAL_DATE.match(value)
    if not match:
        raise BadDate(_("not a date: use YYYY-MM-DD, YYYY-MM or YYYY"))
    year, month, day = (int(part) if part else None for part in match.groups())
    if year < 1900:
        raise BadDate(_("not a date: the year must be 1900 or later"))
    if month is not None and not 1 <= month <= 12:
        raise BadDate(_("not a date: the month must be 01 to 12"))
    if day is not None:
        try:
            return datetime.date(year, month, day), Precision.DAY
        except ValueError:
            raise BadDate(_("not a date: %(month)s %(year)s has %(days)s days") % {
                "month": _(calendar.month_name[month]), "year": year, "days": calendar.monthrange(year, month)[1]}) from None
    if month is not None:
        return datetime.date(year, month, 1), Precision.MONTH
    return datetime.date(year, 1, 1), Precision.YEAR


def period_end(text):
    """The last day a partial date covers: 2019 -> 2019-12-31, 2019-02 -> 2019-02-28."""
    start, precision = parse_partial_date(text)
    if precision == Precision.YEAR:
        return datetime.date(start.year, 12, 31)
    if precision == Precision.MONTH:
        return datetime.date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    return start


def partial_date_label(value, precision):
    """A date as precisely as it is known: 2019-04-15, 2019-04 or 2019 ("" for none)."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return f"{value:%Y}"
    if precision == Precision.MONTH:
        return f"{value:%Y-%m}"
    return value.isoformat()


class PartialDateInput(forms.TextInput):
    """Shows a stored date as precisely as it is known; `precision` is set by the form."""

    precision = Precision.DAY

    def __init__(self, attrs=None):
        super().__init__({"size": 10, "placeholder": "YYYY-MM-DD", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, str) and self.precision != Precision.DAY:
            try:  # an initial value from the query string ("Save and add another")
                value = datetime.date.fromisoformat(value)
            except ValueError:
                pass
        if isinstance(value, datetime.date):
            return partial_date_label(value, self.precision)
        return super().format_value(value)


class PartialDateField(forms.Field):
    """A date typed as 2016-10-05, 2016-10 or 2016: cleans to (first day, precision)."""

    widget = PartialDateInput
    default_error_messages = {"invalid": "%(reason)s (e.g. 2016-10-05, 2016-10 or 2016)"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value, self.widget.precision
        try:
            return parse_partial_date(str(value))
        except BadDate as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"reason": str(exc)}) from None

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        try:
            parsed = self.to_python(data)
        except forms.ValidationError:
            return True
        return (parsed[0] if parsed else None) != initial
