from django.urls import path

from . import browse, maps, views

urlpatterns = [
    path("", browse.home, name="home"),
    path("compare/", views.compare, name="compare"),
    path("enterprises/", browse.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/", views.enterprise, name="enterprise"),
    path("places/<slug:slug>/", browse.place, name="place"),
    path("method/", browse.method, name="method"),
    path("map/", maps.map_page, name="map"),
]
