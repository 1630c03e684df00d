"""The board works from the keyboard alone, and its controls are labelled."""

import pytest

from storming.models import Sticky

from .board_page import BoardPage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ann(signed_in, daphne_server, board, facilitator):
    page = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    yield page
    assert page.errors == []


def test_create_select_move_and_delete_with_the_keyboard_only(ann):
    page = ann.page
    page.locator("#board-canvas").focus()

    page.keyboard.press("1")
    page.keyboard.type("Keyboard Event")
    page.keyboard.press("Enter")
    ann.wait_for_text("Keyboard Event")
    page.keyboard.press("Escape")
    assert ann.evaluate("() => window.boardApp.scene.selection.size") == 0

    # ] selects the next sticky and announces it to screen readers.
    page.keyboard.press("]")
    announce = page.locator("#canvas-announce")
    assert announce.text_content() == "Domain event: Keyboard Event"

    before = ann.sticky_with("Keyboard Event")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    ann.wait_for(
        "app.store.stickies.get(arg.id).y === arg.y",
        {"id": before["id"], "y": before["y"] + 80},
    )
    after = Sticky.objects.get(pk=before["id"])
    assert (after.x, after.y) == (before["x"] + 20, before["y"] + 80)

    # Enter edits; Escape cancels the edit.
    page.keyboard.press("Enter")
    page.keyboard.type(" nope")
    page.keyboard.press("Escape")
    assert ann.sticky_with("Keyboard Event") is not None

    page.keyboard.press("Delete")
    ann.wait_for("app.store.stickies.size === 0")
    page.keyboard.press("Control+z")
    ann.wait_for("app.store.stickies.size === 1")


def test_zoom_controls_and_the_wheel_zoom_around_the_cursor(ann):
    page = ann.page
    zoom = page.locator("#zoom-level")
    page.get_by_role("button", name="Zoom in (+)").click()
    assert zoom.text_content() == "125%"
    page.get_by_role("button", name="Zoom out (-)").click()
    page.get_by_role("button", name="Zoom out (-)").click()
    assert zoom.text_content() == "80%"
    page.get_by_role("button", name="Reset zoom to 100% (0)").click()
    assert zoom.text_content() == "100%"

    # Ctrl+wheel zooms, keeping the board point under the cursor in place.
    point = ann.stage_point(0.25, 0.3)
    before = ann.evaluate(
        "([x, y]) => window.boardApp.viewport.toWorld(x, y)",
        [
            point["x"] - ann.stage_point(0, 0)["x"],
            point["y"] - ann.stage_point(0, 0)["y"],
        ],
    )
    page.mouse.move(point["x"], point["y"])
    page.keyboard.down("Control")
    page.mouse.wheel(0, -200)
    page.keyboard.up("Control")
    page.wait_for_function(
        "() => document.getElementById('zoom-level').textContent !== '100%'"
    )
    after = ann.evaluate(
        "([x, y]) => window.boardApp.viewport.toWorld(x, y)",
        [
            point["x"] - ann.stage_point(0, 0)["x"],
            point["y"] - ann.stage_point(0, 0)["y"],
        ],
    )
    assert abs(after["x"] - before["x"]) < 1
    assert abs(after["y"] - before["y"]) < 1

    # A plain wheel pans.
    x = ann.evaluate("() => window.boardApp.viewport.y")
    page.mouse.wheel(0, 300)
    page.wait_for_function("(y) => window.boardApp.viewport.y > y", arg=x)


def test_every_control_has_a_name_and_help_lists_the_shortcuts(ann, artifacts):
    page = ann.page
    unnamed = ann.evaluate(
        """() => [...document.querySelectorAll('#board button, #board select')]
            .filter((el) => el.offsetParent !== null)
            .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim()
                || (el.id && document.querySelector(`label[for="${el.id}"]`))))
            .map((el) => el.outerHTML)"""
    )
    assert unnamed == []
    assert page.locator("#board-canvas").get_attribute("aria-label")

    page.locator("#board-canvas").focus()
    page.keyboard.press("?")
    dialog = page.locator("#help-dialog")
    dialog.wait_for(state="visible")
    assert "Undo, redo your own changes" in dialog.text_content()
    assert dialog.locator(".legend__item").count() == 9
    ann.save(artifacts, "board-help.png")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")


def test_dragging_a_kind_from_the_palette_drops_a_sticky_there(ann):
    page = ann.page
    button = page.locator('#palette [data-kind="policy"]').bounding_box()
    start = {"x": button["x"] + 20, "y": button["y"] + button["height"] / 2}
    drop = ann.stage_point(0.6, 0.5)
    ann.drag(start, drop)
    page.locator("#sticky-editor").wait_for(state="visible")
    page.keyboard.type("Whenever paid, ship")
    page.keyboard.press("Enter")
    ann.wait_for_text("Whenever paid, ship")
    policy = ann.sticky_with("Whenever paid, ship")
    assert policy["kind"] == "policy"
    centre = ann.centre_of(policy)
    assert abs(centre["x"] - drop["x"]) < 2 and abs(centre["y"] - drop["y"]) < 2
