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
