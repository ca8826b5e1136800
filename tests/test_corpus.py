"""generate_corpus and the benchmark: a synthetic corpus that is valid, skewed, and reproducible."""

import hashlib
import io
import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count

from tools.corpus import CorpusError, generate_corpus
from registry.models import Article, Claim, Enterprise, Location, LocationName

pytestmark = pytest.mark.django_db


def checksum():
    """A digest of the corpus' content, independent of ids and timestamps."""
    h = hashlib.sha256()
    for row in Enterprise.objects.order_by("name").values_list("name", "grade", "kind", "location__slug", "industry__slug", "parent__name"):
        h.update(repr(row).encode())
    for row in Article.objects.order_by("source__short_name", "published", "title").values_list(
        "source__short_name", "published", "precision", "title", "summary", "disclosure", "status", "full_text", "page"
    ):
        h.update(repr(row).encode())
    for row in Claim.objects.order_by("article__source__short_name", "article__published", "article__title", "enterprise__name", "activity").values_list(
        "article__title", "enterprise__name", "activity", "code", "detail", "quantity", "unit"
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


def test_counts_match_the_arguments():
    report = generate_corpus(enterprises=50, articles=300, seed=7)
    assert Enterprise.objects.count() == 50
    assert Article.objects.count() == 300
    assert report.claims == Claim.objects.count()
    per_article = Article.objects.annotate(n=Count("claims")).values_list("n", flat=True)
    assert min(per_article) >= 1 and max(per_article) <= 4
    # 1-4 claims weighted 40/30/20/10: two on average.
    assert 1.7 < report.claims / 300 < 2.3
    assert set(per_article) == {1, 2, 3, 4}


def test_it_writes_exactly_the_claims_per_article_asked_for():
    generate_corpus(enterprises=20, articles=100, seed=3, claims_per_article=(3, 3))
    assert set(Article.objects.annotate(n=Count("claims")).values_list("n", flat=True)) == {3}


def test_the_same_seed_gives_the_same_corpus():
    generate_corpus(enterprises=40, articles=200, seed=11)
    first = checksum()
    generate_corpus(enterprises=40, articles=200, seed=11, clear=True)
    assert Article.objects.count() == 200  # replaced, not appended
    assert checksum() == first
    generate_corpus(enterprises=40, articles=200, seed=12, clear=True)
    assert checksum() != first


def test_it_records_coverage_with_unread_years_and_the_same_for_a_seed():
    from registry.models import Coverage, Source
    from tools.corpus import FIRST_YEAR, LAST_YEAR

    generate_corpus(enterprises=20, articles=50, seed=5)
    rows = sorted(Coverage.objects.values_list("source__short_name", "start", "end", "extent", "note"))
    # Two half-years per source and year read; every source has some, some years none.
    assert {r[0] for r in rows} == set(Source.objects.values_list("short_name", flat=True)) & {r[0] for r in rows} != set()
    years = (LAST_YEAR - FIRST_YEAR + 1) * Source.objects.filter(short_name__in={r[0] for r in rows}).count()
    assert 0 < years * 2 - len(rows) < years  # a few unread years, not most
    assert {r[3] for r in rows} == {"complete", "partial"} and all(r[4] for r in rows if r[3] == "partial")
    for row in rows:
        Coverage(source=Source.objects.get(short_name=row[0]), start=row[1], end=row[2], extent=row[3], note=row[4]).full_clean()
    generate_corpus(enterprises=20, articles=50, seed=5, clear=True)
    assert sorted(Coverage.objects.values_list("source__short_name", "start", "end", "extent", "note")) == rows


def test_every_row_passes_the_model_rules():
    generate_corpus(enterprises=50, articles=300, seed=5)
    for enterprise in Enterprise.objects.all()[:50]:
        enterprise.full_clean()
    for article in Article.objects.all()[:100]:
        article.full_clean()
        if article.full_text:
            assert article.text_sha256 == hashlib.sha256(article.full_text.encode()).hexdigest()
    for claim in Claim.objects.all()[:100]:
        claim.full_clean()
    # Claims name distinct enterprise x activity within an article (the DB constraint
    # would have refused the insert otherwise; checked here for SQLite's bulk path too).
    assert not Claim.objects.values("article", "enterprise", "activity").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_dates_have_all_three_precisions_stored_as_first_days():
    generate_corpus(enterprises=50, articles=300, seed=7)
    precisions = dict(Article.objects.values_list("precision").annotate(n=Count("id")))
    assert set(precisions) == {"day", "month", "year"}
    assert precisions["day"] > precisions["month"] > precisions["year"]
    assert not Article.objects.filter(precision="month").exclude(published__day=1).exists()
    assert not Article.objects.filter(precision="year").exclude(published__month=1, published__day=1).exists()
    assert not Article.objects.exclude(published__range=(date(1995, 1, 1), date(2025, 12, 31))).exists()


def test_it_is_skewed_like_real_coverage():
    generate_corpus(enterprises=300, articles=1000, seed=2)
    claims = sorted(Enterprise.objects.annotate(n=Count("claims")).values_list("n", flat=True), reverse=True)
    # The top 3% of enterprises carry well over 3% of the claims.
    assert sum(claims[:9]) > 0.2 * sum(claims)
    by_region = {
        region.slug: Enterprise.objects.in_place(region).count() for region in Location.objects.filter(level=1)
    }
    assert max(by_region, key=by_region.get) == "pyongyang"
    assert by_region["pyongyang"] > 0.15 * 300
    # Complexes are mostly of the special grade; sources lean on the state press.
    complexes = Enterprise.objects.filter(kind="complex")
    assert complexes.filter(grade="special").count() > complexes.count() / 2
    state_media = Article.objects.filter(source__short_name__in=["RS", "KCNA"]).count()
    assert state_media > 0.6 * 1000


def test_it_refuses_a_database_with_data_unless_cleared():
    generate_corpus(enterprises=5, articles=10, seed=1)
    with pytest.raises(CorpusError, match="--clear"):
        generate_corpus(enterprises=5, articles=10, seed=1)
    generate_corpus(enterprises=6, articles=12, seed=1, clear=True)
    assert (Enterprise.objects.count(), Article.objects.count()) == (6, 12)


def test_it_refuses_clearly_without_reference_data():
    LocationName.objects.all()._raw_delete(LocationName.objects.db)
    Location.objects.all()._raw_delete(Location.objects.db)
    with pytest.raises(CommandError, match="load_reference"):
        call_command("generate_corpus", enterprises=5, articles=5, stdout=io.StringIO(), stderr=io.StringIO())


def test_the_command_prints_progress_and_a_summary():
    out, err = io.StringIO(), io.StringIO()
    call_command("generate_corpus", enterprises=10, articles=30, seed=4, claims_per_article="1-2", stdout=out, stderr=err)
    assert "10 enterprises, 30 articles" in out.getvalue()
    assert "rows/s" in err.getvalue() and "articles: 30/30" in err.getvalue()
    assert Article.objects.annotate(n=Count("claims")).filter(n__gt=2).count() == 0


@pytest.mark.slow  # the whole benchmark
def test_the_benchmark_runs_end_to_end_on_a_tiny_corpus():
    out = io.StringIO()
    call_command(
        "benchmark", enterprises=40, articles=300, repeats=2, export_repeats=1, import_rows=60,
        import_repeats=1, stdout=out,
    )
    text = out.getvalue()
    for figure in (
        "generating the corpus", "1. time series", "ratio service / SQL", "--group-by region, monthly",
        "1b. the same series plain", "with coverage and per=all",
        "2. API list endpoints", "claims by date range and code", "articles by full-text search",
        "3. CSV export", "peak memory", "4. import_claims", "rows/s", "5. admin change lists",
        "enterprises, searched", "6. enterprise list evidence", "stored (public_* columns)",
    ):
        assert figure in text, figure
    # The service and the hand-written SQL agree; so do the stored and the computed evidence.
    assert "WARNING" not in text
    # Coverage adds one query, shares one more (the count of the denominators, which inside
    # this test's transaction is never kept); code bands add none (one UNION ALL).
    queries = [tuple(map(int, q)) for q in re.findall(r"queries (\d+) / (\d+)", text)]
    (plain, plain_banded), (covered, covered_banded), (shares, shares_banded), (after_write, _banded) = queries
    assert plain == plain_banded and covered == covered_banded == plain + 1 and shares == shares_banded == plain + 2
    assert after_write == plain + 2
    # Query counts are measured, not zero (the request log is read before it is reset).
    assert " 0 queries" not in text
    # The import and the benchmark's admin user were rolled back: the corpus stays as generated.
    assert Article.objects.count() == 300
    assert not get_user_model().objects.filter(username="benchmark-admin").exists()


def test_korean_headlines_and_hangul_names_are_searchable():
    """The corpus gives its enterprises Hangul names and the Korean sources' articles Korean
    headlines, with the search columns written as the services would (search.refresh_articles)."""
    from registry.articles import search

    generate_corpus(enterprises=30, articles=120, seed=9)
    assert not Enterprise.objects.filter(hangul="").exists()
    korean = Article.objects.filter(source__short_name__in=["RS", "MJ", "KCNA"])
    assert korean.exists() and not korean.filter(title_ko="").exists()
    assert not Article.objects.exclude(source__short_name__in=["RS", "MJ", "KCNA"]).exclude(title_ko="").exists()
    stored = {a.pk: (a.search_head, a.search_body, a.search_names) for a in Article.objects.all()}
    search.rebuild_all()
    assert stored == {a.pk: (a.search_head, a.search_body, a.search_names) for a in Article.objects.all()}
