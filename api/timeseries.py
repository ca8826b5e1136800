"""/api/v1/timeseries/: the time-series service over HTTP, as JSON or long CSV.

The parameters are the export command's (registry/series_params.py), spelled with
underscores (max_code, group_by, source_kind); lists follow the query vocabulary's syntax. Anonymous users count public
articles only; a signed-in user with registry.view_restricted counts everything."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import timeseries, vocabulary

from .errors import BadQuery, JSONErrors
from .permissions import TablePermission


class CSVRenderer(renderers.BaseRenderer):
    """Lets DRF accept ?format=csv. The view writes the CSV itself; anything else DRF
    answers (errors, OPTIONS) is sent as JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


def _parameters():
    """The series' parameters, documented from their one declaration."""
    fields = timeseries.SeriesQuestion.base_fields
    documented = [
        OpenApiParameter(name, str, description=str(field.help_text or ""),
                         enum=list(field.allowed) if isinstance(field, vocabulary.OneOfField) else None)
        for name, field in fields.items()
    ]
    return documented + [OpenApiParameter("format", str, enum=["json", "csv"], description="csv: long format period,group,value")]


class TimeSeriesView(JSONErrors, APIView):
    permission_classes = [TablePermission]
    table_route = "timeseries"
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Only the series itself is CSV (an HttpResponse); DRF's own answers are JSON.
        if isinstance(response, Response) and getattr(request, "accepted_renderer", None) is not None:
            if request.accepted_renderer.format == "csv":
                request.accepted_renderer, request.accepted_media_type = renderers.JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(parameters=_parameters(), responses=OpenApiTypes.OBJECT)
    def get(self, request, format=None):
        try:
            query = timeseries.parse_params(request.query_params, also=["format"])
            result = timeseries.compute(query, user=request.user)
        except timeseries.ParameterError as error:
            raise BadQuery(error.errors, error.candidates) from None
        if request.accepted_renderer.format == "csv":
            response = HttpResponse(result.to_csv(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'inline; filename="timeseries.csv"'
            # The CSV has no room for it; a header keeps it next to the numbers.
            response["X-Left-Out"] = "; ".join(f"{g}={n}" for g, n in result.left_out.items())
            return response
        return Response(result.to_json())
