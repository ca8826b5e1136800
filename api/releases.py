"""/api/v1/releases/: the citable releases (registry/releases/make.py), listed and downloadable
by anyone. A download is the release's one zip, byte for byte the file whose SHA-256 the
list gives (`zip_sha256`); inside it, MANIFEST lists every file's SHA-256 and its own
SHA-256 is the release's `checksum`."""

import base64

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from registry.models import Release
from registry.releases.describe import citation
from registry.releases.files import zip_path

from .errors import JSONErrors
from .pagination import Pagination
from .permissions import MethodFirst, TablePermission


class ReleaseSerializer(serializers.ModelSerializer):
    citation = serializers.SerializerMethodField(help_text="How to cite it, in one line")
    download = serializers.HyperlinkedIdentityField(
        view_name="release-download", lookup_field="name", help_text="The release as one zip"
    )

    class Meta:
        model = Release
        fields = [
            "name", "title", "notes", "created_at", "codebook_version", "counts", "checksum",
            "zip_sha256", "zip_size", "citation", "download",
        ]

    def get_citation(self, release) -> str:
        return citation(release)


@extend_schema_view(list=extend_schema(summary="List releases"), retrieve=extend_schema(summary="One release"))
class ReleaseViewSet(MethodFirst, JSONErrors, viewsets.ReadOnlyModelViewSet):
    queryset = Release.objects.order_by("-created_at", "-id")
    serializer_class = ReleaseSerializer
    lookup_field = "name"
    lookup_value_regex = r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}"
    pagination_class = Pagination
    permission_classes = [TablePermission]
    table_route = "releases"

    @extend_schema(summary="Download a release (zip)", responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request, name=None):
        release = self.get_object()
        try:
            archive = open(zip_path(release.name), "rb")
        except FileNotFoundError:
            raise Http404(_("the files of release %(name)s are not on this server") % {"name": release.name}) from None
        response = FileResponse(archive, as_attachment=True, filename=f"{release.name}.zip", content_type="application/zip")
        response["Digest"] = "sha-256=" + base64.b64encode(bytes.fromhex(release.zip_sha256)).decode()
        response["X-Checksum-SHA256"] = release.zip_sha256
        return response
