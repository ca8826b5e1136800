"""Small multiples: a time series with many groups drawn as one small panel per place or
group, every panel on the same axes, instead of one tangle of lines (26 provinces with code
bands made 130 lines nobody could read). Server-side SVG, as registry/series/charts.py."""

import math
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _

from registry.series.charts import BAND_DASHES, COLOURS, FONT, nice_ticks

# More places or groups than this (each with its code bands, if asked) are drawn as panels.
MAX_LINES = 4


def wanted(result):
    return len(panels(result)) > MAX_LINES


def panels(result):
    """[(title, [(group, dash)])]: one panel per place (its code bands its lines) or group."""
    groups = result.groups
    if result.query.bands:
        per = min(5, result.query.max_code or 5)
        return [
            # The widest band (all the codes counted) solid, stricter ones ever more broken.
            (groups[i].rsplit(" ≤", 1)[0], [(g, BAND_DASHES[5 - per + j]) for j, g in enumerate(groups[i:i + per])])
            for i in range(0, len(groups), per)
        ]
    return [(group, [(group, "")]) for group in groups]


def draw(result, *, width=290, height=150, names=None):
    """[(title, svg)] for each panel; the y axis runs to the largest value of all panels.
    `names`: {group: the name a reader sees}."""
    names = names or {}
    periods = result.periods
    maximum = max((max(v) for v in result.values.values() if v), default=0)
    ticks = nice_ticks(maximum, count=3)
    left, right, top, bottom = 34, 18, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i):
        return left + (plot_w / 2 if len(periods) <= 1 else i * plot_w / (len(periods) - 1))

    def y(v):
        return top + plot_h - v * plot_h / ticks[-1]

    out = []
    for n, (title, lines) in enumerate(panels(result)):
        title = names.get(title, names.get(lines[0][0], title).rsplit(" ≤", 1)[0])
        colour = COLOURS[0] if not result.query.bands else COLOURS[n % len(COLOURS)]
        svg = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label={quoteattr(title)} {FONT} font-size="10">',
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
        ]
        for tick in ticks:
            svg.append(
                f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{"#444" if tick == 0 else "#e2e2e2"}"/>'
                f'<text x="{left - 5}" y="{y(tick) + 3:.1f}" text-anchor="end" fill="#444">{tick}</text>'
            )
        if periods:
            step = max(1, math.ceil(len(periods) / 4))
            for i, period in enumerate(periods):
                if i % step == 0 or i == len(periods) - 1:
                    svg.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" fill="#444">{escape(period)}</text>')
        for group, dash in lines:
            values = result.values[group]
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            svg.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr} stroke-linejoin="round"/>')
            for i, v in enumerate(values):
                svg.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"><title>{escape(names.get(group, group))}, {escape(periods[i])}: {v}</title></circle>')
        svg.append("</svg>")
        out.append((title, "".join(svg)))
    return out


def band_legend(result):
    """[(label, dash)] of the code bands, drawn once beside the panels."""
    if not result.query.bands:
        return []
    per = min(5, result.query.max_code or 5)
    return [(_("codes ≤%(band)s") % {"band": band}, BAND_DASHES[5 - per + i]) for i, band in enumerate(range(1, per + 1))]
