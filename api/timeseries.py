"""/api/v1/timeseries/: the time-series service over HTTP, as JSON, long CSV or Excel.

The parameters are the export command's (registry/series/params.py), spelled with
underscores (max_code, group_by, source_kind); lists follow the query vocabulary's syntax. Anonymous users count public
articles only; a signed-in user with registry.view_restricted counts everything."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers
from rest_framework.response import Response
from rest_framework.views import APIView

from django.utils.translation import gettext as _

from registry.releases import provenance, data as release_data
from registry.series import labels as series_labels, timeseries
from registry import vocabulary
from registry.releases.files import ReleaseError

from .errors import BadQuery, JSONErrors
from .permissions import MethodFirst, TablePermission
from .renderers import CSVRenderer, DTARenderer, Downloads, XLSXRenderer, table_response
from .views import download_parameters


def _parameters():
    """The series' parameters, documented from their one declaration, and the door's own:
    the download's (format, bom) and the release to read instead of the live data."""
    fields = timeseries.SeriesQuestion.base_fields
    documented = [
        OpenApiParameter(name, str, description=str(field.help_text or ""),
                         enum=list(field.allowed) if isinstance(field, vocabulary.OneOfField) else None)
        for name, field in fields.items()
    ]
    return documented + [
        *download_parameters("the long table period,group,value,flag (an empty period's value empty; flag: partial period, read: partly / not recorded)"),
        OpenApiParameter("release", str, description="compute from this release (see /api/v1/releases/) instead of the live data"),
        OpenApiParameter("labels", str, enum=list(LABELS), description="CSV/xlsx: add the groups' slug, name, Hangul and a label in this language (the columns' names stay the same)"),
        OpenApiParameter("layout", str, enum=list(LAYOUTS), description="CSV/xlsx: long (period, group, value; the default) or wide (periods as rows, groups as columns)"),
    ]


LABELS = ("en", "ko")
LAYOUTS = ("long", "wide")


def _table_options(params):
    """(labels, layout) of a table download; a bad value is a 400 naming it."""
    labels, layout = params.get("labels", "").strip(), params.get("layout", "").strip() or "long"
    errors = {}
    if labels and labels not in LABELS:
        errors["labels"] = [_("use en or ko, or leave it out")]
    if layout not in LAYOUTS:
        errors["layout"] = [_("use long or wide, or leave it out")]
    if errors:
        raise BadQuery(errors)
    return labels, layout


class TimeSeriesView(MethodFirst, JSONErrors, Downloads, APIView):
    permission_classes = [TablePermission]
    table_route = "timeseries"
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer, XLSXRenderer, DTARenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Only the series itself is a table (a streamed response); DRF's own answers are JSON.
        if isinstance(response, Response) and getattr(request, "accepted_renderer", None) is not None:
            if request.accepted_renderer.format in vocabulary.DOWNLOAD_FORMATS:
                request.accepted_renderer, request.accepted_media_type = renderers.JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(parameters=_parameters(), responses=OpenApiTypes.OBJECT)
    def get(self, request, format=None):
        release = None
        if request.query_params.get("release"):
            try:
                release = release_data.find(request.query_params["release"])
            except release_data.ReleaseNotFound as error:
                raise BadQuery({"release": [str(error)]}) from None
        try:
            # From a release: the same parsing and counting, reading the release's database.
            with release_data.reading(release):
                query = timeseries.parse_params(request.query_params, also=[*vocabulary.DOWNLOAD_PARAMETERS, "release", "labels", "layout"])
                # A release holds public data only: counted as the public counts it.
                result = timeseries.compute(query, user=None if release else request.user)
        except timeseries.ParameterError as error:
            raise BadQuery(error.errors, error.candidates) from None
        except ReleaseError as error:
            raise BadQuery({"release": [str(error)]}) from None
        stamp = provenance.of_release(release) if release else provenance.live(request.user)
        if self.is_table():
            labels, layout = _table_options(request.query_params)
            if layout == "wide":
                header, *rows = series_labels.wide(result, labels)
            elif labels:
                header, *rows = series_labels.labelled(result, labels)
            else:
                header, *rows = result.table()
            about = None
            if self.download["format"] == "xlsx":
                rows = [(series_labels.period_value(row[0], query.interval), *row[1:]) for row in rows]
                about = series_labels.about(result, stamp, request.build_absolute_uri())
            # At most MAX_PERIODS x MAX_GROUPS rows: sent whole, as before.
            response = table_response(header, rows, filename="timeseries", download=self.download, inline=True, stream=False, about=about)
            # The table has no room for it; a header keeps it next to the numbers.
            response["X-Left-Out"] = "; ".join(f"{g}={n}" for g, n in result.left_out.items())
            response["X-Coverage"] = result.coverage_text()
            response["X-Data-Version"] = provenance.text(stamp)
            response["X-Codebook-Version"] = stamp["codebook_version"]
            return response
        return Response({**result.to_json(), "group_names": series_labels.names(result), "data_version": stamp})
