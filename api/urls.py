"""The researchers' API, versioned: /api/v1/… ; schema at /api/schema/, docs at /api/docs/."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import APIRootView, DefaultRouter

from .suggestions import SuggestionsView
from .timeseries import TimeSeriesView
from .method import MethodView
from . import views
from .releases import ReleaseViewSet
from .errors import not_found
from .root import RegistryAPIRoot


class DocsView(SpectacularSwaggerView):
    """Swagger UI: a page to read (OPTIONS made its HTML renderer fail with a 500)."""

    http_method_names = ["get", "head"]


router = DefaultRouter()
router.APIRootView = RegistryAPIRoot
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("articles", views.ArticleViewSet, basename="article")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("places", views.PlaceViewSet, basename="place")
router.register("industries", views.IndustryViewSet, basename="industry")
router.register("sources", views.SourceViewSet, basename="source")
router.register("releases", ReleaseViewSet, basename="release")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="schema"), name="docs"),
    path("v1/timeseries/", TimeSeriesView.as_view(), name="timeseries"),
    path("v1/method/", MethodView.as_view(), name="api-method"),
    path("v1/suggestions/", SuggestionsView.as_view(), name="suggestions"),
    re_path(r"^[\s\S]*$", not_found),  # [\s\S], not ".": a newline in the path is still the API's JSON 404
]
