"""Deriving the domain model from a board snapshot (`modeling.derive`)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modeling.derive import HOTSPOT_REACH, derive
from modeling.model import NameCollision

from .boards import BoardBuilder, ordering_board

# -- membership: contexts hold aggregates, aggregates hold commands and events --


def test_contexts_contain_aggregates_which_own_commands_and_events(sketch):
    sales = sketch.context("Sales", 0, 0, 1000, 800)
    order = sketch.aggregate("Order", 100, 100, 600, 400)
    place = sketch.command("Place Order", 150, 150)
    placed = sketch.event("Order Placed", 400, 150)
    model = sketch.derive()
    assert model.element(sales).aggregates == (order,)
    assert model.element(order).context == sales
    assert model.element(order).commands == (place,)
    assert model.element(order).events == (placed,)
    for sticky in (place, placed):
        assert model.element(sticky).aggregate == order
        assert model.element(sticky).context == sales


def test_membership_is_decided_by_the_centre_of_the_sticky(sketch):
    order = sketch.aggregate("Order", 0, 0, 400, 400)
    # The corner is inside but the centre (430, 80) is not.
    corner_in = sketch.event("Order Placed", 350, 0)
    # The corner is outside but the centre (20, 80) is inside.
    centre_in = sketch.event("Order Paid", -60, 0)
    model = sketch.derive()
    assert model.element(corner_in).aggregate is None
    assert model.element(centre_in).aggregate == order


def test_a_sticky_in_a_context_but_no_aggregate_belongs_to_the_context(sketch):
    sales = sketch.context("Sales", 0, 0)
    sketch.aggregate("Order", 600, 300)
    policy = sketch.policy("Whenever paid, then ship", 100, 100)
    event = sketch.event("Order Placed", 100, 400)
    model = sketch.derive()
    assert model.element(policy).context == sales
    assert model.element(event).context == sales
    assert model.element(event).aggregate is None


def test_stickies_outside_every_frame_belong_to_nothing(sketch):
    sketch.context("Sales", 0, 0)
    event = sketch.event("Order Placed", 5000, 5000)
    model = sketch.derive()
    assert model.element(event).context is None
    assert model.element(event).aggregate is None


def test_the_innermost_frame_wins(sketch):
    outer_context = sketch.context("Company", 0, 0, 3000, 2000)
    inner_context = sketch.context("Sales", 100, 100, 1500, 1000)
    outer = sketch.aggregate("Order", 200, 200, 1000, 700)
    inner = sketch.aggregate("Order Line", 300, 300, 400, 300)
    in_inner = sketch.event("Line Added", 350, 350)
    in_outer = sketch.event("Order Placed", 900, 300)
    in_outer_context = sketch.event("Company Founded", 2000, 1500)
    model = sketch.derive()
    assert model.element(in_inner).aggregate == inner
    assert model.element(in_outer).aggregate == outer
    assert model.element(in_inner).context == inner_context
    assert model.element(in_outer_context).context == outer_context
    assert model.element(inner_context).aggregates == (outer, inner)
    # Frames drawn one inside the other do not overlap.
    assert model.overlapping_frames == ()


def test_overlapping_frames_of_one_kind_are_reported(sketch):
    a = sketch.aggregate("Order", 0, 0, 400, 400)
    b = sketch.aggregate("Payment", 300, 300, 400, 400)
    sketch.aggregate("Shipment", 1000, 0, 400, 400)
    c1 = sketch.context("Sales", 0, 2000, 1000, 1000)
    c2 = sketch.context("Billing", 900, 2100, 1000, 1000)
    model = sketch.derive()
    assert set(model.overlapping_frames) == {
        tuple(sorted((a, b))),
        tuple(sorted((c1, c2))),
    }


def test_an_aggregate_crossing_a_context_border_is_reported(sketch):
    sales = sketch.context("Sales", 0, 0, 1000, 1000)
    billing = sketch.context("Billing", 1000, 0, 1000, 1000)
    order = sketch.aggregate("Order", 700, 100, 500, 400)
    sketch.aggregate("Cart", 100, 100, 400, 400)
    assert set(sketch.derive().overlapping_frames) == {(order, sales), (order, billing)}


def test_stickies_in_a_crossing_aggregate_share_the_aggregates_context(sketch):
    """The tree stays a tree: an aggregate's events live in its context."""
    sales = sketch.context("Sales", 0, 0, 1000, 1000)
    sketch.context("Billing", 1000, 0, 1000, 1000)
    # Centre (1000 - 50, 300): in Sales.
    order = sketch.aggregate("Order", 700, 100, 500, 400)
    # Centre (1130, 230): in Billing, but inside the Order frame.
    paid = sketch.event("Order Paid", 1050, 150)
    model = sketch.derive()
    assert model.element(order).context == sales
    assert model.element(paid).aggregate == order
    assert model.element(paid).context == sales
    assert model.element(sales).timeline == (paid,)


def test_frames_that_only_touch_do_not_overlap(sketch):
    sketch.aggregate("Order", 0, 0, 400, 400)
    sketch.aggregate("Payment", 400, 0, 400, 400)
    assert sketch.derive().overlapping_frames == ()


def test_a_command_linked_to_an_aggregate_belongs_to_it(sketch):
    order = sketch.aggregate("Order", 0, 0)
    cancel = sketch.command("Cancel Order", 2000, 0)
    sketch.link(cancel, order)
    model = sketch.derive()
    assert model.element(cancel).aggregate == order
    assert model.element(order).commands == (cancel,)


def test_an_event_an_aggregate_links_to_belongs_to_it(sketch):
    order = sketch.aggregate("Order", 0, 0)
    cancelled = sketch.event("Order Cancelled", 2000, 0)
    sketch.link(order, cancelled)
    model = sketch.derive()
    assert model.element(cancelled).aggregate == order
    assert model.element(order).events == (cancelled,)
    assert model.element(cancelled).caused_by == (order,)


# -- triggers come from links ---------------------------------------------------


def test_an_actor_issues_a_command(sketch):
    actor, command = sketch.actor("Customer"), sketch.command("Place Order", 300)
    sketch.link(actor, command)
    model = sketch.derive()
    assert model.element(actor).issues == (command,)
    assert model.element(command).triggered_by == (actor,)


def test_an_external_system_triggers_a_command_or_an_event(sketch):
    system = sketch.system("Clock", 0)
    command = sketch.command("Close Month", 300)
    event = sketch.event("Month Ended", 600)
    sketch.link(system, command)
    sketch.link(system, event)
    model = sketch.derive()
    assert set(model.element(system).triggers) == {command, event}
    assert model.element(command).triggered_by == (system,)
    assert model.element(event).caused_by == (system,)


def test_a_command_produces_an_event(sketch):
    command, event = sketch.command("Place Order"), sketch.event("Order Placed", 300)
    sketch.link(command, event)
    model = sketch.derive()
    assert model.element(command).produces == (event,)
    assert model.element(event).caused_by == (command,)


def test_an_event_activates_a_policy_which_issues_a_command(sketch):
    event = sketch.event("Order Placed")
    policy = sketch.policy("Whenever an order is placed, then reserve stock", 300)
    command = sketch.command("Reserve Stock", 600)
    sketch.chain(event, policy, command)
    model = sketch.derive()
    assert model.element(policy).when == (event,)
    assert model.element(policy).then == (command,)
    assert model.element(command).triggered_by == (policy,)


def test_events_update_read_models_which_inform_actors_and_commands(sketch):
    placed, paid = sketch.event("Order Placed"), sketch.event("Order Paid", 200)
    summary = sketch.read_model("Order Summary", 400)
    actor = sketch.actor("Clerk", 600)
    command = sketch.command("Ship Order", 800)
    sketch.link(placed, summary)
    sketch.link(paid, summary)
    sketch.link(summary, actor)
    sketch.link(summary, command)
    model = sketch.derive()
    assert set(model.element(summary).fed_by) == {placed, paid}
    assert set(model.element(summary).used_by) == {actor, command}
    assert model.element(command).triggered_by == (summary,)


def test_the_rest_of_the_grammar_is_kept(sketch):
    actor, system = sketch.actor("Clerk"), sketch.system("Warehouse")
    policy = sketch.policy("Whenever stock is low, then reorder")
    summary = sketch.read_model("Stock Level")
    command = sketch.command("Ship Order")
    first, second = sketch.event("Order Shipped"), sketch.event("Parcel Left")
    sketch.link(actor, policy)
    sketch.link(summary, policy)
    sketch.link(command, system)
    sketch.link(first, second)
    model = sketch.derive()
    assert model.element(policy).managed_by == (actor,)
    assert model.element(policy).consults == (summary,)
    assert model.element(command).targets == (system,)
    assert model.element(second).caused_by == (first,)
    assert model.link_problems == ()


@pytest.mark.parametrize(
    ("source", "target", "reason"),
    [
        ("event", "actor", "read model"),
        ("actor", "event", "add the command"),
        ("event", "command", "put a policy between them"),
        ("policy", "event", "add the command"),
        ("command", "read_model", "through an event"),
        ("read_model", "event", "outside the grammar"),
    ],
)
def test_links_that_make_no_sense_are_reported_and_not_used(
    sketch, source, target, reason
):
    a = sketch.sticky(source, "A")
    b = sketch.sticky(target, "B", 300)
    link = sketch.link(a, b)
    model = sketch.derive()
    [problem] = model.link_problems
    assert (problem.id, problem.source, problem.target) == (link, a, b)
    assert reason in problem.message
    # Nothing in the model points along the link.
    for element in (model.element(a), model.element(b)):
        for value in vars(element).values():
            assert not (isinstance(value, tuple) and (a in value or b in value))


def test_links_to_hot_spots_are_annotations_not_flow(sketch):
    event, hotspot = sketch.event("Order Placed"), sketch.hotspot("Why?", 3000)
    sketch.link(hotspot, event)
    sketch.link(event, hotspot)
    assert sketch.derive().link_problems == ()


def test_links_to_stickies_that_are_gone_are_ignored(sketch):
    event = sketch.event("Order Placed")
    sketch.link(event, "00000000-0000-4000-8000-000000000000")
    model = sketch.derive()
    assert model.link_problems == ()
    assert model.element(event).caused_by == ()


# -- policies across contexts ------------------------------------------------------


def test_a_policy_between_contexts_is_an_integration():
    b, s = ordering_board()
    assert b.derive().element(s["charge_policy"]).integration is True


def test_a_policy_within_one_context_is_not_an_integration(sketch):
    sketch.context("Sales", 0, 0)
    event = sketch.event("Order Placed", 100, 100)
    policy = sketch.policy("Whenever placed, then reserve", 300, 100)
    command = sketch.command("Reserve Stock", 600, 100)
    sketch.chain(event, policy, command)
    assert sketch.derive().element(policy).integration is False


def test_a_policy_outside_any_context_is_not_an_integration(sketch):
    event = sketch.event("Order Placed")
    policy = sketch.policy("Whenever placed, then reserve", 300)
    command = sketch.command("Reserve Stock", 600)
    sketch.chain(event, policy, command)
    assert sketch.derive().element(policy).integration is False


# -- hot spots ----------------------------------------------------------------------


def test_a_hot_spot_is_about_what_it_links_to(sketch):
    event = sketch.event("Order Placed")
    command = sketch.command("Place Order", 300)
    hotspot = sketch.hotspot("Really?", 3000, 3000)
    sketch.link(hotspot, event)
    sketch.link(command, hotspot)
    sketch.vote(hotspot, "ann")
    sketch.vote(hotspot, "bob")
    [spot] = sketch.derive().hotspots
    assert spot.id == hotspot
    assert spot.text == "Really?"
    assert set(spot.about) == {event, command}
    assert spot.votes == 2


def test_a_linked_hot_spot_ignores_its_neighbours(sketch):
    far = sketch.event("Order Placed", 3000, 0)
    sketch.event("Order Paid", 0, 0)
    hotspot = sketch.hotspot("Really?", 10, 10)
    sketch.link(hotspot, far)
    assert sketch.derive().hotspots[0].about == (far,)


def test_an_unlinked_hot_spot_is_about_the_nearest_sticky_within_reach(sketch):
    near = sketch.event("Order Placed", 200, 0)
    sketch.event("Order Paid", 350, 0)
    sketch.aggregate("Order", 0, 0)  # frames are not what a hot spot is about
    sketch.hotspot("When exactly?", 0, 0)
    assert sketch.derive().hotspots[0].about == (near,)


def test_a_lonely_hot_spot_is_about_nothing(sketch):
    sketch.event("Order Placed", HOTSPOT_REACH + 1, 0)
    sketch.hotspot("Anything else?", 0, 0)
    assert sketch.derive().hotspots[0].about == ()


def test_a_hot_spot_on_an_empty_board_is_about_nothing(sketch):
    sketch.hotspot("Where do we start?")
    assert sketch.derive().hotspots[0].about == ()


# -- the timeline ------------------------------------------------------------------


def test_events_are_ordered_by_x_then_y_within_their_context(sketch):
    sales = sketch.context("Sales", 0, 0, 2000, 1000)
    billing = sketch.context("Billing", 3000, 0, 2000, 1000)
    third = sketch.event("Order Shipped", 900, 100)
    second_below = sketch.event("Stock Reserved", 500, 400)
    first = sketch.event("Order Placed", 100, 600)
    second = sketch.event("Order Paid", 500, 100)
    invoiced = sketch.event("Invoice Sent", 3100, 100)
    model = sketch.derive()
    assert model.element(sales).timeline == (first, second, second_below, third)
    assert model.element(billing).timeline == (invoiced,)


def test_pivotal_events_split_the_timeline_into_phases(sketch):
    sales = sketch.context("Sales", 0, 0, 3000, 1000)
    a = sketch.event("Cart Filled", 100, 100)
    b = sketch.event("Order Placed", 300, 100, pivotal=True)
    c = sketch.event("Order Paid", 500, 100)
    d = sketch.event("Order Shipped", 700, 100, pivotal=True)
    e = sketch.event("Order Delivered", 900, 100)
    model = sketch.derive()
    assert model.element(sales).phases == ((a, b), (c, d), (e,))
    assert [model.element(x).phase for x in (a, b, c, d, e)] == [0, 0, 1, 1, 2]
    assert model.element(b).pivotal and not model.element(a).pivotal


def test_without_pivotal_events_the_timeline_is_one_phase(sketch):
    sales = sketch.context("Sales", 0, 0)
    a, b = sketch.event("Order Placed", 100, 100), sketch.event("Order Paid", 300, 100)
    assert sketch.derive().element(sales).phases == ((a, b),)


def test_a_pivotal_last_event_leaves_no_empty_phase(sketch):
    sales = sketch.context("Sales", 0, 0)
    a = sketch.event("Order Placed", 100, 100)
    b = sketch.event("Order Paid", 300, 100, pivotal=True)
    assert sketch.derive().element(sales).phases == ((a, b),)


# -- identifiers in the model ------------------------------------------------------


def test_elements_get_class_and_function_names_and_keep_their_text(sketch):
    event = sketch.event("订单已提交")
    command = sketch.command("Place order")
    model = sketch.derive()
    chinese = model.element(event)
    assert chinese.name == "订单已提交"
    assert chinese.class_name.isidentifier() and chinese.func_name.isidentifier()
    assert (model.element(command).class_name, model.element(command).func_name) == (
        "PlaceOrder",
        "place_order",
    )


@pytest.mark.parametrize(
    ("text", "cls", "func"),
    [
        ("class", "Class", "class_"),
        ("None", "None_", "none"),
        ("match", "Match", "match_"),
        ("3 items shipped", "Event3ItemsShipped", "event_3_items_shipped"),
        ("Café opened", "CafeOpened", "cafe_opened"),
        ("", "Event", "event"),
    ],
)
def test_sticky_text_becomes_a_valid_identifier(sketch, text, cls, func):
    event = sketch.event(text)
    element = sketch.derive().element(event)
    assert (element.class_name, element.func_name) == (cls, func)
    assert element.name == text


def test_a_code_name_overrides_the_derived_identifier(sketch):
    event = sketch.event("订单已提交", code_name="OrderSubmitted")
    element = sketch.derive().element(event)
    assert (element.class_name, element.func_name) == (
        "OrderSubmitted",
        "order_submitted",
    )
    assert element.name == "订单已提交"


def identities(model):
    return {
        e.id: (e.class_name, e.func_name)
        for collection in ("contexts", "aggregates", "events", "commands", "actors")
        for e in getattr(model, collection)
    }


def test_identifiers_are_stable_across_derivations():
    b, _ = ordering_board()
    assert identities(b.derive()) == identities(b.derive())
    assert b.derive() == b.derive()


def test_moving_and_renaming_other_stickies_keeps_identifiers():
    b, s = ordering_board()
    second = b.event("Order Placed", 800, 260)  # collides with s["placed"]
    before = identities(b.derive())
    # Move the older duplicate to the right of the newer one, stay in the frame.
    b.move(s["placed"], 900, 400)
    b.move(s["place"], 320, 420)
    b.update(s["charge"], text="Capture Payment")
    after = identities(b.derive())
    assert after[s["placed"]] == before[s["placed"]] == ("OrderPlaced", "order_placed")
    assert after[second] == before[second] == ("OrderPlaced2", "order_placed2")
    assert after[s["place"]] == before[s["place"]]
    assert after[s["charge"]] == ("CapturePayment", "capture_payment")


def test_colliding_names_get_a_suffix_and_the_older_sticky_keeps_the_plain_name(
    sketch,
):
    sales = sketch.context("Sales", 0, 0, 2000, 1000)
    older = sketch.event("Order Placed", 900, 100)
    newer = sketch.event("order placed!", 100, 100)  # earlier on the timeline
    newest = sketch.event("Order-Placed", 500, 100)
    model = sketch.derive()
    assert [model.element(e).class_name for e in (older, newer, newest)] == [
        "OrderPlaced",
        "OrderPlaced2",
        "OrderPlaced3",
    ]
    assert [model.element(e).func_name for e in (older, newer, newest)] == [
        "order_placed",
        "order_placed2",
        "order_placed3",
    ]
    assert model.name_collisions == (
        NameCollision(newer, "OrderPlaced", "OrderPlaced2"),
        NameCollision(newest, "OrderPlaced", "OrderPlaced3"),
    )
    assert model.element(sales).timeline == (newer, newest, older)


def test_a_code_name_keeps_its_name_against_an_older_sticky(sketch):
    older = sketch.event("Order Placed")
    named = sketch.event("Bestellung aufgegeben", 300, code_name="OrderPlaced")
    model = sketch.derive()
    assert model.element(named).class_name == "OrderPlaced"
    assert model.element(older).class_name == "OrderPlaced2"


def test_names_are_unique_within_a_context_not_across_contexts(sketch):
    sketch.context("Sales", 0, 0)
    sketch.context("Billing", 2000, 0)
    a = sketch.event("Order Placed", 100, 100)
    b = sketch.event("Order Placed", 2100, 100)
    model = sketch.derive()
    assert model.element(a).class_name == model.element(b).class_name == "OrderPlaced"
    assert model.name_collisions == ()


def test_a_function_name_collision_is_recorded_too(sketch):
    named = sketch.event("Paid", code_name="order_placed")
    other = sketch.event("Order Placed", 300)
    model = sketch.derive()
    assert model.element(named).func_name == "order_placed"
    assert model.element(other).func_name == "order_placed2"
    assert model.name_collisions == (
        NameCollision(other, "order_placed", "order_placed2"),
    )


def test_actors_of_one_name_share_an_identifier_and_do_not_collide(sketch):
    sketch.context("Sales", 0, 0)
    sketch.context("Billing", 2000, 0)
    first = sketch.actor("Customer", 100, 100)
    second = sketch.actor("customer", 2100, 100)
    third = sketch.actor("Customer", 5000, 5000)
    shop = sketch.system("Shop", 0, 3000)
    again = sketch.system("Shop", 500, 3000)
    model = sketch.derive()
    assert {(a.class_name, a.func_name) for a in model.actors} == {
        ("Customer", "customer")
    }
    assert {a.id for a in model.actors} == {first, second, third}
    assert model.element(shop).class_name == model.element(again).class_name
    assert model.name_collisions == ()


# -- the model as a whole ------------------------------------------------------------


def test_the_model_carries_board_name_seq_and_phase():
    b, s = ordering_board(phase="aggregate")
    model = b.derive(board_id="b-1", name="Shop", seq=42)
    assert (model.board, model.name, model.seq, model.phase) == (
        "b-1",
        "Shop",
        42,
        "aggregate",
    )
    assert model.counts() == {
        "contexts": 2,
        "aggregates": 2,
        "events": 2,
        "commands": 2,
        "policies": 1,
        "read_models": 1,
        "actors": 1,
        "external_systems": 1,
        "hotspots": 1,
    }
    assert model.element(s["placed"]).name == "Order Placed"
    assert model.element("nothing") is None


def test_an_empty_snapshot_gives_an_empty_model():
    model = derive({})
    assert model.phase == "find"
    assert set(model.counts().values()) == {0}


def test_derivation_does_not_change_the_snapshot():
    b, _ = ordering_board()
    snapshot = b.snapshot()
    import copy

    before = copy.deepcopy(snapshot)
    derive(snapshot)
    assert snapshot == before


def test_a_sticky_without_optional_keys_is_accepted():
    """Only id, kind, text and geometry are required."""
    snapshot = {
        "stickies": [
            {"id": "e", "kind": "event", "text": "Paid", "x": 0, "y": 0}
            | {"width": 10, "height": 10},
        ]
    }
    assert derive(snapshot).element("e").class_name == "Paid"


def test_builders_with_other_seeds_give_other_ids():
    assert BoardBuilder(seed=1)._id() != BoardBuilder(seed=2)._id()


def test_a_newer_sticky_never_renames_an_older_one(sketch):
    """Names are handed out oldest first, so adding stickies is safe."""
    paid = sketch.event("Paid")
    paid2 = sketch.event("Paid")
    before = identities(sketch.derive())
    sketch.event("Paid2")
    sketch.event("Paid", code_name="")
    after = identities(sketch.derive())
    assert after[paid] == before[paid] == ("Paid", "paid")
    assert after[paid2] == before[paid2] == ("Paid2", "paid2")


def test_stickies_without_words_fall_back_to_their_kind(sketch):
    kinds = ("event", "command", "policy", "read_model", "aggregate", "context")
    ids = [sketch.sticky(kind, "?!", i * 3000, 0) for i, kind in enumerate(kinds)]
    system = sketch.sticky("external_system", "", 0, 9000)
    model = sketch.derive()
    assert [(model.element(i).class_name, model.element(i).func_name) for i in ids] == [
        ("Event", "event"),
        ("Command", "command"),
        ("Policy", "policy"),
        ("ReadModel", "read_model"),
        ("Aggregate", "aggregate"),
        ("Context", "context"),
    ]
    assert model.element(system).func_name == "external_system"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-1200, 1200), st.integers(-1200, 1200)), max_size=25
    ),
    st.tuples(st.integers(-1200, 1200), st.integers(-1200, 1200)),
)
def test_an_unlinked_hot_spot_finds_the_same_neighbour_as_a_full_search(
    positions, spot
):
    b = BoardBuilder()
    stickies = [b.event(f"E{i} Done", x, y) for i, (x, y) in enumerate(positions)]
    hotspot = b.hotspot("?", *spot)
    best = min(
        (
            ((x - spot[0]) ** 2 + (y - spot[1]) ** 2, sticky)
            for sticky, (x, y) in zip(stickies, positions, strict=True)
        ),
        default=None,
    )
    expected = (best[1],) if best and best[0] <= HOTSPOT_REACH**2 else ()
    [found] = b.derive().hotspots
    assert (found.id, found.about) == (hotspot, expected)
