"""The glossary (`modeling.exporters.markdown`): every term with its code
name and uses, the outline, the open checks, and user text that cannot break
the document."""

import dataclasses
import re

import pytest

from modeling.exporters import markdown
from modeling.exporters.markdown import code, text

from ..boards import BoardBuilder
from .sources import chinese_source, sample_source, source_of

TERMS = ("events", "commands", "aggregates", "policies", "read_models")
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
HOSTILE = (
    "Order | Placed `x` <img src=x onerror=alert(1)> # *b* [l](http://x) &copy; $x$"
)
HOSTILE_DESCRIPTION = "\n".join(
    [
        "First line",
        "# Not a heading",
        "- not a list",
        "1. not numbered",
        "    not code",
        "> not a quote",
        "===",
        "<script>alert(1)</script>",
        "| a | b |",
    ]
)


@pytest.fixture(scope="module")
def sample():
    return sample_source()


@pytest.fixture(scope="module")
def chinese():
    return chinese_source()


@pytest.fixture(scope="module")
def sample_md(sample):
    return _glossary(sample)


@pytest.fixture(scope="module")
def chinese_md(chinese):
    return _glossary(chinese)


def _glossary(source):
    files = markdown.export(source)
    assert list(files) == ["GLOSSARY.md"]
    assert not files.user_owned
    return files["GLOSSARY.md"]


def _term(document, name, class_name):
    """The block of the term `name` whose code name is `class_name`."""
    blocks = document.split("\n### ")
    for block in blocks[1:]:
        heading, _, rest = block.partition("\n")
        if heading == text(name) and f"code name {code(class_name)}" in rest:
            return rest.split("\n## ")[0]
    raise AssertionError(f"no term {name!r} ({class_name})")


def _section(document, title):
    return document.split(f"\n## {title}\n")[1].split("\n## ")[0]


def _named(source, name):
    return next(
        element
        for collection in TERMS
        for element in getattr(source.model, collection)
        if element.name == name
    )


# -- what it says -----------------------------------------------------------------


def test_title_names_the_board_and_where_it_comes_from(sample, sample_md):
    assert sample_md.startswith(
        "# Glossary: Sample: online shop (the live board at seq 120)\n"
    )
    frozen = dataclasses.replace(sample, version=3)
    assert _glossary(frozen).startswith(
        "# Glossary: Sample: online shop (version 3 (seq 120))\n"
    )


@pytest.mark.parametrize("which", ["sample", "chinese"])
def test_every_term_appears_with_its_text_and_code_name(which, sample, chinese):
    source = sample if which == "sample" else chinese
    document = _glossary(source)
    count = 0
    for collection in TERMS:
        for element in getattr(source.model, collection):
            block = _term(document, element.name, element.class_name)
            kind = markdown.KIND[markdown.COLLECTION_KIND[collection]]
            assert block.startswith(f"\n*{kind}"), block
            if element.description:
                assert markdown.paragraphs(element.description) in block
            for field in getattr(element, "fields", ()):
                assert code(f"{field.name}: {field.type}") in block
            # ... and in its context's table.
            row = f"| {text(element.name)} | {kind} | {code(element.class_name)} |"
            assert row in document
            count += 1
    assert count == sum(len(getattr(source.model, c)) for c in TERMS)


def test_terms_are_grouped_by_bounded_context(sample_md):
    ordering = _section(sample_md, "Bounded context: Ordering")
    payments = _section(sample_md, "Bounded context: Payments")
    shipping = _section(sample_md, "Bounded context: Shipping")
    assert "### Order Placed" in ordering
    assert "### Capture Payment" in payments
    assert "### Whenever order placed, then capture payment" in payments
    assert "### Ship Order" in shipping
    assert "### Order Placed" not in payments
    assert "Carts and orders, in the customer's words." in ordering
    # Events in timeline order.
    assert ordering.index("### Item Added To Cart") < ordering.index("### Order Placed")


def test_an_event_says_where_it_comes_from_and_what_it_starts(sample_md):
    block = _term(sample_md, "Order Placed", "OrderPlaced")
    assert "*Domain event, pivotal* · code name `OrderPlaced`" in block
    assert "From here on the order's lines and total are fixed." in block
    assert (
        "- Produced by command “Place Order” (`PlaceOrder`) on aggregate “Order”\n"
        in block
    )
    assert (
        "- Activates policy “Whenever order placed, then capture payment” "
        "(`WheneverOrderPlacedThenCapturePayment`) in Payments: "
        "a cross-context policy\n" in block
    )
    assert "Leaves Ordering carrying its data" in block
    assert "to Payments" in block
    summary = _term(sample_md, "Item Added To Cart", "ItemAddedToCart")
    assert "- Updates read model “Cart Summary” (`CartSummary`)" in summary
    delivered = _term(sample_md, "Parcel Delivered", "ParcelDelivered")
    assert "- Triggered by external system “Carrier (parcel service)”" in delivered


def test_a_command_says_who_issues_it_and_what_it_produces(sample_md):
    block = _term(sample_md, "Capture Payment", "CapturePayment")
    assert "- Issued by policy “Whenever order placed, then capture payment”" in block
    assert "- Handled by aggregate “Payment”" in block
    assert (
        "- Invoked on external system “Payment Provider (card gateway)” "
        "(`PaymentProviderCardGateway`)" in block
    )
    assert (
        "- Produces domain event “Payment Captured” (`PaymentCaptured`), "
        "domain event “Payment Declined” (`PaymentDeclined`)" in block
    )
    place = _term(sample_md, "Place Order", "PlaceOrder")
    assert "- Issued by actor “Customer”\n" in place


def test_policies_aggregates_and_read_models(sample_md):
    policy = _term(
        sample_md,
        "Whenever order placed, then capture payment",
        "WheneverOrderPlacedThenCapturePayment",
    )
    assert "- Activated by domain event “Order Placed” (`OrderPlaced`) in Ordering" in (
        policy
    )
    assert "- Then issues command “Capture Payment” (`CapturePayment`)" in policy
    assert "- Cross-context policy: events of Ordering make Payments act" in policy
    aggregate = _term(sample_md, "Shipment", "Shipment")
    assert "- Handles command “Ship Order” (`ShipOrder`), command “Confirm" in (
        aggregate
    )
    assert "- Emits domain event “Shipment Scheduled”" in aggregate
    tracking = _term(sample_md, "Order Tracking", "OrderTracking")
    assert "- Used by actor “Customer”" in tracking
    assert "Parcel Delivered" in tracking
    packing = _term(sample_md, "Packing List", "PackingList")
    assert (
        "- Open question: “Items from two warehouses: one shipment or two?” "
        "(2 votes)" in packing
    )


def test_actors_and_systems_are_board_wide(sample_md):
    people = _section(sample_md, "People and systems")
    assert people.count("### Customer\n") == 1
    customer = _term(sample_md, "Customer", "Customer")
    assert "- On 3 stickies" in customer
    assert "- Seen in Ordering, Shipping" in customer
    assert "command “Place Order” (`PlaceOrder`) in Ordering" in customer
    assert "read model “Order Tracking” (`OrderTracking`) in Shipping" in customer
    provider = _term(
        sample_md, "Payment Provider (card gateway)", "PaymentProviderCardGateway"
    )
    assert "*External system*" in provider
    assert "- Invoked by command “Capture Payment”" in provider


def test_chinese_text_is_kept(chinese_md):
    assert chinese_md.startswith("# Glossary: 积分商城 (the live board at seq 80)\n")
    assert "## Bounded context: 订单\n" in chinese_md
    paid = _term(chinese_md, "订单已支付", "订单已支付")
    assert "*Domain event, pivotal, notification style*" in paid
    assert "付款完成：会员系统据此增加积分。" in paid
    assert "- Leaves 订单 as a notification" in paid
    assert "(会员, 物流)" in paid
    collided = _term(chinese_md, "商品 已发货", "商品已发货2")
    assert "code name `商品已发货2`" in collided
    points = _term(chinese_md, "增加积分", "增加积分")
    assert "- Issued by policy “每当订单已支付，就增加积分”" in points


def test_the_outline_is_a_nested_list(sample_md, chinese_md):
    outline = _section(sample_md, "Model outline")
    assert "- Bounded context “Ordering”\n  - Aggregate “Cart”\n" in outline
    assert (
        "    - Command “Place Order” (`PlaceOrder`) — by Customer\n"
        "      - Domain event “Order Placed” (`OrderPlaced`) — pivotal\n"
        "        - Policy “Whenever order placed, then capture payment” "
        "(`WheneverOrderPlacedThenCapturePayment`) — integration across contexts\n"
        "          - Command “Capture Payment” (`CapturePayment`) — in Payments\n"
    ) in outline
    assert "- Hot spot “Guest checkout, or is an account required?”" in outline
    for line in outline.strip().splitlines()[2:]:
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0 and line.lstrip(" ").startswith("- "), line
    assert "- Bounded context “会员”" in _section(chinese_md, "Model outline")


def test_open_checks_errors_first_naming_stickies(sample_md, chinese_md):
    checks = _section(chinese_md, "Open checks")
    assert "(1 error, 2 warnings, 1 hint)" in checks
    assert (
        checks.index("### Errors (1)")
        < checks.index("### Warnings (2)")
        < checks.index("### Hints (1)")
    )
    errors = checks.split("### Errors (1)")[1].split("###")[0]
    assert "- **C1** “商品 已发货” gives the code name 商品已发货" in errors
    assert "(stickies: “商品 已发货”)" in errors
    assert "(stickies: “商品已发货”, “商品 已发货”)" in checks
    sample_checks = _section(sample_md, "Open checks")
    assert "### Errors" not in sample_checks
    assert "### Warnings (3)" in sample_checks
    assert (
        "(stickies: “Card declined: how long do we hold the order and its stock?”"
        in (sample_checks)
    )


def test_a_board_without_contexts_is_one_core_language():
    b = BoardBuilder("attribute")
    order = b.aggregate("Order", 0, 0)
    place = b.command("Place Order", 40, 40)
    placed = b.event("Order Placed", 240, 40, event_style="notification")
    b.link(place, placed)
    document = _glossary(source_of(b.snapshot(), name="Tiny"))
    assert "## Bounded context: core\n" in document
    assert "## Outside any bounded context" not in document
    assert "### Order Placed" in _section(document, "Bounded context: core")
    block = _term(document, "Order Placed", "OrderPlaced")
    assert "- Leaves its context as a notification" in block
    assert order


def test_terms_outside_the_contexts_have_their_own_section():
    b = BoardBuilder("bound")
    b.context("Sales", 0, 0, 600, 600)
    b.event("Order Placed", 100, 100)
    b.event("Invoice Sent", 2000, 100)
    document = _glossary(source_of(b.snapshot(), name="Split"))
    assert "### Order Placed" in _section(document, "Bounded context: Sales")
    outside = _section(document, "Outside any bounded context")
    assert "### Invoice Sent" in outside


def test_an_empty_board():
    document = _glossary(source_of(BoardBuilder().snapshot(), name="Empty"))
    assert document.startswith("# Glossary: Empty (the live board at seq 1)\n")
    assert "No terms yet." in document
    assert "The model is empty." in document
    assert "No open checks." in document


# -- user text cannot break the document ---------------------------------------


@pytest.fixture(scope="module")
def hostile_md():
    b = BoardBuilder("bound")
    b.context("Sales | <i>x</i>", 0, 0, 1400, 900, description=HOSTILE_DESCRIPTION)
    b.aggregate("`Order`", 100, 100, 900, 500)
    actor = b.actor("**Boss** <b>", 20, 300)
    command = b.command(HOSTILE, 200, 200, fields=["<b>note: str"])
    event = b.event(
        "# Placed\n- twice", 400, 200, description=HOSTILE_DESCRIPTION, pivotal=True
    )
    b.hotspot("<script>alert(1)</script> | why?", 400, 600)
    b.chain(actor, command, event)
    return _glossary(source_of(b.snapshot(), name="<img src=x> | # board"))


def test_hostile_text_is_escaped(hostile_md):
    for raw in ("<img", "<script", "<b>", "<i>", "&copy;", "[l](http://x)", "*b*"):
        assert raw not in hostile_md, raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile_md
    assert "&amp;copy;" in hostile_md
    assert r"Order \| Placed \`x\`" in hostile_md
    assert r"\*b\* \[l\](http://x)" in hostile_md
    assert r"\$x\$" in hostile_md
    assert r"### \# Placed - twice" in hostile_md
    assert hostile_md.startswith(r"# Glossary: &lt;img src=x&gt; \| \# board (")


def test_hostile_text_adds_no_structure(hostile_md):
    lines = hostile_md.splitlines()
    headings = [line for line in lines if line.startswith("#")]
    assert all(re.match(r"#{1,3} \S", line) for line in headings), headings
    assert not any("Not a heading" in line for line in headings)
    for marker in ("- not a list", "1. not numbered", "> not", "===", "    not"):
        assert not any(line.startswith(marker) for line in lines), marker
    assert r"\- not a list" in hostile_md
    assert r"1\. not numbered" in hostile_md
    for line in lines:
        if line.startswith("| "):
            assert len(UNESCAPED_PIPE.findall(line)) == 5, line
        # Code spans open and close on the same line.
        assert len(re.findall(r"(?<!\\)`", line)) % 2 == 0, line


def test_escaping_helpers():
    assert text("a|b") == r"a\|b"
    assert text("line\nnext") == "line next"
    assert text("x\x00y") == "xy"
    assert text("R&D") == "R&D"
    assert text("&lt;") == "&amp;lt;"
    assert code("a`b") == "`` a`b ``"
    assert markdown.paragraphs("a\n\n\n# b\n+ c\n2) d") == (
        "a\n\n\\# b  \n\\+ c  \n2\\) d"
    )


def test_the_same_board_gives_the_same_bytes(sample, sample_md, chinese_md):
    assert _glossary(sample) == sample_md
    assert _glossary(sample_source()) == sample_md
    assert _glossary(chinese_source()) == chinese_md
