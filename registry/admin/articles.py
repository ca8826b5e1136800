"""Articles and their coded claims: the screen coders spend their days in."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .. import services
from registry.method.dates import PartialDateField
from ..models import Article, Claim, Enterprise, StoryMember
from registry.access.permissions import admin_requirement, satisfied
from registry.method.reprints import reprint_suggestions
from registry.access.visibility import can_see_restricted, unblinded_claims
from registry.access.roles import status_choices_for
from . import importer
from .enterprises import EnterpriseAdmin
from .common import FastChangeList, TableAdmin, VersionedAdmin, VersionedForm
from .history import ArticleHistoryMixin
from registry.articles.proposals import propose
from .claims import ClaimInline


class ArticleForm(VersionedForm):
    user = None  # set by ArticleAdmin.get_form
    published = PartialDateField(
        label=_("Published"), help_text=_("2016-10-05, or 2016-10 or 2016 for a month or a year: the precision follows")
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
            status.error_messages["invalid_choice"] = _("Only a reviewer can set the status %(value)s.")


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


class InboxFilter(admin.SimpleListFilter):
    """The inbox: drafts with no claim yet (registry/articles/ingest.py), oldest first."""

    title = _("inbox")
    parameter_name = "inbox"

    def lookups(self, request, model_admin):
        return [("1", _("uncoded (the inbox)"))]

    def queryset(self, request, queryset):
        return queryset.uncoded() if self.value() == "1" else queryset


class ArticleChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        # Unsearched or searched broadly, the date hierarchy's years come from the index
        # (ArticleQuerySet.dates): a probe a year finds a broad match's first row at once.
        # A narrow match (up to RANKED_MATCHES rows) is cheaper read once for its years.
        return queryset if self.query and not queryset.broad_search else queryset.years_from_index()


@admin.register(Article)
class ArticleAdmin(TableAdmin, ArticleHistoryMixin, VersionedAdmin, FastChangeList, SimpleHistoryAdmin):
    form = ArticleForm
    inlines = [ClaimInline]
    list_display = ["published_label", "source_name", "headline", "status", "coded_by", "claim_total", "disclosure"]
    list_display_links = ["headline"]
    list_select_related = ["source", "coded_by"]
    list_filter = [InboxFilter, "status", "coded_by", "source", "disclosure", "precision"]
    date_hierarchy = "published"
    search_fields = ["title", "title_ko", "=url"]  # see get_search_results
    autocomplete_fields = ["follow_up_of"]
    readonly_fields = ["coded_by", "reviewed_by", "text_sha256", "created_at", "updated_at", "likely_reprints"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": [("source", "published", "precision", "page"), "title", "title_ko", "summary", "url", "opened_version"]}),
        (_("Restricted"), {"fields": ["full_text", "notes"], "classes": ["collapse"]}),
        (_("Coding"), {"fields": [("status", "disclosure"), "follow_up_of", ("coded_by", "reviewed_by")]}),
        (_("Record"), {"fields": [("created_at", "updated_at"), "text_sha256"], "classes": ["collapse"]}),
        # Other sources' articles on the same event (registry/method/reprints.py), to link in one click.
        (_("Reprints"), {"fields": ["likely_reprints"]}),
    ]

    def get_queryset(self, request):
        # Counted from the claims the user may see: an article they are second-coding blind shows none.
        claims = (
            Claim.objects.filter(unblinded_claims(request.user), article=OuterRef("pk"))
            .order_by().values("article").annotate(n=Count("pk")).values("n")
        )
        # visible_to (TableAdmin): restricted articles and others' drafts do not exist here
        # for those who may not see them, as for the public.
        return super().get_queryset(request).annotate(claim_count=Subquery(claims, output_field=IntegerField()))

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_search_results(self, request, queryset, search_term):
        """The API's article search (ArticleQuerySet.search, its index on both databases):
        headlines, summaries and the enterprises named, Latin words by their beginnings,
        Hangul anywhere in a word and in either Korea's spelling; an address finds its
        article. Serves the follow-up autocomplete too."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if "://" in term:
            return queryset.filter(url__iexact=term), False
        return queryset.search_as(request.user, term, prefix=True, listed=True), False

    links = ("follow_up_of",)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)  # links swapped (TableAdmin)
        if obj is None or obj.pk is None:
            fieldsets = [(name, options) for name, options in fieldsets if name != "Reprints"]
        if can_see_restricted(request.user):
            return fieldsets
        # The full text's SHA-256 too: it tells whether there is one, and confirms a guess.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "text_sha256"]})
            for name, options in fieldsets if name != "Restricted"
        ]

    @admin.display(description=_("follow up of"))
    def shown_follow_up_of(self, obj):
        return getattr(obj, "_shown_follow_up_of", None)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def has_change_permission(self, request, obj=None):
        # An article its reader is second-coding blind is read-only for them (services refuse
        # the write too): its page shows the article, its claims do not exist for them.
        if obj is not None and obj.pk is not None:
            key = ("_open_to", request.user.pk)
            if getattr(obj, "_open_to", (None, None))[0] != key:  # asked several times a page
                obj._open_to = (key, Article.objects.open_to_coding(request.user).filter(pk=obj.pk).exists())
            if not obj._open_to[1]:
                return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.article_save(article=obj, user=request.user)

    def changelist_view(self, request, extra_context=None):
        # The inbox's count beside its link; in the inbox, oldest first (the coder's order).
        extra_context = {**(extra_context or {}), "inbox_count": self.get_queryset(request).uncoded().count()}
        return super().changelist_view(request, extra_context)

    def get_ordering(self, request):
        if request.GET.get("inbox") == "1" and "o" not in request.GET:
            return ["published", "id"]
        return super().get_ordering(request)

    def next_in_inbox(self, request, article):
        """The uncoded article after `article` that this user may code, or None."""
        return Article.objects.open_to_coding(request.user).inbox_after(article).first()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is not None:
            following = self.next_in_inbox(request, obj)
            extra_context["next_article"] = following
            if self.has_change_permission(request, obj) and request.user.has_perm("registry.add_claim"):
                extra_context["proposals"] = self.proposals_for(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def proposals_for(request, article):
        """The claims the registry proposes for the article (registry/articles/proposals.py), as the
        form's panel offers them: read from the full text only for who may see it."""
        body = article.full_text if can_see_restricted(request.user) and article.full_text else article.summary
        found = propose(" ".join(filter(None, [article.title, article.title_ko])), body)
        known = {e.pk: e for e in Enterprise.objects.visible_to(request.user).filter(
            pk__in=[p.enterprise_id for p in found if p.enterprise_id]).select_related("location__parent")}
        shown = []
        for p in found:
            if p.enterprise_id is not None and p.enterprise_id not in known:
                continue  # an enterprise this user may not see is not proposed
            enterprise = known.get(p.enterprise_id)
            label = EnterpriseAdmin.autocomplete_label(None, enterprise) if enterprise else p.new_name
            shown.append({**p.as_dict(), "label": label, "detail": " · ".join(v for k, v in p.evidence.items() if k == "activity")})
        return shown

    def response_change(self, request, obj):
        # "Save and next article": straight to the following uncoded article (the inbox).
        if "_savenext" in request.POST:
            self.message_user(request, _("Saved %(article)s.") % {"article": obj}, messages.SUCCESS)
            following = self.next_in_inbox(request, obj)
            if following is not None:
                return HttpResponseRedirect(reverse("admin:registry_article_change", args=[following.pk]))
            return HttpResponseRedirect(reverse("admin:registry_article_changelist") + "?inbox=1")
        return super().response_change(request, obj)

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
        link = self.admin_site.admin_view(self.link_story_view)
        return [
            path("import/", view, name="registry_article_import"),
            path("<path:object_id>/link-story/", link, name="registry_article_link_story"),
            *super().get_urls(),
        ]

    # --- reprints: suggested on the article's page and after a save, linked in one click ----

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.viewer = request.user  # suggestions list only articles this user may see
        return obj

    @staticmethod
    def reprints_of(article, user):
        """Likely reprints `user` may see, less those already in the article's story."""
        linked = StoryMember.objects.filter(story__members__article=article).values_list("article_id", flat=True)
        return reprint_suggestions(articles=[article], user=user, exclude=list(linked))

    @admin.display(description=_("likely reprints"))
    def likely_reprints(self, obj):
        viewer = getattr(obj, "viewer", None)
        if obj is None or obj.pk is None or viewer is None:
            return "—"
        found = self.reprints_of(obj, viewer)
        if not found:
            return _("none found (other sources within ±3 days naming the same enterprise and activity, similar headline)")
        may_link = satisfied(viewer, admin_requirement("registry.article", "link_story"))
        url = reverse("admin:registry_article_link_story", args=[obj.pk])
        label = _("link as one story")

        def button(other):
            # A button of the page's own form (its CSRF token goes along) posting to the link view.
            if not may_link:
                return ""
            return format_html(
                ' <button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate '
                'name="reprint" value="{}">{}</button>', url, other.pk, label)

        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a> ({}, {}){}', (
            (reverse("admin:registry_article_change", args=[a.pk]), a.title or a.title_ko, a.source.short_name,
             a.published_label, button(a))
            for a in found
        ))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # With its claims saved, the article names its enterprises and activities: say if
        # other sources seem to report the same event, and where to link them.
        found = self.reprints_of(form.instance, request.user)
        if found:
            url = reverse("admin:registry_article_change", args=[form.instance.pk])
            messages.info(request, format_html(
                _("{} likely reprint(s) in other sources ({}): <a href=\"{}\">link them as one story</a> on the article's page."),
                len(found), ", ".join(f"{a.source.short_name} {a.published_label}" for a in found[:5]), url))

    def link_story_view(self, request, object_id):
        """POST `reprint`: link it and this article as one story (services.story_link)."""
        if not satisfied(request.user, admin_requirement("registry.article", "link_story")):
            raise PermissionDenied
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        given = request.POST.get("reprint", "")
        reprint = None
        if given.isdigit() and len(given) < 19:
            reprint = Article.objects.visible_to(request.user).filter(pk=int(given)).first()
        if reprint is None:
            # The same answer for a hidden article as for a missing one.
            return HttpResponseBadRequest(_("reprint: give the id of an article you may see, to link with #%(id)s as one story")
                                          % {"id": article.pk})
        change = reverse("admin:registry_article_change", args=[article.pk])
        try:
            story = services.story_link(article=article, reprint=reprint, user=request.user)
        except services.StoryConflict as error:
            messages.error(request, "; ".join(error.messages))
            return HttpResponseRedirect(change)
        messages.success(request, format_html(
            _("Linked with {} ({}) as one story: <a href=\"{}\">{}</a>."), reprint.source.short_name, reprint.published_label,
            reverse("admin:registry_story_change", args=[story.pk]), story.title))
        return HttpResponseRedirect(change)

    @admin.display(description=_("date"), ordering="published")
    def published_label(self, obj):
        return obj.published_label

    @admin.display(description=_("source"), ordering="source__short_name")
    def source_name(self, obj):
        return obj.source.short_name

    @admin.display(description=_("headline"), ordering="title")
    def headline(self, obj):
        return obj.title or obj.title_ko

    @admin.display(description=_("claims"), ordering="claim_count")
    def claim_total(self, obj):  # not "claims": the list would sort by the relation of that name, a row per claim
        return obj.claim_count or 0
