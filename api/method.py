"""/api/v1/method/: the method document — the counting rules (registry/method/rules.py) and the
codebook (registry/method/codebook.py), as the /method/ page tells them, for a program to read."""

from drf_spectacular.utils import extend_schema
from rest_framework import renderers
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.method import codebook, rules as method_rules

from .errors import JSONErrors
from .permissions import MethodFirst, TablePermission


class MethodView(MethodFirst, JSONErrors, APIView):
    """The counting rules, each with its id, English and Korean sentence, worked example and the
    test that computes it; and the codebook, in English."""

    permission_classes = [TablePermission]
    table_route = "method"
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer]

    @extend_schema(responses={200: dict})
    def get(self, request, format=None):
        return Response({
            "codebook_version": codebook.CODEBOOK_VERSION,
            "rules": method_rules.as_data(),
            "codebook": [
                {"scheme": scheme, "value": value, "label": label, "definition": definition, "member_of": member_of}
                for scheme, value, label, definition, member_of in codebook.codebook_rows_english()
            ],
        })
