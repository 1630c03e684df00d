"""Who is on a board right now, and the colour each person's cursor has.

Never stored: presence lives in the memory of the processes that hold the
sockets, and each process announces its own people to the others.
"""

import hashlib
import math
import re

# Cursor, avatar and name-tag colours, under white text. Picked by
# farthest-point selection in CIEDE2000 among the colours white text reads on
# (contrast 4.5:1 or more), away from the stickies' own colours: the first
# PRIMARY are at least 16 apart from each other, all at least 10, and every
# one at least 18 from every kind's fill and edge (tests/storming/test_presence.py
# checks it against app.css). For scale: 2 is a just visible difference,
# about 10 is plain at a glance.
PALETTE = (
    "#343a40",
    "#e40c03",
    "#328807",
    "#956a04",
    "#c80fc9",
    "#7e0135",
    "#0966ca",
    "#692b00",
    "#2d4400",
    "#480ee0",
    "#6c3e79",
    "#027c59",
    # Once those are all in use: closer to each other, still far from the kinds.
    "#113b7f",
    "#9f5b39",
    "#5b4300",
    "#676c25",
    "#a10f1d",
    "#585799",
    "#006314",
    "#900766",
    "#8a15ae",
    "#844c03",
    "#492987",
    "#94569a",
)
PRIMARY = 12

HEX = re.compile(r"#[0-9a-fA-F]{6}")


def pick_color(member_id: str, taken=()) -> str:
    """A colour for `member_id`, given the colours of the people present.

    While the first PRIMARY colours last, a person gets their own hashed
    choice among them, or the next free one: that keeps a colour stable
    across reconnects when the board is quiet. Then each newcomer gets the
    free colour farthest from every colour in use, so that the closer pairs
    of the palette meet only when the board is full. With every colour taken
    (more people than colours), the hashed one.
    """
    start = int(hashlib.sha1(str(member_id).encode()).hexdigest()[:8], 16)
    taken = {
        color for color in taken if isinstance(color, str) and HEX.fullmatch(color)
    }
    for step in range(PRIMARY):
        color = PALETTE[(start + step) % PRIMARY]
        if color not in taken:
            return color
    free = [color for color in PALETTE[PRIMARY:] if color not in taken]
    if free:
        in_use = [lab(color) for color in taken]
        return max(free, key=lambda color: min(delta_e(lab(color), u) for u in in_use))
    return PALETTE[start % len(PALETTE)]


def lab(color: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of a "#rrggbb" colour."""

    def linear(channel):
        c = int(channel, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(color[i : i + 2]) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))


def delta_e(lab1, lab2) -> float:
    """CIEDE2000 colour difference of two L*a*b* colours (Sharma et al. 2005)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1 = math.degrees(math.atan2(b1, a1)) % 360 if c1 else 0.0
    h2 = math.degrees(math.atan2(b2, a2)) % 360 if c2 else 0.0
    dh = 0.0
    if c1 and c2:
        dh = h2 - h1
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    big_dh = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if not (c1 and c2):
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2

    def cos(degrees):
        return math.cos(math.radians(degrees))

    t = 1 - 0.17 * cos(h_mean - 30) + 0.24 * cos(2 * h_mean)
    t += 0.32 * cos(3 * h_mean + 6) - 0.20 * cos(4 * h_mean - 63)
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * c_mean
    s_h = 1 + 0.015 * c_mean * t
    rotation = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(c_mean**7 / (c_mean**7 + 25**7))
    r_t = -math.sin(math.radians(2 * rotation)) * r_c
    dl, dc, dh = (l2 - l1) / s_l, (c2 - c1) / s_c, big_dh / s_h
    return math.sqrt(dl * dl + dc * dc + dh * dh + r_t * dc * dh)


def members(entries) -> list[dict]:
    """One row per member from per-connection entries, with a count of
    their connections, in a stable order."""
    rows = {}
    for entry in entries:
        row = rows.get(entry["member"])
        if row is None:
            rows[entry["member"]] = row = {
                "member": entry["member"],
                "name": entry["name"],
                "color": entry["color"],
                "role": entry["role"],
                "connections": 0,
            }
        row["connections"] += 1
    return sorted(rows.values(), key=lambda row: (row["name"].lower(), row["member"]))
