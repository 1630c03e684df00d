"""The board's history: the activity feed says who did what (newest first, an
action's events together, new ones live, older ones on request), the time
slider and a click on an entry show the board as it was then, read-only,
with live changes waiting for the return to live, and a facilitator restores
the board to that point for everyone, which one Ctrl+Z takes back."""

import re
import uuid
from pathlib import Path

import pytest

from storming import services

from .board_page import BoardPage

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots")


def new_id():
    return str(uuid.uuid4())


def shoot(person, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    person.page.screenshot(path=str(SHOTS / f"history-{name}.png"))


def head_seq(board):
    board.refresh_from_db()
    return board.head_seq


def open_history(person):
    person.page.click("#history-toggle")
    person.page.locator("#history-panel").wait_for(state="visible")
    person.wait_for(
        "document.querySelectorAll('#history-feed [data-entry]').length > 0"
    )


def feed(person):
    return person.page.locator("#history-feed .history-entry__text").all_inner_texts()


def wait_feed_top(person, text, timeout=10000):
    person.page.wait_for_function(
        """(text) => {
            const first = document.querySelector('#history-feed .history-entry__text');
            return first && first.textContent === text;
        }""",
        arg=text,
        timeout=timeout,
    )


def entry(person, text):
    return person.page.locator("#history-feed .history-entry").filter(
        has=person.page.locator(".history-entry__text", has_text=text)
    )


def viewing(person):
    """The seq the page shows, or None while it shows the live board."""
    return person.evaluate(
        "() => { const v = window.boardApp.history.viewing; return v ? v.seq : null; }"
    )


def wait_viewing(person, seq):
    person.wait_for(
        "app.history.viewing && app.history.viewing.seq === arg"
        " && !app.board.dataset.historyLoading",
        seq,
    )


def shown_texts(person):
    """The texts of the stickies the canvas draws (the scene's board)."""
    return sorted(
        person.evaluate(
            """() => {
                const scene = window.boardApp.scene;
                const { frames, notes } = scene.ordered();
                return [...frames, ...notes].map((id) => scene.sticky(id).text);
            }"""
        )
    )


@pytest.fixture
def ann(lead):
    lead.display_name = "Ann"
    lead.save(update_fields=["display_name"])
    return lead


def test_the_feed_says_who_did_what_and_an_entry_shows_the_board_then_read_only(
    signed_in, daphne_server, board, ann, facilitator, participant, run
):
    paid, customer = new_id(), new_id()
    run(
        "sticky.create",
        {"id": paid, "kind": "event", "text": "Order paid", "x": 0, "y": 0},
    )
    run(
        "sticky.create",
        {"id": customer, "kind": "actor", "text": "Customer", "x": -300, "y": 0},
    )
    run("link.create", {"from": customer, "to": paid})
    steps = [new_id() for _ in range(10)]
    run(
        "batch",
        {
            "commands": [
                {
                    "name": "sticky.create",
                    "data": {
                        "id": sid,
                        "kind": "event",
                        "text": f"Step {n}",
                        "x": 250 * n,
                        "y": 400,
                    },
                }
                for n, sid in enumerate(steps)
            ]
        },
    )
    run("sticky.update", {"id": paid, "text": "Payment received"}, member=participant)
    renamed_at = head_seq(board)
    run(
        "batch",
        {
            "commands": [
                {"name": "sticky.move", "data": {"id": sid, "x": 250 * n, "y": 700}}
                for n, sid in enumerate([*steps, paid, customer])
            ]
        },
        member=participant,
    )
    run("phase.set", {"phase": "order"})

    ann_page = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    open_history(pat)
    assert feed(pat) == [
        "Ann set the phase to “Order the timeline”",
        "You moved 12 stickies",
        "You renamed “Order paid” to “Payment received”",
        "Ann added 10 events",
        "Ann linked “Customer” → “Order paid”",
        "Ann added the actor “Customer”",
        "Ann added the event “Order paid”",
    ]
    # All of the log is in: nothing older to show.
    assert pat.page.locator("#history-older").is_hidden()
    assert pat.page.locator("[data-history=start]").is_visible()
    # The slider spans the log, at the live end; one mark for the phase change.
    slider = pat.page.locator("#history-slider")
    assert slider.get_attribute("max") == str(head_seq(board))
    assert slider.input_value() == str(head_seq(board))
    pat.wait_for("document.querySelectorAll('#history-marks [data-mark]').length === 1")
    mark = pat.page.locator("#history-marks [data-mark]")
    assert mark.get_attribute("data-mark") == str(head_seq(board))
    assert "Order the timeline" in mark.get_attribute("aria-label")

    # New events appear live, at the top.
    ann_page.create_by_double_click(0.45, 0.3, "Refund issued")
    wait_feed_top(pat, "Ann added the event “Refund issued”")

    # A click on an entry shows the board right after it, its sticky outlined.
    entry(pat, "You renamed").click()
    wait_viewing(pat, renamed_at)
    assert slider.input_value() == str(renamed_at)
    assert pat.page.locator("#board").get_attribute("class").count("board--past") == 1
    banner = pat.page.locator("#history-banner")
    assert banner.is_visible()
    head = head_seq(board)
    assert re.fullmatch(
        rf"Viewing the board at \d\d:\d\d, change {renamed_at} of {head}",
        pat.page.inner_text("#history-banner-text"),
    )
    assert banner.get_by_role("button", name="Back to live").is_visible()
    # A participant cannot restore.
    assert pat.page.locator("#history-restore").is_hidden()
    assert pat.evaluate("() => [...window.boardApp.history.highlight]") == [paid]
    # The board then: renamed, the steps not yet moved, no refund yet.
    then = pat.evaluate(
        "(id) => { const s = window.boardApp.scene.sticky(id); return [s.text, s.y]; }",
        paid,
    )
    assert then == ["Payment received", 0]
    assert "Refund issued" not in shown_texts(pat)
    assert entry(pat, "You renamed").get_attribute("aria-current") == "true"
    assert "history-entry--later" in entry(pat, "You moved 12").get_attribute("class")
    shoot(pat, "past")

    # Looking at the past, nothing can be changed: not by keys, not by mouse.
    sticky_then = pat.evaluate("(id) => ({...window.boardApp.scene.sticky(id)})", paid)
    pat.click_sticky(sticky_then)
    pat.page.keyboard.press("Delete")
    point = pat.centre_of(sticky_then)
    pat.page.mouse.dblclick(point["x"], point["y"])
    assert pat.page.locator("#sticky-editor").is_hidden()
    pat.drag(point, {"x": point["x"] + 150, "y": point["y"] + 90})
    pat.page.keyboard.press("Control+z")
    assert pat.page.locator('#palette [data-kind="event"]').is_disabled()
    assert pat.evaluate("() => window.boardApp.scene.canWrite") is False
    assert pat.evaluate("() => window.boardApp.connection.pending") == 0
    assert head_seq(board) == head
    assert pat.sticky_with("Payment received")["y"] == 700

    # Meanwhile the board goes on: the live store has it, the past does not.
    ann_page.create_by_double_click(0.3, 0.6, "Made meanwhile")
    pat.wait_for_text("Made meanwhile")
    wait_feed_top(pat, "Ann added the event “Made meanwhile”")
    assert "Made meanwhile" not in shown_texts(pat)
    pat.page.wait_for_function(
        "(head) => document.getElementById('history-banner-text')"
        ".textContent.endsWith(`of ${head}`)",
        arg=head_seq(board),
    )

    # Back to live: the changes made meanwhile are there, and writing works.
    banner.get_by_role("button", name="Back to live").click()
    pat.wait_for("!app.history.viewing")
    assert banner.is_hidden()
    assert "Made meanwhile" in shown_texts(pat)
    assert "Refund issued" in shown_texts(pat)
    assert pat.evaluate("() => window.boardApp.scene.canWrite") is True
    assert slider.input_value() == str(head_seq(board))
    assert not pat.page.locator('#palette [data-kind="event"]').is_disabled()
    assert pat.errors == [] and ann_page.errors == []


def test_a_facilitator_restores_the_board_for_everyone_and_ctrl_z_takes_it_back(
    signed_in, daphne_server, board, ann, facilitator, participant, run
):
    placed, paid = new_id(), new_id()
    run(
        "sticky.create",
        {"id": placed, "kind": "event", "text": "Order placed", "x": 0, "y": 0},
    )
    run(
        "sticky.create",
        {"id": paid, "kind": "event", "text": "Order paid", "x": 250, "y": 0},
    )
    good = head_seq(board)
    # Then Pat deletes one, writes another and moves the first.
    run("sticky.delete", {"id": paid}, member=participant)
    run(
        "sticky.create",
        {"kind": "hotspot", "text": "Oops", "x": 500, "y": 0},
        member=participant,
    )
    run("sticky.move", {"id": placed, "x": 40, "y": 300}, member=participant)
    before_restore = head_seq(board)

    ann_page = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    open_history(pat)
    open_history(ann_page)

    # Pat, a participant, looks at the past too, but has no restore button.
    entry(pat, "Ann added the event “Order paid”").click()
    wait_viewing(pat, good)
    assert pat.page.locator("#history-restore").is_hidden()
    pat.page.locator("#history-banner").get_by_role(
        "button", name="Back to live"
    ).click()
    pat.wait_for("!app.history.viewing")

    # Ann goes back to that point and asks to restore it: the dialog says
    # what will change, and Cancel changes nothing.
    entry(ann_page, "You added the event “Order paid”").click()
    wait_viewing(ann_page, good)
    restore = ann_page.page.locator("#history-restore")
    assert restore.is_visible()
    restore.click()
    dialog = ann_page.page.locator("#history-restore-dialog")
    dialog.wait_for(state="visible")
    assert dialog.locator("h2").inner_text() == f"Restore the board to change {good}?"
    assert dialog.locator("#history-restore-items li").all_inner_texts() == [
        "1 sticky comes back",
        "1 sticky goes",
        "1 sticky moves back to where it was",
    ]
    shoot(ann_page, "restore-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    assert dialog.is_hidden()
    assert head_seq(board) == before_restore
    assert viewing(ann_page) == good

    restore.click()
    dialog.get_by_role("button", name="Restore 3 changes").click()
    # Everyone's board goes back: Pat sees it live.
    pat.wait_for_text("Order paid")
    pat.wait_for("![...app.store.stickies.values()].some((s) => s.text === 'Oops')")
    assert pat.sticky_with("Order placed")["y"] == 0
    assert sorted(s["text"] for s in pat.stickies()) == ["Order paid", "Order placed"]
    # Ann is back on the live board, which shows it too.
    ann_page.wait_for("!app.history.viewing")
    assert shown_texts(ann_page) == ["Order paid", "Order placed"]
    restored = head_seq(board)
    pat.page.wait_for_function(
        "(text) => document.querySelector('#history-feed .history-entry__text')"
        ".textContent.startsWith(text)",
        arg=f"Ann restored the board to change {good} (",
    )
    shoot(pat, "restored")

    # One Ctrl+Z by Ann takes the whole restore back, for everyone.
    ann_page.page.keyboard.press("Control+z")
    pat.wait_for_text("Oops")
    pat.wait_for(
        "![...app.store.stickies.values()].some((s) => s.text === 'Order paid')"
    )
    assert pat.sticky_with("Order placed")["y"] == 300
    assert head_seq(board) > restored
    pat.page.wait_for_function(
        "() => document.querySelector('#history-feed .history-entry__text')"
        ".textContent.startsWith('Ann undid a change (')",
    )

    # A point whose content is the board's now (only a setting changed
    # since): the dialog says so, and offers nothing to send.
    ann_page.page.select_option("#phase-select", "order")
    wait_feed_top(ann_page, "You set the phase to “Order the timeline”")
    content_now = head_seq(board) - 1
    ann_page.page.locator("#history-panel [data-history-step='-1']").click()
    wait_viewing(ann_page, content_now)
    restore.click()
    dialog.wait_for(state="visible")
    assert "there is nothing to restore" in dialog.inner_text()
    assert dialog.locator("button[value=restore]").is_hidden()
    ann_page.page.keyboard.press("Escape")
    assert dialog.is_hidden()
    assert head_seq(board) == content_now + 1
    assert pat.errors == [] and ann_page.errors == []


def test_a_large_board_pages_back_and_the_slider_asks_once_per_pause(
    signed_in, daphne_server, board, ann, facilitator, participant, run
):
    """1,200 stickies in one paste, then 250 single moves: the feed shows the
    newest 200 changes and pages back to the paste as one entry; the slider
    folds the recent board in the page, and asks the server once per pause
    for the far past, however many steps the keys took."""
    ids = [new_id() for _ in range(1200)]
    run(
        "batch",
        {
            "commands": [
                {
                    "name": "sticky.create",
                    "data": {
                        "id": sid,
                        "kind": "event",
                        "text": f"Fact {n}",
                        "x": (n % 40) * 200,
                        "y": (n // 40) * 200,
                    },
                }
                for n, sid in enumerate(ids)
            ]
        },
    )
    pasted = head_seq(board)
    for n in range(250):
        services.execute(
            board.pk,
            participant,
            "sticky.move",
            {"id": ids[n], "x": (n % 40) * 200, "y": 7000 + n},
        )
    head = head_seq(board)

    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    states = []
    pat.page.on(
        "request",
        lambda request: (
            states.append(request.url) if "/state/?at=" in request.url else None
        ),
    )
    open_history(pat)
    texts = feed(pat)
    assert len(texts) == 200
    assert texts[0] == "You moved “Fact 249”"
    asked = len(states)

    # The recent past is folded in the page: no request.
    slider = pat.page.locator("#history-slider")
    slider.focus()
    for _ in range(5):
        pat.page.keyboard.press("ArrowLeft")
    wait_viewing(pat, head - 5)
    assert len(states) == asked
    assert pat.evaluate("(id) => window.boardApp.scene.sticky(id).y", ids[245]) == 1200
    assert pat.evaluate("(id) => window.boardApp.scene.sticky(id).y", ids[244]) == 7244

    # Further back than the page reaches, the server folds the board: many
    # steps of the slider, one request per pause.
    pat.page.keyboard.press("Home")
    for _ in range(3):
        pat.page.keyboard.press("ArrowRight")
    wait_viewing(pat, 3)
    assert pat.evaluate("() => window.boardApp.scene.ordered().notes.length") == 3
    far = states[asked:]
    assert 1 <= len(far) <= 2, far
    assert far[-1].endswith("/state/?at=3")
    assert slider.input_value() == "3"
    assert pat.page.inner_text("#history-banner-text").endswith(f"change 3 of {head}")

    # Older changes, page by page, back to the paste: one entry.
    older = pat.page.locator("#history-older")
    assert older.is_visible()
    older.click()
    pat.wait_for("document.querySelector('#history-older').hidden")
    texts = feed(pat)
    assert len(texts) == 251
    assert texts[-1] == "Ann added 1200 events"
    assert pat.page.locator("[data-history=start]").is_visible()
    # Its entry shows the board right after it, all of it.
    entry(pat, "Ann added 1200 events").click()
    wait_viewing(pat, pasted)
    assert pat.evaluate("() => window.boardApp.scene.ordered().notes.length") == 1200
    # ... brought into view, all of it.
    pat.wait_for(
        """arg.every((id) => {
            const s = app.scene.sticky(id);
            const v = app.viewport.visible();
            return s.x >= v.x && s.y >= v.y && s.x + s.width <= v.x + v.width
                && s.y + s.height <= v.y + v.height;
        })""",
        [ids[0], ids[-1]],
    )
    shoot(pat, "large")
    slider.focus()
    pat.page.keyboard.press("End")
    pat.wait_for("!app.history.viewing")
    assert pat.errors == []
