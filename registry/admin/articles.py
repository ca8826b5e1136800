"""Articles and their coded claims: the screen coders spend their days in."""

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin

from ..codebook import SUGGESTED_CODE
from .. import services
from ..dates import PartialDateField
from ..models import Article, Claim
from ..visibility import can_see_restricted
from ..roles import status_choices_for
from . import importer
from .. import vocabulary
from .common import FastChangeList, RegionFilter, TableAdmin, TableInline, VersionedAdmin, VersionedForm
from .history import ArticleHistoryMixin, ReadableHistoryMixin



class ClaimForm(forms.ModelForm):
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
        code.choices = [("", "code…"), *list(code.choices)[1:]]
        code.error_messages["invalid_choice"] = "The reliability code is a number from 1 to 5 (%(value)s is not)."


class ClaimInline(TableInline, admin.TabularInline):
    model = Claim
    form = ClaimForm
    extra = 2
    autocomplete_fields = ["enterprise"]

    class Media:
        js = ["registry/claim_codes.js", "registry/keyboard.js"]
        css = {"all": ["registry/workbench.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("enterprise")


class ArticleForm(VersionedForm):
    user = None  # set by ArticleAdmin.get_form
    published = PartialDateField(
        label="Published", help_text="2016-10-05, or 2016-10 or 2016 for a month or a year: the precision follows"
    )

    class Meta:
        model = Article
        fields = "__all__"
        widgets = {
            # Set from what the coder types in `published` (clean), so never chosen apart from it.
            "precision": forms.HiddenInput,
            "title": forms.TextInput(attrs={"size": 80}),
            "title_ko": forms.TextInput(attrs={"size": 80}),
            "summary": forms.Textarea(attrs={"rows": 4, "cols": 80}),
            "full_text": forms.Textarea(attrs={"rows": 6, "cols": 80}),
            "notes": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        precision = self.initial.get("precision") or (self.instance.precision if self.instance.pk else None)
        self.fields["published"].widget.precision = precision or Article.Precision.DAY
        if "status" in self.fields and self.user is not None:
            status = self.fields["status"]
            status.choices = status_choices_for(self.user, self.instance.status if self.instance.pk else None)
            status.error_messages["invalid_choice"] = "Only a reviewer can set the status %(value)s."


    def clean_published(self):
        parsed = self.cleaned_data.get("published")
        if not parsed:
            return None
        published, self._precision = parsed
        return published

    def clean(self):
        cleaned = super().clean()
        if getattr(self, "_precision", None):
            cleaned["precision"] = self._precision
        return cleaned


class ArticleChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        # Unsearched, the date hierarchy's years come from the index (ArticleQuerySet.dates).
        return queryset if self.query else queryset.years_from_index()


@admin.register(Article)
class ArticleAdmin(TableAdmin, ArticleHistoryMixin, VersionedAdmin, FastChangeList, SimpleHistoryAdmin):
    form = ArticleForm
    inlines = [ClaimInline]
    list_display = ["published_label", "source_name", "headline", "status", "coded_by", "claim_total", "disclosure"]
    list_display_links = ["headline"]
    list_select_related = ["source", "coded_by"]
    list_filter = ["status", "coded_by", "source", "disclosure", "precision"]
    date_hierarchy = "published"
    search_fields = ["title", "title_ko", "=url"]  # see get_search_results
    autocomplete_fields = ["follow_up_of"]
    readonly_fields = ["coded_by", "reviewed_by", "text_sha256", "created_at", "updated_at"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": [("source", "published", "precision", "page"), "title", "title_ko", "summary", "url", "opened_version"]}),
        ("Restricted", {"fields": ["full_text", "notes"], "classes": ["collapse"]}),
        ("Coding", {"fields": [("status", "disclosure"), "follow_up_of", ("coded_by", "reviewed_by")]}),
        ("Record", {"fields": [("created_at", "updated_at"), "text_sha256"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        claims = Claim.objects.filter(article=OuterRef("pk")).order_by().values("article").annotate(n=Count("pk")).values("n")
        # visible_to (TableAdmin): restricted articles and others' drafts do not exist here
        # for those who may not see them, as for the public.
        return super().get_queryset(request).annotate(claim_count=Subquery(claims, output_field=IntegerField()))

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_search_results(self, request, queryset, search_term):
        """Headlines and summaries by word beginnings, through the full-text index on
        PostgreSQL (a substring match read all 500k articles: 1.3 s); an address finds
        its article. Serves the follow-up autocomplete too."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if "://" in term:
            return queryset.filter(url__iexact=term), False
        return queryset.search(term, prefix=True), False

    links = ("follow_up_of",)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)  # links swapped (TableAdmin)
        if can_see_restricted(request.user):
            return fieldsets
        # The full text's SHA-256 too: it tells whether there is one, and confirms a guess.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "text_sha256"]})
            for name, options in fieldsets if name != "Restricted"
        ]

    @admin.display(description="follow up of")
    def shown_follow_up_of(self, obj):
        return getattr(obj, "_shown_follow_up_of", None)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        services.article_save(article=obj, user=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        # "Save and add another" keeps source and date: the next article is usually from the
        # same issue of the same paper.
        if "_addanother" in request.POST and "_popup" not in request.POST:
            # The add form takes its initial values from the query string.
            carried = {"source": obj.source_id, "published": obj.published.isoformat(), "precision": obj.precision}
            return HttpResponseRedirect(f"{response.url}?{urlencode(carried)}")
        return response

    def get_urls(self):
        view = self.admin_site.admin_view(importer.import_view(self))
        return [path("import/", view, name="registry_article_import"), *super().get_urls()]

    @admin.display(description="date", ordering="published")
    def published_label(self, obj):
        return obj.published_label

    @admin.display(description="source", ordering="source__short_name")
    def source_name(self, obj):
        return obj.source.short_name

    @admin.display(description="headline", ordering="title")
    def headline(self, obj):
        return obj.title or obj.title_ko

    @admin.display(description="claims", ordering="claim_count")
    def claim_total(self, obj):  # not "claims": the list would sort by the relation of that name, a row per claim
        return obj.claim_count or 0


class ClaimRegionFilter(RegionFilter):
    def apply(self, queryset, places):
        return vocabulary.select_claims(queryset, {"places": places})


@admin.register(Claim)
class ClaimAdmin(TableAdmin, ReadableHistoryMixin, FastChangeList, SimpleHistoryAdmin):
    """Every claim on its own, for search across articles and for each claim's history."""

    list_display = ["article_date", "source_name", "article", "enterprise", "activity", "code", "detail"]
    list_select_related = ["article__source", "enterprise"]
    list_filter = ["activity", "code", "article__status", ClaimRegionFilter]
    search_fields = ["enterprise__name", "article__title", "detail"]
    autocomplete_fields = ["article", "enterprise"]
    form = ClaimForm

    class Media:
        js = ["registry/claim_codes.js"]

    def get_fields(self, request, obj=None):
        return ["article", *ClaimForm.Meta.fields]

    def save_model(self, request, obj, form, change):
        # A claim is part of its article: the service moves the article on (and back to coded).
        services.claim_save(claim=obj, user=request.user)

    @admin.display(description="date", ordering="article__published")
    def article_date(self, obj):
        return obj.article.published_label

    @admin.display(description="source", ordering="article__source__short_name")
    def source_name(self, obj):
        return obj.article.source.short_name
