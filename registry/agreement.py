"""Inter-coder agreement: Krippendorff's alpha between two codings of the same articles.

A coding is {(article, enterprise, activity): code}, over articles both coders coded.

- The code (ordinal): the units are every article x enterprise x activity that either coder
  recorded; a unit one coder did not record is missing for that coder.
- The activity (nominal): the units are every article x enterprise that either coder
  recorded; each coder's value is the set of activities they recorded for it ("facility",
  "modernization+technology"), or "none" if they recorded nothing for that enterprise in the
  article. A claim one coder saw and the other did not is so a disagreement. (Coding
  "recorded or not" over the first units instead gives a value 0 only where the coders
  disagree, so alpha can never exceed 0 however well they agree.)

Alpha is computed by the `krippendorff` package; its 95% interval by a bootstrap over units
(seeded, so a report is repeatable). >= 0.80 reliable, >= 0.667 tentative (Krippendorff 2004).

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


def _alphas(coincidences, values, level):
    """Alpha of each of a stack of coincidence matrices (samples x values x values), NaN
    where undefined (Krippendorff 2011: n_c, the metric delta, 1 - (n-1) Do / De)."""
    n_c = coincidences.sum(axis=2)
    n = n_c.sum(axis=1)
    size = len(values)
    if level == "nominal":
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


def _alpha_of(coincidences, values, level):
    value = _alphas(coincidences[None], values, level)[0]
    return None if numpy.isnan(value) else float(value)


def bootstrap(data, level, *, samples=BOOTSTRAP_SAMPLES, seed=0):
    """A 95% percentile interval of alpha over units resampled with replacement. Each
    resample's alpha comes from the units' coincidence matrices weighted by how often each
    was picked: the same alpha as the package's (tests/test_agreement.py), for all resamples
    in a few array operations rather than a thousand calls of the package (seconds per view
    of a round's page for a few hundred units)."""
    units = len(data[0]) if data else 0
    if units < 2:
        return None
    values, per_unit = _per_unit(data)
    # How often each unit is picked in each resample: `units` draws with replacement.
    weights = numpy.random.default_rng(seed).multinomial(units, [1 / units] * units, size=samples)
    stack = (weights @ per_unit.reshape(units, -1)).reshape(samples, len(values), len(values))
    found = _alphas(stack, values, level)
    found = sorted(float(v) for v in found[~numpy.isnan(found)])
    if len(found) < samples // 2:
        return None
    return (round(found[int(0.025 * (len(found) - 1))], 3), round(found[int(0.975 * (len(found) - 1))], 3))


def verdict(value):
    if value is None:
        return "undefined"
    return "reliable" if value >= RELIABLE else "tentative" if value >= TENTATIVE else "unreliable"


NONE = "none"


def activity_values(coding, pairs):
    """Each (article, enterprise) of `pairs` -> the activities `coding` recorded for it,
    joined with "+", or NONE."""
    found = {}
    for article, enterprise, activity in coding:
        found.setdefault((article, enterprise), set()).add(activity)
    return ["+".join(sorted(found[p])) if p in found else NONE for p in pairs]


def compare(first, second, *, seed=0):
    """Agreement of two codings ({(article, enterprise, activity): code}) of the same articles."""
    units = sorted(set(first) | set(second))
    codes = [[first.get(u) for u in units], [second.get(u) for u in units]]
    pairs = sorted({(a, e) for a, e, _ in units})
    labels = [activity_values(first, pairs), activity_values(second, pairs)]
    categories = {label: i for i, label in enumerate(sorted(set(labels[0]) | set(labels[1])))}
    activities = [[categories[label] for label in row] for row in labels]
    result = {"units": len(units)}
    for name, data, level, n in (("code", codes, "ordinal", len(units)), ("activity", activities, "nominal", len(pairs))):
        value = alpha(data, level)
        result[name] = {
            "alpha": None if value is None else round(value, 3), "level": level, "verdict": verdict(value), "units": n,
            "interval": bootstrap(data, level, seed=seed) if value is not None else None,
        }
    result["disagreements"] = [
        {"unit": u, "first": first.get(u), "second": second.get(u)} for u in units if first.get(u) != second.get(u)
    ]
    return result
