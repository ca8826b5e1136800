"""/api/v1/timeseries/: the time-series service over HTTP, as JSON or long CSV.

The parameters are the export command's, spelled with underscores (max_code, group_by,
source_kind); lists are comma-separated or repeated. Anonymous users count public
articles only; a signed-in user with registry.view_restricted counts everything."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import provenance, release_data, timeseries
from registry.releases import ReleaseError

from .errors import BadQuery, JSONErrors


class CSVRenderer(renderers.BaseRenderer):
    """Lets DRF accept ?format=csv. The view writes the CSV itself; anything else DRF
    answers (errors, OPTIONS) is sent as JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


_PARAMETERS = [
    OpenApiParameter("metric", str, enum=list(timeseries.METRICS), description="what is counted; default articles"),
    OpenApiParameter("activity", str, description="groups (investment, production, technology, other) and activity slugs, comma-separated; default all"),
    OpenApiParameter("regions", str, description="places in any spelling, comma-separated (';' if a name carries its parent); each counts everything inside it"),
    OpenApiParameter("group_by", str, enum=list(timeseries.GROUP_BYS), description="instead of regions: all first-level regions, top-level industries, grades or tiers"),
    OpenApiParameter("interval", str, enum=list(timeseries.INTERVALS), description="default year"),
    OpenApiParameter("start", str, description="YYYY, YYYY-MM or YYYY-MM-DD"),
    OpenApiParameter("end", str, description="YYYY, YYYY-MM or YYYY-MM-DD; a partial date means its last day"),
    OpenApiParameter("max_code", int, description="count codes 1 to N only"),
    OpenApiParameter("source_kind", str), OpenApiParameter("grade", str), OpenApiParameter("tier", str),
    OpenApiParameter("industry", str, description="names, slugs or ISIC divisions; each with its sub-industries"),
    OpenApiParameter("status", str, description="draft, coded, reviewed"),
    OpenApiParameter("bands", bool, description="each group at maximum code 1 to 5 side by side"),
    OpenApiParameter("format", str, enum=["json", "csv"], description="csv: long format period,group,value"),
    OpenApiParameter("release", str, description="compute from this release (see /api/v1/releases/) instead of the live data"),
]


class TimeSeriesView(JSONErrors, APIView):
    permission_classes = [AllowAny]
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Only the series itself is CSV (an HttpResponse); DRF's own answers are JSON.
        if isinstance(response, Response) and getattr(request, "accepted_renderer", None) is not None:
            if request.accepted_renderer.format == "csv":
                request.accepted_renderer, request.accepted_media_type = renderers.JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(parameters=_PARAMETERS, responses=OpenApiTypes.OBJECT)
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
                query = timeseries.parse_params(request.query_params)
                # A release holds public data only: counted as the public counts it.
                result = timeseries.compute(query, user=None if release else request.user)
        except timeseries.ParameterError as error:
            raise BadQuery({error.param: [error.message]}) from None
        except ReleaseError as error:
            raise BadQuery({"release": [str(error)]}) from None
        stamp = provenance.of_release(release) if release else provenance.live(request.user)
        if request.accepted_renderer.format == "csv":
            response = HttpResponse(result.to_csv(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'inline; filename="timeseries.csv"'
            # The CSV has no room for it; a header keeps it next to the numbers.
            response["X-Left-Out"] = "; ".join(f"{g}={n}" for g, n in result.left_out.items())
            response["X-Data-Version"] = provenance.text(stamp)
            response["X-Codebook-Version"] = stamp["codebook_version"]
            return response
        return Response({**result.to_json(), "data_version": stamp})
