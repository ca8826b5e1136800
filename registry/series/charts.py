"""Charts drawn on the server as SVG: no script, no internet resource, and they print.

Series are told apart by colour (the Okabe–Ito palette, safe for colour-blind readers)
and by dash pattern, so a black-and-white printout still reads.
"""

import math
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext_lazy as _

COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C6D31", "#7F7F7F")
# Dash patterns told apart by more than their length: each differs from the others in how
# many dashes it has in a period or by a quarter of its ink (tests/test_greyscale_palettes.py).
DASHES = ("", "7 4", "1 3", "10 3 2 3", "4 2 1 2 1 2")
# Bands run from the strictest threshold (≤1, dotted) to all codes (solid): dots, dashes,
# dash-dot, dash-dot-dot, solid ("1 3" and "2 3" were both read as dots).
BAND_DASHES = ("1 4", "5 4", "10 3 1 3", "10 3 1 3 1 3", "")
# Reliability codes: blues for the specific codes 1–3, oranges for the weak 4 and 5. Stacked
# in this order, each at least 1.5:1 in luminance from the next, so they stay apart in grey
# (3 and 4, #9ECAE1 and #FDAE6B, were 1.05:1). The code badges (static/pages/site.css) use
# the same colours.
CODE_COLOURS = {1: "#08306B", 2: "#4292C6", 3: "#C6DBEF", 4: "#FD8D3C", 5: "#A63603"}
CODE_NAMES = {1: _("established fact"), 2: _("specific"), 3: _("unspecific"), 4: _("passing mention"), 5: _("production claim")}
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"'


def nice_ticks(maximum, count=5):
    """Round tick values from 0 to at least `maximum`: 0, 2, 4, 6 ... (integers: counts)."""
    maximum = max(maximum, 1)
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    top = step * math.ceil(maximum / step)
    return list(range(0, top + 1, step))


def series_styles(result):
    """(colour, dash) for each group of a TimeSeries: with bands, colour is the place and
    dash the band; otherwise both change from one group to the next."""
    if result.query.bands:
        per_group = min(5, result.query.max_code or 5)  # bands ≤1 … ≤max_code per place
        return [
            (COLOURS[(i // per_group) % len(COLOURS)], BAND_DASHES[i % per_group])
            for i in range(len(result.groups))
        ]
    return [(COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]) for i in range(len(result.groups))]


def line_chart(result, *, width=900, height=320, title="", names=None, axis=""):
    """An SVG line chart of a TimeSeries: one line per group along its periods. `names`:
    {group: the name a reader sees} (a page's language); `axis`: the metric in words."""
    periods, groups = result.periods, result.groups
    names = names or {}
    left, right, top, bottom = 52, 20, 18, 44
    legend_item, legend_row = 190, 22
    per_row = max(1, (width - left - right) // legend_item)
    legend_rows = math.ceil(len(groups) / per_row) if groups else 0
    total_height = height + legend_rows * legend_row + 8
    plot_w, plot_h = width - left - right, height - top - bottom
    label = title or f"{result.query.metric} per {result.query.interval}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total_height}" '
        f'width="{width}" height="{total_height}" role="img" aria-label={quoteattr(label)} {FONT} font-size="12">',
        f"<title>{escape(label)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{total_height}" fill="#fff"/>',
    ]
    if not periods:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#555">{escape(str(_("No data for these choices.")))}</text></svg>')
        return "".join(out)

    # An unread period (no coverage) has no value: a gap in its line, not a point at 0.
    maximum = max((v for values in result.values.values() for v in values if v is not None), default=0)
    # Shares (per=all) run from 0 to 1: ticks in percent.
    scale = 100 if result.query.per else 1
    # Counts stay integers (t / 1 was a float: the axis read "1.0, 0.0").
    ticks = [t / scale for t in nice_ticks(maximum * scale)] if scale != 1 else nice_ticks(maximum)

    def x(i):
        return left + (plot_w / 2 if len(periods) == 1 else i * plot_w / (len(periods) - 1))

    def y(v):
        return top + plot_h - v * plot_h / ticks[-1]

    for tick in ticks:
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{"#444" if tick == 0 else "#ddd"}" stroke-width="1"/>'
            f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#333">{f"{tick * 100:g}%" if scale == 100 else tick}</text>'
        )
    step = max(1, math.ceil(len(periods) / max(1, plot_w // 64)))
    for i, period in enumerate(periods):
        if i % step == 0:
            out.append(
                f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{top + plot_h}" y2="{top + plot_h + 5}" stroke="#444"/>'
                f'<text x="{x(i):.1f}" y="{top + plot_h + 19}" text-anchor="middle" fill="#333">{escape(period)}</text>'
            )
    share = " (" + str(_("share of all articles")) + ")"
    out.append(
        f'<text x="14" y="{top + plot_h / 2:.1f}" transform="rotate(-90 14 {top + plot_h / 2:.1f})" '
        f'text-anchor="middle" fill="#333">{escape(axis or result.query.metric)}{share if scale == 100 else ""}</text>'
    )

    styles = series_styles(result)
    per_group = min(5, result.query.max_code or 5) if result.query.bands else 0
    for n, (group, (colour, dash)) in enumerate(zip(groups, styles)):
        # Earlier lines are drawn wider, so a line that coincides with a later one still shows.
        # With bands, a place's five lines share one width; the dash tells them apart.
        rank, ranks = (n // per_group, len(groups) // per_group) if per_group else (n, len(groups))
        stroke = 2 + 1.8 * (ranks - 1 - rank) / max(1, ranks - 1)
        values = result.values[group]
        runs = [[]]
        for i, v in enumerate(values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="series" data-group={quoteattr(group)}>')
        for run in (run for run in runs if run):
            out.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="{stroke:.1f}"{dash_attr} '
                f'stroke-linejoin="round" stroke-linecap="round"/>'
            )
        for i, v in enumerate(values):
            if v is None:
                continue
            out.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}" stroke="#fff" stroke-width="1">'
                f"<title>{escape(names.get(group, group))}, {escape(periods[i])}: {v}</title></circle>"
            )
        out.append("</g>")

    for n, (group, (colour, dash)) in enumerate(zip(groups, styles)):
        lx = left + (n % per_row) * legend_item
        ly = height + (n // per_row) * legend_row + 4
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{lx}" x2="{lx + 36}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="3"{dash_attr}/>'
            f'<circle cx="{lx + 18}" cy="{ly}" r="3.5" fill="{colour}"/>'
            f'<text x="{lx + 44}" y="{ly + 4}" fill="#111">{escape(names.get(group, group))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def timeline_strip(counts, *, column=34, bar_area=80):
    """An enterprise's claims per year, stacked by code: `counts` is [(year, code, n)].

    Every year from the first to the last appears, so gaps in the evidence show."""
    if not counts:
        return ""
    years = list(range(min(c[0] for c in counts), max(c[0] for c in counts) + 1))
    by_year = {}
    for year, code, n in counts:
        by_year.setdefault(year, {})[code] = n
    tallest = max(sum(codes.values()) for codes in by_year.values())
    top, bottom, left = 16, 22, 8
    unit = min(14, bar_area / tallest)
    height = top + bottom + tallest * unit
    legend_w = 5 * 132
    width = max(left * 2 + len(years) * column, legend_w + 16)
    total = height + 26
    # Outside the f-strings: xgettext (makemessages) does not look inside them.
    label, title = str(_("claims per year, by reliability code")), str(_("Claims per year, by reliability code"))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total}" width="{width}" height="{total}" '
        f'role="img" aria-label={quoteattr(label)} {FONT} font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    base = height - bottom
    for i, year in enumerate(years):
        cx = left + i * column
        y_cursor = base
        codes = by_year.get(year, {})
        for code in sorted(codes):
            h = codes[code] * unit
            y_cursor -= h
            tip = _("%(year)s: %(count)s claim(s) at code %(code)s") % {"year": year, "count": codes[code], "code": code}
            out.append(
                f'<rect x="{cx + 4}" y="{y_cursor:.1f}" width="{column - 8}" height="{h:.1f}" '
                f'fill="{CODE_COLOURS[code]}" stroke="#fff" stroke-width="1">'
                f"<title>{escape(tip)}</title></rect>"
            )
        if codes:
            out.append(f'<text x="{cx + column / 2}" y="{y_cursor - 3:.1f}" text-anchor="middle" fill="#333">{sum(codes.values())}</text>')
        out.append(f'<text x="{cx + column / 2}" y="{base + 14}" text-anchor="middle" fill="#333">{year}</text>')
    out.append(f'<line x1="{left}" x2="{left + len(years) * column}" y1="{base}" y2="{base}" stroke="#444"/>')
    for code in range(1, 6):
        lx = left + (code - 1) * 132
        out.append(
            f'<rect x="{lx}" y="{height + 6}" width="12" height="12" fill="{CODE_COLOURS[code]}"/>'
            f'<text x="{lx + 16}" y="{height + 16}" fill="#111">{code} {escape(str(CODE_NAMES[code]))}</text>'
        )
    out.append("</svg>")
    return "".join(out)
