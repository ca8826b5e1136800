"""Who may call what through the API: the permission table (registry/access/permissions.py).

Reading needs no permission (what a user sees is narrowed by the querysets' visible_to);
a write needs the model permission the table names, the admin's own. A method the table does
not give a route is a 405 for everyone; a write without the permission is a 401 for an
anonymous caller (so anonymous users never write) and a 403 for a signed-in one.
"""

from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import BasePermission

from registry.access.permissions import api_requirement, satisfied


def requirement(view, method):
    kind = "detail" if getattr(view, "detail", False) else "list"
    return api_requirement(view.table_route, kind, method)


class MethodFirst:
    """An API view mixin: a method the table does not give the route is a 405 before the
    credentials are read, as the table promises ("405 for everyone, before anyone is asked
    who they are"). DRF authenticates first, so a bad token turned `DELETE /api/v1/places/`
    into a 401 (and, with the session checked first, a 403 on /api/v1/timeseries/)."""

    def perform_authentication(self, request):
        if requirement(self, request.method) is None:
            raise MethodNotAllowed(request.method)
        super().perform_authentication(request)


class TablePermission(BasePermission):
    """DRF's permission check, read from the table by the view's `table_route`."""

    def has_permission(self, request, view):
        needed = requirement(view, request.method)
        if needed is None:
            raise MethodNotAllowed(request.method)
        return satisfied(request.user, needed)
