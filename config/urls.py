from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

# The admin's "View site" leads to the public home page (pages.views.home).
admin.site.site_url = "/"
# The workbench names itself in the reader's language (Django's own strings are translated by Django).
admin.site.site_header = _("North Korean enterprise registry")
admin.site.site_title = _("Enterprise registry")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    # The language switcher on every page and in the admin posts to Django's set_language.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("pages.urls")),
]

# API errors are JSON, a server error included (DRF answers only the errors it raises).
handler500 = "api.errors.server_error"
