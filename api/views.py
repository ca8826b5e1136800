"""The API's viewsets: thin. Querysets come from registry (`for_api(user)`), filters from
filters.py, facets from facets.py; a list answers JSON pages or, with `format=csv`, the
whole filtered result as a stream (`format=xlsx`: an Excel workbook)."""

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from infra import locking
from registry import vocabulary
from registry.access.permissions import satisfied
from infra.locking import VersionConflict
from registry.models import Article, AttributePeriod, Claim, Enterprise, EnterpriseAlias, Industry, Location, LocationName, Source

from registry.vocabulary import facets, filters
from api import serializers, versions
from .errors import BadQuery, JSONErrors
from .pagination import Pagination
from .permissions import MethodFirst, TablePermission, requirement
from .renderers import CSVRenderer, DTARenderer, Downloads, XLSXRenderer, stream_table
from .rows import FlatRows
from .schema import RegistrySchema


class FilterBackend(DjangoFilterBackend):
    """django-filter over the query vocabulary, with errors a researcher can act on: every
    bad or unknown parameter named, and for an unknown place the nearest candidates as data.
    The claim filters given are kept on the view, for the facets to count under them."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        unknown = vocabulary.unknown_errors(request.query_params, filterset.accepted())
        if not filterset.is_valid() or unknown:
            errors = {name: [str(m) for m in messages] for name, messages in filterset.form.errors.items()}
            raise BadQuery({**errors, **unknown}, vocabulary.error_candidates(filterset.form))
        view.claim_selection = filterset.claim_selection()
        return filterset.qs


def download_parameters(whole="the whole filtered list (not one page)"):
    """`format` and `bom`, documented from their one declaration (registry/vocabulary)."""
    fields = vocabulary.DownloadQuestion.base_fields
    return [
        OpenApiParameter(
            "format", OpenApiTypes.STR, enum=[f for f in fields["format"].allowed if f != "api"],
            description=f"csv, xlsx or dta: {whole}. " + str(fields["format"].help_text),
        ),
        OpenApiParameter("bom", OpenApiTypes.BOOL, description=str(fields["bom"].help_text)),
    ]


def _list_parameters(model):
    return [
        *download_parameters(),
        OpenApiParameter(
            "facets", OpenApiTypes.STR,
            description="Comma-separated facets to count over the filtered list: " + ", ".join(facets.available(model)),
        ),
    ]


class RegistryViewSet(MethodFirst, JSONErrors, Downloads, viewsets.GenericViewSet):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer, XLSXRenderer, DTARenderer]
    pagination_class = Pagination
    filter_backends = [FilterBackend]
    # Who may call which method: registry/access/permissions.py API[table_route].
    permission_classes = [TablePermission]
    table_route = None
    schema = RegistrySchema()
    list_serializer_class = None
    detail_serializer_class = None
    model = None
    claim_selection = {}

    def get_queryset(self):
        # Every read starts from what the user may see; viewsets with more to join extend it.
        return self.model.objects.visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return self.list_serializer_class
        return self.detail_serializer_class

    def list(self, request, *args, **kwargs):
        try:
            wanted = facets.parse(self.model, request.query_params.get("facets")) if self.action == "list" else []
        except facets.FacetError as error:
            raise BadQuery(error.errors) from None
        queryset = self.filter_queryset(self.get_queryset())
        if self.is_table():
            return stream_table(queryset, self.list_serializer_class, self.basename, self.download)
        serializer = self.get_serializer(many=True)
        flat = FlatRows.of(serializer.child)
        # Facets first: grouped over the list's own rows they tell how many it has, and the
        # paginator then asks no COUNT.
        found, total = (
            facets.compute_with_total(self.model, queryset, wanted, request.user, self.claim_selection)
            if wanted else (None, None)
        )
        if flat is not None:
            rows = self.paginator.paginate_queryset(flat.queryset(queryset), request, view=self, counted=queryset, total=total)
            data = flat.represent(rows)
        else:
            data = self.get_serializer(self.paginator.paginate_queryset(queryset, request, view=self, total=total), many=True).data
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


class ETagMixin:
    """Detail answers to signed-in users carry an ETag: the version a PUT/PATCH must name
    (api/versions.py). Anonymous readers get the public answer's ETag (registry/caching.py):
    the record's version moves on drafts and internal notes they may not watch."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        headers = {"ETag": versions.etag(instance)} if request.user.is_authenticated else {}
        return Response(self.get_serializer(instance).data, headers=headers)


class VersionedUpdateMixin(ETagMixin):
    """PUT/PATCH must name the version they change, and a stale one writes nothing (see
    api/versions.py and infra/locking.py). Only the viewsets whose rows the API may change
    take this in: a route without `update` cannot be written however it is asked."""

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
            # Who changed it and when only for those who may change it themselves.
            reveal = satisfied(request.user, requirement(self, "PATCH"))
            raise versions.stale(conflict, via_header, reveal=reveal) from None
        return Response(serializer.data, headers={"ETag": versions.etag(instance)})


@_schema(Enterprise, "enterprises")
class EnterpriseViewSet(ETagMixin, mixins.RetrieveModelMixin, RegistryViewSet):
    """Enterprises, with the evidence (claims) you may see. Detail adds aliases, parent
    complex, affiliated units, place with its ancestors and an evidence summary."""

    model = Enterprise
    table_route = "enterprises"
    list_serializer_class = serializers.EnterpriseListSerializer
    detail_serializer_class = serializers.EnterpriseDetailSerializer
    filterset_class = filters.EnterpriseFilter

    def get_queryset(self):
        queryset = Enterprise.objects.for_api(self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("aliases", queryset=EnterpriseAlias.objects.visible_to(self.request.user)),
                Prefetch("units", queryset=Enterprise.objects.visible_to(self.request.user), to_attr="visible_units"),
                Prefetch("periods", queryset=AttributePeriod.objects.for_api(self.request.user), to_attr="visible_periods"),
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
    VersionedUpdateMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, RegistryViewSet
):
    """Coded articles. Anonymous users see public articles and their public fields only.
    Coders (add/change article permission) create and change them; only reviewers may
    mark one reviewed."""

    model = Article
    table_route = "articles"
    list_serializer_class = serializers.ArticleListSerializer
    detail_serializer_class = serializers.ArticleSerializer
    filterset_class = filters.ArticleFilter

    def get_queryset(self):
        queryset = Article.objects.for_api(self.request.user)
        if self.action != "list":
            queryset = queryset.select_related("coded_by", "reviewed_by").prefetch_related(
                Prefetch("claims", queryset=Claim.objects.visible_to(self.request.user).select_related("enterprise"))
            )
        return queryset


@_schema(Claim, "claims")
class ClaimViewSet(
    mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, RegistryViewSet
):
    """Coded claims: one article says one enterprise did something, with a reliability
    code 1–5. Coders (add/change claim permission) create and change them."""

    model = Claim
    table_route = "claims"
    list_serializer_class = serializers.ClaimSerializer
    detail_serializer_class = serializers.ClaimSerializer
    filterset_class = filters.ClaimFilter

    def get_queryset(self):
        return Claim.objects.for_api(self.request.user)


@extend_schema_view(
    list=extend_schema(parameters=_list_parameters(Location)[:2], summary="List places"),
    retrieve=extend_schema(summary="One place"),
)
class PlaceViewSet(mixins.RetrieveModelMixin, RegistryViewSet):
    """North Korea's administrative divisions. Detail adds ancestors and every spelling."""

    model = Location
    lookup_field = "slug"
    table_route = "places"
    list_serializer_class = serializers.PlaceSerializer
    detail_serializer_class = serializers.PlaceDetailSerializer
    filterset_class = filters.PlaceFilter

    def get_queryset(self):
        queryset = super().get_queryset().select_related("parent")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(Prefetch("names", queryset=LocationName.objects.visible_to(self.request.user)))
        return queryset

    def get_object(self):
        place = super().get_object()
        place.api_ancestors = place.ancestors()
        return place


@extend_schema_view(
    list=extend_schema(parameters=_list_parameters(Industry)[:2], summary="List industries"),
    retrieve=extend_schema(summary="One industry"),
)
class IndustryViewSet(mixins.RetrieveModelMixin, RegistryViewSet):
    """The two-level industry taxonomy with ISIC Rev.4 divisions."""

    model = Industry
    lookup_field = "slug"
    table_route = "industries"
    list_serializer_class = detail_serializer_class = serializers.IndustrySerializer
    filterset_class = filters.IndustryFilter

    def get_queryset(self):
        return super().get_queryset().select_related("parent")


@extend_schema_view(
    list=extend_schema(parameters=_list_parameters(Source)[:2], summary="List sources"),
    retrieve=extend_schema(summary="One source"),
)
class SourceViewSet(mixins.RetrieveModelMixin, RegistryViewSet):
    """Publications, each with its own reliability grade A–F (the Admiralty scale)."""

    model = Source
    table_route = "sources"
    list_serializer_class = detail_serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilter
