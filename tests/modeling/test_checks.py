"""Model checks (`modeling.checks`): each fires on a minimal board, stays quiet
on a correct one, and only from the workshop phase where it matters."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modeling.checks import (
    HELP,
    PHASES,
    Finding,
    help_for,
    past_tense,
    registered,
    run_checks,
    summary,
)
from modeling.identifiers import words

from .boards import BoardBuilder, ordering_board


def findings(builder, check=None, phase=None):
    found = run_checks(builder.derive(), phase=phase)
    return [f for f in found if check is None or f.check == check]


def ids(builder, check, phase=None):
    return [f.stickies for f in findings(builder, check, phase)]


def checks_of(builder, phase=None):
    return {f.check for f in findings(builder, phase=phase)}


# -- a correct board -------------------------------------------------------------------


@pytest.mark.parametrize("phase", PHASES)
def test_a_finished_board_only_has_its_open_question(phase):
    b, s = ordering_board(phase=phase)
    found = run_checks(b.derive())
    assert [(f.check, f.stickies) for f in found] == [
        ("G9", (s["ship_hotspot"], s["charged"]))
    ]
    assert found[0].severity == ("warning" if phase == "review" else "hint")


def test_a_board_in_find_gets_no_link_aggregate_or_context_advice():
    b = BoardBuilder("find")
    b.context("Sales", 0, 0, 500, 500)
    b.context("Billing", 400, 0, 500, 500)
    b.aggregate("Order", 2000, 0)
    b.aggregate("Order 2", 2100, 100)
    b.command("Order Placed", 5000, 0)
    e1, e2 = b.event("Order Placed", 6000, 0), b.event("Order Placed", 6200, 0)
    b.event("Place Order", 6400, 0, fields=["x: money"])
    b.link(e1, e2)
    b.link(e2, b.actor("Customer", 7000, 0))
    assert checks_of(b) == {"N1"}
    assert {f.severity for f in findings(b)} == {"hint"}


def test_checks_grow_with_the_phase():
    """The same board gets more advice as the workshop moves on."""
    b = BoardBuilder()
    b.aggregate("Order", 0, 0)
    b.command("Place Order", 2000, 0)
    b.event("Order Placed", 2200, 0)
    b.event("Order Placed", 2400, 0)
    assert checks_of(b, "find") == set()
    assert checks_of(b, "order") == {"N8"}
    assert checks_of(b, "attribute") == {"N8", "C1", "T3", "G10", "G2", "G4"}
    assert checks_of(b, "aggregate") == checks_of(b, "attribute") | {"G3", "G7"}
    assert checks_of(b, "bound") == checks_of(b, "aggregate") | {"B1"}


def test_run_checks_uses_the_boards_phase_unless_told():
    b = BoardBuilder("order")
    b.event("Place Order")
    assert findings(b)[0].severity == "warning"
    assert findings(b, phase="find")[0].severity == "hint"


def test_findings_are_sorted_errors_first_and_summarised():
    b = BoardBuilder("attribute")
    b.event("Order Placed", 0, 0)
    b.event("Order Placed", 300, 0)
    b.hotspot("Why twice?", 5000, 5000)
    found = findings(b)
    severities = [f.severity for f in found]
    assert severities == sorted(severities, key=("error", "warning", "hint").index)
    assert severities[0] == "error"
    assert summary(found) == {
        "error": severities.count("error"),
        "warning": severities.count("warning"),
        "hint": severities.count("hint"),
    }
    assert summary([]) == {"error": 0, "warning": 0, "hint": 0}


def test_a_finding_is_plain_data():
    finding = Finding("N1", "warning", "Say it in the past tense.", ("a", "b"))
    assert finding.to_dict() == {
        "check": "N1",
        "severity": "warning",
        "message": "Say it in the past tense.",
        "stickies": ["a", "b"],
    }


# -- naming: past tense (N1) -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Order Placed",
        "Customer Registered",
        "Payment Failed",
        "Item Added To Cart",
        "Invoice Sent",
        "Order Paid",
        "Money Withdrawn",
        "Ticket Sold",
        "Password Reset",
        "Registered",
        "Feed Updated",
        "订单已提交",
        "库存已锁定",
        "下单成功了",
        "付款完成",
        "会员注册成功",
        "订单被取消",
    ],
)
def test_events_in_the_past_tense_pass(text):
    assert past_tense(text) == (True, "")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Place Order", "imperative"),
        ("Send invoice", "imperative"),
        ("Shipping Goods", "-ing"),
        ("Order will be shipped", "will or should"),
        ("Payment must be captured", "will or should"),
        ("When order placed", "policy"),
        ("Order placed?", "hot spot"),
        ("Cattle Feed", "no verb"),
        ("Need more stock", "no verb"),
        ("请付款", "intention"),
        ("要发货", "intention"),
        ("将发货", "intention"),
        ("正在发货", "intention"),
        ("订单提交", "已"),
    ],
)
def test_events_not_in_the_past_tense_are_flagged_with_a_reason(text, reason):
    verdict, why = past_tense(text)
    assert verdict is False
    assert reason in why


@pytest.mark.parametrize("text", ["", "!!!", "Заказ оформлен", "Αποστολή έγινε"])
def test_the_past_tense_cannot_be_told_without_english_or_chinese_words(text):
    assert past_tense(text)[0] is None


def test_n1_is_a_hint_in_find_and_a_warning_later():
    for phase, severity in (
        ("find", "hint"),
        ("order", "warning"),
        ("bound", "warning"),
    ):
        b = BoardBuilder(phase)
        bad = b.event("Place Order")
        b.event("Order Placed", 300)
        found = findings(b, "N1")
        assert [(f.severity, f.stickies) for f in found] == [(severity, (bad,))]
        assert "Place Order" in found[0].message


# -- naming: technical names (N2) ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["OrderPlacedEvent", "Order Placed Event", "POST /orders", "tbl_orders inserted"],
)
def test_technical_event_names_are_flagged(text):
    b = BoardBuilder()
    event = b.event(text)
    assert ids(b, "N2") == [(event,)]


@pytest.mark.parametrize(
    "text",
    ["Order Placed", "Table Booked", "Medical Record Created", "Post Office Opened"],
)
def test_business_words_are_not_technical(text):
    b = BoardBuilder()
    b.event(text)
    assert ids(b, "N2") == []


# -- naming: duplicates (N8) -----------------------------------------------------------


def test_same_event_text_is_a_duplicate():
    b = BoardBuilder("order")
    a = b.event("Order Placed")
    c = b.event("order  placed!", 300)
    b.event("Order Paid", 600)
    [finding] = findings(b, "N8")
    assert (finding.severity, finding.stickies) == ("warning", (a, c))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Order Placed", "Orders Placed"),
        ("Customer Address Changed", "Customer's Address Changed"),
        ("订单已提交", "订单已经提交"),
    ],
)
def test_near_duplicates_are_a_hint(first, second):
    b = BoardBuilder("order")
    a, c = b.event(first), b.event(second, 300)
    [finding] = findings(b, "N8")
    assert finding.severity == "hint"
    assert set(finding.stickies) == {a, c}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Order Placed", "Order Paid"),
        ("Order Placed", "Order Placed Online By Phone"),
        ("订单已提交", "库存已锁定"),
    ],
)
def test_different_events_are_not_duplicates(first, second):
    b = BoardBuilder("order")
    b.event(first)
    b.event(second, 300)
    assert findings(b, "N8") == []


def test_duplicates_are_not_reported_while_finding_events():
    b = BoardBuilder("find")
    b.event("Order Placed")
    b.event("Order Placed", 300)
    assert findings(b, "N8") == []


# -- naming: commands and identifiers (N4, C1) -----------------------------------------


def test_a_command_named_like_an_event_is_a_hint_from_attribute_on():
    b = BoardBuilder("attribute")
    wrong = b.command("Order Placed")
    b.command("Place Order", 300)
    b.command("提交订单", 600)
    assert [(f.severity, f.stickies) for f in findings(b, "N4")] == [("hint", (wrong,))]
    assert ids(b, "N4", phase="order") == []


def test_colliding_identifiers_are_an_error_from_attribute_on():
    b = BoardBuilder("attribute")
    b.event("Order Placed")
    newer = b.command("order placed", 300)
    [finding] = findings(b, "C1")
    assert (finding.severity, finding.stickies) == ("error", (newer,))
    assert "OrderPlaced2" in finding.message
    assert ids(b, "C1", phase="order") == []


def test_actors_sharing_a_name_are_no_collision():
    b = BoardBuilder("review")
    b.actor("Customer")
    b.actor("Customer", 5000)
    assert findings(b, "C1") == []


# -- the timeline (T3) and hot spots (G9) ----------------------------------------------


def test_no_pivotal_events_is_a_hint_once_ordering_is_done():
    b = BoardBuilder("attribute")
    b.event("Order Placed")
    assert [f.severity for f in findings(b, "T3")] == ["hint"]
    assert findings(b, "T3", phase="order") == []


def test_more_than_four_pivotal_events_is_a_hint():
    b = BoardBuilder("order")
    pivotal = [b.event(f"Step {i} Done", i * 200, pivotal=True) for i in range(5)]
    [finding] = findings(b, "T3")
    assert finding.stickies == tuple(pivotal)


def test_two_to_four_pivotal_events_are_fine():
    b = BoardBuilder("attribute")
    for i in range(4):
        b.event(f"Step {i} Done", i * 200, pivotal=True)
    assert findings(b, "T3") == []


def test_unresolved_hot_spots_are_hints_and_warnings_in_review():
    b = BoardBuilder("find")
    event = b.event("Order Placed")
    hotspot = b.hotspot("What if it fails?", 100)
    [finding] = findings(b, "G9")
    assert (finding.severity, finding.stickies) == ("hint", (hotspot, event))
    assert "What if it fails?" in finding.message
    assert [f.severity for f in findings(b, "G9", phase="review")] == ["warning"]


# -- the grammar of links (G1, F1, G10, G2, G4, G5, G6) --------------------------------


def test_links_outside_the_grammar_are_warnings_from_attribute_on():
    b = BoardBuilder("attribute")
    event, actor = b.event("Order Placed"), b.actor("Customer", 300)
    b.link(event, actor)
    [finding] = findings(b, "G1")
    assert (finding.severity, finding.stickies) == ("warning", (event, actor))
    assert ids(b, "G1", phase="order") == []


def test_field_problems_are_warnings_from_attribute_on():
    b = BoardBuilder("attribute")
    event = b.event("Order Placed", fields=["total: money"])
    [finding] = findings(b, "F1")
    assert finding.stickies == (event,)
    assert "unknown type" in finding.message


def test_an_event_without_a_trigger_is_reported():
    b = BoardBuilder("attribute")
    lonely = b.event("Order Placed")
    caused = b.event("Order Paid", 300)
    b.link(b.system("Bank", 0, 500), caused)
    assert ids(b, "G10") == [(lonely,)]


def test_a_command_without_an_actor_system_or_policy_is_reported():
    b = BoardBuilder("attribute")
    lonely = b.command("Place Order")
    for i, kind in enumerate(("actor", "external_system", "policy", "read_model")):
        command = b.command(f"Do Thing {i}", 300 * i)
        b.link(b.sticky(kind, f"Source {i}", 300 * i, 500), command)
    assert ids(b, "G2") == [(lonely,)]


def test_a_command_that_produces_no_event_is_reported():
    b = BoardBuilder("attribute")
    lonely = b.command("Place Order")
    fine = b.command("Pay Order", 300)
    b.link(fine, b.event("Order Paid", 600))
    assert ids(b, "G4") == [(lonely,)]


def test_a_policy_needs_an_event_in_and_a_command_out():
    b = BoardBuilder("attribute")
    neither = b.policy("Whenever something, then something")
    no_command = b.policy("Whenever paid, then ship", 300)
    b.link(b.event("Order Paid", 300, 500), no_command)
    no_event = b.policy("Whenever shipped, then bill", 600)
    b.link(no_event, b.command("Send Bill", 600, 500))
    fine = b.policy("Whenever placed, then reserve", 900)
    b.link(b.event("Order Placed", 900, 500), fine)
    b.link(fine, b.command("Reserve Stock", 900, 700))
    found = {f.stickies[0]: f.message for f in findings(b, "G5")}
    assert set(found) == {neither, no_command, no_event}
    assert "an event in and a command out" in found[neither]
    assert "needs a command out" in found[no_command]
    assert "needs an event in" in found[no_event]


def test_a_read_model_fed_by_no_event_is_a_hint():
    b = BoardBuilder("attribute")
    lonely = b.read_model("Order List")
    fed = b.read_model("Order Summary", 300)
    b.link(b.event("Order Placed", 300, 500), fed)
    assert [(f.severity, f.stickies) for f in findings(b, "G6")] == [
        ("hint", (lonely,))
    ]


# -- cycles of policies (G11) ----------------------------------------------------------


def loop(builder, size, x=0):
    """`size` policies, each making the next one act: a loop."""
    policies, events = [], []
    for i in range(size):
        events.append(builder.event(f"Thing {x + i} Happened", (x + i) * 300, 0))
        policies.append(builder.policy(f"Whenever thing {x + i}, then next", 0, 300))
    for i in range(size):
        command = builder.command(f"Do Thing {x + i}", (x + i) * 300, 600)
        builder.link(events[i], policies[i])
        builder.link(policies[i], command)
        builder.link(command, events[(i + 1) % size])
    return policies


@pytest.mark.parametrize("size", [2, 3])
def test_policies_that_trigger_each_other_in_a_loop_are_reported(size):
    b = BoardBuilder("attribute")
    policies = loop(b, size)
    [finding] = findings(b, "G11")
    assert finding.severity == "warning"
    assert set(finding.stickies) == set(policies)


def test_a_policy_that_triggers_itself_is_a_loop():
    b = BoardBuilder("attribute")
    [policy] = loop(b, 1)
    assert ids(b, "G11") == [(policy,)]


def test_two_separate_loops_are_reported_separately():
    b = BoardBuilder("attribute")
    first, second = loop(b, 2), loop(b, 3, x=10)
    assert sorted(map(set, ids(b, "G11")), key=len) == [set(first), set(second)]


def test_a_chain_of_policies_is_not_a_loop():
    b = BoardBuilder("attribute")
    event = b.event("Order Placed")
    for i in range(4):
        policy = b.policy(f"Policy {i}", i * 300, 300)
        command = b.command(f"Step {i}", i * 300, 600)
        b.chain(event, policy, command)
        event = b.event(f"Step {i} Done", (i + 1) * 300, 0)
        b.link(command, event)
    # Two policies reacting to one event, neither leading back.
    b.chain(event, b.policy("Fan Out", 0, 900), b.command("Tell Someone", 0, 1200))
    assert findings(b, "G11") == []


def test_a_long_chain_of_policies_does_not_overflow():
    b = BoardBuilder("attribute")
    event = b.event("Start Done")
    for i in range(3000):
        command = b.command(f"Step {i}")
        b.chain(event, b.policy(f"Policy {i}"), command)
        event = b.event(f"Step {i} Done")
        b.link(command, event)
    assert findings(b, "G11") == []


# -- aggregates and contexts (G3, G7, F2, B1, B4) --------------------------------------


def test_commands_and_events_outside_any_aggregate_are_reported_from_aggregate_on():
    b = BoardBuilder("aggregate")
    b.aggregate("Order", 0, 0)
    inside = b.command("Place Order", 100, 100)
    b.link(inside, b.event("Order Placed", 300, 100))
    outside_command = b.command("Cancel Order", 2000, 0)
    outside_event = b.event("Order Cancelled", 2300, 0)
    # Invoked on a system, or reported by one: no aggregate needed.
    b.link(b.command("Charge Card", 3000, 0), b.system("Bank", 3000, 500))
    b.link(b.system("Clock", 3500, 500), b.event("Month Ended", 3500, 0))
    # Policies and read models live outside aggregates.
    b.policy("Whenever cancelled, then refund", 4000, 0)
    b.read_model("Order List", 4300, 0)
    assert sorted(ids(b, "G3")) == sorted([(outside_command,), (outside_event,)])
    assert ids(b, "G3", phase="attribute") == []


def test_an_aggregate_without_events_is_reported_and_one_without_commands_hinted():
    b = BoardBuilder("aggregate")
    empty = b.aggregate("Order", 0, 0)
    passive = b.aggregate("Stock", 1000, 0)
    b.event("Stock Counted", 1100, 100)
    found = {f.stickies: f.severity for f in findings(b, "G7")}
    assert found == {(empty,): "warning", (passive,): "hint"}
    assert ids(b, "G7", phase="attribute") == []


def test_overlapping_frames_are_reported_from_aggregate_on():
    b = BoardBuilder("aggregate")
    a = b.aggregate("Order", 0, 0, 400, 400)
    c = b.aggregate("Payment", 300, 300, 400, 400)
    [finding] = findings(b, "F2")
    assert set(finding.stickies) == {a, c}
    assert ids(b, "F2", phase="attribute") == []


def test_an_aggregate_crossing_a_context_border_is_a_warning():
    b = BoardBuilder("bound")
    sales = b.context("Sales", 0, 0, 1000, 1000)
    order = b.aggregate("Order", 800, 100, 400, 400)
    assert ids(b, "F2") == [(order, sales)]


def test_events_and_aggregates_outside_any_context_are_reported_in_bound():
    b = BoardBuilder("bound")
    b.context("Sales", 0, 0, 1000, 1000)
    b.aggregate("Cart", 100, 100, 400, 400)
    b.event("Item Added", 600, 100)
    order = b.aggregate("Order", 2000, 0)
    stray = b.event("Order Placed", 5000, 0)
    assert sorted(ids(b, "B1")) == sorted([(order,), (stray,)])
    assert ids(b, "B1", phase="aggregate") == []


def test_a_command_issued_from_another_context_is_reported():
    b = BoardBuilder("bound")
    b.context("Sales", 0, 0, 1000, 1000)
    b.context("Billing", 2000, 0, 1000, 1000)
    placed = b.event("Order Placed", 100, 100)
    policy = b.policy("Whenever placed, then invoice", 100, 400)
    invoice = b.command("Send Invoice", 2100, 100)
    b.chain(placed, policy, invoice)
    [finding] = findings(b, "B4")
    assert finding.stickies == (policy, invoice)
    assert ids(b, "B4", phase="aggregate") == []


def test_a_command_producing_an_event_in_another_context_is_reported():
    b = BoardBuilder("bound")
    b.context("Sales", 0, 0, 1000, 1000)
    b.context("Billing", 2000, 0, 1000, 1000)
    invoice = b.command("Send Invoice", 100, 100)
    sent = b.event("Invoice Sent", 2100, 100)
    b.link(invoice, sent)
    assert ids(b, "B4") == [(invoice, sent)]


def test_integrating_through_an_event_crosses_no_command_border():
    """The policy sits with the command it issues; only the event crosses."""
    b, s = ordering_board()
    assert findings(b, "B4") == []
    assert b.derive().element(s["charge_policy"]).integration


# -- every check is covered ---------------------------------------------------------


def everything_wrong():
    """One board that trips every check there is."""
    b = BoardBuilder("review")
    b.context("Sales", 0, 0, 3000, 1500)
    b.context("Billing", 2900, 0, 3000, 1500)  # overlaps Sales
    b.aggregate("Empty", 100, 100, 300, 300)
    b.aggregate("Crossing", 2800, 600, 400, 400)
    placed = b.event("Order Placed", 500, 100)
    b.event("Order Placed", 700, 100)
    b.event("Orders Placed", 900, 100)
    b.event("OrderCreatedEvent", 1100, 100, fields=["x: money"])
    b.event("Place Order", 1300, 100)
    command = b.command("Order Paid", 500, 400)
    b.link(placed, command)
    b.policy("Policy", 700, 400)
    b.read_model("Orders", 900, 400)
    b.hotspot("Why?", 1100, 400)
    loop(b, 2, x=20)
    b.chain(b.policy("Invoice", 100, 1000), b.command("Send Invoice", 3100, 100))
    for i in range(5):
        b.event(f"Step {i} Done", 5000 + i * 200, 3000, pivotal=True)
    return b


def test_every_registered_check_fires_somewhere():
    from modeling.checks import _CHECKS

    assert checks_of(everything_wrong()) == {check_id for check_id, _, _ in _CHECKS}


# -- near duplicates against a search of every pair ------------------------------


VOCABULARY = ("order", "orders", "placed", "paid", "item", "cart", "订", "单", "已")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=5)))
def test_near_duplicates_are_found_as_a_search_of_every_pair_would(texts):
    b = BoardBuilder("order")
    for i, text in enumerate(texts):
        b.event(" ".join(text), i * 200)
    model = b.derive()
    reported = {
        frozenset(f.stickies)
        for f in run_checks(model)
        if f.check == "N8" and f.severity == "hint"
    }
    firsts = {}
    for event in model.events:
        firsts.setdefault(" ".join(w.casefold() for w in words(event.name)), event)
    tokens = {
        e.id: {t.removesuffix("s") for t in words(e.name.casefold())}
        for e in firsts.values()
    }
    expected = {
        frozenset((a, c))
        for a in tokens
        for c in tokens
        if a < c and len(tokens[a] & tokens[c]) / len(tokens[a] | tokens[c]) >= 0.75
    }
    assert reported == expected


# -- help for the people at the board ---------------------------------------------


def test_every_registered_check_has_help_and_no_help_is_left_over():
    ids = registered()
    assert len(ids) == len(set(ids)) >= 20
    assert set(HELP) == set(ids)


@pytest.mark.parametrize("check_id", sorted(HELP))
def test_each_check_is_explained_with_a_fix_and_words_to_count_it(check_id):
    entry = HELP[check_id]
    # Sentences a participant reads, not a label.
    assert entry.title and entry.title[0].isupper() and len(entry.title) < 50
    for text in (entry.explanation, entry.fix):
        assert len(text) > 60 and text.endswith(".")
    # "1 <one>", "3 <many>" in the phase guide: phrases, not sentences.
    for phrase in (entry.one, entry.many):
        assert phrase and phrase[0].islower() and not phrase.endswith(".")
    assert entry.one != entry.many


def test_help_for_findings_covers_the_checks_found_once_each():
    b = BoardBuilder("attribute")
    b.event("Place Order", 0, 0)
    b.event("Ship Order", 400, 0)
    found = run_checks(b.derive())
    assert [f.check for f in found].count("N1") == 2
    explained = help_for(found)
    assert set(explained) == {f.check for f in found}
    assert explained["N1"] == HELP["N1"].to_dict()
    assert help_for([]) == {}
