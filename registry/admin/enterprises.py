"""Enterprises: the list researchers and coders scan, the duplicate guard, and merging."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry.method.codebook import Tier
from registry.method.dates import partial_date_label
from registry.enterprises.duplicates import NameIndex, similar_enterprises
from ..models import Claim, Enterprise, EnterpriseAlias, Industry
from registry.access.visibility import can_see_restricted, in_industries, sees_public_view
from ..services import MergeConflict, enterprise_merge
from registry.access.permissions import admin_requirement, satisfied
from .common import FastChangeList, RegionFilter, TableAdmin, TableInline, VersionedAdmin, VersionedForm, VocabularyFilter
from .history import ReadableHistoryMixin
from .timeline import TimelineInline

# How many of an enterprise's claims its page shows; the rest are one click away.
CLAIMS_SHOWN = 50


class EnterpriseForm(VersionedForm):
    save_anyway = forms.BooleanField(
        required=False,
        label=_("Save anyway"),
        help_text=_("Tick after checking the possible duplicates listed above: this is a different enterprise."),
    )

    class Meta:
        model = Enterprise
        fields = "__all__"

    identical = False  # a copy of the name in the same place: no "Save anyway" (clean)
    duplicates = ()  # the candidates the warning offers (templates/.../enterprise/change_form.html)
    user = None  # who reads the warning (EnterpriseAdmin.get_form)

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        renamed = self.instance.pk is None or "name" in self.changed_data
        if name and renamed:
            # Never a second enterprise of the same name (after folding) in the same place,
            # "Save anyway" or not: the autocomplete would offer two identical entries and the
            # import could no longer tell them apart. Among the enterprises this user may see
            # (visible_to): another coder's draft's enterprise does not exist for them.
            copies = NameIndex.load(exclude=self.instance.pk, user=self.user).identical(name, place=cleaned.get("location"))
            if copies:
                self.duplicates = copies
                self.identical = True
                shown = "; ".join(f"{c.name} (#{c.enterprise_id})" for c in copies)
                self.add_error("name", forms.ValidationError(
                    _("An enterprise of this name is already recorded in the same place (or with no place): %(listed)s. "
                      "Use it, or give this one its place if it is elsewhere.") % {"listed": shown},
                    code="identical_name",
                ))
                return cleaned
        if name and renamed and not cleaned.get("save_anyway"):
            candidates = similar_enterprises(name, exclude=self.instance.pk, place=cleaned.get("location"), user=self.user)
            self.duplicates = candidates
            if candidates:
                listed = "; ".join(
                    f"{c.name} (#{c.enterprise_id}"
                    + (_(", as %(name)r") % {"name": c.matched} if c.matched != c.name else "")
                    + _(", %(score).0f%% alike)") % {"score": c.score}
                    for c in candidates
                )
                raise forms.ValidationError(
                    _("Possible duplicate of: %(listed)s. If it is one of them, use it; if this is a "
                      "different enterprise, save anyway.") % {"listed": listed},
                    code="possible_duplicate",
                )
        return cleaned


class AliasInline(TableInline, admin.TabularInline):
    model = EnterpriseAlias
    extra = 1
    fields = ["name"]


class UnitInline(TableInline, admin.TabularInline):
    """The affiliated units of a complex, read-only here: each is edited on its own page."""

    model = Enterprise
    fk_name = "parent"
    verbose_name = _("affiliated unit")
    verbose_name_plural = _("affiliated units")
    fields = ["name", "kind", "grade", "location"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("location__parent")


class NewestClaims(BaseInlineFormSet):
    def get_queryset(self):
        # Evaluated once: the formset asks for its queryset several times.
        if not hasattr(self, "_newest"):
            self._newest = list(super().get_queryset()[:CLAIMS_SHOWN])
        return self._newest


class ClaimEvidenceInline(TableInline, admin.TabularInline):
    """The enterprise's evidence, newest first; claims are edited on their article."""

    model = Claim
    fk_name = "enterprise"
    formset = NewestClaims
    verbose_name_plural = format_lazy(_("claims (newest {shown}; edit them on their article)"), shown=CLAIMS_SHOWN)
    fields = ["published", "article", "activity", "code", "detail", "quantity", "unit"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article__source").order_by("-article__published", "-id")

    @admin.display(description=_("date"))
    def published(self, obj):
        return obj.article.published_label


class TierFilter(admin.SimpleListFilter):
    # The generated column keeps its choices on its output field, out of list_filter's sight.
    title = "tier"
    parameter_name = "tier"

    def lookups(self, request, model_admin):
        return Tier.choices

    def queryset(self, request, queryset):
        return queryset.filter(tier=self.value()) if self.value() else queryset


class IndustryFilter(VocabularyFilter):
    """An industry with its sub-industries; the choices in one query (the related-field
    filter would fetch each sub-industry's parent for its label)."""

    title = "industry"
    parameter_name = "industry"
    vocab = "industry"

    def lookups(self, request, model_admin):
        rows = Industry.objects.order_by(Coalesce("parent__name", "name"), F("parent").asc(nulls_first=True), "name")
        return [
            (slug, f"\u2003{name}" if parent else name)
            for slug, name, parent in rows.values_list("slug", "name", "parent__name")
        ]

    def apply(self, queryset, industries):
        return queryset.filter(in_industries(industries))


# The list's columns that sort by the evidence: sorted by one of them, every row needs it.
SORTED_BY_EVIDENCE = {"claim_total", "first_seen", "last_seen"}


class EnterpriseChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        if getattr(request, "evidence_of_page", False):
            # The page's rows only (EnterpriseAdmin.changelist_view): one grouped query.
            self.result_list = Enterprise.objects.evidence_of_page(self.result_list, request.user)


@admin.register(Enterprise)
class EnterpriseAdmin(TableAdmin, ReadableHistoryMixin, VersionedAdmin, FastChangeList, SimpleHistoryAdmin):
    form = EnterpriseForm
    inlines = [AliasInline, TimelineInline, UnitInline, ClaimEvidenceInline]
    # Short codes for grade and kind (the choice labels wrap a row to eight lines): the list
    # fits a 1,366 px screen with every column; the filters beside it spell them out.
    # Place and region in one column, sorted by the place path (region, then city, district).
    list_display = ["name", "grade_code", "tier", "kind_code", "place", "industry", "claim_total", "first_seen", "last_seen"]
    list_select_related = ["location__parent", "industry__parent"]
    list_filter = ["grade", TierFilter, "kind", RegionFilter, IndustryFilter]
    search_fields = ["name", "hangul", "aliases__name"]  # see get_search_results
    autocomplete_fields = ["parent", "location", "industry"]
    readonly_fields = ["tier", "created_at", "updated_at", "evidence_link"]
    actions = ["merge_enterprises"]
    fieldsets = [
        (None, {"fields": ["name", "hangul", ("grade", "tier"), ("kind", "integration"), "parent", "location", "industry", "opened_version"]}),
        (_("Details"), {"fields": ["products", "ministry", "notes", "evidence_link", ("created_at", "updated_at")]}),
    ]
    # save_anyway is not in a fieldset: the duplicate warning carries it as a button, beside
    # "use this enterprise" (templates/admin/registry/enterprise/change_form.html).

    def get_queryset(self, request):
        # visible_to (TableAdmin) and the evidence of visible claims only: an enterprise known
        # only from what the user may not see is not listed, searched or offered. The
        # first-level region is stored on the enterprise (registry/stored/evidence.py).
        queryset = super().get_queryset(request).annotate(region_name=F("region__name"))
        if getattr(request, "evidence_of_page", False):
            return queryset  # EnterpriseChangeList sets it on the page's rows
        return queryset.with_evidence(request.user)

    def get_changelist(self, request, **kwargs):
        return EnterpriseChangeList

    def changelist_view(self, request, extra_context=None):
        # Shown, not sorted by: the evidence is computed for the page's rows alone, not as
        # five correlated subqueries per row (140 ms of a superuser's searched page). The
        # public view's is stored (with_evidence reads the columns): nothing to save there.
        request.evidence_of_page = (
            request.method == "GET" and not sees_public_view(request.user) and not self._sorted_by_evidence(request)
        )
        return super().changelist_view(request, extra_context)

    def _sorted_by_evidence(self, request):
        """Does the list's `o` (the admin's sort: list_display positions) name an evidence
        column? Anything unreadable counts as yes: the rows then carry it as before."""
        display = list(self.get_list_display(request))
        if self.get_actions(request):  # as get_changelist_instance numbers the columns
            display = ["action_checkbox", *display]
        for part in filter(None, request.GET.get(ORDER_VAR, "").split(".")):
            try:
                name = display[int(part.lstrip("-"))]
            except (ValueError, IndexError):
                return True
            if name in SORTED_BY_EVIDENCE:
                return True
        return False

    links = ("parent",)

    def get_form(self, request, obj=None, **kwargs):
        # The duplicate warning names only what this user may see (visible_to).
        return type("EnterpriseForm", (super().get_form(request, obj, **kwargs),), {"user": request.user})

    def add_view(self, request, form_url="", extra_context=None):
        chosen = request.POST.get("_use_existing") if request.method == "POST" else None
        if chosen:
            return self._use_existing(request, chosen)
        return super().add_view(request, form_url, extra_context)

    def _use_existing(self, request, pk):
        """The duplicate warning's "use this enterprise": nothing is added; in a popup (the
        "+" beside a claim's enterprise) the existing one is picked in the opener's field."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        existing = self.get_queryset(request).filter(pk=pk if str(pk).isdigit() else None).first()
        if existing is None:
            raise Http404(_("no such enterprise"))
        if IS_POPUP_VAR in request.POST:
            return self.response_add(request, existing)
        self.message_user(request, _("Nothing added: use the existing enterprise %(name)s.") % {"name": existing.name}, messages.INFO)
        return redirect("admin:registry_enterprise_change", existing.pk)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)  # links swapped (TableAdmin)
        if can_see_restricted(request.user):
            return fieldsets
        return [(n, {**o, "fields": [f for f in o["fields"] if f != "notes"]}) for n, o in fieldsets]

    @admin.display(description=_("parent"))
    def shown_parent(self, obj):
        return getattr(obj, "_shown_parent", None)

    def get_search_results(self, request, queryset, search_term):
        """Names, Hangul and aliases in any spelling (see EnterpriseQuerySet.search); one
        subquery over aliases rather than a JOIN, so no duplicate rows and no DISTINCT."""
        found = queryset.search(search_term)
        term = search_term.strip()
        if getattr(request.resolver_match, "url_name", None) != "autocomplete" or not term or len(term) > 200:
            return found, False
        found = found.select_related("location__parent")  # autocomplete_label names the place
        # And every enterprise the duplicate guard finds for the term ("Hamheung Ryongsong",
        # "2.8 vinylon", the words in another order): the guard and the search know the same
        # names (one index, duplicates.NameIndex, kept per data version).
        guarded = [c.enterprise_id for c in NameIndex.current().search(term, limit=20)]
        if guarded:
            found = queryset.filter(Q(pk__in=found.values("pk")) | Q(pk__in=guarded))
        return found, False

    def autocomplete_label(self, obj):
        """An enterprise as the autocomplete offers it: its name, Hangul and place, so two
        factories of one name are told apart before one is picked."""
        parts = [obj.name]
        if obj.hangul:
            parts.append(obj.hangul)
        label = " · ".join(parts)
        return f"{label} ({obj.location})" if obj.location_id else label

    @admin.display(description=_("grade"), ordering="grade")
    def grade_code(self, obj):
        return obj.grade

    @admin.display(description=_("kind"), ordering="kind")
    def kind_code(self, obj):
        return obj.kind.replace("_", " ")

    @admin.display(description=_("place (region)"), ordering="location__path")
    def place(self, obj):
        if obj.location is None:
            return None
        return f"{obj.location} ({obj.region_name})" if obj.location.level > 1 else str(obj.location)

    @admin.display(description=_("region"), ordering="region_name")
    def region(self, obj):
        return obj.region_name

    @admin.display(description=_("claims"), ordering="claim_count")
    def claim_total(self, obj):  # not "claims": the list would sort by the relation of that name, a row per claim
        return obj.claim_count or 0

    @admin.display(ordering="first_seen", description=_("first seen"))
    def first_seen(self, obj):
        return partial_date_label(obj.first_seen, obj.first_seen_precision) or None

    @admin.display(ordering="last_seen", description=_("last seen"))
    def last_seen(self, obj):
        return partial_date_label(obj.last_seen, obj.last_seen_precision) or None

    @admin.display(description=_("all evidence"))
    def evidence_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:registry_claim_changelist") + f"?enterprise__id__exact={obj.pk}"
        return format_html('<a href="{}">every claim on this enterprise</a>', url)

    def has_merge_permission(self, request):
        # The table's "merge" needs both change and delete (admin.action(permissions=[...])
        # accepts any one of several).
        return satisfied(request.user, admin_requirement("registry.enterprise", "merge"))

    @admin.action(description=_("Merge selected enterprises into one…"), permissions=["merge"])
    def merge_enterprises(self, request, queryset):
        enterprises = list(queryset.order_by("pk"))
        if len(enterprises) < 2:
            self.message_user(request, _("Select at least two enterprises to merge."), messages.WARNING)
            return None
        keep_id = request.POST.get("keep")
        if request.POST.get("confirm") == "yes" and keep_id:
            keep = next((e for e in enterprises if str(e.pk) == keep_id), None)
            if keep is None:
                raise PermissionDenied
            merged = []
            try:
                for absorb in enterprises:
                    if absorb.pk != keep.pk:
                        enterprise_merge(keep=keep, absorb=absorb, user=request.user)
                        merged.append(absorb.name)
            except MergeConflict as conflict:
                self.message_user(request, _("Not merged: %(name)s: %(conflict)s") % {"name": absorb.name, "conflict": conflict}, messages.ERROR)
            if merged:
                self.message_user(request, _("Merged into %(name)s: %(merged)s.") % {"name": keep.name, "merged": ", ".join(merged)}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge enterprises"),
            "opts": self.model._meta,
            "enterprises": Enterprise.objects.visible_to(request.user).filter(pk__in=[e.pk for e in enterprises])
            .with_evidence(request.user).select_related("location"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/registry/enterprise/merge.html", context)
