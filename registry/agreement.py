"""Inter-coder agreement: Krippendorff's alpha between two codings of the same articles.

A coding is {(article, enterprise, activity): code}: the units are every article x
enterprise x activity that either coder recorded. For the code (ordinal), a unit one coder
did not record is missing for that coder; for the activity (nominal), each coder's value is
whether they recorded the unit at all, so a claim one coder saw and the other did not is a
disagreement. Alpha is computed by the `krippendorff` package; its 95% interval by a
bootstrap over units (seeded, so a report is repeatable). >= 0.80 reliable, >= 0.667
tentative (Krippendorff 2004).

    result = compare(first, second)
    result["code"]["alpha"], result["code"]["interval"], result["disagreements"]
"""

import math
import random

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


def bootstrap(data, level, *, samples=BOOTSTRAP_SAMPLES, seed=0):
    """A 95% percentile interval of alpha over units resampled with replacement."""
    units = len(data[0]) if data else 0
    if units < 2:
        return None
    rng = random.Random(seed)
    values = []
    for _ in range(samples):
        picks = [rng.randrange(units) for _ in range(units)]
        value = alpha([[row[i] for i in picks] for row in data], level)
        if value is not None:
            values.append(value)
    if len(values) < samples // 2:
        return None
    values.sort()
    return (round(values[int(0.025 * (len(values) - 1))], 3), round(values[int(0.975 * (len(values) - 1))], 3))


def verdict(value):
    if value is None:
        return "undefined"
    return "reliable" if value >= RELIABLE else "tentative" if value >= TENTATIVE else "unreliable"


def compare(first, second, *, seed=0):
    """Agreement of two codings ({(article, enterprise, activity): code})."""
    units = sorted(set(first) | set(second))
    codes = [[first.get(u) for u in units], [second.get(u) for u in units]]
    recorded = [[1 if u in first else 0 for u in units], [1 if u in second else 0 for u in units]]
    result = {"units": len(units)}
    for name, data, level in (("code", codes, "ordinal"), ("activity", recorded, "nominal")):
        value = alpha(data, level)
        result[name] = {
            "alpha": None if value is None else round(value, 3), "level": level, "verdict": verdict(value),
            "interval": bootstrap(data, level, seed=seed) if value is not None else None,
        }
    result["disagreements"] = [
        {"unit": u, "first": first.get(u), "second": second.get(u)} for u in units if first.get(u) != second.get(u)
    ]
    return result
