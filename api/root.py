"""The API's front door: what /api/v1/ is, and where the rest of it lives."""

from django.urls import NoReverseMatch, reverse
from rest_framework.response import Response
from rest_framework.reverse import reverse as api_reverse
from django.utils.translation import gettext, gettext_lazy as _
from rest_framework.routers import APIRootView
from rest_framework.utils import formatting

from .permissions import MethodFirst, TablePermission


class RegistryAPIRoot(MethodFirst, APIRootView):
    """The North Korean enterprise registry's API, version 1.

    Enterprises, the articles that report on them and the coded claims (one per enterprise and
    activity in an article, with a reliability code 1-5), plus the place tree, the industry
    taxonomy and the sources. Read-only for everyone (restricted articles only for signed-in
    users with the permission); coders write articles and claims. Lists are paginated and
    filtered by query parameters; `?format=csv` gives CSV (`&bom=1` for Excel), `?format=xlsx` an
    Excel workbook. The time series counts articles,
    claims or enterprises per period and place; the schema and interactive docs describe
    every parameter."""

    permission_classes = [TablePermission]  # read by everyone: the permission table's "root"
    table_route = "root"

    # The browsable API's heading and description in the reader's language (DRF reads the
    # class name and the docstring, English whatever the language).
    def get_view_name(self):
        return gettext("Registry API root")

    def get_view_description(self, html=False):
        text = str(DESCRIPTION)
        return formatting.markup_description(text) if html else text

    def get(self, request, *args, **kwargs):
        links = super().get(request, *args, **kwargs).data
        for name, label in (("timeseries", "timeseries"), ("method", "method"), ("release-list", "releases")):
            try:  # the releases route is added by another part of the registry, when present
                links[label] = api_reverse(name, request=request, format=kwargs.get("format"))
            except NoReverseMatch:
                pass
        links["schema"] = request.build_absolute_uri(reverse("schema"))
        links["docs"] = request.build_absolute_uri(reverse("docs"))
        return Response(links)


DESCRIPTION = _(
    "The North Korean enterprise registry's API, version 1.\n\n"
    "Enterprises, the articles that report on them and the coded claims (one per enterprise and "
    "activity in an article, with a reliability code 1-5), plus the place tree, the industry "
    "taxonomy and the sources. Read-only for everyone (restricted articles only for signed-in "
    "users with the permission); coders write articles and claims. Lists are paginated and "
    "filtered by query parameters; `?format=csv` gives CSV (`&bom=1` for Excel), `?format=xlsx` an "
    "Excel workbook. The time series counts articles, claims or enterprises per period and place; "
    "the schema and interactive docs describe every parameter."
)
