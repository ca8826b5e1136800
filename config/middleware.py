"""Requests refused at the door, before any view or query runs.

A NUL character (\\x00, `%00` in a URL) cannot be stored in a PostgreSQL text value: a query
naming one fails inside the database driver, a 500, wherever it comes from (a slug in the
path, `?release=`, an admin list filter, the autocomplete's `term`). SQLite would answer the
same request with "not found". No address or parameter here may hold one, so one check in
front of every door answers both databases alike: a path with NUL is a 404, a query string
with NUL a 400 naming the parameter (JSON under /api/, like every API error). Form fields
refuse NUL too (Django's ProhibitNullCharactersValidator); this covers the values no form
reads."""

from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, HttpResponseBadRequest
from django.utils.translation import gettext as _

from api.errors import bad_query_response, not_found

NUL = "\x00"


class RefuseNulCharacters:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path_info.startswith("/api/")
        if NUL in request.path_info:
            if api:
                return not_found(request)
            raise Http404("no address holds a NUL character")  # the site's own 404 page
        named = [name for name, values in request.GET.lists() if NUL in name or any(NUL in v for v in values)]
        if named:
            message = str(ProhibitNullCharactersValidator.message)
            errors = {name.replace(NUL, "\\x00"): [message] for name in named}
            if api:
                return bad_query_response(errors)
            summary = "; ".join(f"{name}: {message}" for name in errors)
            return HttpResponseBadRequest(
                _("Bad query parameter — %(summary)s") % {"summary": summary}, content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
