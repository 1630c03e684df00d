"""The Mermaid flowchart of the model (`modeling.exporters.mermaid`).

Pure checks of the text, and the real Mermaid (the vendored
`static/vendor/mermaid/mermaid.min.js`) rendering it in Chromium, offline.
"""

import ast
import hashlib
import itertools
import os
import re
from pathlib import Path

import pytest

from modeling.exporters import mermaid
from tests import needs

from ..boards import BoardBuilder
from .sources import chinese_source, sample_source, source_of

ROOT = Path(__file__).resolve().parents[3]
VENDOR = ROOT / "static" / "vendor" / "mermaid"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]

NODE = re.compile(
    r'^ +(?P<id>[A-Za-z0-9_]+)(?P<open>\(\["|\[\["|\[\("|\{\{"|\[/"|>"|\[")'
    r'(?P<label>[^"]*)(?P<close>"\]\)|"\]\]|"\)\]|"\}\}|"/\]|"\]):::(?P<css>\w+)$'
)
EDGE = re.compile(r"^ +(\w+) (-->|-\.->|-\.->\|[^|]+\||-\.-) (\w+)$")
CLASSES = {
    "actors": "actor",
    "commands": "command",
    "aggregates": "aggregate",
    "events": "event",
    "policies": "policy",
    "read_models": "readModel",
    "external_systems": "system",
    "hotspots": "hotspot",
}


@pytest.fixture(scope="module")
def sample():
    return sample_source()


@pytest.fixture(scope="module")
def chinese():
    return chinese_source()


def _decoded(label):
    text = label.replace("<br>", "\n")
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text)


def _nodes(text):
    """Node id -> (label as written, css class), from the diagram's text."""
    found = {}
    for line in text.splitlines():
        match = NODE.match(line)
        if match:
            assert match["id"] not in found, line
            found[match["id"]] = (_decoded(match["label"]), match["css"])
    return found


def _edges(text):
    """(from, to) -> the arrow, from the diagram's text."""
    return {(m[1], m[3]): m[2] for m in map(EDGE.match, text.splitlines()) if m}


def _elements(model):
    for collection, css in CLASSES.items():
        for element in getattr(model, collection):
            yield element, css


def _awkward_board():
    """Stickies whose text Mermaid would read as syntax."""
    b = BoardBuilder("bound")
    b.context('Sales "EU" <b>', 0, 0, 2000, 1000)
    actor = b.actor("end", 100, 100)
    command = b.command('Say "hi" #1 <script>alert(1)</script> & [x] {y} |z|', 300, 100)
    event = b.event("graph TD; A-->B %% not a comment\nsecond line", 500, 100)
    policy = b.policy("`markdown` *bold* \\ back", 700, 100)
    other = b.event("o--x subgraph", 2500, 100)
    b.chain(actor, command, event, policy)
    b.link(other, policy)
    return source_of(b.snapshot(), name='Awkward <&> "board"', seq=3)


AWKWARD_TEXTS = [
    "end",
    'Say "hi" #1 <script>alert(1)</script> & [x] {y} |z|',
    "graph TD; A-->B %% not a comment\nsecond line",
    "`markdown` *bold* \\ back",
    "o--x subgraph",
]


# -- the text ---------------------------------------------------------------------


def test_the_files_are_the_diagram_and_a_markdown_page_that_draws_it(sample):
    files = mermaid.export(sample)
    assert set(files) == {"model.mmd", "model.md"}
    text = files["model.mmd"]
    assert text.startswith(
        '---\ntitle: "Sample: online shop (the live board at seq 120)"'
    )
    assert "\nflowchart LR\n" in text
    assert f"```mermaid\n{text}```\n" in files["model.md"]
    assert files["model.md"].startswith("# Sample: online shop: the domain model")


def test_each_kind_has_the_board_colour():
    text = mermaid.diagram(source_of(BoardBuilder().snapshot()))
    for css, fill in {
        "event": "#fed7aa",
        "command": "#bfdbfe",
        "actor": "#fef9c3",
        "policy": "#c4b5fd",
        "system": "#fce7f3",
        "readModel": "#bbf7d0",
        "aggregate": "#fff3bf",
    }.items():
        assert f"  classDef {css} fill:{fill}," in text


def test_a_node_per_element_labelled_with_its_sticky_text(sample, chinese):
    for source in (sample, chinese):
        text = mermaid.diagram(source)
        ids = mermaid.node_ids(source)
        nodes = _nodes(text)
        expected = {}
        for element, css in _elements(source.model):
            if css == "event" and element.pivotal:
                css = "pivotal"
            written = element.text if css == "hotspot" else element.name
            expected[ids[element.id]] = (written, css)
        assert nodes == expected


def test_contexts_are_subgraphs_holding_their_elements(sample):
    text = mermaid.diagram(sample)
    ids = mermaid.node_ids(sample)
    blocks = re.findall(r"  subgraph (\w+)\[\"([^\"]*)\"\]\n(.*?)\n  end\n", text, re.S)
    assert [(sub, title) for sub, title, _ in blocks] == [
        ("ctx_ordering", "Ordering"),
        ("ctx_payments", "Payments"),
        ("ctx_shipping", "Shipping"),
    ]
    inside = {sub: set(_nodes(body)) for sub, _, body in blocks}
    model = sample.model
    for element, _ in _elements(model):
        if element in model.hotspots:
            continue
        assert ids[element.id] in inside[ids[element.context]], element.name
    assert ids[model.hotspots[1].id] in inside["ctx_payments"]


def test_edges_follow_the_grammar_of_event_storming(sample):
    """actor -> command -> aggregate -> event -> policy -> command, event ->
    read model -> actor, and external systems."""
    model = sample.model
    ids = mermaid.node_ids(sample)
    by_name = {}
    for element, _ in _elements(model):
        by_name.setdefault(getattr(element, "name", None), []).append(ids[element.id])
    one = {name: found[0] for name, found in by_name.items()}
    edges = _edges(mermaid.diagram(sample))
    solid = {pair for pair, arrow in edges.items() if arrow == "-->"}
    for a, b in [
        ("Warehouse Clerk", "Confirm Dispatch"),
        ("Confirm Dispatch", "Shipment"),
        ("Shipment", "Shipment Dispatched"),
        ("Whenever order placed, then capture payment", "Capture Payment"),
        ("Capture Payment", "Payment"),
        ("Payment", "Payment Captured"),
        ("Shipment Scheduled", "Packing List"),
        ("Packing List", "Warehouse Clerk"),
        ("Capture Payment", "Payment Provider (card gateway)"),
        ("Carrier (parcel service)", "Parcel Delivered"),
    ]:
        assert (one[a], one[b]) in solid, (a, b)
    # Actors are separate stickies: the second Customer places the order.
    assert (by_name["Customer"][1], one["Place Order"]) in solid
    assert (one["Order Tracking"], by_name["Customer"][2]) in solid


def test_an_event_into_another_context_is_dashed_and_says_how_it_travels(
    sample, chinese
):
    edges = _edges(mermaid.diagram(sample))
    ids = {e.name: i for e, i in _named_ids(sample)}
    assert (
        edges[(ids["Order Placed"], ids["Whenever order placed, then capture payment"])]
        == "-.->|state transfer|"
    )
    assert (
        edges[
            (ids["Payment Captured"], ids["Whenever payment captured, then ship order"])
        ]
        == "-.->|state transfer|"
    )
    dashed = [pair for pair, arrow in edges.items() if arrow.startswith("-.->")]
    assert len(dashed) == 2
    text = mermaid.diagram(chinese)
    edges = _edges(text)
    ids = {e.name: i for e, i in _named_ids(chinese)}
    for policy in ("每当订单已支付，就增加积分", "每当订单已支付，就安排配送"):
        assert edges[(ids["订单已支付"], ids[policy])] == "-.->|notification|"
    # Both are drawn in the policy colour.
    numbers = [n for n, line in enumerate(_edge_lines(text)) if "-.->" in line]
    assert f"  linkStyle {','.join(map(str, numbers))} stroke:#8b74f0" in text


def _named_ids(source):
    ids = mermaid.node_ids(source)
    for element, _ in _elements(source.model):
        if hasattr(element, "name"):
            yield element, ids[element.id]


def _edge_lines(text):
    return [line for line in text.splitlines() if EDGE.match(line)]


def test_ids_are_ascii_and_distinct_names_as_written(chinese):
    ids = mermaid.node_ids(chinese)
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", node) for node in ids.values())
    assert len(set(ids.values())) == len(ids)
    nodes = _nodes(mermaid.diagram(chinese))
    labels = sorted(label for label, css in nodes.values() if css == "event")
    assert "商品已发货" in labels and "商品 已发货" in labels
    assert mermaid.slug("订单") == "u8ba2_5355"


def test_labels_escape_what_mermaid_reads_as_syntax():
    assert mermaid.label('a "b" #c <d> & e') == ('"a #34;b#34; #35;c #60;d#62; #38; e"')
    assert mermaid.label("one\ntwo\r\nthree") == '"one<br>two<br>three"'
    assert mermaid.label("订单，已支付") == '"订单，已支付"'
    source = _awkward_board()
    nodes = _nodes(mermaid.diagram(source))
    assert sorted(label for label, _ in nodes.values()) == sorted(AWKWARD_TEXTS)


def test_a_board_without_contexts_has_no_subgraph():
    b = BoardBuilder()
    b.chain(b.actor("Clerk"), b.command("Ship"), b.event("Shipped", 300))
    text = mermaid.diagram(source_of(b.snapshot()))
    assert "subgraph" not in text
    assert [label for label, _ in _nodes(text).values()] == ["Clerk", "Ship", "Shipped"]
    assert list(_edges(text).values()) == ["-->", "-->"]


def test_the_same_source_gives_the_same_text(sample, chinese):
    for source in (sample, chinese):
        assert mermaid.export(source) == mermaid.export(source)
    again = sample_source()
    assert mermaid.export(again) == mermaid.export(sample)


def test_the_exporter_imports_no_django():
    tree = ast.parse(Path(mermaid.__file__).read_text())
    imported = [
        getattr(node, "module", None) or node.names[0].name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert not [name for name in imported if name and name.startswith("django")]


def test_the_vendored_mermaid_is_the_recorded_build():
    readme = (VENDOR / "README.md").read_text()
    recorded = re.search(r"([0-9a-f]{64})  mermaid\.min\.js", readme)[1]
    script = (VENDOR / "mermaid.min.js").read_bytes()
    assert hashlib.sha256(script).hexdigest() == recorded
    version = re.search(r"version (\d+\.\d+\.\d+)", readme)[1]
    assert f'version:"{version}"'.encode() in script
    assert "MIT" in (VENDOR / "LICENSE").read_text()


def test_the_app_serves_the_vendored_mermaid(client):
    """The board page's export preview loads it from the app, not a CDN."""
    response = client.get("/static/vendor/mermaid/mermaid.min.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")


# -- the real Mermaid in Chromium ---------------------------------------------------


@pytest.fixture(scope="module")
def render():
    """Render diagram text with the vendored Mermaid in a page that may
    fetch nothing: {svg, nodes, clusters, edge_labels} or {error}."""
    executable = needs.program(CHROMIUM, "rendering Mermaid")
    from playwright.sync_api import sync_playwright

    requests = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        page = browser.new_page()
        page.route(
            "**/*", lambda route: (requests.append(route.request.url), route.abort())
        )
        page.set_content("<!doctype html><meta charset=utf-8><div id=out></div>")
        page.add_script_tag(path=str(VENDOR / "mermaid.min.js"))
        page.evaluate(
            "mermaid.initialize({startOnLoad: false, securityLevel: 'strict'})"
        )
        counter = itertools.count(1)

        def run(text):
            return page.evaluate(
                """async ([id, text]) => {
                  const out = document.getElementById('out');
                  out.innerHTML = '';
                  try {
                    const {svg} = await mermaid.render(id, text);
                    out.innerHTML = svg;
                  } catch (error) {
                    return {error: String((error && error.message) || error)};
                  }
                  const all = (selector) => [...out.querySelectorAll(selector)];
                  return {
                    svg: out.innerHTML,
                    nodes: all('g.node').map((n) => [n.id, n.textContent.trim()]),
                    clusters: all('g.cluster').map((c) => c.textContent.trim()),
                    edge_labels: all('g.edgeLabel')
                      .map((l) => l.textContent.trim()).filter(Boolean),
                  };
                }""",
                [f"d{next(counter)}", text],
            )

        yield run
        browser.close()
    assert requests == []


def _rendered_ids(result, prefix):
    """`d1-flowchart-evt_OrderPlaced-7` -> `evt_OrderPlaced`."""
    found = []
    for node_id, _ in result["nodes"]:
        match = re.fullmatch(rf"{prefix}-flowchart-(\w+)-\d+", node_id)
        assert match, node_id
        found.append(match[1])
    return found


def test_mermaid_draws_a_node_per_element_of_the_sample(render, sample):
    result = render(mermaid.diagram(sample))
    assert "error" not in result, result.get("error")
    svg_ids = [node_id for node_id, _ in result["nodes"]]
    ids = mermaid.node_ids(sample)
    expected = {ids[e.id] for e, _ in _elements(sample.model)}
    found = {re.sub(r"^d\d+-flowchart-|-\d+$", "", node) for node in svg_ids}
    assert found == expected
    assert len(svg_ids) == len(expected)
    assert sorted(result["clusters"]) == ["Ordering", "Payments", "Shipping"]
    assert result["edge_labels"] == ["state transfer", "state transfer"]
    texts = {text for _, text in result["nodes"]}
    assert "Whenever order placed, then capture payment" in texts


def test_mermaid_draws_the_chinese_board(render, chinese):
    result = render(mermaid.diagram(chinese))
    assert "error" not in result, result.get("error")
    ids = mermaid.node_ids(chinese)
    expected = {ids[e.id] for e, _ in _elements(chinese.model)}
    found = {re.sub(r"^d\d+-flowchart-|-\d+$", "", n) for n, _ in result["nodes"]}
    assert found == expected
    assert len(result["nodes"]) == len(expected)
    texts = {text for _, text in result["nodes"]}
    policies = {p.name for p in chinese.model.policies}
    assert {"订单已支付", "商品已发货", "商品 已发货", *policies} <= texts
    assert sorted(result["clusters"]) == sorted(["订单", "会员", "物流"])
    assert result["edge_labels"] == ["notification", "notification"]
    assert "积分商城" in result["svg"]


def test_mermaid_shows_awkward_text_as_written(render):
    source = _awkward_board()
    result = render(mermaid.diagram(source))
    assert "error" not in result, result.get("error")
    assert len(result["nodes"]) == len(AWKWARD_TEXTS)
    shown = sorted(text for _, text in result["nodes"])
    assert shown == sorted(t.replace("\n", "") for t in AWKWARD_TEXTS)
    assert "<script>" not in result["svg"]
    assert result["clusters"] == ['Sales "EU" <b>']
    title = re.search(r"<text[^>]*[tT]itle[^>]*>([^<]*)</text>", result["svg"])[1]
    assert title.startswith('Awkward \uff1c\uff06\uff1e "board"')


def test_mermaid_rejects_a_broken_diagram(render, sample):
    """The renderer check can fail: a label left open is a parse error."""
    text = mermaid.diagram(sample).replace('["Place Order"]', '["Place Order]', 1)
    result = render(text)
    assert "Parse error" in result["error"]
    assert "error" in render("flowchart LR\n  a --> \n  b[[[\n")
