"""What an import's rows meet in the database: existing enterprises (matched, refined by a more
precise place or industry, or contradicted), articles and claims already recorded; and the
duplicate guard's candidates for each new enterprise. Called by importing.plan_import."""

from django.db import connection
from django.utils.translation import gettext as _

from registry.enterprises.duplicates import NameIndex
from registry.importing.rows import CHUNK, RowError, describe_value
from infra.bulk import in_sets
from registry.models import (
    Article, Attribute, AttributePeriod, Claim, Enterprise, EnterpriseAlias, Industry, Location
)
from registry.places.names import name_key


def relation(column, recorded, given):
    """How a row's place or industry stands to the one recorded: "same"; "finer" (a place
    inside it, a sub-industry of it, or anything where nothing is recorded): a refinement;
    "coarser" (the place it lies in, the parent industry): agrees, changes nothing; "other":
    a contradiction."""
    if given is None or (recorded is not None and recorded.pk == given.pk):
        return "same"
    if recorded is None:
        return "finer"
    if column == "location":
        if given.path.startswith(recorded.path):
            return "finer"
        return "coarser" if recorded.path.startswith(given.path) else "other"
    if given.parent_id == recorded.pk:
        return "finer"
    return "coarser" if recorded.parent_id == given.pk else "other"


# Above this many new enterprises in one file the guard compares each only with names of the
# same first two letters (duplicates.NameIndex.search, blocked): 4 ms a name otherwise.
_FULL_SEARCH_UP_TO = 50


def flag_duplicates(plan):
    """Give each new enterprise the existing ones the duplicate guard finds close to it."""
    new = plan.new_enterprises
    if not new:
        return
    index = NameIndex.current()
    blocked = len(new) > _FULL_SEARCH_UP_TO
    for planned in new:
        planned.similar = index.search(planned.name, place=planned.location, blocked=blocked)
        planned.identical = index.identical(planned.name, place=planned.location)


def identical_error(planned):
    """The row error for a new enterprise whose name, folded, is an existing one's in the
    same place (or where either has none): no confirmation adds such a copy."""
    names = "; ".join(f"{c.name!r} (#{c.enterprise_id})" for c in planned.identical)
    return RowError(
        planned.line, "enterprise", planned.name,
        _("the same name as %(names)s, in the same place or with no place recorded: write that name, or give the location if this one is elsewhere") % {"names": names},
    )


def duplicate_error(planned):
    """The row error for a new enterprise held back as a possible duplicate."""
    names = "; ".join(f"{c.name!r} (#{c.enterprise_id}" + (_(", as %(name)r") % {"name": c.matched} if c.matched != c.name else "") + ")" for c in planned.similar)
    return RowError(
        planned.line, "enterprise", planned.name,
        _("possible duplicate of %(names)s: write the existing name if it is the same enterprise, or confirm this one is new") % {"names": names},
    )


def _adopt_recorded(plan, attached):
    """`keep_existing`: a new enterprise whose name the guard finds recorded, identical after
    folding (copied by a coder since, or kept as an alias after a merge), or that a recorded
    enterprise had before a coder renamed it (its history), is that one: not added again.
    A merely similar name ("May 27 Fishery Station" beside "Nampho Fishery Station") is
    another enterprise: adopting it put two enterprises' claims on one."""
    new = plan.new_enterprises
    if not new:
        return
    index = NameIndex.current()
    # Names recorded enterprises once had (a coder renamed them since): their history.
    keys = {name_key(planned.name) for planned in new}
    renamed = dict(
        Enterprise.history.filter(name_key__in=keys, id__in=Enterprise.objects.values("pk")).order_by("history_date")
        .values_list("name_key", "id")
    )
    chosen = []
    for planned in new:
        found = index.identical(planned.name, place=planned.location)
        if found:
            chosen.append((planned, found[0].enterprise_id))
        elif name_key(planned.name) in renamed:
            chosen.append((planned, renamed[name_key(planned.name)]))
    recorded = Enterprise.objects.in_bulk({pk for _, pk in chosen})
    for planned, pk in chosen:
        planned.existing = attached(recorded[pk])


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def enterprises_named(keys, attach=None):
    """{name key: {enterprise id: Enterprise}} of the enterprises each key names: by their
    name, an alias, or a past name (an AttributePeriod of the name: the 1998 name a coder
    reads in a 1998 article). One key naming two enterprises is ambiguous to the caller.
    `attach(enterprise)`: applied to each enterprise read (the import attaches its places)."""
    attach = attach or (lambda enterprise: enterprise)
    found = {}
    for chunk in in_sets(keys, "text"):
        for e in Enterprise.objects.filter(name_key__in=chunk).order_by():
            found.setdefault(e.name_key, {})[e.pk] = attach(e)
        for alias in EnterpriseAlias.objects.filter(name_key__in=chunk).select_related("enterprise").order_by():
            found.setdefault(alias.name_key, {}).setdefault(alias.enterprise_id, attach(alias.enterprise))
        past = AttributePeriod.objects.filter(attribute=Attribute.NAME, name_key__in=chunk).select_related("enterprise").order_by()
        for period in past:
            found.setdefault(period.name_key, {}).setdefault(period.enterprise_id, attach(period.enterprise))
    return found


def match_database(plan, add_error, keep_existing=False):
    """Mark what already exists, and refuse any row that contradicts the database.

    `keep_existing` (`make setup`'s sample data, run again on a database coders have worked
    in): what is recorded wins. A row contradicting it is not an error and changes nothing;
    a name two enterprises share (a "Save anyway" copy) is the older one's."""
    if keep_existing:
        refuse = add_error

        def add_error(line, column, value, message):  # noqa: F811 - the recorded data wins
            if column in ("source", "title", "activity"):
                refuse(line, column, value, message)
    # Places and industries are few (hundreds): read once and attached, rather than joined
    # into every enterprise row (building 5 model instances a row took seconds at 10k rows).
    locations = Location.objects.select_related("parent").in_bulk()
    industries = Industry.objects.select_related("parent").in_bulk()

    def attached(enterprise):
        enterprise.location = locations.get(enterprise.location_id)
        enterprise.industry = industries.get(enterprise.industry_id)
        return enterprise

    found = enterprises_named(plan.enterprises, attach=attached)
    for key, planned in plan.enterprises.items():
        matches = found.get(key, {})
        if len(matches) > 1 and keep_existing:
            matches = {min(matches): matches[min(matches)]}
        if len(matches) > 1:
            names = " or ".join(sorted(repr(e.name) for e in matches.values()))
            add_error(planned.line, "enterprise", planned.name, _("ambiguous: the name matches %(names)s; use the canonical name") % {"names": names})
            continue
        if not matches:
            continue
        existing = next(iter(matches.values()))
        planned.existing = existing
        for column in ("grade", "kind"):
            given = getattr(planned, column)
            if given not in (None, "") and getattr(existing, column) != given:
                add_error(
                    planned.line, column, str(given),
                    _("%(name)r is recorded with the %(column)s %(value)s; change it in the admin or leave this column blank")
                    % {"name": existing.name, "column": column, "value": describe_value(column, getattr(existing, column))},
                )
        # A Hangul name goes to a new enterprise; an existing one keeps its own (the admin
        # changes it), and a file spelling it otherwise, beyond North/South folding, is refused.
        if planned.hangul and existing.hangul and name_key(planned.hangul) != existing.hangul_key:
            add_error(planned.line, "hangul", planned.hangul,
                      f"{existing.name!r} is recorded with the Hangul name {existing.hangul}; change it in the admin or leave this column blank")
        for column in ("industry", "location"):
            given, recorded = getattr(planned, column), getattr(existing, column)
            standing = relation(column, recorded, given)
            if standing == "finer" and not keep_existing:
                planned.refinements[column] = (recorded, given)
            elif standing == "other":
                inside = _("a place inside it") if column == "location" else _("one of its sub-industries")
                add_error(
                    planned.line, column, str(given),
                    _("%(name)r is recorded with the %(column)s %(value)s; give it, %(inside)s, or leave this column blank (or change it in the admin)")
                    % {"name": existing.name, "column": column, "value": describe_value(column, recorded), "inside": inside},
                )

    if keep_existing:
        _adopt_recorded(plan, attached)
    by_title = _stored_articles(plan.articles)
    for key, planned in plan.articles.items():
        existing = by_title.get(key)
        if existing is None:
            continue
        planned.existing_id = existing["id"]
        if existing["precision"] != planned.precision:
            add_error(planned.line, "published", str(planned.published), _("the article is recorded with a date precise to the %(precision)s") % {"precision": existing["precision"]})
        if planned.summary and existing["summary"] and planned.summary != existing["summary"]:
            add_error(planned.line, "summary", planned.summary, _("differs from the summary recorded for this article"))

    article_keys = {a.existing_id: key for key, a in plan.articles.items() if a.existing_id}
    enterprise_keys = {e.existing.pk: key for key, e in plan.enterprises.items() if e.existing}
    for ids in in_sets(article_keys):
        for c in Claim.objects.filter(article_id__in=ids).order_by().values("article_id", "enterprise_id", "activity", "code", "detail", "quantity", "unit"):
            if c["enterprise_id"] not in enterprise_keys:
                continue
            planned = plan.claims.get((article_keys[c["article_id"]], enterprise_keys[c["enterprise_id"]], c["activity"]))
            if planned is None:
                continue
            planned.exists = True
            if not keep_existing and (c["code"], c["detail"], c["quantity"], c["unit"]) != (planned.code, planned.detail, planned.quantity, planned.unit):
                add_error(planned.line, "code", str(planned.code), _("this claim is already recorded, differently (code %(code)s, detail %(detail)r); change it in the admin") % {"code": c["code"], "detail": c["detail"]})


_ARTICLE_COLUMNS = ("id", "source_id", "published", "title", "precision", "summary")


def _stored_articles(keys):
    """{(source id, published, title): the stored article's columns} for these article keys."""
    found = {}
    if connection.vendor == "postgresql":
        # One probe of the headline index (title, source, date) per key, in one statement:
        # 25k keys ~0.3 s, where 250 queries of 100 titles took 2-3 s. A join instead of
        # the LATERAL would be planned as a sort of all 500k articles (5 s); OFFSET 0 keeps
        # the subquery a per-key index probe.
        columns = ", ".join(f"a.{connection.ops.quote_name(c)}" for c in _ARTICLE_COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM unnest(%s::bigint[], %s::date[], %s::text[]) AS v(source_id, published, title) "
                "CROSS JOIN LATERAL (SELECT * FROM registry_article a WHERE a.title = v.title AND a.source_id = v.source_id "
                "AND a.published = v.published AND a.title <> '' OFFSET 0) a",
                [list(column) for column in zip(*keys)] if keys else [[], [], []],
            )
            for row in cursor.fetchall():
                a = dict(zip(_ARTICLE_COLUMNS, row))
                found[(a["source_id"], a["published"], a["title"])] = a
        return found
    # Titles by the hundred: the headline index serves `title IN (…)`; with 500 titles (and
    # headlines that repeat) PostgreSQL's planner read the whole article table instead.
    for chunk in _chunks({key[2] for key in keys}, size=100):
        for a in Article.objects.filter(title__in=chunk).order_by().values(*_ARTICLE_COLUMNS):
            found[(a["source_id"], a["published"], a["title"])] = a
    return found
