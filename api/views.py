"""The API's viewsets: thin. Querysets come from registry (`for_api(user)`), filters from
filters.py, facets from facets.py; a list answers JSON pages or, with `format=csv`, the
whole filtered result as a stream."""

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from registry import locking
from registry.locking import VersionConflict
from registry.models import Article, Claim, Enterprise, Industry, Location, Source

from . import facets, filters, serializers, versions
from .errors import BadQuery, JSONErrors
from .pagination import Pagination
from .permissions import ModelPermissionsOrReadOnly, ReadOnlyRoutes
from .renderers import CSVRenderer, stream_csv
from .schema import RegistrySchema


class FilterBackend(DjangoFilterBackend):
    """django-filter, with errors a researcher can act on: every bad parameter named, and
    for an unknown place the nearest candidates as data."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            errors = {name: [str(m) for m in messages] for name, messages in filterset.form.errors.items()}
            candidates = {
                name: error.candidates
                for name, error_list in filterset.form.errors.as_data().items()
                for error in error_list
                if isinstance(error, filters.CandidatesError)
            }
            raise BadQuery(errors, candidates)
        return filterset.qs


def _list_parameters(model):
    return [
        OpenApiParameter(
            "format", OpenApiTypes.STR, enum=["json", "csv"],
            description="csv: the whole filtered list (not one page) as CSV, same columns as the JSON rows.",
        ),
        OpenApiParameter(
            "facets", OpenApiTypes.STR,
            description="Comma-separated facets to count over the filtered list: " + ", ".join(facets.available(model)),
        ),
    ]


class RegistryViewSet(JSONErrors, viewsets.GenericViewSet):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    pagination_class = Pagination
    filter_backends = [FilterBackend]
    # Token first: a bad or revoked token is then a 401 with `WWW-Authenticate: Token`.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [ModelPermissionsOrReadOnly]
    schema = RegistrySchema()
    list_serializer_class = None
    detail_serializer_class = None
    model = None

    def get_serializer_class(self):
        if self.action == "list":
            return self.list_serializer_class
        return self.detail_serializer_class

    def list(self, request, *args, **kwargs):
        wanted = facets.parse(self.model, request.query_params.get("facets")) if self.action == "list" else []
        queryset = self.filter_queryset(self.get_queryset())
        if request.accepted_renderer.format == "csv":
            return stream_csv(queryset, self.list_serializer_class, self.basename)
        page = self.paginate_queryset(queryset)
        data = self.get_serializer(page, many=True).data
        found = facets.compute(self.model, queryset, wanted, request.user) if wanted else None
        return self.paginator.get_paginated_response(data, facets=found)


def _schema(model, name, writable=False):
    one = name.rstrip("s")
    views = {
        "list": extend_schema(parameters=_list_parameters(model), summary=f"List {name}"),
        "retrieve": extend_schema(summary=f"One {one}", parameters=[versions.ETAG]),
    }
    if writable:
        for action, verb in (("update", "Replace"), ("partial_update", "Change")):
            views[action] = extend_schema(
                summary=f"{verb} {one} (send the version you read: If-Match or `version`)",
                parameters=[versions.IF_MATCH, versions.ETAG],
            )
    return extend_schema_view(**views)


class VersionedMixin:
    """Detail answers carry an ETag; PUT/PATCH must name the version they change, and a stale
    one writes nothing (see api/versions.py and registry/locking.py)."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return Response(self.get_serializer(instance).data, headers={"ETag": versions.etag(instance)})

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        expected, via_header = versions.expected_version(request)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        try:
            if instance.version != expected:
                raise locking.conflict(instance, expected)
            serializer.is_valid(raise_exception=True)
            serializer.save(version=expected)
        except VersionConflict as conflict:
            raise versions.stale(conflict, via_header) from None
        return Response(serializer.data, headers={"ETag": versions.etag(instance)})


@_schema(Enterprise, "enterprises")
class EnterpriseViewSet(VersionedMixin, mixins.RetrieveModelMixin, RegistryViewSet):
    """Enterprises, with the evidence (claims) you may see. Detail adds aliases, parent
    complex, affiliated units, place with its ancestors and an evidence summary."""

    model = Enterprise
    permission_classes = [ReadOnlyRoutes]
    list_serializer_class = serializers.EnterpriseListSerializer
    detail_serializer_class = serializers.EnterpriseDetailSerializer
    filterset_class = filters.EnterpriseFilter

    def get_queryset(self):
        queryset = Enterprise.objects.for_api(self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "aliases",
                Prefetch("units", queryset=Enterprise.objects.visible_to(self.request.user), to_attr="visible_units"),
            )
        return queryset

    def get_object(self):
        enterprise = super().get_object()
        user = self.request.user
        enterprise.visible_parent = enterprise.parent if enterprise.visible_parent_id else None
        if enterprise.location is not None:
            enterprise.location.api_ancestors = enterprise.location.ancestors()
        rows = list(Claim.objects.visible_to(user).filter(enterprise=enterprise).evidence_summary())
        enterprise.evidence = {
            "claim_count": enterprise.claim_count,
            "first_seen": enterprise.first_seen,
            "first_seen_precision": enterprise.first_seen_precision,
            "last_seen": enterprise.last_seen,
            "last_seen_precision": enterprise.last_seen_precision,
            "by_activity_and_code": rows,
        }
        return enterprise


@_schema(Article, "articles", writable=True)
class ArticleViewSet(
    VersionedMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, RegistryViewSet
):
    """Coded articles. Anonymous users see public articles and their public fields only.
    Coders (add/change article permission) create and change them; only reviewers may
    mark one reviewed."""

    model = Article
    list_serializer_class = serializers.ArticleListSerializer
    detail_serializer_class = serializers.ArticleSerializer
    filterset_class = filters.ArticleFilter

    def get_queryset(self):
        queryset = Article.objects.for_api(self.request.user)
        if self.action != "list":
            queryset = queryset.select_related("coded_by", "reviewed_by").prefetch_related(
                Prefetch("claims", queryset=Claim.objects.select_related("enterprise"))
            )
        return queryset


@_schema(Claim, "claims")
class ClaimViewSet(
    mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, RegistryViewSet
):
    """Coded claims: one article says one enterprise did something, with a reliability
    code 1–5. Coders (add/change claim permission) create and change them."""

    model = Claim
    list_serializer_class = serializers.ClaimSerializer
    detail_serializer_class = serializers.ClaimSerializer
    filterset_class = filters.ClaimFilter

    def get_queryset(self):
        return Claim.objects.for_api(self.request.user)


@extend_schema_view(
    list=extend_schema(parameters=_list_parameters(Location)[:1], summary="List places"),
    retrieve=extend_schema(summary="One place"),
)
class PlaceViewSet(mixins.RetrieveModelMixin, RegistryViewSet):
    """North Korea's administrative divisions. Detail adds ancestors and every spelling."""

    model = Location
    lookup_field = "slug"
    permission_classes = [ReadOnlyRoutes]
    list_serializer_class = serializers.PlaceSerializer
    detail_serializer_class = serializers.PlaceDetailSerializer
    filterset_class = filters.PlaceFilter

    def get_queryset(self):
        queryset = Location.objects.select_related("parent")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("names")
        return queryset

    def get_object(self):
        place = super().get_object()
        place.api_ancestors = place.ancestors()
        return place


@extend_schema_view(
    list=extend_schema(parameters=_list_parameters(Industry)[:1], summary="List industries"),
    retrieve=extend_schema(summary="One industry"),
)
class IndustryViewSet(mixins.RetrieveModelMixin, RegistryViewSet):
    """The two-level industry taxonomy with ISIC Rev.4 divisions."""

    model = Industry
    lookup_field = "slug"
    permission_classes = [ReadOnlyRoutes]
    list_serializer_class = detail_serializer_class = serializers.IndustrySerializer
    filterset_class = filters.IndustryFilter

    def get_queryset(self):
        return Industry.objects.select_related("parent")


@extend_schema_view(
    list=extend_schema(parameters=_list_parameters(Source)[:1], summary="List sources"),
    retrieve=extend_schema(summary="One source"),
)
class SourceViewSet(mixins.RetrieveModelMixin, RegistryViewSet):
    """Publications, each with its own reliability grade A–F (the Admiralty scale)."""

    model = Source
    permission_classes = [ReadOnlyRoutes]
    list_serializer_class = detail_serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilter

    def get_queryset(self):
        return Source.objects.all()
