"""Who may do what through the API: the admin's model permissions, reading for everyone.

Reading needs no permission (what a user sees is narrowed by the querysets' visible_to);
creating and changing articles and claims needs the same `add_`/`change_` permissions as
the admin. Who may mark an article reviewed is registry.roles.may_review, checked in
the serializer where the new status is known.
"""

from rest_framework.permissions import AllowAny, DjangoModelPermissionsOrAnonReadOnly


class ModelPermissionsOrReadOnly(DjangoModelPermissionsOrAnonReadOnly):
    """GET for everyone; POST/PUT/PATCH with the model's add/change permission."""


class ReadOnlyRoutes(AllowAny):
    """For viewsets whose routes only read (enterprises, places, industries, sources):
    a write is a 405 from the router, not a 403."""
