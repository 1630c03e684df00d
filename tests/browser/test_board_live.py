"""Two people on one board: each change one makes shows up on the other's screen."""

import pytest

from storming import services
from storming.models import Sticky

from .board_page import BoardPage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_people(signed_in, daphne_server, board, facilitator, participant):
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    yield ann, pat
    assert ann.errors == []
    assert pat.errors == []


def test_create_edit_move_link_and_delete_show_up_for_the_other_person(
    two_people, artifacts
):
    ann, pat = two_people

    # Create: a double-click on the background, type, Enter.
    placed = ann.create_by_double_click(0.35, 0.45, "Order Placed")
    pat.wait_for_text("Order Placed")
    assert placed["kind"] == "event"

    # Edit in place: double-click the sticky, new text on two lines.
    point = ann.centre_of(placed)
    ann.page.mouse.dblclick(point["x"], point["y"])
    editor = ann.page.locator("#sticky-editor")
    editor.wait_for(state="visible")
    assert editor.input_value() == "Order Placed"
    ann.page.keyboard.press("Control+A")
    ann.page.keyboard.type("Order")
    ann.page.keyboard.press("Shift+Enter")
    ann.page.keyboard.type("Submitted")
    ann.page.keyboard.press("Enter")
    pat.wait_for_text("Order\nSubmitted")
    assert editor.is_hidden()

    # Move: drag it; the other screen sees the live drag, then the drop.
    sticky = ann.sticky_with("Order\nSubmitted")
    start = ann.centre_of(sticky)
    mouse = ann.page.mouse
    mouse.move(start["x"], start["y"])
    mouse.down()
    for step in range(1, 11):
        mouse.move(start["x"] + 20 * step, start["y"] + 8 * step)
        ann.page.wait_for_timeout(20)
    pat.wait_for("app.scene.remoteDrags.has(arg)", sticky["id"])
    mouse.up()
    pat.wait_for(
        "app.store.stickies.get(arg.id).x === arg.x",
        {"id": sticky["id"], "x": sticky["x"] + 200},
    )
    moved = pat.sticky_with("Order\nSubmitted")
    assert (moved["x"], moved["y"]) == (sticky["x"] + 200, sticky["y"] + 80)
    pat.wait_for("!app.scene.remoteDrags.has(arg)", sticky["id"])

    # A command from the palette (key 2), then a link drawn from its handle.
    command_point = ann.stage_point(0.2, 0.3)
    ann.page.mouse.move(command_point["x"], command_point["y"])
    ann.page.keyboard.press("2")
    ann.page.keyboard.type("Submit Order")
    ann.page.keyboard.press("Enter")
    ann.wait_for_text("Submit Order")
    command = ann.sticky_with("Submit Order")
    assert command["kind"] == "command"
    ann.click_sticky(command)
    handle = ann.screen_point(
        command["x"] + command["width"] + 18, command["y"] + command["height"] / 2
    )
    ann.drag(handle, ann.centre_of(moved))
    pat.wait_for("app.store.links.size === 1")
    link = pat.evaluate("() => [...window.boardApp.store.links.values()][0]")
    assert (link["from"], link["to"]) == (command["id"], sticky["id"])
    ann.save(artifacts, "board-two-people-ann.png")
    pat.save(artifacts, "board-two-people-pat.png")

    # Delete with the keyboard: the sticky and its link go for both.
    ann.click_sticky(moved)
    ann.page.keyboard.press("Delete")
    pat.wait_for("!app.store.stickies.has(arg)", sticky["id"])
    pat.wait_for("app.store.links.size === 0")
    assert pat.texts() == ["Submit Order"]

    # Undo (Ctrl+Z) brings it back with its link, for everyone.
    ann.page.keyboard.press("Control+z")
    pat.wait_for("app.store.stickies.has(arg)", sticky["id"])
    pat.wait_for("app.store.links.size === 1")
    # Redo deletes it again.
    ann.page.keyboard.press("Control+Shift+z")
    pat.wait_for("!app.store.stickies.has(arg)", sticky["id"])
    assert not Sticky.objects.filter(pk=sticky["id"]).exists()


def test_multi_select_moves_together_and_duplicate_copies(two_people):
    ann, pat = two_people
    first = ann.create_by_double_click(0.3, 0.4, "Cart Filled")
    second = ann.create_by_double_click(0.5, 0.4, "Payment Taken")

    ann.click_sticky(first)
    ann.click_sticky(second, shift=True)
    assert ann.evaluate("() => window.boardApp.scene.selection.size") == 2
    start = ann.centre_of(second)
    ann.drag(start, {"x": start["x"], "y": start["y"] + 100})
    pat.wait_for(
        "[...app.store.stickies.values()].filter(s => s.y >= arg).length === 2",
        first["y"] + 90,
    )

    ann.page.keyboard.press("Control+d")
    pat.wait_for("app.store.stickies.size === 4")
    assert sorted(pat.texts()) == sorted(["Cart Filled", "Payment Taken"] * 2)

    # Copy and paste the selection (the two copies) once more.
    ann.page.keyboard.press("Control+c")
    ann.page.keyboard.press("Control+v")
    pat.wait_for("app.store.stickies.size === 6")

    # A rubber band (shift+drag on the background) selects, Backspace deletes.
    ann.page.keyboard.press("Escape")
    ann.commands("fit")
    ann.page.keyboard.down("Shift")
    ann.drag(ann.stage_point(0.02, 0.02), ann.stage_point(0.85, 0.97))
    ann.page.keyboard.up("Shift")
    assert ann.evaluate("() => window.boardApp.scene.selection.size") == 6
    ann.page.keyboard.press("Backspace")
    pat.wait_for("app.store.stickies.size === 0")

    # One Ctrl+Z takes back the whole action: the six deleted come back ...
    ann.page.keyboard.press("Control+z")
    pat.wait_for("app.store.stickies.size === 6")
    # ... the paste before it goes as one, and then the duplicate.
    ann.page.keyboard.press("Control+z")
    pat.wait_for("app.store.stickies.size === 4")
    ann.page.keyboard.press("Control+z")
    pat.wait_for("app.store.stickies.size === 2")
    # The group move goes back in one step too, and redo brings it again.
    ann.page.keyboard.press("Control+z")
    pat.wait_for(
        "[...app.store.stickies.values()].filter(s => s.y === arg).length === 2",
        first["y"],
    )
    ann.page.keyboard.press("Control+Shift+z")
    pat.wait_for(
        "[...app.store.stickies.values()].filter(s => s.y >= arg).length === 2",
        first["y"] + 90,
    )


def test_a_conflicting_edit_shows_the_current_text(two_people):
    ann, pat = two_people
    sticky = ann.create_by_double_click(0.4, 0.4, "Invoice Sent")
    pat.wait_for_text("Invoice Sent")

    point = ann.centre_of(sticky)
    ann.page.mouse.dblclick(point["x"], point["y"])
    ann.page.locator("#sticky-editor").wait_for(state="visible")
    # Meanwhile someone else changes the text (through their details panel).
    pat.click_sticky(sticky)
    pat.page.keyboard.press("i")
    pat.page.locator("#inspector-text").fill("Invoice Mailed")
    pat.page.locator("#inspector").get_by_role("button", name="Save").click()
    ann.wait_for_text("Invoice Mailed")
    ann.page.keyboard.press("Control+A")
    ann.page.keyboard.type("Invoice Emailed")
    ann.page.keyboard.press("Enter")

    toast = ann.page.locator(".toast--error")
    toast.wait_for()
    assert "Invoice Mailed" in toast.locator(".toast__detail").text_content()
    assert ann.sticky_with("Invoice Mailed") is not None


def test_fields_editor_updates_an_events_fields(two_people, artifacts):
    ann, pat = two_people
    sticky = ann.create_by_double_click(0.4, 0.4, "Order Paid")
    ann.click_sticky(sticky)
    ann.page.locator('#selection-bar [data-action="details"]').click()
    panel = ann.page.locator("#inspector")
    panel.wait_for(state="visible")
    panel.locator('[data-action="field-add"]').click()
    panel.get_by_label("Field 1 name").fill("order_id")
    panel.get_by_label("Field 1 type").fill("uuid")
    panel.locator('[data-action="field-add"]').click()
    panel.get_by_label("Field 2 name").fill("amount")
    panel.get_by_label("Field 2 type").fill("Decimal")
    panel.get_by_label("Pivotal event").check()
    panel.get_by_role("button", name="Save").click()

    pat.wait_for("app.store.stickies.get(arg).fields.length === 2", sticky["id"])
    updated = pat.sticky_with("Order Paid")
    assert updated["fields"] == [
        {"name": "order_id", "type": "uuid"},
        {"name": "amount", "type": "Decimal"},
    ]
    assert updated["pivotal"] is True
    ann.page.locator("#inspector-meta", has_text="Saved.").wait_for()
    ann.save(artifacts, "board-fields-editor.png")


def test_frames_carry_their_contents_and_resize(two_people, artifacts):
    ann, pat = two_people
    page = ann.page
    # An aggregate frame (key 8) with an event inside it.
    page.mouse.move(*ann.stage_point(0.5, 0.5).values())
    page.keyboard.press("8")
    page.keyboard.type("Order")
    page.keyboard.press("Enter")
    ann.wait_for_text("Order")
    frame = ann.sticky_with("Order")
    inside = ann.create_by_double_click(0.5, 0.5, "Order Placed")

    # Drag the frame by its title bar: the event comes along.
    title = ann.screen_point(frame["x"] + 200, frame["y"] + 20)
    ann.drag(title, {"x": title["x"] + 150, "y": title["y"] + 50})
    pat.wait_for(
        "app.store.stickies.get(arg.id).x === arg.x",
        {"id": frame["id"], "x": frame["x"] + 150},
    )
    pat.wait_for(
        "app.store.stickies.get(arg.id).x === arg.x",
        {"id": inside["id"], "x": inside["x"] + 150},
    )

    # Resize it from the corner handle.
    frame = ann.sticky_with("Order")
    corner = ann.screen_point(frame["x"] + frame["width"], frame["y"] + frame["height"])
    ann.drag(corner, {"x": corner["x"] + 100, "y": corner["y"] + 60})
    pat.wait_for(
        "app.store.stickies.get(arg.id).width === arg.width",
        {"id": frame["id"], "width": frame["width"] + 100},
    )
    ann.save(artifacts, "board-frame.png")


def test_links_are_made_with_l_selected_by_a_click_and_deleted(
    signed_in, daphne_server, board, lead, facilitator, participant
):
    for text, x in (("Place Order", 0), ("Order Placed", 400)):
        services.execute(
            board.pk,
            lead,
            "sticky.create",
            {"kind": "event", "text": text, "x": x, "y": 0},
        )
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    source, target = ann.sticky_with("Place Order"), ann.sticky_with("Order Placed")

    # Select the two (source first) and press L.
    ann.click_sticky(source)
    ann.click_sticky(target, shift=True)
    ann.page.keyboard.press("l")
    pat.wait_for("app.store.links.size === 1")

    # A click on the arrow selects it; Delete removes it for everyone.
    middle = ann.screen_point(280, 80)
    ann.page.mouse.click(middle["x"], middle["y"])
    assert ann.evaluate("() => window.boardApp.scene.selectedLinks.size") == 1
    assert ann.page.locator('#selection-bar [data-action="delete"]').text_content() == (
        "Delete link"
    )
    ann.page.keyboard.press("Delete")
    pat.wait_for("app.store.links.size === 0")

    # Votes: the toolbar's Vote button casts one, the other screen counts it.
    ann.click_sticky(target)
    ann.page.locator('#selection-bar [data-action="vote"]').click()
    pat.wait_for("app.store.votes.size === 1")
    pat.click_sticky(target)
    assert pat.page.locator("#selection-bar [data-votes]").text_content() == "1"
    assert ann.errors == [] and pat.errors == []
