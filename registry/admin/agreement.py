"""Inter-coder agreement rounds: reviewers draw a round and, once its second coder has coded
it blind, read alpha per coder pair and adjudicate the disagreements; the second coder codes
each drawn article on a page that shows the article and never its first coding (the claims
of a round's articles do not exist for its second coder while it is open: Claim.visible_to)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry import services
from registry.method import agreement_rounds
from registry.method.codebook import Activity, Code, Disclosure
from ..models import AgreementRound, Article, Claim, Enterprise, Outcome, RoundStatus, SecondCoding
from registry.access.visibility import DRAW_ROUND_PERMISSION, can_see_restricted
from .common import TableAdmin, _may


def _coders():
    """Users who may second-code: active staff with the permission (a handful)."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
    return [u for u in users if u.has_perm("registry.add_secondcoding")]


class DrawForm(forms.Form):
    size = forms.IntegerField(label=_("size"), min_value=1, max_value=services.MAX_ROUND_SIZE, help_text=_("Articles to draw"))
    seed = forms.IntegerField(label=_("seed"), min_value=0, help_text=_("The same seed over the same articles draws the same sample"))
    by_source = forms.BooleanField(label=_("stratify by source"), required=False)
    by_year = forms.BooleanField(label=_("stratify by year"), required=False)
    second_coder = forms.ModelChoiceField(label=_("second coder"), queryset=get_user_model().objects.none())
    first_coder = forms.ModelChoiceField(
        label=_("first coder"), queryset=get_user_model().objects.none(), required=False,
        help_text=_("Only articles this coder coded; empty: anyone's"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        coders = get_user_model().objects.filter(pk__in=[u.pk for u in _coders()]).order_by("username")
        self.fields["second_coder"].queryset = coders
        self.fields["first_coder"].queryset = coders


class SecondCodingForm(forms.Form):
    enterprise = forms.ModelChoiceField(
        label=_("enterprise"), queryset=Enterprise.objects.none(),
        # The claims' enterprise autocomplete: the same search, and only enterprises the coder may see.
        widget=AutocompleteSelect(Claim._meta.get_field("enterprise"), admin.site),
    )
    # Blank first: an untouched extra row is empty, and skipped.
    activity = forms.ChoiceField(label=_("activity"), choices=[("", "—"), *Activity.choices])
    code = forms.TypedChoiceField(label=_("code"), choices=[("", "—"), *Code.choices], coerce=int)
    detail = forms.CharField(label=_("detail"), max_length=500, required=False, widget=forms.TextInput(attrs={"size": 40}))


class RoundEnterpriseSelect(AutocompleteSelect):
    """The claims' enterprise autocomplete, asking the round's own search
    (AgreementRoundAdmin.enterprises_view: agreement_rounds.second_coding_enterprises)."""

    def __init__(self, url):
        super().__init__(Claim._meta.get_field("enterprise"), admin.site)
        self.round_url = url

    def get_url(self):
        return self.round_url


class BaseSecondCodingFormSet(forms.BaseFormSet):
    def __init__(self, *args, user=None, round=None, **kwargs):
        self.user, self.round = user, round
        super().__init__(*args, **kwargs)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.fields["enterprise"].queryset = agreement_rounds.second_coding_enterprises(self.user)
        if self.round is not None:
            form.fields["enterprise"].widget = RoundEnterpriseSelect(
                reverse("admin:registry_agreementround_agreement_enterprises", args=[self.round.pk]))
            form.fields["enterprise"].widget.choices = form.fields["enterprise"].choices
        return form


SecondCodingFormSet = forms.formset_factory(
    SecondCodingForm, formset=BaseSecondCodingFormSet, extra=3, can_delete=True, max_num=200, validate_max=True)


@admin.register(AgreementRound)
class AgreementRoundAdmin(TableAdmin, SimpleHistoryAdmin):
    list_display = ["__str__", "created_at", "status", "second_coder", "first_coder", "size", "progress", "strata"]
    list_filter = ["status"]
    list_select_related = ["second_coder", "first_coder"]
    fields = ["size", "seed", "by_source", "by_year", "first_coder", "second_coder", "status", "created_by", "created_at", "closed_at"]
    readonly_fields = fields
    change_form_template = "admin/registry/agreementround/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            drawn_count=Count("articles"), coded_count=Count("articles", filter=Q(articles__coded_at__isnull=False)))

    @admin.display(description=_("coded"))
    def progress(self, obj):
        return f"{obj.coded_count} / {obj.drawn_count}"

    @admin.display(description=_("strata"))
    def strata(self, obj):
        return " × ".join(str(label) for label, on in ((_("source"), obj.by_source), (_("year"), obj.by_year)) if on) or "—"

    # ---- drawing ----------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DrawForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                round = services.round_draw(
                    user=request.user, size=data["size"], seed=data["seed"], second_coder=data["second_coder"],
                    by_source=data["by_source"], by_year=data["by_year"], first_coder=data["first_coder"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.log_addition(request, round, [{"added": {}}])
                self.message_user(request, _("Drew %(n)s articles for %(coder)s.") % {"n": round.size, "coder": round.second_coder})
                return HttpResponseRedirect(reverse("admin:registry_agreementround_change", args=[round.pk]))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "title": _("Draw an agreement round"), "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/registry/agreementround/draw.html", context)

    # ---- one round: progress, results, disagreements ------------------------------------

    def _shows_results(self, request, round):
        """Results and disagreements show the first coding: reviewers only, and never the
        round's own second coder while it is open."""
        if not request.user.has_perm(DRAW_ROUND_PERMISSION):
            return False
        return not (round.status == RoundStatus.OPEN and round.second_coder_id == request.user.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        round = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        extra = dict(extra_context or {})
        if round is not None:
            extra["may_code"] = round.status == RoundStatus.OPEN and round.second_coder_id == request.user.pk
            drawn = round.articles.all()
            if not extra["may_code"]:
                # Its own second coder is given the drawn articles (unpublished, and hidden from
                # them everywhere else); anyone else sees those they may see.
                drawn = drawn.filter(article__in=Article.objects.visible_to(request.user).values("pk"))
            drawn = list(drawn.select_related("article__source").order_by("article__published", "article_id"))
            extra["drawn"] = drawn
            extra["may_close"] = round.status == RoundStatus.OPEN and _may(request, AgreementRound, "close")
            if self._shows_results(request, round):
                extra["results"] = agreement_rounds.results(round)
                rows = agreement_rounds.disagreements(round)
                names = dict(Enterprise.objects.filter(pk__in={r["enterprise"] for r in rows}).values_list("pk", "name"))
                titles = {d.article_id: d.article for d in drawn}
                for row in rows:
                    row["enterprise_name"], row["article_obj"] = names.get(row["enterprise"]), titles.get(row["article"])
                extra["disagreements"] = rows
                extra["may_adjudicate"] = round.status == RoundStatus.CLOSED and _may(request, AgreementRound, "adjudicate")
                extra["outcomes"] = Outcome.choices
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:round_id>/code/<int:article_id>/", wrap(self.code_view), name="registry_agreementround_agreement_code"),
            path("<int:round_id>/close/", wrap(self.close_view), name="registry_agreementround_agreement_close"),
            path("<int:round_id>/enterprises/", wrap(self.enterprises_view), name="registry_agreementround_agreement_enterprises"),
            path("<int:round_id>/adjudicate/", wrap(self.adjudicate_view), name="registry_agreementround_agreement_adjudicate"),
            *super().get_urls(),
        ]

    def _round(self, request, round_id, action):
        if not _may(request, AgreementRound, action):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=round_id)

    def _back(self, round):
        return HttpResponseRedirect(reverse("admin:registry_agreementround_change", args=[round.pk]))

    # ---- second coding: the article, never its first coding -----------------------------

    def code_view(self, request, round_id, article_id):
        round = self._round(request, round_id, "code")
        if round.second_coder_id != request.user.pk:
            raise PermissionDenied  # a round is coded by its own second coder only
        # Not Article.objects.visible_to: a drawn article exists for its second coder here only
        # (visibility.unblinded_articles), as its source, date, headline and text.
        drawn = round.articles.filter(article_id=article_id).select_related("article__source").first()
        if drawn is None or (drawn.article.disclosure != Disclosure.PUBLIC and not can_see_restricted(request.user)):
            raise Http404
        stored = SecondCoding.objects.filter(drawn=drawn).order_by("id")
        initial = [{"enterprise": c.enterprise_id, "activity": c.activity, "code": c.code, "detail": c.detail} for c in stored]
        formset = SecondCodingFormSet(request.POST or None, initial=initial, user=request.user, round=round, prefix="coding")
        if request.method == "POST" and round.status != RoundStatus.OPEN:
            messages.error(request, _("This round is closed: its codings no longer change."))
        elif request.method == "POST" and formset.is_valid():
            codings = [
                {**form.cleaned_data, "enterprise": form.cleaned_data["enterprise"].pk}
                for form in formset.forms
                if form.cleaned_data.get("enterprise") and not form.cleaned_data.get("DELETE")
            ]
            try:
                services.second_coding_save(user=request.user, drawn=drawn, codings=codings)
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
            else:
                self.message_user(request, _("Saved your coding of this article."))
                return self._back(round)
        article = drawn.article
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "round": round, "article": article,
            "full_text": article.full_text if can_see_restricted(request.user) else "",
            "formset": formset, "media": self.media + formset.media, "open": round.status == RoundStatus.OPEN,
            "title": _("Second coding: %(article)s") % {"article": article.title or article.title_ko},
        }
        return TemplateResponse(request, "admin/registry/agreementround/code.html", context)

    def enterprises_view(self, request, round_id):
        """The second coder's enterprise autocomplete (select2's JSON, as the admin's): the
        enterprises search's answer over second_coding_enterprises, 20 a page."""
        round = self._round(request, round_id, "code")
        if round.second_coder_id != request.user.pk:
            raise PermissionDenied
        enterprises = self.admin_site._registry[Enterprise]
        term = request.GET.get("term", "")
        found, _duplicates = enterprises.get_search_results(request, agreement_rounds.second_coding_enterprises(request.user), term)
        page = max(1, int(request.GET["page"])) if request.GET.get("page", "").isdigit() else 1
        rows = list(found.select_related("location").order_by("name", "pk")[(page - 1) * 20:page * 20 + 1])
        return JsonResponse({
            "results": [{"id": str(e.pk), "text": str(enterprises.autocomplete_label(e))} for e in rows[:20]],
            "pagination": {"more": len(rows) > 20},
        })

    # ---- closing and adjudicating ---------------------------------------------------------

    def close_view(self, request, round_id):
        round = self._round(request, round_id, "close")
        try:
            services.round_close(user=request.user, round=round)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            self.log_change(request, round, [{"changed": {"fields": ["status"]}}])
            self.message_user(request, _("Round closed: its disagreements can be adjudicated."))
        return self._back(round)

    def adjudicate_view(self, request, round_id):
        round = self._round(request, round_id, "adjudicate")
        post = request.POST
        try:
            article, enterprise = int(post.get("article", "")), int(post.get("enterprise", ""))
        except ValueError:
            messages.error(request, _("Name the disagreement: article and enterprise are numbers."))
            return self._back(round)
        try:
            services.adjudicate(user=request.user, round=round, article=article, enterprise=enterprise,
                                activity=post.get("activity", ""), outcome=post.get("outcome", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            self.message_user(request, _("Adjudicated."))
        return self._back(round)
