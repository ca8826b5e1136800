from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("pages.urls")),
]

# API errors are JSON, a server error included (DRF answers only the errors it raises).
handler500 = "api.errors.server_error"
