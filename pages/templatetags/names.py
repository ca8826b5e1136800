"""{{ place|local_name }}: a place's name for the page's reader (its Hangul in Korean when
the reference data has one), registry.series.labels.local_name; {{ sentence|latin_marked }}."""

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from registry.series.labels import local_name as _local_name

register = template.Library()


@register.filter
def local_name(thing):
    return _local_name(thing) if thing is not None else ""


_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_=./:…-]*(?:\.\.[A-Za-z]+)?")


@register.filter(needs_autoescape=True)
def latin_marked(text, autoescape=True):
    """A sentence in Korean with its Latin-script runs (parameters such as `per=all`, formats,
    names such as MASI) marked `<code lang="en">`, so a screen reader and the page's language
    test know them for what they are; other text is escaped."""
    text = str(text)
    if not re.search(r"[\uac00-\ud7a3]", text):  # not a Korean sentence: as it is
        return conditional_escape(text) if autoescape else text
    parts, last = [], 0
    for match in _LATIN.finditer(text):
        parts.append(conditional_escape(text[last:match.start()]))
        parts.append(format_html('<code lang="en">{}</code>', match.group(0)))
        last = match.end()
    parts.append(conditional_escape(text[last:]))
    return mark_safe("".join(parts))
