"""Public browsing pages: the home's figures, the enterprise list, a place, the method.
Thin: who sees what is `visible_to(user)`, what a parameter means is the API's filterset (the
one query vocabulary), facets are registry/vocabulary/facets, the codebook is registry/method/codebook."""

from urllib.parse import urlencode

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Max, Min
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from registry.vocabulary import facets as api_facets
from registry.vocabulary.filters import EnterpriseFilter
from registry.method import codebook, rules as method_rules
from registry.series import labels as series_labels
from registry import vocabulary
from registry.models import Article, Claim, Enterprise, EnterpriseKind, Location, LocationName, Release, Source

from . import fielderrors
from .throttling import throttled, without_parameters

PAGE_SIZE = 50
# The facets' headings as a reader names them (the API's facet keys stay as they are).
FACET_LABELS = {
    "grade": _("grade"), "tier": _("tier"), "kind": _("kind"), "region": _("region"),
    "industry": _("industry"), "activity": _("activity"), "code": _("code"),
}
# The facets shown beside the list: those on the enterprises themselves and on their claims.
LIST_FACETS = ("grade", "tier", "kind", "region", "industry", "activity", "code")
SORTS = [
    ("name", _("name")), ("-claim_count", _("most claims")), ("-last_seen", _("last seen")),
    ("first_seen", _("first seen")), ("grade", _("grade")),
]


def figures(user):
    """The home's headline figures, all over what `user` may see."""
    articles = Article.objects.visible_to(user)
    span = articles.aggregate(first=Min("published"), last=Max("published"))
    return {
        "enterprises": Enterprise.objects.visible_to(user).count(),
        "articles": articles.count(),
        "claims": Claim.objects.visible_to(user).count(),
        "sources": Source.objects.visible_to(user).filter(articles__in=articles.values("pk")).distinct().count(),
        "first_year": span["first"].year if span["first"] else None,
        "last_year": span["last"].year if span["last"] else None,
        "release": Release.objects.order_by("-created_at", "-id").first(),
    }


@throttled
@without_parameters
def home(request):  # GET and HEAD only, as every page: the permission table's PAGES (MethodGuard)
    latest = Article.objects.visible_to(request.user).select_related("source").order_by("-published", "-id")[:8]
    return render(request, "pages/home.html", {
        "title": _("North Korean enterprise registry"), "figures": figures(request.user), "latest": latest,
    })




@throttled
def enterprise_list(request):
    """Enterprises, filtered as the API filters them (its filterset, so the numbers agree)."""
    params = request.GET.copy()
    page_number = params.pop("page", ["1"])[-1]
    params.setdefault("ordering", "name")
    filterset = EnterpriseFilter(params, queryset=Enterprise.objects.for_api(request.user), request=request)
    unknown = vocabulary.unknown_errors(request.GET, [*filterset.filters, "page"])
    state = {name: request.GET.getlist(name) for name in filterset.filters}
    common = {
        "title": _("Enterprises"), "q": params.get("q", ""), "ordering": params.get("ordering"), "sorts": SORTS,
        "grades": codebook.Grade.choices, "tiers": codebook.Tier.choices, "kinds": EnterpriseKind.choices,
        "codes": codebook.Code.choices, "activity_groups": codebook.activity_group_choices(),
    }
    if not filterset.is_valid() or unknown:
        # The form again, as given, the errors above it in the fields' own words.
        errors = {name: [str(m) for m in messages] for name, messages in filterset.form.errors.items()}
        errors = {**errors, **unknown}
        return render(request, "pages/enterprise_list.html", {
            **common, "state": {k: [x for x in v if x] for k, v in state.items()},
            "errors": fielderrors.labelled(errors), "invalid": list(errors),
        }, status=400)
    queryset = filterset.qs
    paginator = Paginator(queryset, PAGE_SIZE)
    try:
        page = paginator.page(page_number)
    except InvalidPage:  # not a number or past the end: the same 404 as the API's
        raise Http404(_("No such page."))
    counts = api_facets.compute(Enterprise, queryset, LIST_FACETS, request.user, filterset.claim_selection())
    if counts.get("region") and translation.get_language() == "ko":  # provinces by their Hangul names (one query)
        provinces = Location.objects.filter(level=1, slug__in=[row["value"] for row in counts["region"]]).in_bulk(field_name="slug")
        counts["region"] = [
            {**row, "label": series_labels.local_name(provinces[row["value"]]) if row["value"] in provinces else row["label"]}
            for row in counts["region"]
        ]
    facets = [(FACET_LABELS.get(name, name), rows) for name, rows in counts.items()]
    given = {k: v for k, v in request.GET.lists() if k != "page" and any(x.strip() for x in v)}
    query = urlencode(given, doseq=True)
    api = reverse("enterprise-list") + ("?" + query if query else "")
    state = {name: filterset.form.data.getlist(name) for name in filterset.filters}
    return render(request, "pages/enterprise_list.html", {
        **common,
        "page": page,
        "facets": facets,
        "state": {k: [x for x in v if x] for k, v in state.items()},
        "query": query,
        "links": {"api": api, "csv": api + ("&" if query else "?") + "format=csv&bom=1", "xlsx": api + ("&" if query else "?") + "format=xlsx"},
    })


@throttled
@without_parameters
def place(request, slug):
    place = get_object_or_404(Location.objects.visible_to(request.user).select_related("parent"), slug=slug)
    enterprises = Enterprise.objects.visible_to(request.user).in_place(place).select_related("location", "industry")
    total = enterprises.count()
    return render(request, "pages/place.html", {
        "title": str(place),
        "place": place,
        "ancestors": place.ancestors(),
        "spellings": sorted({n.name for n in LocationName.objects.visible_to(request.user).filter(location=place)} - {place.name}),
        "children": Location.objects.visible_to(request.user).filter(parent=place).order_by("name"),
        "enterprises": enterprises.order_by("name", "id")[:PAGE_SIZE],
        "total": total,
        "list_url": reverse("enterprise_list") + "?" + urlencode({"place": place.slug}),
        "compare_url": reverse("compare") + "?" + urlencode({"regions": place.slug, "metric": "articles", "interval": "year"}),
    })


def _member_label(scheme, member_of):
    """The group (of an activity) or tier (of a grade) a row belongs to, in words."""
    if scheme == "activity" and member_of in codebook.ACTIVITY_GROUP_LABELS:
        return codebook.ACTIVITY_GROUP_LABELS[member_of]
    if scheme == "grade" and member_of in codebook.Tier.values:
        return codebook.short_label(codebook.Tier(member_of).label)
    return member_of


@throttled
@without_parameters
def method(request):
    """The codebook as the data speaks it (registry/method/codebook.codebook_rows) and how counts are made."""
    schemes = {}
    for scheme, value, label, definition, member_of in codebook.codebook_rows():
        schemes.setdefault(scheme, []).append({
            "value": value, "label": label, "definition": definition, "member_of": member_of,
            "member_label": _member_label(scheme, member_of),
            "example": codebook.CODE_EXAMPLES.get(int(value), "") if scheme == "code" else "",
        })
    rules = [{"id": r.id, "sentence": method_rules.sentence(r), "example": r.example} for r in method_rules.RULES]
    return render(request, "pages/method.html", {
        "title": _("The method"), "schemes": schemes, "version": codebook.CODEBOOK_VERSION, "rules": rules,
    })
