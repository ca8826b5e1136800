"""Inter-coder agreement: Krippendorff's alpha between two codings of the same articles.

A coding is {(article, enterprise, activity): code}, over articles both coders coded
(registry/method/rules.py, rules "alpha-code", "alpha-activity", "alpha-verdict").

- The code (ordinal): over the units both coders recorded (article x enterprise x activity);
  a unit one coder recorded and the other did not has no pair of codes and is reported
  apart (`one_coder_only`: how many each coder alone recorded) — the activity alpha is where
  such an omission counts as a disagreement.
- The activity: the units are every article x enterprise that either coder recorded; each
  coder's value is the set of activities they recorded for it (empty if they recorded nothing
  for that enterprise in the article). The distance of two sets is Passonneau's MASI (2006):
  1 - J x M, J the Jaccard share |A & B| / |A | B|, M 1 for equal sets, 2/3 where one holds
  the other, 1/3 where they overlap otherwise, 0 where they are disjoint; so "facility" and
  "construction + facility" are 0.667 apart, not a total disagreement. The nominal-set variant
  (each distinct set one category) is kept as a sensitivity row (`activity_nominal`).

Alpha is computed by the `krippendorff` package (code) and from the coincidence matrix with the
MASI distance (activity; with the nominal distance it equals the package's, a test checks).
Its 95% interval comes from a bootstrap over *articles* (the sampled unit: each resampled
article brings all its units), seeded, so a report is repeatable. The verdict reads the
interval's lower bound: >= 0.80 reliable, >= 0.667 tentative (Krippendorff 2004), else
unreliable; "undefined" where there is no interval.

    result = compare(first, second)
    result["code"]["alpha"], result["code"]["interval"], result["disagreements"]
"""

import math

import krippendorff
import numpy

RELIABLE, TENTATIVE = 0.8, 0.667
BOOTSTRAP_SAMPLES = 1000


def alpha(data, level):
    """Alpha of a coders x units matrix (None/nan: missing); None where it is undefined (no
    unit coded twice, or a single value throughout)."""
    matrix = numpy.array([[numpy.nan if v is None else v for v in row] for row in data], dtype=float)
    pairable = (~numpy.isnan(matrix)).sum(axis=0) >= 2
    if pairable.sum() == 0 or len(numpy.unique(matrix[:, pairable][~numpy.isnan(matrix[:, pairable])])) < 2:
        return None
    value = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    return None if math.isnan(value) else float(value)


def _per_unit(data):
    """The values, and each unit's coincidence matrix (values x values): a unit of m values
    adds 1/(m-1) for every ordered pair of its values (Krippendorff's o_ck); a unit with
    fewer than two values adds nothing."""
    matrix = numpy.array([[numpy.nan if v is None else v for v in row] for row in data], dtype=float)
    values = numpy.unique(matrix[~numpy.isnan(matrix)])
    per_unit = numpy.zeros((matrix.shape[1], len(values), len(values)))
    for u in range(matrix.shape[1]):
        column = matrix[:, u][~numpy.isnan(matrix[:, u])]
        if len(column) < 2:
            continue
        counts = numpy.array([(column == v).sum() for v in values], dtype=float)
        per_unit[u] = (numpy.outer(counts, counts) - numpy.diag(counts)) / (len(column) - 1)
    return values, per_unit


def _alphas(coincidences, values, level, delta=None):
    """Alpha of each of a stack of coincidence matrices (samples x values x values), NaN
    where undefined (Krippendorff 2011: n_c, the metric delta, 1 - (n-1) Do / De). `delta`:
    a values x values distance matrix (MASI) instead of the level's."""
    n_c = coincidences.sum(axis=2)
    n = n_c.sum(axis=1)
    size = len(values)
    if delta is not None:
        delta = numpy.asarray(delta, dtype=float)[None]
    elif level == "nominal":
        delta = (1.0 - numpy.eye(size))[None]
    elif level == "ordinal":
        # The distance of c and k: the values from c to k counted, less half of c's and k's.
        cumulative = numpy.concatenate([numpy.zeros((len(n_c), 1)), numpy.cumsum(n_c, axis=1)], axis=1)
        low = numpy.minimum.outer(numpy.arange(size), numpy.arange(size))
        high = numpy.maximum.outer(numpy.arange(size), numpy.arange(size))
        delta = (cumulative[:, high + 1] - cumulative[:, low] - (n_c[:, low] + n_c[:, high]) / 2) ** 2
    else:
        delta = (numpy.subtract.outer(values, values) ** 2)[None]
    expected = (n_c[:, :, None] * n_c[:, None, :] * delta).sum(axis=(1, 2))
    observed = (coincidences * delta).sum(axis=(1, 2))
    defined = ((n_c > 0).sum(axis=1) >= 2) & (expected > 0)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return numpy.where(defined, 1 - (n - 1) * observed / expected, numpy.nan)


def _alpha_of(coincidences, values, level, delta=None):
    value = _alphas(coincidences[None], values, level, delta)[0]
    return None if numpy.isnan(value) else float(value)


def bootstrap(data, level, *, samples=BOOTSTRAP_SAMPLES, seed=0, clusters=None, delta=None):
    """A 95% percentile interval of alpha over units resampled with replacement — or, with
    `clusters` (each unit's article), over articles resampled with replacement, each bringing
    all its units. Each resample's alpha comes from the coincidence matrices weighted by how
    often each was picked: the same alpha as the package's (tests/test_agreement.py), for all
    resamples in a few array operations rather than a thousand calls of the package.
    `delta`: a distance matrix over the values (MASI) instead of the level's."""
    units = len(data[0]) if data else 0
    if units < 2:
        return None
    values, per_unit = _per_unit(data)
    if clusters is not None:
        groups = sorted(set(clusters))
        members = numpy.zeros((len(groups), units))
        for u, cluster in enumerate(clusters):
            members[groups.index(cluster), u] = 1
        per_unit = numpy.tensordot(members, per_unit, axes=1)  # per article
        units = len(groups)
        if units < 2:
            return None
    # How often each unit (article) is picked in each resample: `units` draws with replacement.
    weights = numpy.random.default_rng(seed).multinomial(units, [1 / units] * units, size=samples)
    stack = (weights @ per_unit.reshape(units, -1)).reshape(samples, len(values), len(values))
    found = _alphas(stack, values, level, delta)
    found = sorted(float(v) for v in found[~numpy.isnan(found)])
    if len(found) < samples // 2:
        return None
    return (round(found[int(0.025 * (len(found) - 1))], 3), round(found[int(0.975 * (len(found) - 1))], 3))


def verdict(value):
    """The verdict of a value: compare() gives it the interval's lower bound."""
    if value is None:
        return "undefined"
    return "reliable" if value >= RELIABLE else "tentative" if value >= TENTATIVE else "unreliable"


def masi_distance(a, b):
    """Passonneau's (2006) MASI distance of two sets: 1 - Jaccard x monotonicity (1 equal, 2/3
    one holds the other, 1/3 overlapping, 0 disjoint). Two empty sets are equal (0)."""
    a, b = set(a), set(b)
    if a == b:
        return 0.0
    union = a | b
    jaccard = len(a & b) / len(union)
    monotonicity = 2 / 3 if (a <= b or b <= a) else 1 / 3 if a & b else 0.0
    return 1.0 - jaccard * monotonicity


def jaccard_distance(a, b):
    a, b = set(a), set(b)
    return 0.0 if not (a | b) else 1.0 - len(a & b) / len(a | b)


NONE = "none"


def activity_values(coding, pairs):
    """Each (article, enterprise) of `pairs` -> the activities `coding` recorded for it,
    joined with "+", or NONE."""
    found = {}
    for article, enterprise, activity in coding:
        found.setdefault((article, enterprise), set()).add(activity)
    return ["+".join(sorted(found[p])) if p in found else NONE for p in pairs]


def _set_of(label):
    return frozenset() if label == NONE else frozenset(label.split("+"))


def set_alpha(labels, distance=masi_distance, *, clusters=None, seed=0):
    """(alpha, interval) of two coders' set labels (activity_values) under a set distance."""
    names = sorted(set(labels[0]) | set(labels[1]))
    index = {label: i for i, label in enumerate(names)}
    data = [[index[label] for label in row] for row in labels]
    delta = [[distance(_set_of(a), _set_of(b)) for b in names] for a in names]
    values, per_unit = _per_unit(data)
    if len(values) < 2:
        return None, None
    # _per_unit numbers the values present; here every name is present, in the same order.
    value = _alpha_of(per_unit.sum(axis=0), values, "masi", delta)
    interval = bootstrap(data, "masi", seed=seed, clusters=clusters, delta=delta) if value is not None else None
    return value, interval


def _measure(value, interval, level, units, **more):
    return {
        "alpha": None if value is None else round(value, 3), "level": level, "units": units,
        "interval": interval, "verdict": verdict(interval[0]) if interval else "undefined", **more,
    }


def compare(first, second, *, seed=0):
    """Agreement of two codings ({(article, enterprise, activity): code}) of the same articles."""
    units = sorted(set(first) | set(second))
    both = [u for u in units if u in first and u in second]
    codes = [[first[u] for u in both], [second[u] for u in both]]
    value = alpha(codes, "ordinal")
    interval = bootstrap(codes, "ordinal", seed=seed, clusters=[u[0] for u in both]) if value is not None else None
    result = {"units": len(units)}
    result["code"] = _measure(value, interval, "ordinal", len(both), one_coder_only={
        "first": sum(1 for u in units if u not in second), "second": sum(1 for u in units if u not in first)})

    pairs = sorted({(a, e) for a, e, _ in units})
    labels = [activity_values(first, pairs), activity_values(second, pairs)]
    articles = [a for a, _e in pairs]
    value, interval = set_alpha(labels, masi_distance, clusters=articles, seed=seed)
    result["activity"] = _measure(value, interval, "MASI", len(pairs))
    # Sensitivity: each distinct set of activities one nominal category.
    categories = {label: i for i, label in enumerate(sorted(set(labels[0]) | set(labels[1])))}
    nominal = [[categories[label] for label in row] for row in labels]
    value = alpha(nominal, "nominal")
    interval = bootstrap(nominal, "nominal", seed=seed, clusters=articles) if value is not None else None
    result["activity_nominal"] = _measure(value, interval, "nominal (each set one category)", len(pairs))
    result["disagreements"] = [
        {"unit": u, "first": first.get(u), "second": second.get(u)} for u in units if first.get(u) != second.get(u)
    ]
    return result
