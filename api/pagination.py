"""Page-number pagination: `page` and `page_size` (up to 500), with facets beside results.

Counts are exact up to COUNT_CAP rows, and beyond it when the whole count fits the time
budget (REGISTRY_COUNT_BUDGET_MS, 200 ms by default; infra/paging.py). Past the budget a
list says `count: 10000` with `count_exact: false` (as search engines report "10,000+" hits). A list searched with `q=` is counted up to SEARCH_COUNT_CAP (1,000: the matches it
ranks, registry.models.articles.RANKED_MATCHES), as counting search matches reads a heap
page per match. Paging goes on past the cap; `next` is known by fetching one row more."""

from collections import OrderedDict
from functools import partial

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from infra.paging import COUNT_CAP, CappedCountPaginator  # noqa: F401 (the API's names)
from registry.models.articles import RANKED_MATCHES as SEARCH_COUNT_CAP  # what a search ranks and counts

MAX_PAGE_SIZE = 500


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = f"Rows per page, 1 to {MAX_PAGE_SIZE} (default 50). For everything at once use format=csv."
    counted = None

    total = None

    @property
    def django_paginator_class(self):
        return partial(CappedCountPaginator, counted=self.counted, total=self.total)

    def paginate_queryset(self, queryset, request, view=None, counted=None, total=None):
        """`counted`: the queryset to count, if not the rows themselves; `total`: how many
        rows it has, when already known (the facets grouped them)."""
        self.counted, self.total = counted, total
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data, facets=None):
        paginator = self.page.paginator
        body = OrderedDict(
            [
                ("count", paginator.count),
                ("count_exact", paginator.count_exact),
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
        properties = dict(schema["properties"])
        count = {
            **properties.pop("count"),
            "description": f"Rows matching, counted exactly up to {COUNT_CAP:,} ({SEARCH_COUNT_CAP:,} when searched "
            f"with q=), and beyond when the count takes at most the server's time budget (200 ms by default). "
            "Otherwise this is the cap, a lower bound, and count_exact is false; page on with `next` (or use "
            "format=csv for all rows).",
        }
        count_exact = {"type": "boolean", "description": f"false when more than {COUNT_CAP:,} rows match "
                       f"({SEARCH_COUNT_CAP:,} when searched) and counting them all would exceed the time budget"}
        schema["required"] = ["count", "count_exact", "results"]
        schema["properties"] = {
            "count": count,
            "count_exact": count_exact,
            **{k: v for k, v in properties.items() if k != "results"},
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
            "results": properties["results"],
        }
        return schema
