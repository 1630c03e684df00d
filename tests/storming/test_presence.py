"""People's colours: told apart from each other and from the stickies."""

import itertools
import re
from pathlib import Path

import pytest

from storming import presence
from storming.presence import PALETTE, PRIMARY, delta_e, lab

APP_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"


def kind_colours():
    """Every sticky kind's fill and edge, as the page draws them."""
    found = re.findall(r"--(kind-[a-z_-]+):\s*(#[0-9a-fA-F]{6})", APP_CSS.read_text())
    colours = dict(found)
    assert len(colours) == 18, colours
    return colours


def distance(a, b):
    return delta_e(lab(a), lab(b))


def contrast(a, b):
    """WCAG contrast ratio of two colours."""

    def luminance(color):
        def linear(c):
            c = int(c, 16) / 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (linear(color[i : i + 2]) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # Sharma, Wu and Dalal's data for CIEDE2000: pairs 1, 10, 11, 14, 15, 17, 25.
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, 2.5, 0), (50, 0, -2.5), 4.3065),
        ((50, 2.49, -0.001), (50, -2.49, 0.0009), 7.1792),
        ((50, 2.49, -0.001), (50, -2.49, 0.0012), 7.2195),
        ((50, -0.001, 2.49), (50, 0.0009, -2.49), 4.8045),
        ((50, 2.5, 0), (73, 25, -18), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_the_colour_difference_is_ciede2000(first, second, expected):
    assert delta_e(first, second) == pytest.approx(expected, abs=1e-4)
    assert delta_e(second, first) == pytest.approx(expected, abs=1e-4)


def test_lab_of_known_colours():
    assert lab("#ffffff") == pytest.approx((100, 0, 0), abs=0.05)
    assert lab("#000000") == pytest.approx((0, 0, 0), abs=0.05)
    assert lab("#ff0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.05)


def test_the_palette_is_distinct_and_white_text_reads_on_it():
    assert len(set(PALETTE)) == len(PALETTE) == 24
    # Names, initials and cursor labels are white on these colours.
    for color in PALETTE:
        assert contrast(color, "#ffffff") >= 4.5, color
    # The first ones apart at a glance; all of them still plainly apart.
    pairs = itertools.combinations(PALETTE[:PRIMARY], 2)
    assert min(distance(a, b) for a, b in pairs) >= 16
    assert min(distance(a, b) for a, b in itertools.combinations(PALETTE, 2)) >= 10


def test_no_persons_colour_looks_like_a_sticky_kinds():
    for name, kind in kind_colours().items():
        for color in PALETTE:
            assert distance(color, kind) >= 18, (color, name, kind)


def test_each_newcomer_gets_a_free_colour_far_from_those_in_use():
    present = []
    for number in range(len(PALETTE)):
        color = presence.pick_color(f"member-{number}", present)
        assert color not in present
        if len(present) >= PRIMARY:
            # Past the first colours: the free one farthest from all in use.
            gap = min(distance(color, used) for used in present)
            for other in set(PALETTE) - set(present):
                assert gap >= min(distance(other, used) for used in present)
        present.append(color)
    assert sorted(present) == sorted(PALETTE)
    # More people than colours: a colour of the palette, the person's own.
    assert presence.pick_color("one-more", present) == presence.pick_color(
        "one-more", present
    )
    assert presence.pick_color("one-more", present) in PALETTE


def test_the_first_colours_come_back_before_the_closer_ones():
    present = list(PALETTE[: PRIMARY + 3])
    # Someone with a first colour leaves: the next person gets that one.
    gone = present.pop(4)
    assert presence.pick_color("newcomer", present) == gone


def test_a_persons_colour_is_stable_on_a_quiet_board():
    assert presence.pick_color("member-7") == presence.pick_color("member-7")
    assert presence.pick_color("member-7") in PALETTE[:PRIMARY]
    # Colours not yet known (a connection still joining) are no colours.
    assert presence.pick_color("member-7", {None, "", "red"}) == presence.pick_color(
        "member-7"
    )
