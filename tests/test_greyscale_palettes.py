"""Palettes and dashes that stay apart in grey (a black-and-white printout, a reader who sees
no colour): neighbouring classes of the map, stacked codes of the strip chart and the code
badges differ by at least 1.5:1 in WCAG relative luminance; every dash pattern of a chart
differs from the others in its number of dashes per period or by a quarter of its ink.

Relative luminance and contrast as WCAG 2.x defines them, computed here by hand from the
hex colours (a second, independent statement of the formula: it is not the code's)."""

import re
from itertools import combinations
from pathlib import Path

import pytest

from registry.series import charts, maps

CSS = Path(__file__).resolve().parent.parent / "static" / "pages" / "site.css"


def luminance(hex_colour):
    def channel(byte):
        c = byte / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_formula_against_known_values():
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    # The two findings, before: the map's "0" (white) and "1–2" (#deebf7), and the
    # strip chart's codes 3 (#9ECAE1) and 4 (#FDAE6B).
    assert contrast("#ffffff", "#deebf7") == pytest.approx(1.21, abs=0.01)
    assert contrast("#9ECAE1", "#FDAE6B") == pytest.approx(1.05, abs=0.01)


def test_the_map_classes_step_by_at_least_one_and_a_half():
    classes = [maps.EMPTY, *maps.SHADES]  # "0", then each class of counts, light to dark
    assert len(classes) == 6
    steps = [contrast(a, b) for a, b in zip(classes, classes[1:])]
    assert all(step >= 1.5 for step in steps), steps
    assert [luminance(c) for c in classes] == sorted((luminance(c) for c in classes), reverse=True)  # light to dark


def test_the_strip_charts_stacked_codes_step_by_at_least_one_and_a_half():
    colours = [charts.CODE_COLOURS[code] for code in range(1, 6)]  # stacked 1 (bottom) to 5
    steps = [contrast(a, b) for a, b in zip(colours, colours[1:])]
    assert all(step >= 1.5 for step in steps), steps


def test_the_badges_wear_the_strip_charts_colours_and_their_text_reads():
    css = CSS.read_text(encoding="utf-8")
    default_text = "#fff"  # .code { color: #fff }
    for code in range(1, 6):
        rule = re.search(rf"\.code-{code} \{{([^}}]*)\}}", css).group(1)
        background = re.search(r"background: (#[0-9a-f]{6})", rule).group(1)
        text = (re.search(r"color: (#[0-9a-f]{3,6})", rule) or [None, default_text])[1]
        text = "#" + "".join(ch * 2 for ch in text[1:]) if len(text) == 4 else text
        assert background == charts.CODE_COLOURS[code].lower()
        assert contrast(background, text) >= 4.5, (code, background, text)


def dash_shape(pattern):
    """(dashes per period, share of the period inked) of an SVG stroke-dasharray; solid is
    (0, 1.0). An odd-length list repeats itself, as SVG reads it."""
    if not pattern:
        return 0, 1.0
    lengths = [float(x) for x in pattern.split()]
    if len(lengths) % 2:
        lengths *= 2
    return len(lengths) // 2, sum(lengths[0::2]) / sum(lengths)


@pytest.mark.parametrize("dashes", [charts.BAND_DASHES, charts.DASHES], ids=["bands", "series"])
def test_every_dash_pattern_is_told_apart_from_every_other(dashes):
    for a, b in combinations(dashes, 2):
        (count_a, ink_a), (count_b, ink_b) = dash_shape(a), dash_shape(b)
        assert count_a != count_b or abs(ink_a - ink_b) >= 0.25, (a, b)


def test_the_old_band_dashes_fail_the_rule():
    # "1 3" and "2 3": one dash each, a quarter and two fifths of ink: too alike.
    (count_a, ink_a), (count_b, ink_b) = dash_shape("1 3"), dash_shape("2 3")
    assert count_a == count_b and abs(ink_a - ink_b) < 0.25
