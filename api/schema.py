"""The OpenAPI schema as the API really answers: CSV lists are text, and every operation
documents its error answers (a JSON object with `detail`)."""

from drf_spectacular.openapi import AutoSchema

from .versions import RESPONSES as VERSION_ERRORS

ERROR = {
    "type": "object",
    "properties": {
        # A string, except in a write's field errors for a field itself named "detail".
        "detail": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "What went wrong, in words a researcher can act on",
        },
        "errors": {
            "type": "object",
            "description": "Per query parameter, its problems",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "candidates": {
            "type": "object",
            "description": "Per place parameter, the nearest places",
            "additionalProperties": {"type": "array", "items": {"type": "object"}},
        },
    },
    "additionalProperties": True,
}
ERRORS = {
    "400": "Bad query parameter or invalid data; the body names each problem.",
    "401": "Not signed in (send `Authorization: Token …`).",
    "403": "Signed in without the permission needed.",
    "404": "No such object, or not one you may see.",
    "405": "This resource is read-only.",
    "429": "Too many anonymous requests; wait, or sign in with a token.",
}


class RegistrySchema(AutoSchema):
    def get_auth(self):
        """Security as the permission table has it: anonymous access (`{}`) only where the
        table lets everyone in, so a fuzzer knows every write needs a token."""
        from .permissions import TablePermission, requirement
        from registry.access.permissions import EVERYONE

        auths = [a for a in super().get_auth() if a != {}]
        if not any(isinstance(p, TablePermission) for p in self.view.get_permissions()):
            return super().get_auth()
        if requirement(self.view, self.method) == EVERYONE:
            auths.append({})
        return auths

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        content = response.get("content", {})
        if "text/csv" in content:
            content["text/csv"] = {"schema": {"type": "string", "description": "CSV, a header line then one row per object"}}
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if xlsx in content:
            content[xlsx] = {"schema": {"type": "string", "format": "binary",
                                        "description": "An Excel workbook: one sheet, the CSV's header and rows"}}
        return response

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(ERRORS)
        if direction == "response" and self.method in ("PUT", "PATCH") and hasattr(self.view, "update"):
            errors.update(VERSION_ERRORS)
        if direction == "response":
            for code, description in errors.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ERROR}}}
                )
        return responses
