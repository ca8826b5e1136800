"""Claims in the admin: the form and inline they are coded with on their article's page
(articles.py), and every claim on its own (ClaimAdmin) for search across articles and each
claim's history."""

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry.method.codebook import SUGGESTED_CODE
from .. import services
from ..models import Article, Claim
from registry.access.permissions import admin_requirement, satisfied
from .. import vocabulary
from .common import ConstraintSentences, FastChangeList, RegionFilter, TableAdmin, TableInline
from .history import ReadableHistoryMixin


class ClaimForm(ConstraintSentences, forms.ModelForm):
    class Meta:
        model = Claim
        fields = ["enterprise", "activity", "code", "detail", "quantity", "unit"]
        widgets = {
            "detail": forms.TextInput(attrs={"size": 40}),
            "quantity": forms.NumberInput(attrs={"style": "width: 8em"}),
            "unit": forms.TextInput(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "activity" not in self.fields:
            return  # read-only (a viewer's page): nothing to pick
        # static/registry/claim_codes.js reads this to pre-select the suggested code.
        self.fields["activity"].widget.attrs["data-suggested-codes"] = json.dumps(
            {str(activity): int(code) for activity, code in SUGGESTED_CODE.items()}
        )
        code = self.fields["code"]
        code.widget.attrs["class"] = "claim-code"
        code.choices = [("", _("code…")), *list(code.choices)[1:]]
        code.error_messages["invalid_choice"] = _("The reliability code is a number from 1 to 5 (%(value)s is not).")


class ClaimInline(TableInline, admin.TabularInline):
    model = Claim
    form = ClaimForm
    extra = 2
    autocomplete_fields = ["enterprise"]

    class Media:
        js = ["registry/claim_codes.js", "registry/keyboard.js", "registry/proposals.js"]
        css = {"all": ["registry/workbench.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("enterprise")

    def get_readonly_fields(self, request, obj=None):
        # Offered to whoever may add a period (the permission table's attributeperiod add).
        if satisfied(request.user, admin_requirement("registry.attributeperiod", "add")):
            return [*super().get_readonly_fields(request, obj), "record_history"]
        return super().get_readonly_fields(request, obj)

    @admin.display(description=_("history"))
    def record_history(self, claim):
        """One click: "this article shows grade X / name Y at this date" - the attribute
        period add form with the enterprise, the article and its date filled in."""
        if claim is None or claim.pk is None:
            return ""
        query = urlencode({"enterprise": claim.enterprise_id, "article": claim.article_id, "valid_from": claim.article.published_label})
        return format_html('<a href="{}?{}" class="record-history">{}</a>', reverse("admin:registry_attributeperiod_add"), query, _("record as history"))


class ClaimRegionFilter(RegionFilter):
    def apply(self, queryset, places):
        return vocabulary.select_claims(queryset, {"places": places})


@admin.register(Claim)
class ClaimAdmin(TableAdmin, ReadableHistoryMixin, FastChangeList, SimpleHistoryAdmin):
    """Every claim on its own, for search across articles and for each claim's history."""

    list_display = ["article_date", "source_name", "article", "enterprise", "activity", "code", "detail"]
    list_select_related = ["article__source", "enterprise"]
    list_filter = ["activity", "code", "article__status", ClaimRegionFilter]
    search_fields = ["enterprise__name", "article__title"]  # see get_search_results
    autocomplete_fields = ["article", "enterprise"]
    form = ClaimForm

    def get_search_results(self, request, queryset, search_term):
        """The API's claim search (ClaimQuerySet.search), words by their beginnings."""
        return queryset.search(search_term, prefix=True), False

    class Media:
        js = ["registry/claim_codes.js"]

    def get_fields(self, request, obj=None):
        return ["article", *ClaimForm.Meta.fields]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            # Not an article the user is second-coding blind: the hidden claims would collide.
            kwargs["queryset"] = Article.objects.open_to_coding(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # A claim is part of its article: the service moves the article on (and back to coded).
        services.claim_save(claim=obj, user=request.user)

    @admin.display(description=_("date"), ordering="article__published")
    def article_date(self, obj):
        return obj.article.published_label

    @admin.display(description=_("source"), ordering="article__source__short_name")
    def source_name(self, obj):
        return obj.article.source.short_name
