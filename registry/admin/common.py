"""What every big change list of the registry shares: no full COUNT on PostgreSQL's huge
tables, and the region filter over the place tree."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

from ..models import Location

# Below this many rows an exact COUNT is cheap enough and the page numbers stay exact.
ESTIMATE_ABOVE = 100_000


class EstimatedCountPaginator(Paginator):
    """On PostgreSQL, an unfiltered list takes its total from the planner's statistics
    (pg_class.reltuples, kept fresh by autovacuum) rather than a COUNT(*) that reads 500k
    rows on every page view. Filtered lists, small tables and SQLite count exactly.
    One query either way: the estimate and the fallback COUNT are one statement."""

    @cached_property
    def count(self):
        qs = self.object_list
        query = getattr(qs, "query", None)
        connection = connections[qs.db] if query is not None else None
        if connection is None or connection.vendor != "postgresql" or query.where:
            return super().count
        table = qs.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN c.reltuples > %s THEN c.reltuples::bigint"
                f" ELSE (SELECT count(*) FROM {connection.ops.quote_name(table)}) END"
                " FROM pg_class c WHERE c.oid = %s::regclass",
                [ESTIMATE_ABOVE, table],
            )
            return cursor.fetchone()[0]


class FastChangeList:
    """Mixin for ModelAdmins over tables that grow large."""

    paginator = EstimatedCountPaginator
    # The "(n total)" next to a filtered count costs a second COUNT over the whole table.
    show_full_result_count = False
    list_per_page = 50


class RegionFilter(admin.SimpleListFilter):
    """First-level region (province or directly governed city): everything inside it, by
    the place path prefix. Subclasses name the path field."""

    title = "region"
    parameter_name = "region"
    path_field = "location__path"

    def lookups(self, request, model_admin):
        return list(Location.objects.filter(level=1).order_by("name").values_list("slug", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.path_field}__startswith": f"/{self.value()}/"})
        return queryset
