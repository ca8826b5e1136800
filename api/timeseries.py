"""/api/v1/timeseries/: the time-series service over HTTP, as JSON, long CSV or Excel.

The parameters are the export command's (registry/series_params.py), spelled with
underscores (max_code, group_by, source_kind); lists follow the query vocabulary's syntax. Anonymous users count public
articles only; a signed-in user with registry.view_restricted counts everything."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import provenance, release_data, timeseries, vocabulary
from registry.releases import ReleaseError

from .errors import BadQuery, JSONErrors
from .permissions import MethodFirst, TablePermission
from .renderers import CSVRenderer, Downloads, XLSXRenderer, table_response
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
        *download_parameters("the long table period,group,value (an unread period's value empty)"),
        OpenApiParameter("release", str, description="compute from this release (see /api/v1/releases/) instead of the live data"),
    ]


class TimeSeriesView(MethodFirst, JSONErrors, Downloads, APIView):
    permission_classes = [TablePermission]
    table_route = "timeseries"
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]

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
                query = timeseries.parse_params(request.query_params, also=[*vocabulary.DOWNLOAD_PARAMETERS, "release"])
                # A release holds public data only: counted as the public counts it.
                result = timeseries.compute(query, user=None if release else request.user)
        except timeseries.ParameterError as error:
            raise BadQuery(error.errors, error.candidates) from None
        except ReleaseError as error:
            raise BadQuery({"release": [str(error)]}) from None
        stamp = provenance.of_release(release) if release else provenance.live(request.user)
        if self.is_table():
            header, *rows = result.table()
            # At most MAX_PERIODS x MAX_GROUPS rows: sent whole, as before.
            response = table_response(header, rows, filename="timeseries", download=self.download, inline=True, stream=False)
            # The table has no room for it; a header keeps it next to the numbers.
            response["X-Left-Out"] = "; ".join(f"{g}={n}" for g, n in result.left_out.items())
            response["X-Coverage"] = result.coverage_text()
            response["X-Data-Version"] = provenance.text(stamp)
            response["X-Codebook-Version"] = stamp["codebook_version"]
            return response
        return Response({**result.to_json(), "data_version": stamp})
