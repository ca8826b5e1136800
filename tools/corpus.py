"""A synthetic corpus at research-archive size, for benchmarks and load tests.

Shaped like real coverage so that query plans meet realistic data: a few big complexes get
most articles (Zipf–Mandelbrot over a prominence ranking), enterprises cluster in Pyongyang
and the industrial cities, grades follow kinds, codes follow activities, some dates are
month- or year-only. Everything is drawn from one `random.Random(seed)`: one seed, one corpus.

Rows are written without history (no django-simple-history rows): synthetic data has no
author and its history would only double the size of the database. PostgreSQL gets COPY,
other databases bulk_create in batches."""

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from tools.corpus_rows import (
    ARTICLE_COLUMNS, CHUNK, CLAIM_COLUMNS, ENTERPRISE_COLUMNS, FIRST_YEAR, LAST_YEAR, Pick, write_rows,
    coverage_rows, history_rows
)

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from registry.stored import copies, evidence
from registry.articles import search
from registry.models import (
    Adjudication, AgreementRound, Article, AttributePeriod, Claim, Coverage, Enterprise, EnterpriseAlias,
    Industry, Location, RoundArticle, SecondCoding, Source, StoryMember
)
from registry.places.names import name_key
from registry.places.reference import hangul_stem
from .corpus_shape import (
    ACTIVITIES, CLAIMS_PER_ARTICLE, CODES, DETAILS, FILLER, GRADE_BONUS, HEADLINES, HEADLINES_KO, HONORIFICS,
    HOT_PLACES, KINDS, KINDS_KO, KOREAN_SOURCES, MINISTRIES, PRODUCT_WORDS_KO, MONTH_ONLY, PRODUCT_WORDS,
    PROMINENCE, PROVINCE_SHARE, RESTRICTED_SHARE, SAME_ENTERPRISE, SOURCES, STATUSES, UNITS, YEAR_ONLY
)


class CorpusError(Exception):
    pass


@dataclass
class CorpusReport:
    enterprises: int
    articles: int
    claims: int
    seconds: float

    def __str__(self):
        rows = self.enterprises + self.articles + self.claims
        return (
            f"{self.enterprises:,} enterprises, {self.articles:,} articles, {self.claims:,} claims "
            f"in {self.seconds:.1f} s ({rows / max(self.seconds, 1e-9):,.0f} rows/s)"
        )


def _check_reference():
    places, industries, sources = Location.objects.count(), Industry.objects.count(), Source.objects.count()
    missing = [s for s in SOURCES if not Source.objects.filter(short_name=s).exists()]
    if places < 100 or not industries or missing:
        raise CorpusError(
            f"the reference data is missing ({places} places, {industries} industries, sources missing: "
            f"{', '.join(missing) or 'none'}): run `python manage.py load_reference` first"
        )


def clear_corpus():
    """Delete every enterprise, article and claim, links of articles to stories, coverage and
    agreement rounds (their samples and second codings name articles and enterprises); history
    tables are left alone."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Inside a transaction (a test), deferred foreign-key checks must fire before a TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "TRUNCATE registry_claim, registry_storymember, registry_attributeperiod, registry_article, registry_enterprisealias, registry_enterprise,"
                " registry_coverage, registry_secondcoding, registry_adjudication, registry_roundarticle, registry_agreementround"
                " RESTART IDENTITY"
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        for model in (SecondCoding, Adjudication, RoundArticle, AgreementRound, Claim, AttributePeriod, EnterpriseAlias, StoryMember, Article,
                      Enterprise, Coverage):
            model.objects.all()._raw_delete(model.objects.db)


def _location_weights(locations):
    by_slug = {loc.slug: loc for loc in locations}
    hot_paths = {by_slug[slug].path: share for slug, share in HOT_PLACES.items() if slug in by_slug}
    groups, rest, provinces = {}, [], []
    for loc in locations:
        hot = next((p for p in hot_paths if loc.path.startswith(p)), None)
        if hot:
            groups.setdefault(hot, []).append(loc)
        elif loc.level == 1 and loc.kind == "province":
            provinces.append(loc)
        else:
            rest.append(loc)
    weights = []
    for path, members in groups.items():
        weights += [(loc.pk, hot_paths[path] / len(members)) for loc in members]
    weights += [(loc.pk, PROVINCE_SHARE / len(provinces)) for loc in provinces]
    rest_share = max(0.0, 1 - sum(hot_paths.values()) - PROVINCE_SHARE)
    weights += [(loc.pk, rest_share / len(rest)) for loc in rest]
    return weights


def _enterprises(rng, n, start_id, now, ko_rng):
    """Enterprise rows (ENTERPRISE_COLUMNS), plus per row (name, industry top name, region,
    Hangul name) and the popularity ranking the articles draw from. The Hangul names are
    drawn from `ko_rng`, apart, so a seed gives the same English corpus as before them."""
    locations = list(Location.objects.order_by("path"))
    names_of = {loc.pk: loc.name for loc in locations}
    hangul_of = {loc.pk: hangul_stem(loc.hangul) for loc in locations}
    region_of = {loc.pk: loc.path.split("/")[1] for loc in locations}
    industries = {i.slug: i for i in Industry.objects.select_related("parent")}
    pick_location = Pick(_location_weights(locations))
    pick_kind = Pick({kind: spec[0] for kind, spec in KINDS.items()})
    pick_grade = {kind: Pick(spec[1]) for kind, spec in KINDS.items()}
    seen_keys = set()
    rows, traits, complexes_by_region = [], [], {}
    for i in range(n):
        kind = pick_kind(rng)
        _, _, industry_slugs, endings = KINDS[kind]
        grade = pick_grade[kind](rng)
        industry = industries[rng.choice(industry_slugs)]
        location_id = pick_location(rng)
        word = rng.choice(PRODUCT_WORDS[industry.slug])
        parts = [names_of[location_id], word, rng.choice(endings)]
        if rng.random() < 0.1:
            parts.insert(0, rng.choice(HONORIFICS))
        name = " ".join(p for p in parts if p)
        number = 1
        while name_key(name) in seen_keys:
            number += 1
            name = " ".join(p for p in parts if p) + f" No. {number}"
        key = name_key(name)
        seen_keys.add(key)
        top = industry.parent.name if industry.parent_id else industry.name
        integration = ""
        if kind == "complex":
            integration = rng.choice(["vertical", "vertical", "horizontal", ""])
        parent_id = None
        region = region_of[location_id]
        if kind in ("factory", "mine") and complexes_by_region.get(region) and rng.random() < 0.06:
            parent_id = rng.choice(complexes_by_region[region])
        central = grade in ("special", "1", "2", "3")
        pk = start_id + i
        # As the North's press writes it: place, product, kind (청진제철련합기업소).
        hangul = hangul_of[location_id] + ko_rng.choice(PRODUCT_WORDS_KO.get(industry.slug, PRODUCT_WORDS_KO[""])) + KINDS_KO[kind]
        rows.append((
            pk, name, key, hangul, name_key(hangul), grade, kind, integration, parent_id, location_id, industry.pk,
            word.lower() if word else "", MINISTRIES.get(top, "") if central else "", "", now, now,
        ))
        traits.append((name, top, region, hangul))
        if kind == "complex":
            complexes_by_region.setdefault(region, []).append(pk)
    # Prominence: complexes and high grades first, with noise; coverage falls off as
    # 1/(rank + 3), so the top 1% of enterprises draw about half of all claims.
    order = sorted(range(n), key=lambda i: -(PROMINENCE[rows[i][6]] + GRADE_BONUS.get(rows[i][5], 0) + rng.random() * 3))
    popularity = Pick([(i, 1.0 / (rank + 3)) for rank, i in enumerate(order)])
    return rows, traits, popularity


def _date(rng, pick_year):
    year = pick_year(rng)
    r = rng.random()
    if r < YEAR_ONLY:
        return date(year, 1, 1), "year"
    if r < YEAR_ONLY + MONTH_ONLY:
        return date(year, rng.randint(1, 12), 1), "month"
    return date(year, 1, 1) + timedelta(days=rng.randrange(366 if year % 4 == 0 else 365)), "day"


class _ArticleMaker:
    """Draws articles and their claims, one article at a time."""

    def __init__(self, rng, enterprise_rows, traits, popularity, claims_range, now, ko_rng):
        self.rng, self.ko_rng = rng, ko_rng
        self.enterprise_ids = [row[0] for row in enterprise_rows]
        self.traits = traits
        self.popularity = popularity
        self.now = now
        sources = {s.short_name: s.pk for s in Source.objects.all()}
        self.pick_source = Pick({sources[s]: w for s, w in SOURCES.items()})
        self.paged = {sources["RS"], sources["MJ"]}
        self.korean = {sources[s] for s in KOREAN_SOURCES}
        low, high = claims_range
        self.pick_count = Pick({k: w for k, w in CLAIMS_PER_ARTICLE.items() if low <= k <= high})
        self.pick_activity = Pick(ACTIVITIES)
        self.pick_code = {a: Pick(c) for a, c in CODES.items()}
        self.pick_status = Pick(STATUSES)
        # Coverage grows over the years (more sources online, more coders' attention).
        self.pick_year = Pick({y: 1 + (y - FIRST_YEAR) * 0.1 for y in range(FIRST_YEAR, LAST_YEAR + 1)})
        self.titles = set()
        self.last_article_of = {}

    def article(self, article_id, claim_id):
        rng = self.rng
        published, precision = _date(rng, self.pick_year)
        source_id = self.pick_source(rng)
        claims, seen = [], set()
        first = None
        for _ in range(self.pick_count(rng)):
            for _attempt in range(20):
                if first is not None and rng.random() < SAME_ENTERPRISE:
                    e = first
                else:
                    e = self.popularity(rng)
                activity = self.pick_activity(rng)
                if (e, activity) not in seen:
                    break
            else:
                continue
            seen.add((e, activity))
            first = e if first is None else first
            code = self.pick_code[activity](rng)
            quantity = unit = None
            if activity == "production" and rng.random() < 0.4:
                unit = rng.choice(UNITS.get(self.traits[e][1], ["t"]))
                quantity = Decimal(int(rng.lognormvariate(9, 2)) + 1)
            claims.append((
                claim_id + len(claims), article_id, self.enterprise_ids[e], activity, code, DETAILS[activity],
                quantity, unit or "", self.now,
            ))
        name, _, _, hangul = self.traits[first]
        main_activity = claims[0][3]
        title = rng.choice(HEADLINES[main_activity]).format(e=name)
        key, n = (source_id, published, title), 1
        while key in self.titles:
            n += 1
            key = (source_id, published, f"{title} ({n})")
        self.titles.add(key)
        title = key[2]
        summary = f"{title}. " + "; ".join(f"{self.traits[self._index(c[2])][0]}: {c[5]}" for c in claims) + "."
        restricted = rng.random() < RESTRICTED_SHARE
        full_text = f"{summary}\n\n" + FILLER * rng.randint(2, 6) if restricted else ""
        follow_up = self.last_article_of.get(first) if rng.random() < 0.03 else None
        self.last_article_of[first] = article_id
        # The Korean press's own headline (Rodong Sinmun, Minju Joson, KCNA's Korean service).
        title_ko = self.ko_rng.choice(HEADLINES_KO[main_activity]).format(e=hangul) if source_id in self.korean else ""
        named = [n for c in claims for n in self.traits[self._index(c[2])][::3]]
        row = (
            article_id, source_id, published, precision,
            rng.randint(1, 6) if source_id in self.paged else None,
            title, title_ko, summary, full_text,
            hashlib.sha256(full_text.encode()).hexdigest() if full_text else "",
            "", follow_up, "restricted" if restricted else "public", self.pick_status(rng), "", None, None,
            self.now, self.now,
            *search.article_fields(title, title_ko, summary).values(), search.names_tokens(named),
        )
        return row, claims

    def _index(self, enterprise_id):
        return enterprise_id - self.enterprise_ids[0]


def _write_coverage(seed, now):
    rows = coverage_rows(seed)
    Coverage.objects.bulk_create(
        [Coverage(source_id=s, start=a, end=b, extent=e, note=n, created_at=now) for s, a, b, e, n in rows], batch_size=2000)
    return len(rows)


def _next_id(model):
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def generate_corpus(*, enterprises, articles, seed, claims_per_article=(1, 4), clear=False, progress=None):
    """Write a synthetic corpus of `enterprises` enterprises and `articles` articles with
    1–4 claims each (about 2 on average). Refuses a database that already holds enterprises
    or articles unless `clear`. `progress(stage, done, total, rows_per_second)` is called
    after each chunk. Returns a CorpusReport."""
    if enterprises < 1 or articles < 0:
        raise CorpusError("give at least one enterprise and zero or more articles")
    low, high = claims_per_article
    if not 1 <= low <= high <= 4:
        raise CorpusError("claims per article must lie within 1-4")
    _check_reference()
    if clear:
        clear_corpus()
    elif Enterprise.objects.exists() or Article.objects.exists():
        raise CorpusError("the database already holds enterprises or articles: pass --clear to replace them")
    # The stored copies are computed once after (evidence.rebuild below), not row by row.
    with copies.suspended(recompute=False):
        return _generate(enterprises, articles, seed, low, high, progress)


def _generate(enterprises, articles, seed, low, high, progress):
    started = time.perf_counter()
    rng = random.Random(seed)
    # One timestamp for the whole corpus keeps it reproducible apart from that.
    now = timezone.now()
    ko_rng = random.Random(f"{seed}-ko")
    rows, traits, popularity = _enterprises(rng, enterprises, _next_id(Enterprise), now, ko_rng)
    with transaction.atomic():
        write_rows(Enterprise, ENTERPRISE_COLUMNS, rows)
    if progress:
        progress("enterprises", enterprises, enterprises, enterprises / (time.perf_counter() - started))
    maker = _ArticleMaker(rng, rows, traits, popularity, (low, high), now, ko_rng)
    article_id, claim_id = _next_id(Article), _next_id(Claim)
    total_claims, done = 0, 0
    while done < articles:
        batch, claims = [], []
        for _ in range(min(CHUNK, articles - done)):
            row, article_claims = maker.article(article_id, claim_id)
            batch.append(row)
            claims += article_claims
            article_id += 1
            claim_id += len(article_claims)
        with transaction.atomic():
            write_rows(Article, ARTICLE_COLUMNS, batch)
            write_rows(Claim, CLAIM_COLUMNS, claims)
        done += len(batch)
        total_claims += len(claims)
        if progress:
            elapsed = time.perf_counter() - started
            progress("articles", done, articles, (enterprises + done + total_claims) / elapsed)
    with transaction.atomic():
        _write_coverage(seed, now)
        AttributePeriod.objects.bulk_create(history_rows(seed, rows, now), batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # COPY with explicit ids leaves the sequences behind.
            for sql in connection.ops.sequence_reset_sql(no_style(), [Enterprise, Article, Claim]):
                cursor.execute(sql)
            # Fresh statistics, or the first plans are made for empty tables (the evidence
            # rebuild below ran a chunk of 1,000 enterprises for over six minutes without
            # them, against 3 s with); and outside a transaction a VACUUM too, which sets the
            # visibility map that index-only scans (the time series' covering indexes) need:
            # COPY leaves it empty.
            analyze = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{analyze} registry_enterprise, registry_article, registry_claim, registry_coverage")
    # Written with the copy triggers off: the stored copies computed once for the corpus.
    evidence.rebuild()
    return CorpusReport(enterprises, articles, total_claims, time.perf_counter() - started)


def claims_csv(*, rows, seed, existing_share=0.7):
    """A CSV in the import_claims format with `rows` rows, about two per article: most rows
    name enterprises already in the database (attribute columns blank), the rest new ones
    with every column filled. Titles are new, so every article and claim is created."""
    import csv
    import io

    from registry.importing.rows import HEADER

    rng = random.Random(seed)
    existing = list(Enterprise.objects.order_by("pk").values_list("name", flat=True)[:5000])
    places = list(Location.objects.filter(level__gte=2).values_list("slug", flat=True))
    industries = list(Industry.objects.filter(parent__isnull=False).values_list("slug", flat=True))
    pick_activity, pick_code = Pick(ACTIVITIES), {a: Pick(c) for a, c in CODES.items()}
    pick_year = Pick({y: 1 for y in range(FIRST_YEAR, LAST_YEAR + 1)})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    written, article = 0, 0
    new_enterprises = {}
    while written < rows:
        article += 1
        published, precision = _date(rng, pick_year)
        shown = {"day": published.isoformat(), "month": published.strftime("%Y-%m"), "year": str(published.year)}[precision]
        source = rng.choice(["RS", "KCNA", "MJ"])
        title = f"Import benchmark {seed}-{article}"
        pairs = set()
        for _ in range(min(rng.randint(1, 3), rows - written)):
            if existing and rng.random() < existing_share:
                name, attrs = rng.choice(existing), ["", "", "", ""]
            else:
                number = rng.randrange(1, max(2, rows // 10))
                name = f"Import Benchmark Factory No. {seed}-{number}"
                attrs = new_enterprises.setdefault(name, [
                    rng.choice(["3", "4", "5", "local", "unknown"]), "factory", rng.choice(industries), rng.choice(places),
                ])
            activity = pick_activity(rng)
            if (name, activity) in pairs:
                continue
            pairs.add((name, activity))
            summary = f"{title} summary" if len(pairs) == 1 else ""
            writer.writerow([source, shown, title, summary, name, *attrs, activity, pick_code[activity](rng), DETAILS[activity], "", ""])
            written += 1
    return out.getvalue()
