"""Optimistic locking over HTTP (infra/locking.py does the locking itself).

A detail GET answers an `ETag: "v<version>"`. A PUT or PATCH must say which version it
changes: `If-Match: "v<version>"` (the ETag as read), or `version` in the body. If the record
has moved on since, nothing is written: 412 Precondition Failed for a stale If-Match, 409
Conflict for a stale body version, each with a JSON message naming who changed it and when.
Without either: 428 Precondition Required.
"""

import re

from django.utils.translation import gettext, gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

from infra.locking import VersionConflict

_TAG = re.compile(r'^"v(\d{1,9})"$')


def etag(instance):
    return f'"v{instance.version}"'


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "version_required"
    default_detail = _(
        "Say which version you are changing: send `If-Match` with the ETag of your GET, "
        "or `version` in the body, so that nobody's change is overwritten unseen."
    )


class Stale(APIException):
    """409 (stale body version) or 412 (stale If-Match), with who changed the record and when."""

    default_code = "stale_version"

    def __init__(self, conflict, status_code, reveal):
        self.status_code = status_code
        message = conflict.message(reveal=reveal)
        super().__init__(message)
        # Set after __init__, which would turn every value into a string. Who and when only
        # for a caller who may change the record: to anyone else they are nobody's business.
        self.detail = {"detail": message, "current_version": conflict.current}
        if reveal:
            self.detail["changed_by"] = conflict.changed_by
            self.detail["changed_at"] = conflict.changed_at.isoformat() if conflict.changed_at else None


def expected_version(request):
    """(version the client read, whether it came in If-Match). Raises 428 without one, 400
    for a malformed one or an If-Match and a body version that disagree."""
    header = request.headers.get("If-Match")
    from_header = None
    if header is not None:
        match = _TAG.match(header.strip())
        if match is None:
            raise ValidationError({"If-Match": [
                gettext('Expected one ETag as sent by GET, like "v3"; got %(header)r ("*" and weak ETags do not say which version).')
                % {"header": header}
            ]})
        from_header = int(match.group(1))
    body = request.data.get("version") if hasattr(request.data, "get") else None
    from_body = None
    if body is not None:
        if isinstance(body, bool) or not str(body).isdigit():
            raise ValidationError({"version": [gettext("A whole number: the version you read.")]})
        from_body = int(body)
    if from_header is not None and from_body is not None and from_header != from_body:
        raise ValidationError({"version": [gettext("If-Match says version %(header)s, the body %(body)s: send one.") % {"header": from_header, "body": from_body}]})
    if from_header is not None:
        return from_header, True
    if from_body is not None:
        return from_body, False
    raise PreconditionRequired()


def stale(conflict: VersionConflict, via_header, *, reveal):
    return Stale(conflict, status.HTTP_412_PRECONDITION_FAILED if via_header else status.HTTP_409_CONFLICT, reveal)


IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, location=OpenApiParameter.HEADER, required=False,
    description='The ETag of the version you read, e.g. "v3" (or send `version` in the body). '
    "Stale: 412 and nothing is written.",
)
ETAG = OpenApiParameter(
    "ETag", OpenApiTypes.STR, location=OpenApiParameter.HEADER, response=True,
    description='The record\'s version, e.g. "v3": send it back in If-Match to change the record.',
)
RESPONSES = {
    "409": "Conflict: the body's `version` is stale; someone changed the record since (who and when in the body). Nothing was written.",
    "412": "Precondition failed: the If-Match ETag is stale; someone changed the record since. Nothing was written.",
    "428": "Precondition required: send If-Match or `version`.",
}
