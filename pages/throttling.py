"""The public pages are throttled like the API: the same anonymous rate
(API_ANON_THROTTLE_RATE), counted per client address, and refused with a 429 naming the
wait. A page is costlier than an API call (it draws a chart), never cheaper."""

from functools import wraps

from django.http import HttpResponse
from django.utils.translation import gettext as _

from infra.throttling import AnonThrottle
from registry import vocabulary


class PageThrottle(AnonThrottle):
    scope = "pages"


def throttled(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        throttle = PageThrottle()
        if not throttle.allow_request(request, None):
            wait = int(throttle.wait() or 1)
            response = HttpResponse(
                _("Too many requests: try again in %(wait)s seconds.") % {"wait": wait} + "\n", status=429, content_type="text/plain; charset=utf-8"
            )
            response["Retry-After"] = str(wait)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def without_parameters(view):
    """A page that takes no query parameters: one sent is a 400 naming it, as on the API."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        unknown = vocabulary.unknown_errors(request.GET, ())
        if unknown:
            text = "; ".join(f"{name}: {' '.join(m)}" for name, m in unknown.items())
            return HttpResponse(_("Bad query parameter — %(summary)s") % {"summary": text} + "\n", status=400, content_type="text/plain; charset=utf-8")
        return view(request, *args, **kwargs)

    return wrapper
