"""A picture of the board as it looks on the board page, as one SVG file.

The workshop's record: frames (aggregates, contexts) behind the notes with
their titles, notes in their kind's colour with the kind tag ("EVENT ·
PIVOTAL" and the edge-coloured bar for pivotal events), text wrapped as the
page wraps it, field lists, dot votes, hot spots tilted, links as arrows
between sticky edges, a legend of the kinds in use. Every size, colour and
offset is the one `static/js/board/render.js`, `kinds.js` and
`textlayout.js` use at zoom 1, so the file looks like the board.

Pure: the snapshot in, text out, the same bytes for the same board. Text is
user input and is escaped; element ids derive from sticky and link ids.

Text widths without a browser
-----------------------------
The page measures text with the canvas; here a width model stands in:

* ASCII has a table of advance widths per character, in em, for weights 500
  and 700: the larger of DejaVu Sans (what `system-ui` is on Linux) and
  Liberation Sans (Arial's metrics), as Chromium measures them. Segoe UI,
  Roboto and San Francisco are narrower, so text wraps no later than on the
  page and never runs out of its sticky. Against Chromium's canvas with
  DejaVu, the widest of them, ASCII lines come out 0.6 % wider on average
  and at most 6 % (where Arial's letter is the wider one; kerning is left
  out), and the page's own `textlayout.js` wraps every note of the sample
  workshop to the same size and lines (tests/modeling/exporters/test_svg.py).
* Other characters by category: full-width (CJK, kana, hangul, full-width
  forms; East Asian width W or F) 1 em, exact for CJK fonts, and emoji
  1.25 em; combining marks and format characters 0; letters that fold to
  ASCII (é, ñ) as their base letter; other letters, digits, punctuation and
  symbols a generous average of their category; bold 10 % wider.
* Field lists are monospace: 0.602 em a character, full-width ones 1 em.

Wrapping follows `textlayout.js`: words split at white space, the largest
font size from 22 to 8 at which the lines fit (line height 1.25) without
cutting a word, and at 8 the lines that do not fit cut with an ellipsis. Two
things the page does not do (yet) are done here: text in CJK scripts breaks
between any two characters (not before closing or after opening
punctuation), and a word wider than the box is broken by characters even
when it starts a line.
"""

import functools
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass

from .base import Files

# -- the page's drawing constants (render.js, textlayout.js, kinds.js) --------

INK = "#1f2430"
SOFT_INK_OPACITY = "0.6"  # rgba(31, 36, 48, 0.6)
LINK = "#5b6272"
PAPER = "#f6f7f9"
GRID_DOT = "#d5d9e0"
GRID_STEP = 32
PAD = 10
TAG_HEIGHT = 18
TAG_SIZE = 9
FIELD_SIZE = 10.5
FIELD_LINE = 13
MAX_FIELDS = 4
PIVOTAL_BAR = 8
FRAME_RADIUS = 12
HEAD = 12  # arrow head at zoom 1: min(max(12, 9 / z), 40)
SIZES = (22, 20, 18, 16, 14, 13, 12, 11, 10, 9, 8)
LINE = 1.25
HOTSPOT_TILT = -0.035  # radians
VOTE = "#e8590c"

FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, Arial, '
    '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif'
)
MONO_FAMILY = (
    'ui-monospace, SFMono-Regular, Menlo, Consolas, "Noto Sans Mono CJK SC", monospace'
)
# Where the alphabetic baseline lies below the top of the em box (the canvas
# draws with textBaseline "top"): 0.76 em in DejaVu Sans, 0.81 in Arial.
ASCENT = 0.78
# ... and below its middle (textBaseline "middle", the vote count).
MIDDLE = 0.28

MARGIN = 40
HEADER = 64
LEGEND_GAP = 36
LEGEND_ROW = 30
LEGEND_SIZE = 13


@dataclass(frozen=True)
class Kind:
    label: str
    tag: str
    fill: str
    edge: str
    frame: bool = False
    width: int = 160
    height: int = 160


KINDS = {
    "event": Kind("Domain event", "EVENT", "#fed7aa", "#f59f4d"),
    "command": Kind("Command", "COMMAND", "#bfdbfe", "#4a9ee8"),
    "actor": Kind("Actor", "ACTOR", "#fef9c3", "#e5c935", height=80),
    "policy": Kind("Policy", "POLICY", "#c4b5fd", "#8b74f0", width=240),
    "external_system": Kind(
        "External system", "SYSTEM", "#fce7f3", "#f08cb8", width=240
    ),
    "read_model": Kind("Read model", "READ MODEL", "#bbf7d0", "#4cc47a"),
    "hotspot": Kind("Hot spot", "HOT SPOT", "#f783ac", "#d6336c"),
    "aggregate": Kind("Aggregate", "AGGREGATE", "#fff3bf", "#e0b400", True, 640, 400),
    "context": Kind(
        "Bounded context", "BOUNDED CONTEXT", "#e7f5ff", "#74b4e6", True, 1280, 800
    ),
}
UNKNOWN = Kind("Sticky", "STICKY", "#eeeeee", "#999999")


def kind_of(name):
    return KINDS.get(name, UNKNOWN)


# -- the width model -------------------------------------------------------------

# Advance widths of " " to "~" in thousandths of an em (see the docstring).
_ASCII_500 = """
318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636
636 636 636 636 636 636 337 337 838 838 838 556 1015 684 686 722 770 667 611 778
752 295 500 667 557 863 748 787 667 787 722 667 611 732 684 989 685 667 685 390
337 390 838 556 500 613 635 550 635 615 352 635 634 278 278 579 278 974 634 612
635 635 411 521 392 634 592 818 592 592 525 636 337 636 838
"""
_ASCII_700 = """
348 456 521 838 696 1002 872 306 457 457 523 838 380 415 380 365 696 696 696 696
696 696 696 696 696 696 400 400 838 838 838 611 1000 774 762 734 830 683 683 821
837 372 556 775 637 995 837 850 733 850 770 720 682 812 774 1103 771 724 725 457
365 457 838 556 500 675 716 593 716 678 435 716 712 343 343 665 343 1042 712 687
716 716 493 595 478 712 652 924 645 652 582 712 365 712 838
"""
_ASCII = {
    weight: {chr(32 + i): int(v) / 1000 for i, v in enumerate(table.split())}
    for weight, table in ((500, _ASCII_500), (700, _ASCII_700))
}
# Common typography beyond ASCII, in em at weight 500.
_EXTRA = {
    "\u2026": 1.0, "\u2014": 1.0, "\u2013": 0.556, "\u2018": 0.318,
    "\u2019": 0.318, "\u201c": 0.53, "\u201d": 0.53, "\u00b7": 0.318,
    "\u2022": 0.59, "\u20ac": 0.636, "\u00b0": 0.5, "\u00d7": 0.838,
    "\u00a0": 0.318, "\u00ab": 0.612, "\u00bb": 0.612, "\u2192": 0.838,
    "\u2190": 0.838,
}  # fmt: skip
MONO_ADVANCE = 0.602
BOLD = 1.1


def _wide(char):
    return unicodedata.east_asian_width(char) in ("W", "F")


def _zero(char):
    return unicodedata.category(char) in ("Mn", "Me", "Cf")


@functools.lru_cache(maxsize=4096)
def char_width(char, weight=500):
    """The advance width of one character in em (see the module docstring)."""
    table = _ASCII[700 if weight >= 600 else 500]
    if char in table:
        return table[char]
    if _zero(char):
        return 0.0
    if _wide(char):
        return 1.25 if unicodedata.category(char) == "So" else 1.0
    factor = BOLD if weight >= 600 else 1.0
    if char in _EXTRA:
        return _EXTRA[char] * factor
    folded = "".join(c for c in unicodedata.normalize("NFKD", char) if not _zero(c))
    if folded and folded != char and all(c in table for c in folded):
        return sum(table[c] for c in folded)
    category = unicodedata.category(char)
    if category == "Zs":
        width = 0.318
    elif category in ("Lu", "Lt"):
        width = 0.72
    elif category[0] in "LN":
        width = 0.68
    elif category == "Sc":
        width = 0.636
    elif category[0] == "P":
        width = 0.5
    elif category[0] == "S":
        width = 0.84
    else:
        width = 0.7
    return width * factor


@functools.lru_cache(maxsize=8192)
def em_width(text, weight=500):
    """The width of `text` in em."""
    return math.fsum(char_width(c, weight) for c in text)


def text_width(text, size, weight=500):
    """The width of `text` in board units at font `size` and `weight`."""
    return em_width(text, weight) * size


def mono_width(text, size=FIELD_SIZE):
    em = 0.0
    for char in text:
        if _zero(char):
            continue
        em += 1.0 if _wide(char) else MONO_ADVANCE
    return em * size


# -- wrapping (textlayout.js, plus CJK breaks and long words) ---------------------

# A line may not start with these, nor end with those (kinsoku shori).
_NO_START = set(
    "、。，．：；？！）」』】〕〉》〗〙〛｝］｠’”…‥ーゝゞ々〻・,.;:!?)]}%"  # noqa: RUF001
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
)
_NO_END = set("（「『【〔〈《〖〘〚｛［｟‘“([{")  # noqa: RUF001
_SPACES = re.compile(r"(\s+)")


def _can_break(before, after):
    """Whether a line may break between two characters of one word."""
    if not (_wide(before) or _wide(after)):
        return False
    return not (_zero(after) or after in _NO_START or before in _NO_END)


def tokens(paragraph):
    """White space runs and pieces of words a line may break after."""
    found = []
    for word in _SPACES.split(paragraph):
        if not word:
            continue
        if word.isspace() or word.isascii():
            found.append(word)
            continue
        start = 0
        for i in range(1, len(word)):
            if _can_break(word[i - 1], word[i]):
                found.append(word[start:i])
                start = i
        found.append(word[start:])
    return found


# Sums of widths are compared with this much slack (rounding).
_SLACK = 1e-9


def wrap(text, max_width, size, weight=500):
    """(lines, broken): `text` wrapped to `max_width`; `broken` when a word
    had to be cut by characters. Widths are summed in em, token by token."""
    lines, broken = [], False
    limit = max_width / size + _SLACK
    for paragraph in text.split("\n"):
        line, line_em = "", 0.0
        for token in tokens(paragraph):
            token_em = em_width(token, weight)
            if not line or line_em + token_em <= limit:
                line, line_em = line + token, line_em + token_em
            else:
                lines.append(line.rstrip())
                line = token.lstrip()
                line_em = em_width(line, weight)
            # A word wider than the box is broken by characters.
            while len(line) > 1 and em_width(line.rstrip(), weight) > limit:
                ends = list(itertools.accumulate(char_width(c, weight) for c in line))
                cut = len(line) - 1
                while cut > 1 and ends[cut - 1] > limit:
                    cut -= 1
                while cut > 1 and _zero(line[cut]):
                    cut -= 1  # keep a mark with its letter
                if not line[:cut].strip():
                    break  # only white space would go: wrapped next time
                broken = True
                lines.append(line[:cut].rstrip())
                line = line[cut:].lstrip()
                line_em = em_width(line, weight)
        lines.append(line.rstrip())
    return lines, broken


@dataclass(frozen=True)
class Layout:
    size: int
    line_height: float
    lines: tuple[str, ...]


def _with_ellipsis(line, max_width, size, weight):
    """What `textlayout.js` does (drop two characters, add "…"), then shorter
    until it fits."""
    line = line[:-2] if len(line) >= 2 else ""
    while line and text_width(line + "…", size, weight) > max_width:
        line = line[:-1]
    return line.rstrip() + "…"


@functools.lru_cache(maxsize=2048)
def layout(text, width, height, weight=500):
    """The largest size (22 down to 8) at which `text` fits width x height
    without cutting a word, and its lines; at 8 what does not fit is cut."""
    for size in SIZES:
        lines, broken = wrap(text, width, size, weight)
        line_height = size * LINE
        if (len(lines) * line_height <= height and not broken) or size == SIZES[-1]:
            most = max(1, math.floor(height / line_height))
            if len(lines) > most:
                lines = lines[:most]
                lines[-1] = _with_ellipsis(lines[-1], width, size, weight)
            return Layout(size, line_height, tuple(lines))
    raise AssertionError("unreachable")


def fit_line(text, max_width, measure):
    """`text`, or as much of it as fits with "…" (render.js `fitLine`)."""
    if measure(text) <= max_width:
        return text
    cut = len(text)
    while cut > 1 and measure(text[:cut] + "…") > max_width:
        cut -= 1
    return text[:cut] + "…"


# -- SVG text -------------------------------------------------------------------

# Characters XML 1.0 does not allow, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(text):
    return _NOT_XML.sub("\ufffd", str(text))


def escape(text):
    """Text as XML character data or an attribute value."""
    return (
        _clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def num(value):
    """A coordinate as short, stable text: 460.0 -> 460, 1/3 -> 0.33."""
    value = round(float(value), 2)
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}".rstrip("0")


def tag(name, attrs=(), content=None):
    """`<name a="v" ...>content</name>`; attrs in the order given, None left
    out, numbers through `num`; content is escaped text or a list of
    elements (already made)."""
    parts = [name]
    for key, value in attrs:
        if value is None:
            continue
        if isinstance(value, float | int) and not isinstance(value, bool):
            parts.append(f'{key}="{num(value)}"')
        else:
            parts.append(f'{key}="{escape(value)}"')
    opening = " ".join(parts)
    if content is None:
        return f"<{opening}/>"
    if isinstance(content, list):
        if not content:
            return f"<{opening}></{name}>"
        inner = "\n".join(content)
        return f"<{opening}>\n{inner}\n</{name}>"
    return f"<{opening}>{escape(content)}</{name}>"


def _text_line(line):
    # The canvas draws any white space as a space.
    return re.sub(r"\s", " ", line)


# -- the board -----------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self):
        return (self.x + self.width / 2, self.y + self.height / 2)

    def edge_point(self, target):
        """Where the ray from the centre towards `target` leaves the box."""
        cx, cy = self.centre
        dx, dy = target[0] - cx, target[1] - cy
        if dx == 0 and dy == 0:
            return (cx, cy)
        sx = math.inf if dx == 0 else (self.width / 2) / abs(dx)
        sy = math.inf if dy == 0 else (self.height / 2) / abs(dy)
        s = min(sx, sy)
        return (cx + dx * s, cy + dy * s)


def _number(value, default):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return float(default)
    return value if math.isfinite(value) else float(default)


def box_of(sticky):
    kind = kind_of(sticky.get("kind"))
    width = _number(sticky.get("width"), kind.width)
    height = _number(sticky.get("height"), kind.height)
    return Box(
        _number(sticky.get("x"), 0),
        _number(sticky.get("y"), 0),
        width if width > 0 else kind.width,
        height if height > 0 else kind.height,
    )


def field_label(field):
    if isinstance(field, str):
        return field
    if not isinstance(field, dict):
        return str(field)
    name, type_ = str(field.get("name") or ""), str(field.get("type") or "")
    return f"{name}: {type_}" if type_ else name


def slug(name):
    """`Sample: online shop` -> `sample-online-shop`; `积分商城` -> `board`."""
    folded = unicodedata.normalize("NFKD", name or "")
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:80].strip("-")
    return text or "board"


class _Ids:
    """Element ids from sticky and link ids: XML-safe, unique, stable."""

    def __init__(self):
        self.used = set()

    def __call__(self, prefix, raw):
        base = f"{prefix}-{re.sub(r'[^A-Za-z0-9_.-]', '_', str(raw))}"
        given, n = base, 2
        while given in self.used:
            given, n = f"{base}-{n}", n + 1
        self.used.add(given)
        return given


def _soft(attrs):
    return [*attrs, ("fill", INK), ("fill-opacity", SOFT_INK_OPACITY)]


class _Board:
    def __init__(self, snapshot):
        stickies = [s for s in snapshot.get("stickies") or () if isinstance(s, dict)]
        self.stickies = stickies
        self.boxes = {str(s.get("id")): box_of(s) for s in stickies}
        self.votes = {}
        for vote in snapshot.get("votes") or ():
            key = str(vote.get("sticky"))
            self.votes[key] = self.votes.get(key, 0) + 1
        self.links = [
            link
            for link in snapshot.get("links") or ()
            if str(link.get("from")) in self.boxes and str(link.get("to")) in self.boxes
        ]
        self.ids = _Ids()

    def ordered(self):
        """Frames, largest first, then notes: the page's drawing order."""
        frames = [s for s in self.stickies if kind_of(s.get("kind")).frame]
        notes = [s for s in self.stickies if not kind_of(s.get("kind")).frame]
        frames.sort(key=lambda s: -self.box(s).width * self.box(s).height)
        return frames, notes

    def box(self, sticky):
        return self.boxes[str(sticky.get("id"))]

    # -- frames

    def frame(self, sticky):
        kind = kind_of(sticky.get("kind"))
        box = self.box(sticky)
        is_context = sticky.get("kind") == "context"
        text = str(sticky.get("text") or "")
        parts = [
            tag("title", (), f"{kind.label}: {text}" if text else kind.label),
            tag(
                "rect",
                [
                    ("class", "body"),
                    ("x", box.x),
                    ("y", box.y),
                    ("width", box.width),
                    ("height", box.height),
                    ("rx", FRAME_RADIUS),
                    ("fill", kind.fill),
                    ("fill-opacity", "0.55" if is_context else "0.75"),
                    ("stroke", kind.edge),
                    ("stroke-width", 2),
                    ("stroke-dasharray", "14 8" if is_context else None),
                ],
            ),
        ]
        size = min(20, box.height / 4)
        inner = box.width - 28
        if size >= 4.5:
            tag_size = size * 0.55
            parts.append(
                tag(
                    "text",
                    _soft(
                        [
                            ("class", "tag"),
                            ("x", box.x + 14),
                            ("y", box.y + 10 + tag_size * ASCENT),
                            ("font-size", tag_size),
                            ("font-weight", 700),
                        ]
                    ),
                    kind.tag,
                )
            )
            title = text.split("\n")[0] or ("" if text else "(unnamed)")
            title = fit_line(
                _text_line(title), inner, lambda t: text_width(t, size, 700)
            )
            top = box.y + 12 + size * 0.7
            parts.append(
                tag(
                    "text",
                    [
                        ("class", "title line"),
                        ("x", box.x + 14),
                        ("y", top + size * ASCENT),
                        ("font-size", size),
                        ("font-weight", 700),
                        ("fill", INK),
                    ],
                    title,
                )
            )
        return tag(
            "g",
            [
                ("id", self.ids("sticky", sticky.get("id"))),
                ("class", "sticky frame"),
                ("data-kind", sticky.get("kind") or "?"),
                ("data-inner-width", inner),
            ],
            parts,
        )

    # -- notes

    def note(self, sticky):
        kind = kind_of(sticky.get("kind"))
        box = self.box(sticky)
        pivotal = bool(sticky.get("pivotal"))
        text = str(sticky.get("text") or "")
        fields = sticky.get("fields")
        fields = fields if isinstance(fields, list) else []
        inner_width = box.width - 2 * PAD - (PIVOTAL_BAR if pivotal else 0)
        label = f"{kind.label} (pivotal)" if pivotal else kind.label
        parts = [
            tag("title", (), f"{label}: {text}" if text else label),
            tag(
                "rect",
                [
                    ("class", "shadow"),
                    ("x", box.x + 1),
                    ("y", box.y + 3),
                    ("width", box.width),
                    ("height", box.height),
                    ("fill", "#141928"),
                    ("fill-opacity", "0.1"),
                ],
            ),
            tag(
                "rect",
                [
                    ("class", "body"),
                    ("x", box.x),
                    ("y", box.y),
                    ("width", box.width),
                    ("height", box.height),
                    ("fill", kind.fill),
                ],
            ),
        ]
        if pivotal:
            parts.append(
                tag(
                    "rect",
                    [
                        ("class", "pivotal"),
                        ("x", box.x + box.width - PIVOTAL_BAR),
                        ("y", box.y),
                        ("width", PIVOTAL_BAR),
                        ("height", box.height),
                        ("fill", kind.edge),
                    ],
                )
            )
        parts.append(
            tag(
                "text",
                _soft(
                    [
                        ("class", "tag"),
                        ("x", box.x + PAD),
                        ("y", box.y + 7 + TAG_SIZE * ASCENT),
                        ("font-size", TAG_SIZE),
                        ("font-weight", 700),
                    ]
                ),
                f"{kind.tag} · PIVOTAL" if pivotal else kind.tag,
            )
        )
        parts += self.note_text(box, text, fields, inner_width, pivotal)
        votes = self.votes.get(str(sticky.get("id")), 0)
        if votes:
            parts += _badge(box, votes)
        transform = None
        if sticky.get("kind") == "hotspot":
            cx, cy = box.centre
            transform = f"rotate({num(math.degrees(HOTSPOT_TILT))} {num(cx)} {num(cy)})"
        return tag(
            "g",
            [
                ("id", self.ids("sticky", sticky.get("id"))),
                ("class", "sticky note"),
                ("data-kind", sticky.get("kind") or "?"),
                ("data-inner-width", inner_width),
                ("transform", transform),
            ],
            parts,
        )

    def note_text(self, box, text, fields, inner_width, pivotal):
        """render.js `textBox` and `drawText`: the lines, then the fields."""
        field_space = min(len(fields), MAX_FIELDS) * FIELD_LINE + 8 if fields else 0
        inner_height = box.height - TAG_HEIGHT - PAD - field_space
        if inner_width <= 4 or inner_height <= 4 or (not text and not fields):
            return []
        weight = 700 if pivotal else 500
        laid = layout(text, inner_width, inner_height, weight)
        top = (
            box.y + TAG_HEIGHT + (inner_height - len(laid.lines) * laid.line_height) / 2
        )
        mid = box.x + PAD + inner_width / 2
        lines = [
            tag(
                "text",
                [
                    ("class", "line"),
                    ("x", mid),
                    ("y", top + i * laid.line_height + laid.size * ASCENT),
                ],
                _text_line(line),
            )
            for i, line in enumerate(laid.lines)
            if line
        ]
        parts = []
        if lines:
            parts.append(
                tag(
                    "g",
                    [
                        ("class", "text"),
                        ("font-size", laid.size),
                        ("font-weight", weight),
                        ("text-anchor", "middle"),
                        ("fill", INK),
                    ],
                    lines,
                )
            )
        if fields:
            y0 = box.y + box.height - PAD - min(len(fields), MAX_FIELDS) * FIELD_LINE
            rows = []
            for i, field in enumerate(fields[:MAX_FIELDS]):
                if i == MAX_FIELDS - 1 and len(fields) > MAX_FIELDS:
                    label = f"+{len(fields) - MAX_FIELDS + 1} more"
                else:
                    label = _text_line(field_label(field))
                rows.append(
                    tag(
                        "text",
                        [
                            ("class", "field line"),
                            ("x", box.x + PAD),
                            ("y", y0 + i * FIELD_LINE + FIELD_SIZE * ASCENT),
                        ],
                        fit_line(label, inner_width, mono_width),
                    )
                )
            parts.append(
                tag(
                    "g",
                    _soft(
                        [
                            ("class", "fields"),
                            ("font-family", MONO_FAMILY),
                            ("font-size", FIELD_SIZE),
                            ("font-weight", 500),
                        ]
                    ),
                    rows,
                )
            )
        return parts

    # -- links

    def link(self, link):
        a = self.boxes[str(link.get("from"))]
        b = self.boxes[str(link.get("to"))]
        p, q = a.edge_point(b.centre), b.edge_point(a.centre)
        if p == q:
            return None
        angle = math.atan2(q[1] - p[1], q[0] - p[0])
        base = (
            q[0] - math.cos(angle) * HEAD * 0.8,
            q[1] - math.sin(angle) * HEAD * 0.8,
        )
        left = (
            q[0] - HEAD * math.cos(angle - 0.45),
            q[1] - HEAD * math.sin(angle - 0.45),
        )
        right = (
            q[0] - HEAD * math.cos(angle + 0.45),
            q[1] - HEAD * math.sin(angle + 0.45),
        )

        def point(xy):
            return f"{num(xy[0])} {num(xy[1])}"

        return tag(
            "g",
            [
                ("id", self.ids("link", link.get("id"))),
                ("class", "link"),
                ("data-from", self.ids_of(link.get("from"))),
                ("data-to", self.ids_of(link.get("to"))),
            ],
            [
                tag(
                    "path",
                    [
                        ("class", "shaft"),
                        ("d", f"M{point(p)} L{point(base)}"),
                        ("stroke", LINK),
                        ("stroke-width", 2),
                        ("fill", "none"),
                    ],
                ),
                tag(
                    "path",
                    [
                        ("class", "head"),
                        ("d", f"M{point(q)} L{point(left)} L{point(right)} Z"),
                        ("fill", LINK),
                    ],
                ),
            ],
        )

    def ids_of(self, raw):
        return f"sticky-{re.sub(r'[^A-Za-z0-9_.-]', '_', str(raw))}"


def _badge(box, votes):
    r = 11
    cx, cy = box.x + box.width - r - 6, box.y + r + 5
    return [
        tag(
            "g",
            [("class", "votes")],
            [
                tag("circle", [("cx", cx), ("cy", cy), ("r", r), ("fill", VOTE)]),
                tag(
                    "text",
                    [
                        ("x", cx),
                        ("y", cy + 0.5 + 12 * MIDDLE),
                        ("font-size", 12),
                        ("font-weight", 700),
                        ("text-anchor", "middle"),
                        ("fill", "#fff"),
                    ],
                    str(votes),
                ),
            ],
        )
    ]


def _legend(kinds_in_use, left, top, max_width):
    """Swatches and names of the kinds on the board, in rows; and its bottom
    and right."""
    items, x, y, right = [], left, top, left
    for name in kinds_in_use:
        kind = kind_of(name)
        swatch_w = 30 if name in ("policy", "external_system") else 24
        swatch_h = 12 if name == "actor" else 24
        width = swatch_w + 8 + text_width(kind.label, LEGEND_SIZE, 500)
        if x > left and x + width > left + max_width:
            x, y = left, y + LEGEND_ROW
        frame = kind.frame
        items.append(
            tag(
                "g",
                [("class", "legend-item"), ("data-kind", name)],
                [
                    tag(
                        "rect",
                        [
                            ("x", x),
                            ("y", y + (24 - swatch_h) / 2),
                            ("width", swatch_w),
                            ("height", swatch_h),
                            ("rx", 4 if frame else None),
                            ("fill", kind.fill),
                            ("stroke", kind.edge),
                            ("stroke-width", 1.5),
                            ("stroke-dasharray", "4 3" if name == "context" else None),
                        ],
                    ),
                    tag(
                        "text",
                        [
                            ("x", x + swatch_w + 8),
                            ("y", y + 12 - LEGEND_SIZE / 2 + LEGEND_SIZE * ASCENT),
                            ("font-size", LEGEND_SIZE),
                            ("fill", INK),
                        ],
                        kind.label,
                    ),
                ],
            )
        )
        right = max(right, x + width)
        x += width + 24
    return items, y + 24, right


# Spaces in a line are drawn as the canvas draws them.
_STYLE = "text{white-space:pre}"


def _document(title, box, parts):
    x, y, width, height = box
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            tag(
                "svg",
                [
                    ("xmlns", "http://www.w3.org/2000/svg"),
                    ("version", "1.1"),
                    ("xml:space", "preserve"),
                    ("viewBox", f"{num(x)} {num(y)} {num(width)} {num(height)}"),
                    ("width", math.ceil(width)),
                    ("height", math.ceil(height)),
                    ("font-family", FONT_FAMILY),
                    ("font-weight", 500),
                    ("role", "img"),
                    ("aria-label", title),
                ],
                [tag("title", (), title), tag("style", (), _STYLE), *parts],
            ),
            "",
        ]
    )


def _empty(title):
    text = tag(
        "text",
        [
            ("x", 240),
            ("y", 80 + 16 * MIDDLE),
            ("font-size", 16),
            ("text-anchor", "middle"),
            ("fill", INK),
            ("fill-opacity", SOFT_INK_OPACITY),
        ],
        "This board is empty.",
    )
    background = tag(
        "rect", [("width", 480), ("height", 160), ("rx", 12), ("fill", PAPER)]
    )
    return _document(title, (0, 0, 480, 160), [background, text])


def render(snapshot, name=""):
    """The SVG text of a board snapshot (see the module's docstring)."""
    title = name or "Untitled board"
    board = _Board(snapshot or {})
    if not board.stickies:
        return _empty(title)
    frames, notes = board.ordered()
    boxes = list(board.boxes.values())
    x1 = min(b.x for b in boxes)
    y1 = min(b.y for b in boxes)
    x2 = max(b.x + b.width for b in boxes) + 1  # the shadow
    y2 = max(b.y + b.height for b in boxes) + 3

    header_top = y1 - HEADER
    label = f"{len(board.stickies)} stickies, {len(board.links)} links"
    header = tag(
        "g",
        [("class", "header"), ("fill", INK)],
        [
            tag(
                "text",
                [
                    ("x", x1),
                    ("y", header_top + 26 * ASCENT),
                    ("font-size", 26),
                    ("font-weight", 700),
                ],
                _text_line(title),
            ),
            tag(
                "text",
                [
                    ("x", x1),
                    ("y", header_top + 36 + 14 * ASCENT),
                    ("font-size", 14),
                    ("fill-opacity", SOFT_INK_OPACITY),
                ],
                label,
            ),
        ],
    )
    header_right = x1 + max(
        text_width(_text_line(title), 26, 700), text_width(label, 14)
    )

    used = {s.get("kind") for s in board.stickies}
    kinds = [k for k in KINDS if k in used]
    if any(k not in KINDS for k in used):
        kinds.append("?")
    legend, legend_bottom, legend_right = _legend(
        kinds, x1, y2 + LEGEND_GAP, max(x2 - x1, 640)
    )

    left = x1 - MARGIN
    top = header_top - MARGIN
    right = max(x2, header_right, legend_right) + MARGIN
    bottom = legend_bottom + MARGIN
    width, height = right - left, bottom - top

    defs = tag(
        "defs",
        (),
        [
            tag(
                "pattern",
                [
                    ("id", "grid"),
                    ("x", 0),
                    ("y", 0),
                    ("width", GRID_STEP),
                    ("height", GRID_STEP),
                    ("patternUnits", "userSpaceOnUse"),
                ],
                [tag("rect", [("width", 1.5), ("height", 1.5), ("fill", GRID_DOT)])],
            )
        ],
    )
    background = [
        tag(
            "rect",
            [
                ("class", "paper"),
                ("x", left),
                ("y", top),
                ("width", width),
                ("height", height),
                ("fill", PAPER),
            ],
        ),
        tag(
            "rect",
            [
                ("class", "grid"),
                ("x", left),
                ("y", top),
                ("width", width),
                ("height", height),
                ("fill", "url(#grid)"),
            ],
        ),
    ]
    links = [board.link(link) for link in board.links]
    groups = [
        tag("g", [("id", "frames")], [board.frame(s) for s in frames]),
        tag("g", [("id", "notes")], [board.note(s) for s in notes]),
        tag("g", [("id", "links")], [g for g in links if g]),
        tag("g", [("id", "legend")], legend),
    ]
    return _document(
        title, (left, top, width, height), [defs, *background, header, *groups]
    )


def export(source):
    """One file, `<slug of the board name>.svg`: the board as it looks."""
    name = source.board_name or source.model.name
    return Files({f"{slug(name)}.svg": render(source.snapshot, name)})
