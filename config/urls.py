from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
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
    # Without a CSRF token: choosing a display language changes no data, and a token would
    # give every public page a cookie, which makes it uncacheable (infra/caching.py).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("", include("pages.urls")),
]

# API errors are JSON, a server error included (DRF answers only the errors it raises).
handler500 = "api.errors.server_error"
