"""The method's records: coverage (which date ranges of a source were read) and stories
(articles reporting one event)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..models import Coverage, Story, StoryMember
from ..models import Article
from registry.method.reprints import reprint_suggestions
from .common import TableAdmin, TableInline


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


class StoryMemberInline(TableInline, admin.TabularInline):
    model = StoryMember
    fields = ["article"]
    autocomplete_fields = ["article"]
    extra = 2


@admin.register(Story)
class StoryAdmin(TableAdmin, SimpleHistoryAdmin):
    """Articles reporting one event; the page lists likely reprints of its articles to add."""

    list_display = ["title", "created_at"]
    search_fields = ["title"]  # not its articles' headlines: a restricted one would show through
    fields = ["title", "suggestions"]
    readonly_fields = ["suggestions"]
    inlines = [StoryMemberInline]

    @admin.display(description=_("likely reprints"))
    def suggestions(self, obj):
        if obj is None or obj.pk is None or not hasattr(obj, "viewer"):
            return "—"
        members = Article.objects.visible_to(obj.viewer).filter(story_link__story=obj)
        found = reprint_suggestions(articles=members, user=obj.viewer)
        if not found:
            return "none found (other sources within ±3 days naming the same enterprise and activity, similar headline)"
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">{}</a> ({}, {})',
            ((reverse("admin:registry_article_change", args=[a.pk]), a.title or a.title_ko, a.source.short_name, a.published) for a in found),
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.viewer = request.user  # the suggestions list only articles this user may see
        return obj
