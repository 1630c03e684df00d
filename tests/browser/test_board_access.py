"""Who may do what on the live board: guests by invite, viewers, a locked board."""

import pytest

from storming import services
from storming.models import Sticky

from .board_page import BoardPage
from .conftest import VIEWPORT

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_guest_joins_through_the_invite_link_and_works_live(
    browser, signed_in, daphne_server, board, facilitator, artifacts
):
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    # The facilitator's share dialog holds the invite link.
    ann.page.locator("#share-open").click()
    dialog = ann.page.locator("#share-dialog")
    dialog.wait_for(state="visible")
    invite = dialog.locator("#invite-link").input_value()
    assert board.invite_token in invite
    assert invite.startswith(daphne_server.url)
    dialog.get_by_role("button", name="Copy").click()
    # Copied, or selected for Ctrl+C where the clipboard is refused.
    dialog.locator("#copy-status", has_text="Link").wait_for()
    ann.save(artifacts, "board-share-dialog.png")
    ann.page.keyboard.press("Escape")

    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(invite)
        page.get_by_label("Your name on the board").fill("Gina Guest")
        page.get_by_role("button", name="Join the board").click()
        gina = BoardPage(page, daphne_server, board)
        gina.wait_live()
        assert gina.evaluate("() => window.boardApp.connection.me.name") == "Gina Guest"

        # Both see each other among the avatars.
        ann.page.locator('#avatars [aria-label^="Gina Guest"]').wait_for()
        assert page.locator("#avatars .avatar").count() == 2
        assert (
            page.locator('#avatars [aria-label^="Gina Guest"]').text_content() == "GG"
        )

        gina.create_by_double_click(0.5, 0.5, "Guest Arrived")
        ann.wait_for_text("Guest Arrived")
        # Her cursor shows, with her name, on the facilitator's screen.
        page.mouse.move(*gina.stage_point(0.6, 0.6).values())
        page.mouse.move(*gina.stage_point(0.62, 0.62).values())
        ann.page.locator(".cursor__name", has_text="Gina Guest").wait_for()
        ann.save(artifacts, "board-guest-cursor.png")
        assert page.locator("#share-open").count() == 0
        assert gina.errors == []
    finally:
        context.close()


def test_a_viewer_sees_the_board_but_cannot_change_it(
    signed_in, daphne_server, board, lead, viewer, artifacts
):
    services.execute(
        board.pk,
        lead,
        "sticky.create",
        {"kind": "event", "text": "Seen", "x": 0, "y": 0},
    )
    vic = BoardPage(signed_in(viewer.user).new_page(), daphne_server, board).open()
    page = vic.page

    assert vic.texts() == ["Seen"]
    assert page.locator("#readonly-notice").is_visible()
    assert page.locator('#palette [data-kind="event"]').is_disabled()
    assert page.locator('[data-action="undo"]').is_disabled()

    # Neither a double-click, nor a shortcut, nor a drag changes anything.
    page.mouse.dblclick(*vic.stage_point(0.3, 0.3).values())
    assert page.locator("#sticky-editor").is_hidden()
    page.mouse.move(*vic.stage_point(0.3, 0.3).values())
    page.keyboard.press("1")
    assert page.locator("#sticky-editor").is_hidden()
    seen = vic.sticky_with("Seen")
    start = vic.centre_of(seen)
    vic.drag(start, {"x": start["x"] + 120, "y": start["y"]})
    page.keyboard.press("Delete")
    page.wait_for_timeout(300)
    assert Sticky.objects.get().x == 0
    assert Sticky.objects.count() == 1
    # Selecting to look is fine; the toolbar offers only the details.
    bar = page.locator("#selection-bar")
    assert bar.is_visible()
    assert bar.locator('[data-action="delete"]').is_hidden()
    vic.save(artifacts, "board-viewer.png")
    assert vic.errors == []


def test_locking_makes_the_canvas_read_only_for_participants(
    signed_in, daphne_server, board, facilitator, participant
):
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    assert pat.page.locator("#readonly-notice").is_hidden()

    ann.page.locator("#lock-toggle").click()
    pat.page.locator("#readonly-notice").wait_for(state="visible")
    assert pat.page.locator('#palette [data-kind="event"]').is_disabled()
    assert ann.page.locator('#palette [data-kind="event"]').is_enabled()
    assert ann.page.locator("#locked-badge").is_visible()

    ann.page.locator("#lock-toggle").click()
    pat.page.locator("#readonly-notice").wait_for(state="hidden")
    pat.create_by_double_click(0.5, 0.5, "Unlocked Again")


def test_the_facilitator_sets_the_phase_live(
    signed_in, daphne_server, board, facilitator, participant
):
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()

    ann.page.locator("#phase-select").select_option("order")

    current = pat.page.locator('#phase-steps [aria-current="step"]')
    pat.page.wait_for_function(
        "() => document.querySelector('#phase-steps [aria-current=step]')"
        ".dataset.phase === 'order'"
    )
    assert "Order the timeline" in current.text_content()
    guide = pat.page.locator("#phase-guide")
    assert "Order the timeline" in guide.locator("[data-guide=title]").text_content()
    assert "pivotal" in guide.locator("[data-guide=doing]").text_content()


def test_the_phase_guide_folds_away_and_the_facilitators_timer_runs_for_all(
    signed_in, daphne_server, board, facilitator, participant, artifacts
):
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    assert "past tense" in pat.page.locator("#phase-guide").text_content()
    assert pat.page.locator("#timer-toggle").count() == 0

    ann.page.locator("#timer-minutes").select_option("5")
    ann.page.locator("#timer-toggle").click()

    pat.page.wait_for_function(
        "() => !document.getElementById('timer').hidden"
        " && /^[45]:[0-9][0-9]$/.test(document.getElementById('timer').textContent)"
    )
    ann.page.wait_for_function(
        "() => document.getElementById('timer-toggle').textContent === 'Stop'"
    )
    ann.page.screenshot(path=str(artifacts / "board-phase-guide-timer.png"))

    pat.page.locator("#phase-guide-toggle").click()
    assert pat.page.locator("#phase-guide-body").is_hidden()
    pat.page.reload()
    pat.wait_live()
    assert pat.page.locator("#phase-guide-body").is_hidden()

    ann.page.locator("#timer-toggle").click()
    pat.page.wait_for_function("() => document.getElementById('timer').hidden")
    assert ann.errors == [] and pat.errors == []
