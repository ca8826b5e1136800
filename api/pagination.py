"""Page-number pagination: `page` and `page_size` (up to 500), with facets beside results."""

from collections import OrderedDict

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

MAX_PAGE_SIZE = 500


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = f"Rows per page, 1 to {MAX_PAGE_SIZE} (default 50). For everything at once use format=csv."

    def get_paginated_response(self, data, facets=None):
        body = OrderedDict(
            [
                ("count", self.page.paginator.count),
                ("next", self.get_next_link()),
                ("previous", self.get_previous_link()),
            ]
        )
        if facets is not None:
            body["facets"] = facets
        body["results"] = data
        return Response(body)

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"] = {
            **{k: v for k, v in schema["properties"].items() if k != "results"},
            "facets": {
                "type": "object",
                "description": "Present when `facets=` was asked for: per facet, the count of rows for each value.",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "value": {"nullable": True, "oneOf": [{"type": "string"}, {"type": "integer"}]},
                            "label": {"type": "string"},
                            "count": {"type": "integer"},
                        },
                        "required": ["value", "label", "count"],
                    },
                },
            },
            "results": schema["properties"]["results"],
        }
        return schema
