from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("compare/", views.compare, name="compare"),
    path("enterprises/<int:pk>/", views.enterprise, name="enterprise"),
]
