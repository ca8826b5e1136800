"""What every big change list of the registry shares: no full COUNT on PostgreSQL's huge
tables, and the region filter over the place tree."""

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from .. import locking
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

    class Media:
        # Lists that fit a 1,366 px screen (static/registry/workbench.css).
        css = {"all": ["registry/workbench.css"]}
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


class VersionedForm(forms.ModelForm):
    """A change form that carries the version the coder opened (see registry/locking.py) and
    refuses to save over a newer one, keeping what the coder typed on the page."""

    # Not named `version`: the admin refuses a non-editable model field in its fieldsets.
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            version = self.instance.version
            if hasattr(self.instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME):
                # simple-history's revert page: the instance is an old version rebuilt from its
                # history row; saving it replaces the version stored now.
                version = locking.stored_version(type(self.instance), self.instance.pk)
            self.fields["opened_version"].initial = version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            expected = cleaned.get("opened_version")
            try:
                # Inside the admin's transaction: on PostgreSQL this locks the row until the save.
                locking.check(self.instance, expected)
            except locking.VersionConflict as conflict:
                raise forms.ValidationError(str(conflict), code="stale") from None
            self.instance.version = expected
        return cleaned


class VersionedAdmin:
    """Mixin for the ModelAdmins of versioned models (their form a VersionedForm,
    `opened_version` in a fieldset)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except locking.VersionConflict:
            # Lost a race between validation and save (possible on SQLite, where the check
            # cannot lock the row). Nothing was written; run the view again: its validation
            # now sees the newer version and shows the form, with the coder's input, and why.
            return super().changeform_view(request, object_id, form_url, extra_context)
