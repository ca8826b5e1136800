"""Reference data: places and industries as trees, sources. Searched by any of their names."""

import operator
from functools import reduce

from django.contrib import admin
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..models import Industry, Location, LocationName, Source
from .common import RegionFilter, TableAdmin, TableInline, VocabularyFilter


class LocationNameInline(TableInline, admin.TabularInline):
    model = LocationName
    fields = ["name", "key", "is_alias"]
    readonly_fields = ["key"]
    extra = 1


class WithinFilter(RegionFilter):
    title = "within"
    parameter_name = "within"
    via = ""


class ParentFilter(admin.SimpleListFilter):
    """Children of one place: the second-level units of a province, say."""

    title = "parent"
    parameter_name = "parent"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Location.objects.filter(level__lte=2, children__isnull=False).distinct().order_by("path").values_list("pk", "name")]

    def queryset(self, request, queryset):
        return queryset.filter(parent_id=self.value()) if self.value() else queryset


@admin.register(Location)
class LocationAdmin(TableAdmin, SimpleHistoryAdmin):
    list_display = ["tree_name", "hangul", "name_rr", "kind", "level", "iso_code"]
    list_filter = ["level", "kind", WithinFilter, ParentFilter]
    list_select_related = ["parent"]
    list_per_page = 250
    ordering = ["path"]  # the tree, depth first
    search_fields = ["name", "hangul", "names__name"]  # see get_search_results
    inlines = [LocationNameInline]
    readonly_fields = ["path"]
    autocomplete_fields = ["parent"]

    def get_search_results(self, request, queryset, search_term):
        return queryset.named(search_term), False

    @admin.display(description=_("name"), ordering="path")
    def tree_name(self, obj):
        return format_html('<span style="padding-left: {}em">{}</span>', 1.5 * (obj.level - 1), obj.name)


class TopIndustryFilter(VocabularyFilter):
    """An industry and its sub-industries, the industry read as the API reads it."""

    title = "top-level industry"
    parameter_name = "top"
    vocab = "industry"

    def lookups(self, request, model_admin):
        return list(Industry.objects.filter(parent=None).order_by("name").values_list("slug", "name"))

    def apply(self, queryset, industries):
        return reduce(operator.or_, (queryset.within(industry) for industry in industries))


@admin.register(Industry)
class IndustryAdmin(TableAdmin, SimpleHistoryAdmin):
    list_display = ["tree_name", "isic", "slug"]
    list_filter = [TopIndustryFilter]
    list_select_related = ["parent"]
    list_per_page = 250
    search_fields = ["name", "parent__name", "isic", "slug"]
    autocomplete_fields = ["parent"]

    def get_ordering(self, request):
        # Each top-level industry followed by its sub-industries.
        return [Coalesce("parent__name", "name").asc(), F("parent").asc(nulls_first=True), "name"]

    @admin.display(description=_("name"))
    def tree_name(self, obj):
        return format_html('<span style="padding-left: {}em">{}</span>', 1.5 if obj.parent_id else 0, obj.name)


@admin.register(Source)
class SourceAdmin(TableAdmin, SimpleHistoryAdmin):
    list_display = ["name", "hangul", "short_name", "kind", "language", "reliability"]
    list_filter = ["kind", "reliability", "language"]
    search_fields = ["name", "hangul", "short_name"]
