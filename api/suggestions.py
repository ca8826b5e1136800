"""POST /api/v1/suggestions/: the proposed claims of one article (registry/articles/proposals.py),
the same as `manage.py suggest_claims` gives for its line. Coders only (the permission
table: registry.add_claim)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.articles.proposals import BadRequest, suggest

from .errors import BadQuery, JSONErrors
from .permissions import MethodFirst, TablePermission


class SuggestionsView(MethodFirst, JSONErrors, APIView):
    # As the other views: a token first, so a caller without one is told so (401).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [TablePermission]
    table_route = "suggestions"

    @extend_schema(
        request={"application/json": {"type": "object", "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "text": {"type": "string"}}}},
        responses={200: OpenApiTypes.OBJECT},
        description="The claims the registry proposes for an article's title and text (English or Korean).",
    )
    def post(self, request, format=None):
        try:
            return Response(suggest(request.data))
        except BadRequest as error:
            raise BadQuery(error.errors) from None
