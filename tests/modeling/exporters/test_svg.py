"""The picture of the board (`modeling.exporters.svg`).

Pure checks on the parsed SVG (colours as on the page, drawing order, text
wrapped within each sticky by the width model, escaping, links, viewBox,
determinism), then real Chromium: no line is wider than its sticky, the
page's own `textlayout.js` wraps the sample's stickies as the SVG does, and
a screenshot for a person to look at (/tmp/board-svg.png).
"""

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from modeling.exporters import svg
from modeling.exporters.base import Source
from modeling.model import Model
from tests import needs

from ..boards import BoardBuilder
from .sources import chinese_source, sample_source

NS = {"s": "http://www.w3.org/2000/svg"}
ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]
SCREENSHOT = Path("/tmp/board-svg.png")
ZH_POLICY = "每当订单已支付，就增加积分并通知会员（短信）"
ZH_NO_START, ZH_NO_END = ("，", "）"), "（"
HOSTILE = '<img src=x onerror="alert(1)"> & ]]> <!-- --> <script>x</script>'


def _source(snapshot, name="Board"):
    """A source for the picture only: the SVG reads the snapshot."""
    model = Model(board="b", name=name, seq=1, phase="find")
    return Source(model=model, board_name=name, snapshot=snapshot)


def _render(source):
    (name, text), *rest = svg.export(source).items()
    assert not rest
    return name, text, ET.fromstring(text.encode())


@pytest.fixture(scope="module")
def sample():
    return sample_source()


@pytest.fixture(scope="module")
def sample_svg(sample):
    return _render(sample)


@pytest.fixture(scope="module")
def chinese_svg():
    return _render(chinese_source())


def _stickies(root):
    return root.findall(".//s:g[@class='sticky frame']", NS) + root.findall(
        ".//s:g[@class='sticky note']", NS
    )


def _group(root, sticky_id):
    return root.find(f".//s:g[@id='sticky-{sticky_id}']", NS)


def _lines(group):
    """(line, size, weight) of the sticky's text, as drawn."""
    text = group.find("s:g[@class='text']", NS)
    if text is None:
        return []
    size, weight = float(text.get("font-size")), int(text.get("font-weight"))
    return [(t.text or "", size, weight) for t in text.findall("s:text", NS)]


def _body(group):
    return group.find("s:rect[@class='body']", NS)


def _page_kinds():
    """kind -> (fill, edge) as `static/js/board/kinds.js` and app.css say."""
    kinds_js = (ROOT / "static/js/board/kinds.js").read_text()
    app_css = (ROOT / "static/css/app.css").read_text()
    found = {}
    for kind, fill, edge in re.findall(
        r'(\w+): \{ tag: [^}]*?fill: "(#\w+)", edge: "(#\w+)"', kinds_js
    ):
        css_fill = re.search(rf"--kind-{kind}: (#\w+);", app_css).group(1)
        css_edge = re.search(rf"--kind-{kind}-edge: (#\w+);", app_css).group(1)
        assert (fill, edge) == (css_fill, css_edge), kind
        found[kind] = (fill, edge)
    return found


# -- the document ----------------------------------------------------------------


def test_one_file_named_after_the_board(sample_svg):
    name, text, root = sample_svg
    assert name == "sample-online-shop.svg"
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("s:title", NS).text == "Sample: online shop"
    assert "Noto Sans CJK SC" in root.get("font-family")


@pytest.mark.parametrize(
    ("name", "file"),
    [
        ("Sample: online shop", "sample-online-shop.svg"),
        ("Café Crème / Été 2026", "cafe-creme-ete-2026.svg"),
        ("积分商城", "board.svg"),
        ("", "board.svg"),
        ("../../etc/passwd", "etc-passwd.svg"),
    ],
)
def test_file_name_is_an_ascii_slug(name, file):
    assert list(svg.export(_source({"stickies": []}, name))) == [file]


def test_one_group_per_sticky_in_the_page_colours(sample, sample_svg):
    _, _, root = sample_svg
    page = _page_kinds()
    assert set(page) == set(svg.KINDS)
    stickies = sample.snapshot["stickies"]
    groups = _stickies(root)
    assert len(groups) == len(stickies)
    assert len({g.get("id") for g in groups}) == len(groups)
    for sticky in stickies:
        group = _group(root, sticky["id"])
        assert group.get("data-kind") == sticky["kind"]
        body = _body(group)
        fill, edge = page[sticky["kind"]]
        assert body.get("fill") == fill
        assert float(body.get("x")) == sticky["x"]
        assert float(body.get("width")) == sticky["width"]
        if svg.KINDS[sticky["kind"]].frame:
            assert body.get("stroke") == edge
        tag = group.find("s:text[@class='tag']", NS).text
        assert tag.startswith(svg.KINDS[sticky["kind"]].tag)


def test_frames_are_drawn_behind_the_notes_largest_first(sample_svg):
    _, _, root = sample_svg
    order = [g.get("class") for g in _stickies_in_document_order(root)]
    assert order == sorted(order)  # every "sticky frame" before "sticky note"
    frames = [g for g in _stickies_in_document_order(root) if "frame" in g.get("class")]
    areas = [
        float(_body(g).get("width")) * float(_body(g).get("height")) for g in frames
    ]
    assert areas == sorted(areas, reverse=True)
    titles = [g.find("s:text[@class='title line']", NS).text for g in frames]
    assert titles[:3] == ["Shipping", "Ordering", "Payments"]
    assert "Cart" in titles
    # Links are drawn over the notes, as the page draws them.
    children = [c.get("id") for c in root.findall("s:g", NS)]
    assert children.index("frames") < children.index("notes") < children.index("links")


def _stickies_in_document_order(root):
    return [
        g for g in root.iter(f"{{{NS['s']}}}g") if "sticky" in (g.get("class") or "")
    ]


def test_pivotal_events_carry_the_bar_and_the_tag(sample, sample_svg):
    _, _, root = sample_svg
    for sticky in sample.snapshot["stickies"]:
        group = _group(root, sticky["id"])
        bar = group.find("s:rect[@class='pivotal']", NS)
        tag = group.find("s:text[@class='tag']", NS).text
        if sticky["pivotal"]:
            assert tag == "EVENT · PIVOTAL"
            assert bar.get("fill") == svg.KINDS["event"].edge
            assert float(bar.get("width")) == 8
            assert all(weight == 700 for _, _, weight in _lines(group))
        else:
            assert bar is None
            assert "PIVOTAL" not in tag


def test_every_line_fits_its_sticky_by_the_width_model(sample, sample_svg):
    _, _, root = sample_svg
    measured = 0
    for sticky in sample.snapshot["stickies"]:
        group = _group(root, sticky["id"])
        inner = float(group.get("data-inner-width"))
        for line, size, weight in _lines(group):
            assert svg.text_width(line, size, weight) <= inner + 1e-6, line
            measured += 1
        for field in group.findall("s:g[@class='fields']/s:text", NS):
            assert svg.mono_width(field.text) <= inner
    assert measured > 40


def test_text_is_wrapped_as_the_page_wraps_it(sample, sample_svg):
    """The words as written, at the largest size that fits (22 down to 8)."""
    _, _, root = sample_svg
    for sticky in sample.snapshot["stickies"]:
        lines = _lines(_group(root, sticky["id"]))
        if svg.KINDS[sticky["kind"]].frame:
            continue
        assert " ".join(line for line, _, _ in lines) == " ".join(
            sticky["text"].split()
        )
    # "Order Placed", pivotal, in a 160 x 160 event with five fields: bold 22.
    placed = next(s for s in sample.snapshot["stickies"] if s["text"] == "Order Placed")
    assert _lines(_group(root, placed["id"])) == [
        ("Order", 22, 700),
        ("Placed", 22, 700),
    ]
    fields = _group(root, placed["id"]).findall("s:g[@class='fields']/s:text", NS)
    assert [f.text for f in fields] == [
        "order_id: uuid",
        "customer_id: uuid",
        "lines: list[str]",
        "+2 more",
    ]


def test_the_largest_size_that_fits_is_chosen():
    text = "Whenever an invoice is overdue, then send a reminder"
    laid = svg.layout(text, 140, 114)
    bigger = [s for s in svg.SIZES if s > laid.size]
    assert laid.size < 22
    for size in bigger:
        lines, broken = svg.wrap(text, 140, size)
        assert broken or len(lines) * size * svg.LINE > 114


def _board(*stickies):
    b = BoardBuilder()
    ids = [b.sticky(kind, text, x, 0, **extra) for kind, text, x, extra in stickies]
    return b, ids


def test_a_long_word_is_broken_within_the_sticky():
    word = "Supercalifragilisticexpialidociousantidisestablishmentarianism"
    b, (event, policy) = _board(
        ("event", word, 0, {}), ("policy", f"Whenever {word} then", 200, {})
    )
    _, _, root = _render(_source(b.snapshot()))
    for sticky_id in (event, policy):
        group = _group(root, sticky_id)
        inner = float(group.get("data-inner-width"))
        lines = _lines(group)
        assert len(lines) > 1
        for line, size, weight in lines:
            assert svg.text_width(line, size, weight) <= inner + 1e-6
    assert "".join(line for line, _, _ in _lines(_group(root, event))) == word
    # Smaller type first: a word is cut only at the smallest size.
    assert {size for _, size, _ in _lines(_group(root, event))} == {8}


def test_text_that_does_not_fit_ends_in_an_ellipsis():
    text = " ".join(["Order placed and paid and shipped"] * 12)
    b, (event,) = _board(("event", text, 0, {}))
    _, _, root = _render(_source(b.snapshot()))
    lines = _lines(_group(root, event))
    assert lines[-1][0].endswith("…")
    assert len(lines) * 8 * svg.LINE <= 160 - svg.TAG_HEIGHT - svg.PAD


def test_cjk_text_breaks_between_characters(chinese_svg):
    _, _, root = chinese_svg
    b, (policy, event) = _board(
        ("policy", ZH_POLICY, 0, {}),
        ("event", "会员账户余额已更新", 300, {}),
    )
    _, _, own = _render(_source(b.snapshot()))
    for group in (_group(own, policy), _group(own, event)):
        lines = _lines(group)
        assert len(lines) > 1
        inner = float(group.get("data-inner-width"))
        for line, size, weight in lines:
            assert svg.text_width(line, size, weight) <= inner + 1e-6
            assert not line.startswith(ZH_NO_START)
            assert not line.endswith(ZH_NO_END)
        # Nothing was cut as a long word would be: the largest size fits.
        assert lines[0][1] == 22
    assert "".join(line for line, _, _ in _lines(_group(own, policy))) == ZH_POLICY
    texts = [t.text for t in root.iter(f"{{{NS['s']}}}text")]
    assert "订单已支付" in texts


def test_width_model():
    assert svg.text_width("", 22) == 0
    assert svg.text_width("订单", 20) == 40  # CJK: one em each
    assert svg.text_width("\uff21\uff22", 10) == 20  # full-width forms
    assert svg.text_width("W", 10) > svg.text_width("i", 10)
    assert svg.text_width("Order", 22, 700) > svg.text_width("Order", 22, 500)
    assert svg.text_width("é", 10) == svg.text_width("e", 10)
    assert svg.text_width("e\u0301", 10) == svg.text_width("e", 10)
    assert svg.mono_width("abc") == pytest.approx(3 * 0.602 * 10.5)


def test_hostile_text_stays_text():
    b, ids = _board(
        ("event", HOSTILE, 0, {"fields": [{"name": "<b>", "type": "str"}]}),
        ("context", f"{HOSTILE}\x01\x1b", 300, {}),
        ("hotspot", 'He said "no" & left', 800, {}),
    )
    name, text, root = _render(_source(b.snapshot(), name=f"{HOSTILE} board"))
    assert "<img" not in text
    assert "<script" not in text
    assert "<!-- -->" not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text
    drawn = "".join(t.text or "" for t in root.iter(f"{{{NS['s']}}}text"))
    assert "onerror" in drawn
    assert "<b>: str" in drawn
    assert root.find("s:title", NS).text == f"{HOSTILE} board"
    assert root.find(f".//s:g[@id='sticky-{ids[2]}']/s:title", NS).text == (
        'Hot spot: He said "no" & left'
    )
    assert name == "img-src-x-onerror-alert-1-script-x-script-board.svg"


def test_links_are_arrows_between_sticky_edges(sample, sample_svg):
    _, _, root = sample_svg
    links = root.findall(".//s:g[@class='link']", NS)
    assert len(links) == len(sample.snapshot["links"])
    boxes = {s["id"]: svg.box_of(s) for s in sample.snapshot["stickies"]}
    for link, data in zip(links, sample.snapshot["links"], strict=True):
        assert link.get("id") == f"link-{data['id']}"
        shaft = link.find("s:path[@class='shaft']", NS).get("d")
        head = link.find("s:path[@class='head']", NS).get("d")
        assert re.fullmatch(r"M[-\d. ]+ L[-\d. ]+", shaft)
        assert re.fullmatch(r"M[-\d. ]+ L[-\d. ]+ L[-\d. ]+ Z", head)
        start = [float(v) for v in shaft[1:].split(" L")[0].split()]
        tip = [float(v) for v in head[1:].split(" L")[0].split()]
        _on_edge(boxes[data["from"]], start)
        _on_edge(boxes[data["to"]], tip)


def _on_edge(box, point):
    x, y = point
    assert box.x - 0.01 <= x <= box.x + box.width + 0.01
    assert box.y - 0.01 <= y <= box.y + box.height + 0.01
    assert min(
        abs(x - box.x), abs(x - box.x - box.width), abs(y - box.y),
        abs(y - box.y - box.height),
    ) < 0.01  # fmt: skip


def test_links_to_missing_stickies_are_left_out():
    b, (a, c) = _board(("command", "Place Order", 0, {}), ("event", "Placed", 300, {}))
    b.link(a, c)
    snapshot = b.snapshot()
    snapshot["links"].append({"id": "x", "from": a, "to": "gone"})
    _, _, root = _render(_source(snapshot))
    assert len(root.findall(".//s:g[@class='link']", NS)) == 1


def test_the_view_box_holds_every_sticky_with_a_margin(sample, sample_svg):
    _, _, root = sample_svg
    x, y, width, height = (float(v) for v in root.get("viewBox").split())
    for sticky in sample.snapshot["stickies"]:
        assert x + 20 <= sticky["x"]
        assert y + 20 <= sticky["y"]
        assert sticky["x"] + sticky["width"] <= x + width - 20
        assert sticky["y"] + sticky["height"] <= y + height - 20
    legend = root.find("s:g[@id='legend']", NS)
    kinds = [item.get("data-kind") for item in legend]
    assert kinds == list(svg.KINDS)  # the sample uses all nine
    for rect in legend.iter(f"{{{NS['s']}}}rect"):
        left, top = float(rect.get("x")), float(rect.get("y"))
        assert x <= left and left + float(rect.get("width")) <= x + width
        assert top + float(rect.get("height")) <= y + height


def test_the_legend_names_only_the_kinds_in_use():
    b, _ = _board(("event", "Order Placed", 0, {}), ("actor", "Customer", 300, {}))
    _, _, root = _render(_source(b.snapshot()))
    legend = root.find("s:g[@id='legend']", NS)
    assert [i.get("data-kind") for i in legend] == ["event", "actor"]
    assert [t.text for t in legend.iter(f"{{{NS['s']}}}text")] == [
        "Domain event",
        "Actor",
    ]


def test_votes_and_tilted_hot_spots(sample, sample_svg):
    _, _, root = sample_svg
    hotspot = next(
        s for s in sample.snapshot["stickies"] if s["text"].startswith("Card declined")
    )
    group = _group(root, hotspot["id"])
    assert group.get("transform").startswith("rotate(-2.01 ")
    assert group.find("s:g[@class='votes']/s:text", NS).text == "3"


def test_the_same_board_gives_the_same_bytes(sample):
    first = svg.export(sample)
    copy = json.loads(json.dumps(sample.snapshot))
    assert svg.export(_source(copy, name=sample.board_name)) == first
    assert svg.export(sample) == first
    chinese = chinese_source()
    assert svg.export(chinese) == svg.export(chinese_source())


@pytest.mark.parametrize("snapshot", [None, {"stickies": [], "links": []}])
def test_an_empty_board(snapshot):
    name, text, root = _render(_source(snapshot, name="Nothing yet"))
    assert name == "nothing-yet.svg"
    assert root.find("s:title", NS).text == "Nothing yet"
    assert "This board is empty." in text
    assert root.get("viewBox") == "0 0 480 160"


# -- in Chromium -----------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    executable = needs.program(CHROMIUM, "the SVG rendering test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield browser
        browser.close()


MEASURE = """() => [...document.querySelectorAll("g.sticky")].flatMap((g) =>
  [...g.querySelectorAll("text.line")].map((t) => ({
    id: g.id, text: t.textContent, inner: Number(g.dataset.innerWidth),
    width: t.getComputedTextLength(),
  })))"""


@pytest.mark.parametrize("which", ["sample", "chinese"])
def test_no_line_is_wider_than_its_sticky_in_chromium(
    chromium, tmp_path, sample_svg, chinese_svg, which
):
    name, text, root = sample_svg if which == "sample" else chinese_svg
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    width, height = int(root.get("width")), int(root.get("height"))
    page = chromium.new_page(viewport={"width": min(width, 4200), "height": height})
    page.goto(path.as_uri())
    lines = page.evaluate(MEASURE)
    assert len(lines) > 40
    too_wide = [line for line in lines if line["width"] > line["inner"] * 1.03 + 0.5]
    assert not too_wide
    if which == "sample":
        # Close, too: the model does not wrap much earlier than the browser.
        widths = [line["width"] / line["inner"] for line in lines]
        assert max(widths) > 0.8
        page.screenshot(path=str(SCREENSHOT))
        assert SCREENSHOT.stat().st_size > 50_000
    page.close()


def test_the_page_wraps_the_sample_as_the_svg_does(chromium, sample):
    """The page's own `textlayout.js`, run in Chromium on every note of the
    sample, gives the size and lines the SVG draws (the fonts of the machine
    decide; the width model is made to agree with them)."""
    script = (ROOT / "static/js/board/textlayout.js").read_text()
    page = chromium.new_page()
    page.set_content("<!doctype html><title>layout</title>")
    page.add_script_tag(content=script.replace("export ", "") + "\nwindow.L = layout;")
    cases = []
    for sticky in sample.snapshot["stickies"]:
        if svg.KINDS[sticky["kind"]].frame or not sticky["text"]:
            continue
        pivot = 8 if sticky["pivotal"] else 0
        fields = len(sticky["fields"])
        inner_width = sticky["width"] - 2 * svg.PAD - pivot
        field_space = min(fields, 4) * 13 + 8 if fields else 0
        inner_height = sticky["height"] - svg.TAG_HEIGHT - svg.PAD - field_space
        weight = 700 if sticky["pivotal"] else 500
        cases.append([sticky["text"], inner_width, inner_height, weight])
    on_page = page.evaluate(
        "(cases) => cases.map(([t, w, h, b]) => { const r = L(t, w, h, b);"
        " return [r.size, r.lines]; })",
        cases,
    )
    page.close()
    same = [
        (svg.layout(*case).size, list(svg.layout(*case).lines)) == (size, lines)
        for case, (size, lines) in zip(cases, on_page, strict=True)
    ]
    assert len(cases) > 20
    assert sum(same) >= 0.9 * len(cases), [
        (case[0], on_page[i]) for i, case in enumerate(cases) if not same[i]
    ]


def test_the_page_breaks_long_words_and_cjk_text_within_the_sticky(chromium):
    """The page wraps what has no spaces as the SVG does: a word wider than
    the sticky is cut, CJK text breaks between characters (never before a
    closing mark), and no line is wider than the sticky."""
    script = (ROOT / "static/js/board/textlayout.js").read_text()
    page = chromium.new_page()
    page.set_content("<!doctype html><title>layout</title>")
    page.add_script_tag(
        content=script.replace("export ", "") + "\nwindow.L = layout; window.F = font;"
    )
    texts = [
        "Supercalifragilisticexpialidocious",
        "Order Supercalifragilisticexpialidocious placed",
        "会员系统据此增加积分并发送通知给顾客",
        "订单已创建（待支付），请尽快付款。",
        "付款完成：会员系统据此增加积分。",
    ]
    results = page.evaluate(
        """(texts) => texts.map((t) => {
            const r = L(t, 140, 120, 500);
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = F(r.size, 500);
            return {size: r.size, lines: r.lines,
                    widths: r.lines.map((l) => ctx.measureText(l).width)};
        })""",
        texts,
    )
    page.close()
    for text, result in zip(texts, results, strict=True):
        assert max(result["widths"]) <= 140.5, (text, result)
        assert not any(line[:1] in "，。）：" for line in result["lines"]), result
        assert "".join(result["lines"]).replace(" ", "") == text.replace(" ", "")
    assert len(results[2]["lines"]) > 1  # the CJK sentence wrapped
