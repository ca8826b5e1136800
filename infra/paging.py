"""Counts within a time budget, for the API's lists (api/pagination.py) and the admin's
change lists (registry/admin/common.py). A list is counted up to COUNT_CAP rows (a COUNT over
a LIMIT: cheap whatever the filter matches); past the cap, exactly when the whole count takes
at most REGISTRY_COUNT_BUDGET_MS (default 200 ms; `within_budget`: a statement time-out inside
a savepoint on PostgreSQL, a progress handler on SQLite). Past the budget its count is the
cap, a lower bound, with `count_exact` false ("10,000+"). A researcher
asking how many code <= 3 claims Chongjin has gets 19,546, not "10,000". A searched list is
counted up to the `count_cap` its queryset carries (the matches a search ranks:
registry/models/articles.py's RANKED_MATCHES, the API's SEARCH_COUNT_CAP). Paging goes on past the cap;
`next` is known by fetching one row more."""

import time

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import DatabaseError, connections, transaction
from django.utils.functional import cached_property

COUNT_CAP = 10_000
# The rows a page may start after. Past the cap pages are not checked against a count, and a
# page number of 23 digits overflowed the databases' 64-bit OFFSET (a server error; Schemathesis
# found it); so deep, an OFFSET would also walk millions of rows. No list here is that long:
# such a page has no rows, as a page past the end.
MAX_ROWS_BEFORE_PAGE = 10_000_000


def within_budget(compute, using="default", budget_ms=None):
    """compute() (database reads on `using`) if it finishes within the budget (by default
    REGISTRY_COUNT_BUDGET_MS), else None, the database left as it was: on PostgreSQL a
    statement_timeout set for a savepoint and put back after it (a time-out rolls the savepoint
    back); on SQLite a progress handler that interrupts the statement at the deadline. A
    budget of 0 or less computes nothing (None)."""
    budget = settings.REGISTRY_COUNT_BUDGET_MS if budget_ms is None else budget_ms
    if budget <= 0:
        return None
    connection = connections[using]
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(using=using), connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('statement_timeout'), set_config('statement_timeout', %s, true)", [f"{int(budget)}ms"])
                (before, _) = cursor.fetchone()
                value = compute()
                # Kept for the rest of an outer transaction otherwise (a savepoint released keeps it).
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
                return value
        except DatabaseError as error:
            if getattr(getattr(error, "__cause__", None), "sqlstate", None) == "57014":  # query_canceled
                return None
            raise
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        deadline = time.monotonic() + budget / 1000
        raw = connection.connection
        raw.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        try:
            return compute()
        except DatabaseError as error:
            if "interrupted" in str(error):
                return None
            raise
        finally:
            raw.set_progress_handler(None, 0)
    return compute()


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
        if total is not None:  # known exactly (registry/vocabulary/facets.py grouped the rows)
            if settings.REGISTRY_COUNT_BUDGET_MS > 0:
                self._exactly(total)
            else:  # capped counts only: what the capped COUNT would say
                self._counted = min(total, self.bound + 1)

    def _exactly(self, total):
        """The count is known exactly, whatever the cap."""
        self.__dict__["bound"] = max(self.bound, total)
        self.__dict__["_counted"] = total
        return total

    @cached_property
    def _counted(self):
        rows = self.counted
        if hasattr(rows, "count_upto"):
            # Asked once: a search's ranking check may have counted these very rows already.
            capped = rows.count_upto(self.bound)
        elif hasattr(rows, "order_by"):
            # values("pk"): the annotations of the rows are not computed just to be counted.
            capped = rows.order_by().values("pk")[: self.bound + 1].count()
        else:
            return len(rows)
        if capped > self.bound and not getattr(rows, "count_cap", None):
            # Past the cap, not searched: exactly, if the count fits the budget; else the
            # capped count stands as a lower bound.
            exact = within_budget(rows.order_by().values("pk").count, using=rows.db)
            if exact is not None:
                return self._exactly(exact)
        return capped

    @cached_property
    def bound(self):
        """COUNT_CAP, or a searched list's lower cap (its queryset's `count_cap`)."""
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
