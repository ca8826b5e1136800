"""What a series' groups are called: a stable machine name and readable labels.

A series' group (`result.groups`, the CSV's `group` column, the JSON's keys) is the English
or romanized name, whatever the request's language, so that a script reading a column never
breaks on a language cookie. Beside it each group carries its `slug` (the parameter that
asks for it), its `name` (romanized) and its `hangul` (from the reference data; empty for
an industry, which has none yet), and a `label` in the language asked for: the Hangul name in
Korean, the name in English.

The groups are listed in the order registry.series.timeseries._groups makes them (the places as
asked; provinces by ISO code; top industries by name; grades and tiers in codebook order),
each repeated per code band ("Pyongyang ≤2"); names() pairs them with result.groups and
falls back to the group's own text where they could not be paired.
"""

from django.utils import translation

from registry.method.codebook import Grade, Tier
from registry.models import Industry, Location
from registry.places.reference import hangul_stem
from registry.series.params import bands_of
from registry.releases import provenance


def _place(place, label):
    hangul = place.hangul if place.hangul.endswith("도") else hangul_stem(place.hangul)
    return {"slug": place.slug, "name": label, "hangul": hangul}


def _choice(value, label):
    with translation.override("en"):
        name = str(label).split(" (")[0]
    with translation.override("ko"):
        hangul = str(label).split(" (")[0]
    return {"slug": str(value), "name": name, "hangul": hangul}


def _base(query):
    if query.regions:
        names = [place.name for place in query.regions]
        return [_place(p, p.name if names.count(p.name) == 1 else str(p)) for p in query.regions]
    if query.group_by == "region":
        return [_place(r, r.name) for r in Location.objects.filter(level=1).order_by("iso_code", "name")]
    if query.group_by == "industry":
        return [{"slug": i.slug, "name": i.name, "hangul": ""} for i in Industry.objects.filter(parent=None).order_by("name")]
    if query.group_by == "grade":
        return [_choice(v, l) for v, l in Grade.choices]
    if query.group_by == "tier":
        return [_choice(v, l) for v, l in Tier.choices]
    return [{"slug": "all", "name": "all", "hangul": "전체"}]


def names(result):
    """[{"group", "slug", "name", "hangul"}] for each of result.groups, in order."""
    query = result.query
    bands = bands_of(query.max_code) if query.bands else [None]
    described = []
    for base in _base(query):
        for band in bands:
            if band is None:
                described.append(dict(base))
            else:
                described.append({"slug": f"{base['slug']}-le{band}", "name": f"{base['name']} ≤{band}",
                                  "hangul": f"{base['hangul']} ≤{band}" if base["hangul"] else ""})
    if len(described) != len(result.groups):
        described = [{"slug": "", "name": g, "hangul": ""} for g in result.groups]
    return [{"group": group, **d} for group, d in zip(result.groups, described)]


def local_name(thing, language=None):
    """A place's (or enterprise's, source's) name for a reader of `language` (the active
    one by default): its Hangul in Korean when it has one (a city without its 시, as the
    press writes it; a province keeps its 도), else its romanized name."""
    language = language or translation.get_language()
    hangul = getattr(thing, "hangul", "")
    if language == "ko" and hangul:
        return hangul if hangul.endswith("도") or not isinstance(thing, Location) else hangul_stem(hangul)
    return thing.name


def label(described, language):
    """The group's name for a reader of `language` ("ko": its Hangul, when it has one)."""
    if language == "ko" and described["hangul"]:
        return described["hangul"]
    return described["name"]


def labelled(result, language):
    """The long table with label columns: period, group, value, flag, then slug, name,
    hangul and the label in `language`. The first four columns are table()'s own."""
    by_group = {d["group"]: d for d in names(result)}
    header = ("period", "group", "value", "flag", "group_slug", "group_name", "group_hangul", "group_label")
    rows = [
        (period, group, value, flag, by_group[group]["slug"], by_group[group]["name"], by_group[group]["hangul"],
         label(by_group[group], language))
        for period, group, value, flag in result.rows()
    ]
    return [header, *rows]


def wide(result, language=""):
    """Periods as rows, groups as columns (the pivot of the long table), and each period's
    flag last; the columns are the groups' machine names, or with `language` their labels."""
    described = names(result)
    header = ("period", *[label(d, language) if language else d["group"] for d in described], "flag")
    flags = result.flags()
    rows = [(period, *[result.values[g][i] for g in result.groups], flags[i]) for i, period in enumerate(result.periods)]
    return [header, *rows]


def period_value(period, interval):
    """A period as a spreadsheet holds it: a year as a number, a month as the date of its
    first day (shown YYYY-MM-DD), a quarter as its text ("2015-Q2")."""
    import datetime

    if interval == "year" and str(period).isdigit():
        return int(period)
    if interval == "month" and len(str(period)) == 7:
        year, month = str(period).split("-")
        return datetime.date(int(year), int(month), 1)
    return period


def about(result, stamp, url):
    """The xlsx's second sheet: [(key, text)] saying what the numbers are and where from."""
    query = result.query
    parameters = "&".join(f"{k}={v}" for k, v in query.parameters().items())
    return [
        ("question", f"{query.metric} per {query.interval}; groups: {', '.join(result.groups) or 'none'}"),
        ("parameters", parameters),
        ("data_version", provenance.text(stamp)),
        ("codebook_version", stamp["codebook_version"]),
        ("coverage", result.coverage_text()),
        ("left_out", result.left_out_text()),
        ("source", url),
        ("cite", f"North Korean enterprise registry, time series ({parameters}); {provenance.text(stamp)}; "
                 f"codebook version {stamp['codebook_version']}; {url}"),
    ]
