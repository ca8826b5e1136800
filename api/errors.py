"""Errors a researcher can act on: JSON with a one-line `detail` and, per query
parameter, what is wrong with it."""

from rest_framework.exceptions import APIException


class BadQuery(APIException):
    status_code = 400
    default_code = "invalid_query"

    def __init__(self, errors, candidates=None):
        summary = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
        body = {"detail": f"Bad query parameter — {summary}", "errors": errors}
        if candidates:
            body["candidates"] = candidates
        super().__init__(body)
