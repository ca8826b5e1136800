"""The method's records: coverage (which date ranges of a source were read)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ..method_models import Coverage
from .common import TableAdmin


@admin.register(Coverage)
class CoverageAdmin(TableAdmin, SimpleHistoryAdmin):
    """One row per range read (start to end, both included), not one per day."""

    list_display = ["source", "start", "end", "extent", "read_by", "note"]
    list_filter = ["source", "extent"]
    list_select_related = ["source", "read_by"]
    date_hierarchy = "start"
    search_fields = ["source__name", "source__short_name", "note"]
    fields = ["source", "start", "end", "extent", "note", "read_by"]
    autocomplete_fields = ["source"]

    def get_changeform_initial_data(self, request):
        return {"read_by": request.user.pk, **super().get_changeform_initial_data(request)}
