"""The researchers' API, versioned: /api/v1/… ; schema at /api/schema/, docs at /api/docs/."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from .timeseries import TimeSeriesView
from . import views
from .releases import ReleaseViewSet
from .errors import not_found

router = DefaultRouter()
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
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("v1/timeseries/", TimeSeriesView.as_view(), name="timeseries"),
    re_path(r"^.*$", not_found),
]
