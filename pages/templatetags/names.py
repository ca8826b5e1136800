"""{{ place|local_name }}: a place's name for the page's reader (its Hangul in Korean when
the reference data has one), registry.series_labels.local_name."""

from django import template

from registry.series_labels import local_name as _local_name

register = template.Library()


@register.filter
def local_name(thing):
    return _local_name(thing) if thing is not None else ""
