"""Layout tools on the board: align and space a selection, tidy the timeline
into swimlanes, swimlanes themselves, pivotal events as chapter breaks,
suggested links in the attribute phase and frames around a selection. One
person acts with the mouse and keyboard, another sees the result live; each
gesture is one batch, so one Ctrl+Z takes it back for everyone."""

import shutil
from pathlib import Path

import pytest

from storming.models import BoardEvent

from .board_page import BoardPage, pixel

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots")


def shoot(person, artifacts, name):
    """A picture of the page in artifacts/ (and /tmp/shots/ to look at)."""
    path = person.save(artifacts, f"layout-{name}.png")
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def open_as(signed_in, daphne_server, board, user):
    """The board's page for `user`, live (given time: other tests share the machine)."""
    person = BoardPage(signed_in(user).new_page(), daphne_server, board)
    person.page.goto(person.url)
    person.wait_live(timeout=40000)
    return person


def add(run, kind, text, x, y, **extra):
    run("sticky.create", {"kind": kind, "text": text, "x": x, "y": y, **extra})


def places(person):
    return {s["text"]: (s["x"], s["y"]) for s in person.stickies()}


def wait_places(person, expected, timeout=10000):
    """Wait until the stickies named in `expected` sit at those (x, y)."""
    person.wait_for(
        """Object.entries(arg).every(([text, [x, y]]) =>
            [...app.store.stickies.values()].some(
                s => s.text === text && s.x === x && s.y === y))""",
        expected,
        timeout,
    )


def focus_canvas_and_undo(person):
    person.page.locator("#board-canvas").focus()
    person.page.keyboard.press("Control+z")


def last_group(board):
    """The names of the events of the board's last group (or last event)."""
    last = BoardEvent.objects.filter(board=board).order_by("-seq").first()
    if last.group is None:
        return [last.name]
    return list(
        BoardEvent.objects.filter(board=board, group=last.group)
        .order_by("seq")
        .values_list("name", flat=True)
    )


def line_colour(person, x, y):
    """The most orange pixel within 2 screen pixels of board point (x, y)."""
    return tuple(
        person.evaluate(
            """([x, y]) => {
                const app = window.boardApp;
                app.renderer.draw();
                const p = app.viewport.toScreen(x, y);
                const dpr = app.renderer.dpr;
                const data = document.getElementById('board-canvas').getContext('2d')
                    .getImageData(Math.round((p.x - 2) * dpr), Math.round(p.y * dpr),
                                  Math.round(5 * dpr), 1).data;
                let best = null;
                for (let i = 0; i < data.length; i += 4) {
                    const rgb = [data[i], data[i + 1], data[i + 2]];
                    if (!best || rgb[2] < best[2]) best = rgb;
                }
                return best;
            }""",
            [x, y],
        )
    )


def label_ink_above(person, x, pixels):
    """Whether the dark orange of a divider's label shows just right of board
    x, within `pixels` of the top of the screen."""
    return person.evaluate(
        """([x, pixels]) => {
            const app = window.boardApp;
            app.renderer.draw();
            const p = app.viewport.toScreen(x, 0);
            const dpr = app.renderer.dpr;
            const data = document.getElementById('board-canvas').getContext('2d')
                .getImageData(Math.round((p.x + 6) * dpr), 0, Math.round(60 * dpr),
                              Math.round(pixels * dpr)).data;
            for (let i = 0; i < data.length; i += 4) {
                const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
                if (r > 100 && r < 190 && g < 110 && b < 80) return true;
            }
            return false;
        }""",
        [x, pixels],
    )


def close_to(colour, expected, tolerance=18):
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


BACKGROUND = (246, 247, 249)
PAID_AT = {"Order paid": (700, 90)}
WAREHOUSE = "app.store.board.lanes.find(l => l.name === 'Warehouse')"


def section_order(panel):
    """The layout panel's sections as they show, top to bottom."""
    return panel.evaluate(
        """(panel) => [...panel.querySelectorAll('.layout-section')]
            .map((s) => [s.getBoundingClientRect().top,
                         s.querySelector('.layout-section__title').firstChild])
            .sort((a, b) => a[0] - b[0])
            .map(([, title]) => title.textContent.trim())"""
    )


def show_board(person, x, y, width, height):
    """Fit the view to a box of the board."""
    person.evaluate(
        "([x, y, width, height]) => window.boardApp.viewport.fit({x, y, width, height},"
        " {left: 260, right: 60, top: 170, bottom: 60})",
        [x, y, width, height],
    )


# -- 1. arranging a selection ------------------------------------------------------


def test_aligning_and_spacing_a_selection_is_seen_live_and_undone_in_one_step(
    signed_in, daphne_server, board, facilitator, participant, run, artifacts
):
    add(run, "event", "Cart filled", 0, 40)
    add(run, "event", "Order placed", 260, 0)
    add(run, "event", "Order paid", 700, 90)
    ann = open_as(signed_in, daphne_server, board, facilitator)
    pat = open_as(signed_in, daphne_server, board, participant.user)
    show_board(pat, 0, 0, 860, 250)

    # Select the three with the mouse: a click, then shift-clicks.
    for n, text in enumerate(("Cart filled", "Order placed", "Order paid")):
        pat.click_sticky(pat.sticky_with(text), shift=n > 0)
    arrange = pat.page.locator('#selection-bar [data-feature="arrange"]')
    arrange.wait_for(state="visible")
    arrange.click()
    panel = pat.page.locator("#layout-panel")
    panel.wait_for(state="visible")
    assert "3 stickies selected" in panel.locator("#layout-arrange-hint").inner_text()

    panel.get_by_role("button", name="Top", exact=True).click()
    aligned = {"Cart filled": (0, 0), "Order placed": (260, 0), "Order paid": (700, 0)}
    wait_places(ann, aligned)
    assert last_group(board) == ["sticky.moved", "sticky.moved"]

    panel.get_by_role("button", name="Space horizontally").click()
    # From 0 to 860 with 480 of stickies: gaps of 190.
    spread = {"Cart filled": (0, 0), "Order placed": (350, 0), "Order paid": (700, 0)}
    wait_places(ann, spread)
    shoot(pat, artifacts, "arranged")

    # Already lined up: the page says so rather than sending an empty batch.
    panel.get_by_role("button", name="Top", exact=True).click()
    pat.page.locator(".toast", has_text="lined up already").wait_for()

    focus_canvas_and_undo(pat)
    wait_places(ann, aligned)
    focus_canvas_and_undo(pat)
    wait_places(ann, {"Cart filled": (0, 40), "Order placed": (260, 0), **PAID_AT})
    assert pat.errors == [] and ann.errors == []


# -- 2. tidying the timeline into swimlanes ------------------------------------------


def test_tidying_the_timeline_puts_each_lanes_events_in_a_row_and_one_undo_restores(
    signed_in, daphne_server, board, facilitator, participant, run, artifacts
):
    run("phase.set", {"phase": "order"})
    run(
        "lanes.set",
        {
            "lanes": [
                {"name": "Customer", "y": 0, "height": 240},
                {"name": "Warehouse", "y": 240, "height": 240},
            ]
        },
    )
    scattered = {
        "Cart filled": (0, 30),
        "Order placed": (150, 70),
        "Order paid": (520, 10),
        "Stock reserved": (230, 300),
        "Parcel packed": (640, 260),
        "Invoice archived": (60, 700),
        "Review written": (400, 820),
    }
    for text, (x, y) in scattered.items():
        add(run, "event", text, x, y)
    # A question stuck on "Order paid" goes where it goes.
    add(run, "hotspot", "Partial payments?", 540, 60)
    ann = open_as(signed_in, daphne_server, board, facilitator)
    pat = open_as(signed_in, daphne_server, board, participant.user)
    show_board(ann, -100, -60, 1300, 1000)
    shoot(ann, artifacts, "tidy-before")

    pat.page.click("#layout-toggle")
    panel = pat.page.locator("#layout-panel")
    panel.wait_for(state="visible")
    # The order phase puts the timeline and the lanes first.
    assert section_order(panel)[:2] == ["Timeline", "Swimlanes"]
    panel.get_by_role("button", name="Tidy the timeline").click()

    # Lanes: events centred in their lane (160 tall in 240: 40 from the top);
    # outside: the row of their median (centres 780 and 900 -> 840, top 760).
    # Columns 200 apart from the leftmost x; side by side in parallel lanes
    # share a column ("Order placed" and "Stock reserved").
    tidy = {
        "Cart filled": (0, 40),
        "Invoice archived": (0, 760),
        "Order placed": (200, 40),
        "Stock reserved": (200, 280),
        "Review written": (400, 760),
        "Order paid": (600, 40),
        "Parcel packed": (800, 280),
    }
    wait_places(ann, tidy)
    hot = ann.sticky_with("Partial payments?")
    assert (hot["x"], hot["y"]) == (540 + 80, 60 + 30)
    names = last_group(board)
    assert names == ["sticky.moved"] * 8
    boxes = [s for s in ann.stickies() if s["kind"] == "event"]
    for a in boxes:
        for b in boxes:
            if a is not b:
                assert (
                    a["x"] + a["width"] <= b["x"]
                    or b["x"] + b["width"] <= a["x"]
                    or a["y"] + a["height"] <= b["y"]
                    or b["y"] + b["height"] <= a["y"]
                ), (a["text"], b["text"])
    show_board(ann, -100, -60, 1300, 1000)
    shoot(ann, artifacts, "tidy-after")

    # Tidy again: nothing to do, nothing sent.
    seq = board.events.count()
    panel.get_by_role("button", name="Tidy the timeline").click()
    pat.page.locator(".toast", has_text="tidy already").wait_for()
    assert board.events.count() == seq

    focus_canvas_and_undo(pat)
    wait_places(ann, scattered)
    assert places(ann)["Partial payments?"] == (540, 60)
    assert pat.errors == [] and ann.errors == []


# -- 3. swimlanes -------------------------------------------------------------------


def lane_tag_box(person, name):
    tag = person.page.locator(".lane-tag", has_text=name)
    tag.wait_for(state="visible")
    return tag.bounding_box()


def test_swimlanes_are_added_named_moved_resized_and_removed_live_and_viewers_only_look(
    signed_in, daphne_server, board, facilitator, participant, viewer, run, artifacts
):
    add(run, "event", "Order placed", 0, 0)
    add(run, "event", "Order shipped", 240, 0)
    ann = open_as(signed_in, daphne_server, board, facilitator)
    pat = open_as(signed_in, daphne_server, board, participant.user)
    vic = open_as(signed_in, daphne_server, board, viewer.user)
    for person in (ann, pat):
        show_board(person, -100, -200, 600, 700)

    pat.page.click("#layout-toggle")
    panel = pat.page.locator("#layout-panel")
    panel.get_by_role("button", name="Add a lane").click()
    # The first lane goes around the events; its name field takes the typing.
    name = panel.locator(".lane-row input[data-field=name]").first
    assert name.evaluate("(el) => el === document.activeElement")
    name.fill("Customer")
    name.press("Enter")
    ann.wait_for("app.store.board.lanes.map(l => l.name).join() === 'Customer'")
    [lane] = ann.evaluate("() => window.boardApp.store.board.lanes")
    assert (lane["y"], lane["height"]) == (-40, 240)
    # Everyone sees the band's name at the left edge of their screen.
    box = lane_tag_box(ann, "Customer")
    palette = ann.page.locator("#palette").bounding_box()
    assert (
        palette["x"] + palette["width"]
        < box["x"]
        < palette["x"] + palette["width"] + 40
    )
    lane_top = ann.screen_point(0, -40)["y"]
    lane_bottom = ann.screen_point(0, 200)["y"]
    assert lane_top <= box["y"] and box["y"] + box["height"] <= lane_bottom
    shoot(ann, artifacts, "lane-named")

    # Panned far right and zoomed out, the name is still at the left edge, in its band.
    ann.evaluate(
        "() => { const v = boardApp.viewport; v.setZoom(0.5); v.panBy(-2400, 0); }"
    )
    ann.wait_for(
        """(() => { const t = document.querySelector('.lane-tag');
            const top = app.viewport.toScreen(0, -40).y;
            const bottom = app.viewport.toScreen(0, 200).y;
            const r = t.getBoundingClientRect(), s = app.stage.getBoundingClientRect();
            return !t.hidden && r.left - s.left < 300
                && r.top - s.top >= top - 1 && r.bottom - s.top <= bottom + 1; })()"""
    )
    assert ann.evaluate("() => window.boardApp.viewport.visible().x") > 800

    # A second lane under the first, named in place.
    panel.get_by_role("button", name="Add a lane").click()
    second = panel.locator(".lane-row input[data-field=name]").nth(1)
    second.fill("Warehouse")
    second.press("Enter")
    ann.wait_for(
        "app.store.board.lanes.map(l => l.name).join() === 'Customer,Warehouse'"
    )
    lanes = ann.evaluate("() => window.boardApp.store.board.lanes")
    assert (lanes[1]["y"], lanes[1]["height"]) == (200, 240)

    # Drag the Warehouse tag 60 px down: the lane moves by 60 / zoom.
    zoom = pat.evaluate("() => window.boardApp.viewport.zoom")
    start = lane_tag_box(pat, "Warehouse")
    origin = {"x": start["x"] + 20, "y": start["y"] + start["height"] / 2}
    pat.drag(origin, {"x": origin["x"], "y": origin["y"] + 60})
    moved = round(200 + 60 / zoom)
    ann.wait_for(f"Math.abs({WAREHOUSE}.y - arg) <= 1", moved)
    # Drag its grip (the bar on its bottom edge) 40 px up: 40 / zoom shorter.
    grip = pat.page.locator(".lane-grip").nth(1)
    g = grip.bounding_box()
    pat.drag(
        {"x": g["x"] + g["width"] / 2, "y": g["y"] + g["height"] / 2},
        {"x": g["x"] + g["width"] / 2, "y": g["y"] + g["height"] / 2 - 40},
    )
    ann.wait_for(f"Math.abs({WAREHOUSE}.height - arg) <= 1", round(240 - 40 / zoom))

    # Bad input: a clear message at the field, and nothing changes.
    before = ann.evaluate("() => JSON.stringify(window.boardApp.store.board.lanes)")
    seq = board.events.count()
    height = panel.locator(".lane-row input[data-field=height]").first
    height.fill("tall")
    height.press("Enter")
    error = panel.locator(".lane-row__error").first
    error.wait_for(state="visible")
    assert "height must be a number" in error.inner_text()
    assert height.get_attribute("aria-invalid") == "true"
    height.fill("5")
    height.press("Enter")
    pat.page.wait_for_function(
        "() => document.querySelector('.lane-row__error').textContent"
        ".includes('between 20')"
    )
    assert board.events.count() == seq
    assert (
        ann.evaluate("() => JSON.stringify(window.boardApp.store.board.lanes)")
        == before
    )
    # Fixed: it goes.
    height.fill("300")
    height.press("Enter")
    ann.wait_for("app.store.board.lanes[0].height === 300")
    assert error.is_hidden()
    shoot(pat, artifacts, "lanes-panel")

    # The viewer sees the lanes and their names, and cannot change them.
    vic.wait_for("app.store.board.lanes.length === 2")
    lane_tag_box(vic, "Customer")
    assert vic.page.locator(".lane-grip:visible").count() == 0
    vic.page.locator(".lane-tag", has_text="Customer").click()
    vic_panel = vic.page.locator("#layout-panel")
    vic_panel.wait_for(state="visible")
    assert vic_panel.locator(".lane-row input[data-field=name]").first.is_disabled()
    assert vic_panel.get_by_role("button", name="Add a lane").is_hidden()
    assert vic_panel.locator("[data-lane-remove]:visible").count() == 0

    # Removed: gone for everyone.
    panel.get_by_role("button", name="Remove the lane Customer").click()
    vic.wait_for("app.store.board.lanes.map(l => l.name).join() === 'Warehouse'")
    vic.page.locator(".lane-tag", has_text="Customer").wait_for(state="detached")
    assert pat.errors == [] and ann.errors == [] and vic.errors == []


# -- 4. pivotal events as chapters -------------------------------------------------


def test_a_pivotal_event_draws_a_chapter_line_across_the_board_for_everyone(
    signed_in, daphne_server, board, facilitator, participant, run, artifacts
):
    run("phase.set", {"phase": "order"})
    add(run, "event", "Cart filled", 0, 0)
    add(run, "event", "Order placed", 240, 0)
    add(run, "event", "Parcel delivered", 480, 0)
    ann = open_as(signed_in, daphne_server, board, facilitator)
    pat = open_as(signed_in, daphne_server, board, participant.user)
    show_board(ann, -100, -300, 800, 800)
    line_x = 240 + 80
    assert close_to(pixel(ann, line_x, -200), BACKGROUND, 4)

    placed = pat.sticky_with("Order placed")
    pat.click_sticky(placed)
    pat.page.locator('#selection-bar [data-action="pivotal"]').click()
    ann.wait_for(
        "[...app.store.stickies.values()].some(s => s.pivotal && s.text === arg)",
        "Order placed",
    )
    # An orange line above and below the event, far from it, and nowhere else.
    orange = (238, 160, 119)
    assert close_to(line_colour(ann, line_x, -200), orange)
    assert close_to(line_colour(ann, line_x, 400), orange)
    assert close_to(pixel(ann, 240 + 80 + 120, -200), BACKGROUND, 4)
    # The event's name labels the line near the top of the screen, right of it
    # (below the phase guide when the guide is above it).
    assert label_ink_above(ann, line_x, 320)
    shoot(ann, artifacts, "pivotal")
    assert pat.errors == [] and ann.errors == []


# -- 5. suggested links ------------------------------------------------------------


def test_suggested_links_are_added_by_a_click_or_all_at_once_and_undone_in_one_step(
    signed_in, daphne_server, board, facilitator, participant, run, artifacts
):
    run("phase.set", {"phase": "attribute"})
    add(run, "actor", "Customer", 0, -100)
    add(run, "command", "Place order", 0, 0)
    add(run, "event", "Order placed", 200, 0)
    add(run, "policy", "Whenever an order is placed, reserve stock", 400, 0)
    add(run, "command", "Reserve stock", 680, 0)
    add(run, "event", "Stock reserved", 880, 0)
    ann = open_as(signed_in, daphne_server, board, facilitator)
    pat = open_as(signed_in, daphne_server, board, participant.user)
    show_board(pat, -60, -160, 1160, 400)
    pat.wait_for("app.layout.suggestions.current().length === 5")
    pat.page.click("#layout-toggle")
    panel = pat.page.locator("#layout-panel")
    items = panel.locator(".suggestion")
    items.first.wait_for()
    assert items.count() == 5
    assert section_order(panel)[0] == "Suggested links"
    shoot(pat, artifacts, "suggestions")

    # A click on the dashed link's "+" between "Place order" and "Order placed".
    mid = pat.screen_point(180, 80)
    pat.page.mouse.click(mid["x"], mid["y"])
    ann.wait_for("app.store.links.size === 1")
    [link] = ann.evaluate("() => [...window.boardApp.store.links.values()]")
    by_id = {s["id"]: s["text"] for s in ann.stickies()}
    assert (by_id[link["from"]], by_id[link["to"]]) == ("Place order", "Order placed")
    pat.wait_for("app.layout.suggestions.current().length === 4")
    items.nth(3).wait_for(state="attached")
    assert items.count() == 4

    # One from the list, with its Add button.
    items.filter(has_text="Customer").get_by_role("button", name="Add").first.click()
    ann.wait_for("app.store.links.size === 2")

    # The rest at once: one batch.
    panel.get_by_role("button", name="Add all 3").click()
    ann.wait_for("app.store.links.size === 5")
    assert last_group(board) == ["link.created"] * 3
    pat.wait_for("app.layout.suggestions.current().length === 0")
    assert "Nothing to suggest" in panel.locator("#layout-suggest-hint").inner_text()

    # One undo takes the three back, not the two added one by one.
    focus_canvas_and_undo(pat)
    ann.wait_for("app.store.links.size === 2")
    pat.wait_for("app.layout.suggestions.current().length === 3")

    # Hidden on request: nothing dashed on the board, nothing listed.
    panel.get_by_label("Show them on the board, dashed").uncheck()
    assert items.count() == 0
    mid = pat.screen_point(380, 80)  # where "Order placed" -> policy was suggested
    assert not pat.evaluate(
        "([x, y]) => window.boardApp.layout.suggestions.hit({x, y})", [380, 80]
    )
    pat.page.mouse.click(mid["x"], mid["y"])
    pat.page.wait_for_timeout(300)
    assert ann.evaluate("() => window.boardApp.store.links.size") == 2
    assert pat.errors == [] and ann.errors == []


def test_suggested_links_wait_for_the_attribute_phase(
    signed_in, daphne_server, board, facilitator, participant, run
):
    run("phase.set", {"phase": "order"})
    add(run, "command", "Place order", 0, 0)
    add(run, "event", "Order placed", 200, 0)
    ann = open_as(signed_in, daphne_server, board, facilitator)
    pat = open_as(signed_in, daphne_server, board, participant.user)
    assert not pat.evaluate("() => window.boardApp.layout.suggestions.visible()")
    ann.page.select_option("#phase-select", "attribute")
    pat.wait_for("app.layout.suggestions.visible()")
    assert (
        pat.evaluate("() => window.boardApp.layout.suggestions.current().length") == 1
    )
    assert pat.errors == [] and ann.errors == []


# -- 6. frames ---------------------------------------------------------------------


def test_framing_a_selection_as_an_aggregate_with_a_suggested_name(
    signed_in, daphne_server, board, facilitator, participant, run, artifacts
):
    run("phase.set", {"phase": "aggregate"})
    add(run, "command", "Place order", 0, 0)
    add(run, "event", "Order placed", 200, 0)
    add(run, "command", "Cancel order", 0, 200)
    add(run, "event", "Order paid", 200, 200)
    add(run, "event", "Parcel delivered", 1200, 0)
    ann = open_as(signed_in, daphne_server, board, facilitator)
    pat = open_as(signed_in, daphne_server, board, participant.user)
    show_board(pat, -100, -100, 1500, 500)
    for n, text in enumerate(
        ("Place order", "Order placed", "Cancel order", "Order paid")
    ):
        pat.click_sticky(pat.sticky_with(text), shift=n > 0)
    frame = pat.page.locator('#selection-bar [data-feature="frame"]')
    frame.wait_for(state="visible")
    frame.click()
    dialog = pat.page.locator("#layout-frame-dialog")
    dialog.wait_for(state="visible")
    name = dialog.get_by_label("Name")
    assert name.input_value() == "Order"
    assert dialog.get_by_label("an aggregate").is_checked()
    assert "Order placed" in dialog.locator("#layout-frame-why").inner_text()
    shoot(pat, artifacts, "frame-dialog")

    # No name: said, nothing made.
    seq = board.events.count()
    name.fill("  ")
    dialog.get_by_role("button", name="Draw the aggregate").click()
    error = dialog.locator("#layout-frame-error")
    error.wait_for(state="visible")
    assert "Give the aggregate a name" in error.inner_text()
    assert board.events.count() == seq

    name.fill("Order")
    name.press("Enter")
    ann.wait_for("[...app.store.stickies.values()].some(s => s.kind === 'aggregate')")
    [aggregate] = [s for s in ann.stickies() if s["kind"] == "aggregate"]
    assert aggregate["text"] == "Order"
    # Around the four, with a margin (and room for the title on top).
    assert (aggregate["x"], aggregate["y"]) == (-40, -80)
    assert (aggregate["width"], aggregate["height"]) == (360 + 80, 360 + 120)
    assert dialog.is_hidden()
    pat.wait_for("app.scene.selection.size === 1")
    shoot(pat, artifacts, "framed")

    focus_canvas_and_undo(pat)
    ann.wait_for("![...app.store.stickies.values()].some(s => s.kind === 'aggregate')")
    assert pat.errors == [] and ann.errors == []


def test_framing_in_the_bound_phase_draws_a_context_named_from_chinese_stickies(
    signed_in, daphne_server, board, facilitator, participant, run
):
    run("phase.set", {"phase": "bound"})
    add(run, "event", "订单已创建", 0, 0)
    add(run, "event", "订单已支付", 200, 0)
    add(run, "command", "取消订单", 400, 0)
    ann = open_as(signed_in, daphne_server, board, facilitator)
    pat = open_as(signed_in, daphne_server, board, participant.user)
    show_board(pat, -100, -100, 800, 400)
    pat.page.locator("#board-canvas").focus()
    pat.page.keyboard.press("Control+a")
    pat.page.click("#layout-toggle")
    panel = pat.page.locator("#layout-panel")
    panel.get_by_role(
        "button", name="Frame the selection as a bounded context…"
    ).click()
    dialog = pat.page.locator("#layout-frame-dialog")
    dialog.wait_for(state="visible")
    assert dialog.get_by_label("a bounded context").is_checked()
    assert dialog.get_by_label("Name").input_value() == "订单"
    dialog.get_by_role("button", name="Draw the bounded context").click()
    ann.wait_for(
        "[...app.store.stickies.values()].some(s => s.kind === 'context'"
        " && s.text === arg)",
        "订单",
    )
    assert pat.errors == [] and ann.errors == []
