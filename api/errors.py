"""Errors a researcher can act on: JSON with a one-line `detail` and, per query
parameter, what is wrong with it."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer

from registry.vocabulary import DOWNLOAD_FORMATS


class JSONErrors:
    """A view mixin: errors are JSON whatever format was asked for (?format=csv or xlsx too),
    so a script reading CSV gets a message it can show, not a CSV of one odd row."""

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and getattr(request, "accepted_renderer", None) is not None:
            if request.accepted_renderer.format in DOWNLOAD_FORMATS:
                request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class BadQuery(APIException):
    status_code = 400
    default_code = "invalid_query"

    def __init__(self, errors, candidates=None):
        super().__init__(_bad_query_body(errors, candidates))


def _bad_query_body(errors, candidates=None):
    summary = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
    body = {"detail": _("Bad query parameter — %(summary)s") % {"summary": summary}, "errors": errors}
    if candidates:
        body["candidates"] = candidates
    return body


def bad_query_response(errors):
    """BadQuery's answer where DRF does not run (config/middleware.py refuses some queries
    before any view)."""
    return JsonResponse(_bad_query_body(errors), status=400)


@csrf_exempt  # a PATCH to a wrong address is a 404, not the CSRF middleware's HTML 403
def not_found(request, *args, **kwargs):
    """Any /api/ address no route matches (e.g. /api/v1/articles/1.5/): JSON, not Django's
    HTML page, so a client never has to parse HTML."""
    return JsonResponse(
        {"detail": _("No such address: %(path)s. The routes are listed at /api/v1/ and documented at /api/docs/.") % {"path": request.path}},
        status=404,
    )


def server_error(request, *args, **kwargs):
    """handler500: under /api/ a JSON body, like every other API error, whatever DEBUG says;
    elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Server error: the request failed on our side and has been logged.")}, status=500)
    return defaults.server_error(request, *args, **kwargs)


def exception_handler(exc, context):
    """DRF's handler, but a missing object's 404 in the request's language: DRF hands on
    Django's untranslated "No Enterprise matches the given query." as the detail."""
    from django.http import Http404
    from rest_framework import exceptions
    from rest_framework.views import exception_handler as drf_handler

    if isinstance(exc, Http404):
        view = context.get("view")
        model = getattr(getattr(view, "queryset", None), "model", None)
        thing = model._meta.verbose_name if model is not None else _("record")
        exc = exceptions.NotFound(_("No %(thing)s with this id (or none you may see).") % {"thing": thing})
    return drf_handler(exc, context)
