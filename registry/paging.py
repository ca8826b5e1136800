"""Counts that stop at a cap, for the API's lists (api/pagination.py) and the admin's change
lists (registry/admin/common.py): an exact COUNT of 90,000 filtered claims out of a million
costs 200-400 ms on every page view, more than the page itself. Up to COUNT_CAP rows (a
searched list: SEARCH_COUNT_CAP, the matches it ranks) a list is counted exactly; beyond, its
count is the cap and `count_exact` false ("10,000+"). Paging goes on past the cap; `next` is
known by fetching one row more."""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property

from .models.articles import RANKED_MATCHES

COUNT_CAP = 10_000
SEARCH_COUNT_CAP = RANKED_MATCHES  # the querysets' searches set it as `count_cap`
# The rows a page may start after. Past the cap pages are not checked against a count, and a
# page number of 23 digits overflowed the databases' 64-bit OFFSET (a server error; Schemathesis
# found it); so deep, an OFFSET would also walk millions of rows. No list here is that long:
# such a page has no rows, as a page past the end.
MAX_ROWS_BEFORE_PAGE = 10_000_000


class _PageBeyondCount(Page):
    def __init__(self, object_list, number, paginator, more):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self):
        return self.more


class CappedCountPaginator(Paginator):
    """A Django paginator whose COUNT stops at COUNT_CAP + 1 rows (LIMIT in a subquery,
    ordering dropped): one query, cheap whatever the filter matches."""

    cap = COUNT_CAP

    def __init__(self, object_list, per_page, *args, counted=None, total=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        # What to count, when the rows are read another way (api/rows.py: values_list, whose
        # joins for the shown columns would stay in the COUNT).
        self.counted = object_list if counted is None else counted
        if total is not None:  # known (api/facets.py): what the capped COUNT would say
            self._counted = min(total, self.bound + 1)

    @cached_property
    def _counted(self):
        rows = self.counted
        if hasattr(rows, "count_upto"):
            # Asked once: a search's ranking check may have counted these very rows already.
            return rows.count_upto(self.bound)
        if hasattr(rows, "order_by"):
            # values("pk"): the annotations of the rows are not computed just to be counted.
            return rows.order_by().values("pk")[: self.bound + 1].count()
        return len(rows)

    @cached_property
    def bound(self):
        """COUNT_CAP, or a searched list's lower cap (SEARCH_COUNT_CAP)."""
        return min(self.cap, getattr(self.counted, "count_cap", None) or self.cap)

    @cached_property
    def count(self):
        return min(self._counted, self.bound)

    @property
    def count_exact(self):
        return self._counted <= self.bound

    def validate_number(self, number):
        if self.count_exact:
            return super().validate_number(number)
        # Past the cap the number of pages is unknown; page() finds a page past the end empty.
        return self._whole(number)

    def _whole(self, number):
        """The page number as an integer >= 1, checked as Django's paginator checks it."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if (number - 1) * self.per_page > MAX_ROWS_BEFORE_PAGE:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def _read(self, number):
        """The page's rows and whether a row follows (one row read beyond the page)."""
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        return rows[: self.per_page], len(rows) > self.per_page

    def page(self, number):
        """The page's rows are read first, one row beyond the page: when no row follows, the
        count is the rows before the page and on it, and no COUNT is asked (a short list, a
        rare word's search: one query rather than two). When one does, the count is asked
        as before. A page past the end (no rows) is left to the count to tell apart."""
        if "_counted" in self.__dict__ or self.orphans:
            if self.count_exact:
                return super().page(number)
            number = self.validate_number(number)
            rows, more = self._read(number)
        else:
            number = self._whole(number)
            rows, more = self._read(number)
            if not more and (rows or (number == 1 and self.allow_empty_first_page)):
                # min(rows, bound + 1): what the capped COUNT would have said.
                self.__dict__["_counted"] = min((number - 1) * self.per_page + len(rows), self.bound + 1)
            if self.count_exact:
                if rows or number == 1:
                    # Counted exactly (asked now if rows follow): this page exists, as read.
                    return self._get_page(rows, self.validate_number(number), self)
                return super().page(number)  # past the end: the count says so
            if number == 1:
                return _PageBeyondCount(rows, number, self, more=more)
        # Past the cap: a page with no rows is past the end (read once, not again).
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return _PageBeyondCount(rows, number, self, more=more)
