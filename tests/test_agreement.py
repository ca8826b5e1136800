"""Krippendorff's alpha: the published worked example, and a tiny case by hand."""

import pytest

import random

import numpy

from registry.method.agreement import _alpha_of, _per_unit, alpha, bootstrap, compare, verdict

N = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example of four
# coders and twelve units with missing values; his printed alphas: nominal 0.743,
# ordinal 0.815, interval 0.849 (the krippendorff package's own tests use the same data).
PUBLISHED = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


@pytest.mark.parametrize("level, printed", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_the_published_example(level, printed):
    assert round(alpha(PUBLISHED, level), 3) == printed


def test_a_tiny_case_by_hand():
    # Two coders, four units: (1,1) (1,1) (2,2) (2,1). Coincidences: o11 = 4, o22 = 2,
    # o12 = o21 = 1; n1 = 5, n2 = 3, n = 8. Do = 2/8; De = 2*5*3/(8*7) = 30/56.
    # alpha = 1 - Do/De = 1 - 7/15 = 8/15.
    assert alpha([[1, 1, 2, 2], [1, 1, 2, 1]], "nominal") == pytest.approx(8 / 15)


def test_undefined_without_variation_or_pairs():
    assert alpha([[1, 1], [1, 1]], "nominal") is None
    assert alpha([[1, N], [N, 2]], "nominal") is None
    assert verdict(None) == "undefined" and verdict(0.8) == "reliable" and verdict(0.7) == "tentative" and verdict(0.5) == "unreliable"


def test_compare_two_codings_over_the_units_either_recorded():
    first = {(1, 10, "production"): 3, (1, 11, "facility"): 2, (2, 10, "construction"): 1, (3, 12, "production"): 4}
    second = {(1, 10, "production"): 3, (2, 10, "construction"): 1, (3, 12, "production"): 5, (3, 12, "operation"): 2}
    result = compare(first, second)
    assert result["units"] == 5
    # The activity: units article x enterprise, values the activity sets. (1,10) production
    # / production; (1,11) facility / none; (2,10) construction / construction; (3,12)
    # production / operation+production. Coincidences: 4 agreeing values, 4 disagreeing
    # (facility-none, production-operation+production, both ways); n = 8, marginals
    # construction 2, production 3, facility, none, operation+production 1 each.
    # Do = 4/8; De = (64 - (4 + 9 + 1 + 1 + 1)) / 56 = 48/56; alpha = 1 - 28/48 = 5/12.
    # That is the nominal-set variant, kept as a sensitivity row:
    assert result["activity_nominal"]["units"] == 4
    assert result["activity_nominal"]["alpha"] == round(5 / 12, 3)
    # The activity alpha proper uses MASI: production vs operation+production is
    # 1 - (1/2)(2/3) = 2/3 apart, every other disagreement 1. Observed sum 2 x 1 + 2 x 2/3 =
    # 10/3; expected sum 48 less 2 x (3 x 1) x (1 - 2/3) = 46; alpha = 1 - 7 (10/3) / 46 = 68/138.
    assert result["activity"]["units"] == 4 and result["activity"]["level"] == "MASI"
    assert result["activity"]["alpha"] == round(68 / 138, 3) == 0.493
    # The code alpha is over the 3 units both coders recorded; 1 unit each coder alone.
    assert result["code"]["units"] == 3
    assert result["code"]["one_coder_only"] == {"first": 1, "second": 1}
    assert result["disagreements"] == [
        {"unit": (1, 11, "facility"), "first": 2, "second": None},
        {"unit": (3, 12, "operation"), "first": None, "second": 2},
        {"unit": (3, 12, "production"), "first": 4, "second": 5},
    ]
    # The code (ordinal), over the five units; pairable: (1,10,production) 3/3,
    # (2,10,construction) 1/1, (3,12,production) 4/5. Values 3,3,1,1,4,5: n = 6, marginals
    # n1 = 2, n3 = 2, n4 = 1, n5 = 1. Ordinal distance d(c,k) = (sum of n_g for g from c to k
    # - (n_c + n_k)/2)^2: d(1,3) = (4-2)^2 = 4, d(1,4) = (5-1.5)^2 = 12.25, d(1,5) = (6-1.5)^2
    # = 20.25, d(3,4) = (3-1.5)^2 = 2.25, d(3,5) = (4-1.5)^2 = 6.25, d(4,5) = (2-1)^2 = 1.
    # Do = (1/6)(1 + 1) = 1/3. De = 2(2*2*4 + 2*1*12.25 + 2*1*20.25 + 2*1*2.25 + 2*1*6.25
    # + 1*1*1) / (6*5) = 198/30 = 6.6. alpha = 1 - (1/3)/6.6 = 1 - 1/19.8 = 0.9495.
    assert result["code"]["units"] == 3  # the units both coded
    assert result["code"]["alpha"] == 0.949
    low, high = result["code"]["interval"]
    assert low <= result["code"]["alpha"] <= high


def test_the_bootstrap_is_repeatable():
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2], [1, 2, 3, 3, 2, 2, 4, 1, 2]]
    assert bootstrap(data, "ordinal", samples=200, seed=5) == bootstrap(data, "ordinal", samples=200, seed=5)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_the_bootstraps_alpha_is_the_packages(level):
    # The bootstrap weighs each unit's coincidences by how often it was picked; with every
    # unit once it must give the package's alpha, and for a resample the package's alpha of
    # the resampled data.
    values, per_unit = _per_unit(PUBLISHED)
    assert _alpha_of(per_unit.sum(axis=0), values, level) == pytest.approx(alpha(PUBLISHED, level))
    rng = random.Random(3)
    picks = [rng.randrange(12) for _ in range(12)]
    weights = numpy.bincount(picks, minlength=12).astype(float)
    resampled = [[row[i] for i in picks] for row in PUBLISHED]
    assert _alpha_of(numpy.tensordot(weights, per_unit, axes=1), values, level) == pytest.approx(alpha(resampled, level))


# --- MASI, articles resampled, the verdict from the lower bound (issue 25) ------------------


def test_masi_distance_follows_passonneau():
    from registry.method.agreement import jaccard_distance, masi_distance

    # Passonneau (2006), "Measuring agreement on set-valued items (MASI) for semantic and
    # pragmatic annotation": MASI = 1 - J x M, M = 1 (identical), 2/3 (subsumption), 1/3
    # (overlap), 0 (disjoint). Her cases:
    assert masi_distance({"A", "B"}, {"A", "B"}) == 0
    assert masi_distance({"A"}, {"A", "B"}) == pytest.approx(1 - (1 / 2) * (2 / 3))  # 0.667
    assert masi_distance({"A", "B"}, {"A", "C"}) == pytest.approx(1 - (1 / 3) * (1 / 3))  # 0.889
    assert masi_distance({"A"}, {"B"}) == 1
    # NLTK's doctest, masi_distance({1, 2}, {1, 2, 3, 4}) = 0.665, rounds M to 0.67; exactly:
    assert masi_distance({1, 2}, {1, 2, 3, 4}) == pytest.approx(1 - 0.5 * 2 / 3) and round(1 - 0.5 * 0.67, 3) == 0.665
    # The case: "facility" vs "construction + facility" is not a total disagreement.
    assert round(masi_distance({"facility"}, {"construction", "facility"}), 3) == 0.667
    assert jaccard_distance({"facility"}, {"construction", "facility"}) == 0.5
    assert masi_distance(set(), set()) == 0 and masi_distance(set(), {"facility"}) == 1


def test_alpha_with_the_nominal_distance_matrix_is_the_packages():
    import numpy as np

    values, per_unit = _per_unit(PUBLISHED)
    delta = 1 - np.eye(len(values))
    assert _alpha_of(per_unit.sum(axis=0), values, "masi", delta) == pytest.approx(alpha(PUBLISHED, "nominal"))


def test_the_bootstrap_resamples_articles():
    # Two articles: article 1 holds units 0-2 (all agreeing), article 2 unit 3 (1 vs 3).
    # Resampling articles keeps article 1's units together: a resample of article 1 alone
    # agrees throughout (alpha 1), the top of the interval; resampling units mixes them finer.
    data = [[1, 2, 3, 1], [1, 2, 3, 3]]
    by_article = bootstrap(data, "nominal", samples=400, seed=1, clusters=[1, 1, 1, 2])
    by_unit = bootstrap(data, "nominal", samples=400, seed=1)
    assert by_article != by_unit
    assert by_article[1] == 1.0


def test_the_verdict_reads_the_lower_bound():
    # The methodologist's case: a point estimate 0.816 over an interval 0.531-1.0 is not reliable.
    from registry.method.agreement import _measure

    assert _measure(0.816, (0.531, 1.0), "MASI", 11)["verdict"] == "unreliable"
    assert _measure(0.9, (0.7, 1.0), "MASI", 11)["verdict"] == "tentative"
    assert _measure(0.95, (0.85, 1.0), "MASI", 11)["verdict"] == "reliable"
    assert _measure(0.95, None, "MASI", 1)["verdict"] == "undefined"
