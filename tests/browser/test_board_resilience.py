"""The board survives a server restart and never runs what users wrote."""

import json
import re

import pytest

from storming import services
from storming.models import Sticky

from .board_page import BoardPage

pytestmark = pytest.mark.django_db(transaction=True)

HTML = "<img src=x onerror=alert(1)>"


def test_after_a_server_restart_the_board_reconnects_and_sends_what_waited(
    signed_in, daphne_server, board, facilitator, participant, artifacts
):
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    ann.create_by_double_click(0.3, 0.3, "Before Restart")
    pat.wait_for_text("Before Restart")

    daphne_server.stop()
    indicator = ann.page.locator("#connection")
    ann.page.wait_for_function(
        "() => window.boardApp.connection.status !== 'live'", timeout=15000
    )
    # A change made while the server is away waits, and says so.
    point = ann.stage_point(0.6, 0.3)
    ann.page.mouse.dblclick(point["x"], point["y"])
    ann.page.keyboard.type("While Away")
    ann.page.keyboard.press("Enter")
    ann.page.wait_for_function(
        "() => document.getElementById('connection').textContent.includes('1 change')"
    )
    ann.save(artifacts, "board-offline.png")
    assert "waiting" in indicator.text_content()

    daphne_server.start()
    ann.wait_live(timeout=40000)
    pat.wait_live(timeout=40000)
    pat.wait_for_text("While Away", timeout=15000)
    assert Sticky.objects.filter(text="While Away").count() == 1

    # And a change made after the restart arrives as usual.
    pat.create_by_double_click(0.5, 0.6, "After Restart")
    ann.wait_for_text("After Restart")
    assert indicator.text_content() == "Live"


def test_html_in_sticky_text_is_shown_as_text(
    signed_in, daphne_server, board, lead, facilitator, participant, artifacts
):
    services.execute(
        board.pk,
        lead,
        "sticky.create",
        {"kind": "hotspot", "text": HTML, "x": 0, "y": 0},
    )
    services.update_board(board, lead, name="<b>Shop</b>")
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    # Typed live by someone, too.
    ann.create_by_double_click(0.7, 0.3, f"{HTML} typed")
    pat.wait_for_text(f"{HTML} typed")

    for person in (ann, pat):
        page = person.page
        page.locator("#outline-toggle").click()
        outline = page.locator("#outline")
        items = outline.locator(".outline__item button")
        assert sorted(items.all_text_contents()) == [HTML, f"{HTML} typed"]
        # No image but the export dialog's own preview.
        assert page.locator("img:not(#export-image)").count() == 0
        assert page.locator("b", has_text="Shop").count() == 0
        assert page.locator("h1.board-bar__name").text_content() == "<b>Shop</b>"
        # The details panel shows it as the text it is.
        items.first.click()
        page.keyboard.press("i")
        assert page.locator("#inspector-text").input_value() in (HTML, f"{HTML} typed")
        assert person.errors == []  # no alert() ran
    ann.save(artifacts, "board-html-text.png")


def test_a_change_left_unsent_when_the_tab_closes_is_sent_by_the_next_page(
    signed_in, daphne_server, board, facilitator
):
    browser = signed_in(facilitator)
    ann = BoardPage(browser.new_page(), daphne_server, board).open()
    daphne_server.stop()
    ann.page.wait_for_function(
        "() => window.boardApp.connection.status !== 'live'", timeout=15000
    )
    point = ann.stage_point(0.5, 0.4)
    ann.page.mouse.dblclick(point["x"], point["y"])
    ann.page.keyboard.type("Kept Offline")
    ann.page.keyboard.press("Enter")
    ann.page.wait_for_function("() => window.boardApp.connection.pending === 1")

    # Leaving with a change waiting asks first.
    dialogs = []
    ann.page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    ann.page.close(run_before_unload=True)
    ann.page.wait_for_event("close", timeout=10000)
    assert dialogs == ["beforeunload"]

    daphne_server.start()
    again = BoardPage(browser.new_page(), daphne_server, board)
    # Watched for from the start: the notice shows for a few seconds only,
    # which a slow connect could outlast.
    again.page.goto(again.url)
    again.page.get_by_text("Sending 1 change left from before.").wait_for()
    again.wait_live()
    again.wait_for_text("Kept Offline", timeout=15000)
    assert Sticky.objects.filter(text="Kept Offline").count() == 1
    # Sent once: a third page has nothing left to send.
    third = BoardPage(browser.new_page(), daphne_server, board).open()
    third.wait_for_text("Kept Offline")
    assert third.page.evaluate("window.boardApp.connection.pending") == 0
    assert Sticky.objects.filter(text="Kept Offline").count() == 1


def test_a_page_older_than_the_server_stops_and_asks_for_a_reload(
    signed_in, daphne_server, board, facilitator
):
    """The server's welcome names another protocol version (as after an
    upgrade while the page stayed open): the page takes nothing from it, sends
    nothing, and offers to reload."""
    page = signed_in(facilitator).new_page()
    page.route_web_socket(re.compile(r"/ws/boards/"), _from_a_newer_server)
    ann = BoardPage(page, daphne_server, board)
    page.goto(ann.url)

    prompt = page.locator(".toast", has_text="reload the page")
    prompt.wait_for(state="visible")
    assert prompt.get_by_role("button", name="Reload").is_visible()
    assert ann.evaluate("() => window.boardApp.connection.status") == "offline"
    assert ann.errors == []


def _from_a_newer_server(socket):
    server = socket.connect_to_server()

    def relay(message):
        frame = json.loads(message)
        if frame.get("type") == "welcome":
            frame["protocol"] += 1
        socket.send(json.dumps(frame))

    server.on_message(relay)
