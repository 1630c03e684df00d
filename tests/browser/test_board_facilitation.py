"""The facilitator's tools on the board, with two or three people at once: a
dot vote (counts hidden until the reveal, ranked results), following someone's
view from their avatar, a facilitator's Bring everyone to me, Follow me and
Spotlight, and roles set in the Share dialog that reach the person's open page
at once."""

from pathlib import Path

import pytest

from storming.models import Member
from storming.vocabulary import Role

from .board_page import BoardPage, pixel

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots")


@pytest.fixture
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture
def ann(lead):
    """The board's facilitator, by name."""
    lead.display_name = "Ann"
    lead.save(update_fields=["display_name"])
    return lead


@pytest.fixture
def quinn(member_of):
    member = member_of(Role.PARTICIPANT, "quinn")
    member.display_name = "Quinn"
    member.save(update_fields=["display_name"])
    return member


def open_as(signed_in, server, board, member):
    person = BoardPage(signed_in(member.user).new_page(), server, board).open()
    person.wait_for("app.store.seq >= 0 && app.me.member === arg", str(member.pk))
    return person


def sees_everyone(person, count):
    person.wait_for("document.querySelectorAll('#avatars li').length === arg", count)


def create(run, kind, text, x, y):
    return run("sticky.create", {"kind": kind, "text": text, "x": x, "y": y}).event[
        "data"
    ]


def view_of(person):
    return person.evaluate(
        """() => { const vp = window.boardApp.viewport;
            return {x: vp.x + vp.width / 2 / vp.zoom, y: vp.y + vp.height / 2 / vp.zoom,
                    zoom: vp.zoom}; }"""
    )


def show(person, x, y, zoom):
    """Move `person`'s view as their own hands would: centre (x, y) at `zoom`."""
    person.evaluate(
        """([x, y, zoom]) => { const vp = window.boardApp.viewport;
            vp.zoom = zoom; vp.centreOn(x, y); }""",
        [x, y, zoom],
    )


def looks_at(person, x, y, zoom=None, timeout=10000):
    """Wait until `person`'s view is centred on (x, y) at `zoom` (any zoom: None)."""
    person.wait_for(
        """(() => { const vp = app.viewport;
            const cx = vp.x + vp.width / 2 / vp.zoom;
            const cy = vp.y + vp.height / 2 / vp.zoom;
            return Math.abs(cx - arg[0]) < 2 && Math.abs(cy - arg[1]) < 2
                && (arg[2] === null || Math.abs(vp.zoom - arg[2]) < 0.01); })()""",
        [x, y, zoom],
        timeout,
    )


def sticky_id(person, text):
    return person.sticky_with(text)["id"]


def click_on(person, text):
    person.click_sticky(person.sticky_with(text))


def toast(person, text):
    person.page.locator(".toast", has_text=text).last.wait_for()


def votes_in_store(person, member):
    return person.evaluate(
        "(m) => [...window.boardApp.store.votes.values()]"
        ".filter(v => v.member === m).map(v => v.sticky).sort()",
        str(member.pk),
    )


def shown_count(person, sticky):
    """The count the canvas draws on `sticky` (scene.voteCount, render.js)."""
    return person.evaluate("(id) => window.boardApp.scene.voteCount(id)", sticky)


def test_a_dot_vote_hides_counts_until_the_reveal_and_ranks_the_results(
    signed_in, daphne_server, board, ann, participant, quinn, run, shots
):
    create(run, "event", "Order Placed", 0, 0)
    create(run, "event", "Payment Failed", 220, 0)
    create(run, "hotspot", "Who refunds?", 440, 0)
    create(run, "command", "Place Order", -220, 0)
    # A vote from an earlier session: it does not count in the new one.
    run("vote.cast", {"id": sticky_id_of(board, "Order Placed")})
    fac = open_as(signed_in, daphne_server, board, ann)
    pat = open_as(signed_in, daphne_server, board, participant)
    qui = open_as(signed_in, daphne_server, board, quinn)
    sees_everyone(fac, 3)
    assert pat.page.locator("#vote-chip").is_hidden()
    # Only a facilitator has the tools.
    assert pat.page.locator("#facilitate-toggle").is_hidden()

    # The facilitator opens the dialog: the phase's defaults are ready.
    fac.page.click("#facilitate-toggle")
    fac.page.click("#vote-start")
    dialog = fac.page.locator("#vote-dialog")
    dialog.wait_for(state="visible")
    assert fac.page.input_value("#vote-count") == "3"
    checked = fac.evaluate(
        "() => [...document.querySelectorAll('#vote-kinds input:checked')]"
        ".map(b => b.value)"
    )
    assert checked == ["event", "hotspot"]
    assert "3 stickies on the board can be voted on" in dialog.inner_text()
    fac.save(shots, "facilitation-vote-dialog.png")

    # Bad input: a clear message, nothing opens.
    fac.page.fill("#vote-count", "12")
    fac.page.click("#vote-open")
    error = fac.page.locator("#vote-error")
    error.wait_for(state="visible")
    assert "from 1 to 10" in error.inner_text()
    fac.page.fill("#vote-count", "2")
    for kind in ("event", "hotspot"):
        fac.page.locator(f"#vote-kinds input[value={kind}]").uncheck()
    fac.page.click("#vote-open")
    assert "at least one kind" in error.inner_text()
    assert dialog.is_visible()
    assert fac.evaluate("() => window.boardApp.store.board.voting") is None

    for kind in ("event", "hotspot"):
        fac.page.locator(f"#vote-kinds input[value={kind}]").check()
    fac.page.click("#vote-open")
    dialog.wait_for(state="hidden")

    # Everyone sees the vote and how many votes they have left.
    for person in (pat, qui):
        chip = person.page.locator("#vote-chip")
        chip.wait_for(state="visible")
        assert "You have 2 of 2 left" in chip.inner_text()
        assert "domain events and hot spots" in chip.inner_text()
        assert person.page.get_attribute("#vote-mode", "aria-pressed") == "true"
    toast(pat, "Ann opened a dot vote: 2 votes each on domain events and hot spots.")
    # The earlier vote does not show while this one runs.
    assert shown_count(fac, sticky_id(fac, "Order Placed")) == 0

    # The stickies in the middle of each screen, clear of the chips.
    for person in (fac, pat, qui):
        show(person, 190, 80, 1)
    # Pat votes by clicking; a command is not up for the vote.
    click_on(pat, "Payment Failed")
    pat.page.locator("#vote-chip", has_text="You have 1 of 2 left").wait_for()
    click_on(pat, "Place Order")
    toast(pat, "This vote is on domain events and hot spots only, not on commands.")
    click_on(pat, "Who refunds?")
    pat.page.locator("#vote-chip", has_text="You have 0 of 2 left").wait_for()
    click_on(pat, "Order Placed")
    toast(pat, "You have used your 2 votes: take one back to vote for something else.")
    assert votes_in_store(pat, participant) == sorted(
        [sticky_id(pat, "Payment Failed"), sticky_id(pat, "Who refunds?")]
    )
    # A vote by click selects nothing: the stickies stay where they are.
    assert pat.evaluate("() => window.boardApp.scene.selection.size") == 0
    pat.save(shots, "facilitation-voting.png")

    # Quinn votes from the selection bar, after leaving vote-by-click.
    qui.page.click("#vote-mode")
    assert qui.page.get_attribute("#vote-mode", "aria-pressed") == "false"
    click_on(qui, "Payment Failed")
    qui.page.locator('#selection-bar [data-action="vote"]').click()
    qui.page.locator("#vote-chip", has_text="You have 1 of 2 left").wait_for()

    # Counts stay hidden: each sees only their own dots.
    payment = sticky_id(fac, "Payment Failed")
    refunds = sticky_id(fac, "Who refunds?")
    fac.wait_for("app.store.votes.size === 4")
    assert shown_count(fac, payment) == 0
    assert shown_count(pat, payment) == 1
    assert shown_count(qui, payment) == 1
    assert shown_count(qui, refunds) == 0
    # The facilitator sees who has voted how much, not where.
    turnout = fac.page.locator("#facilitate-turnout")
    turnout.locator("li", has_text="Pat").wait_for()
    assert "2 of 2" in turnout.locator("li", has_text="Pat").inner_text()
    assert "1 of 2" in turnout.locator("li", has_text="Quinn").inner_text()
    fac.save(shots, "facilitation-vote-open.png")

    # The reveal: counts and results for everyone, most votes first.
    fac.page.click("#vote-reveal")
    for person in (pat, qui, fac):
        person.page.locator("#vote-results").wait_for(state="visible")
        person.wait_for("app.scene.voteCount(arg) === 2", payment)
    rows = pat.page.locator("#vote-results-list .vote-result")
    assert rows.count() == 2
    assert "Payment Failed" in rows.nth(0).inner_text()
    assert "2 votes" in rows.nth(0).inner_text()
    assert "Who refunds?" in rows.nth(1).inner_text()
    assert shown_count(pat, refunds) == 1
    # The vote from before the session still does not count.
    assert shown_count(pat, sticky_id(pat, "Order Placed")) == 0
    pat.save(shots, "facilitation-vote-results.png")

    # A result leads to its sticky; votes are frozen now.
    show(pat, 5000, 5000, 1)
    rows.nth(1).locator("button").click()
    pat.wait_for("app.scene.selection.has(arg)", refunds)
    pat.wait_for(
        "(() => { const s = app.scene.sticky(arg), v = app.viewport.visible();"
        " return s.x >= v.x && s.x + s.width <= v.x + v.width; })()",
        refunds,
    )
    pat.page.locator('#selection-bar [data-action="vote"]').click()
    toast(pat, "The votes are counted: this vote is over.")

    # Closed: the chip goes, the results stay to talk them over.
    fac.page.click("#vote-close")
    pat.page.locator("#vote-chip").wait_for(state="hidden")
    assert "The vote is closed" in pat.page.inner_text("#vote-results-summary")
    assert fac.evaluate("() => window.boardApp.store.board.voting") is None
    for person in (fac, pat, qui):
        assert person.errors == []


def sticky_id_of(board, text):
    return str(board.stickies.get(text=text).pk)


def test_following_someone_from_their_avatar_until_i_move_myself(
    signed_in, daphne_server, board, ann, participant, run, shots
):
    create(run, "event", "Order Placed", 0, 0)
    fac = open_as(signed_in, daphne_server, board, ann)
    pat = open_as(signed_in, daphne_server, board, participant)
    sees_everyone(pat, 2)
    show(fac, 1200, 800, 0.5)

    pat.page.locator("#avatars").get_by_role("button", name="Follow Ann").click()
    chip = pat.page.locator("#follow-chip")
    chip.wait_for(state="visible")
    assert "Following Ann" in chip.inner_text()
    looks_at(pat, 1200, 800, 0.5)
    avatars = pat.page.locator("#avatars")
    stop = avatars.get_by_role("button", name="Stop following Ann")
    assert stop.get_attribute("aria-pressed") == "true"

    # Ann looks elsewhere: Pat's view goes along.
    show(fac, -300, 2500, 1.5)
    looks_at(pat, -300, 2500, 1.5)
    pat.save(shots, "facilitation-following.png")

    # Pat zooms by himself: the following ends, and Ann's moves stay hers.
    pat.page.locator("#board-canvas").focus()
    pat.page.keyboard.press("-")
    chip.wait_for(state="hidden")
    mine = view_of(pat)
    show(fac, 4000, 4000, 1)
    # Pat sees Ann's view arrive, and does not go there.
    pat.wait_for(
        "app.facilitation.room.views.get(arg) && "
        "app.facilitation.room.views.get(arg).x === 4000",
        str(ann.pk),
    )
    assert view_of(pat) == mine

    # Following again, then stopping with the chip's button.
    avatars.get_by_role("button", name="Follow Ann").click()
    looks_at(pat, 4000, 4000, 1)
    pat.page.click("#follow-stop")
    chip.wait_for(state="hidden")
    assert fac.errors == [] and pat.errors == []


def test_the_facilitator_brings_the_room_along_and_spotlights_a_sticky(
    signed_in, daphne_server, board, ann, participant, quinn, viewer, run, shots
):
    placed = create(run, "event", "Order Placed", 3000, 2000)
    fac = open_as(signed_in, daphne_server, board, ann)
    pat = open_as(signed_in, daphne_server, board, participant)
    qui = open_as(signed_in, daphne_server, board, quinn)
    sees_everyone(fac, 3)
    sees_everyone(qui, 3)
    fac.page.click("#facilitate-toggle")

    # Bring everyone to me: once.
    show(fac, 900, -400, 0.75)
    fac.page.click("#room-summon")
    looks_at(pat, 900, -400, 0.75)
    looks_at(qui, 900, -400, 0.75)
    toast(pat, "Ann brought everyone to their view.")
    show(fac, 0, 0, 1)
    assert abs(view_of(pat)["x"] - 900) < 2

    # Follow me: until each moves away, or Ann stops.
    fac.page.click("#room-follow")
    assert fac.page.get_attribute("#room-follow", "aria-pressed") == "true"
    for person in (pat, qui):
        person.page.locator("#follow-chip", has_text="Following Ann").wait_for()
    looks_at(pat, 0, 0, 1)
    show(fac, 2000, 600, 0.6)
    looks_at(pat, 2000, 600, 0.6)
    looks_at(qui, 2000, 600, 0.6)
    qui.save(shots, "facilitation-follow-me.png")
    # Quinn pans away himself and looks around on his own.
    qui.page.locator("#board-canvas").focus()
    qui.page.keyboard.press("ArrowLeft")
    qui.page.locator("#follow-chip").wait_for(state="hidden")
    show(fac, -1500, 300, 1)
    looks_at(pat, -1500, 300, 1)
    assert abs(view_of(qui)["x"] + 1500) > 100
    fac.page.click("#room-follow")
    pat.page.locator("#follow-chip").wait_for(state="hidden")
    toast(pat, "Ann stopped leading")

    # Spotlight: everyone goes to the sticky, lit up until Ann ends it.
    fac.page.click("#room-spotlight")
    toast(fac, "Select one sticky to spotlight it.")
    fac.evaluate("(id) => window.boardApp.focusSticky(id)", placed["id"])
    fac.page.click("#room-spotlight")
    assert fac.page.get_attribute("#room-spotlight", "aria-pressed") == "true"
    for person in (pat, qui):
        spot = person.page.locator("#spotlight-chip")
        spot.wait_for(state="visible")
        assert "Ann spotlights \u201cOrder Placed\u201d" in spot.inner_text()
        # Centred on it, at a zoom where it reads (Quinn kept his 0.6).
        looks_at(person, 3080, 2080)
        assert person.evaluate("() => window.boardApp.viewport.zoom") >= 0.6
    # Lit up on the canvas: the board around the sticky is dimmed, not the sticky.
    assert pixel(pat, 3020, 2140) == (254, 215, 170)  # the event's colour
    assert max(pixel(pat, 2700, 2080)) < 200  # the paper (or a grid dot), darkened
    pat.save(shots, "facilitation-spotlight.png")

    # Someone who joins now is told of the spotlight too; the call goes out
    # again, and Quinn, who has looked away meanwhile, stays where he is.
    show(qui, -2000, -2000, 1)
    qui.evaluate(
        """() => { window.spotlights = 0;
            window.boardApp.connection.addEventListener('signal', (e) => {
                if (e.detail.kind === 'spotlight') window.spotlights += 1; }); }"""
    )
    vic = open_as(signed_in, daphne_server, board, viewer)
    vic.page.locator("#spotlight-chip", has_text="Ann spotlights").wait_for()
    looks_at(vic, 3080, 2080)
    qui.page.wait_for_function("() => window.spotlights === 1")
    qui.page.locator("#spotlight-chip").wait_for(state="visible")
    assert abs(view_of(qui)["x"] + 2000) < 2

    fac.page.click("#spotlight-end")
    for person in (pat, qui, vic):
        person.page.locator("#spotlight-chip").wait_for(state="hidden")
    assert min(pixel(pat, 2700, 2080)) > 200
    assert fac.page.get_attribute("#room-spotlight", "aria-pressed") == "false"
    for person in (fac, pat, qui):
        assert person.errors == []


def role_select(page, member):
    return page.locator(f"#role-{member.pk}")


def test_roles_set_in_the_share_dialog_reach_the_persons_page_at_once(
    signed_in, daphne_server, board, ann, participant, run, shots
):
    create(run, "event", "Order Placed", 0, 0)
    fac = open_as(signed_in, daphne_server, board, ann)
    pat = open_as(signed_in, daphne_server, board, participant)
    sockets = []
    pat.page.on("websocket", lambda socket: sockets.append(socket.url))
    sees_everyone(fac, 2)
    fac.page.click("#share-open")
    fac.page.locator("#share-dialog").wait_for(state="visible")

    # Pat made a viewer: his page turns read-only with the notice.
    role_select(fac.page, participant).select_option("viewer")
    fac.page.locator("#role-status", has_text="Pat is now a viewer.").wait_for()
    notice = pat.page.locator("#readonly-notice")
    notice.wait_for(state="visible")
    assert "You can look at this board but not change it." in notice.inner_text()
    toast(pat, "A facilitator made you a viewer")
    assert pat.evaluate("() => window.boardApp.scene.canWrite") is False
    assert pat.page.locator(".board-bar__title .badge").first.inner_text() == "Viewer"
    assert pat.page.locator('#palette [data-kind="event"]').is_disabled()
    # No edits: a double-click on the board opens no editor.
    point = pat.stage_point(0.6, 0.7)
    pat.page.mouse.dblclick(point["x"], point["y"])
    assert pat.page.locator("#sticky-editor").is_hidden()
    assert Member.objects.get(pk=participant.pk).role == Role.VIEWER
    pat.save(shots, "facilitation-made-viewer.png")

    # Participant again: editable.
    role_select(fac.page, participant).select_option("participant")
    notice.wait_for(state="hidden")
    pat.wait_for("app.scene.canWrite === true")
    pat.create_by_double_click(0.6, 0.7, "Payment Taken")

    # The last facilitator cannot step down or leave: said in the dialog,
    # nothing changed.
    role_select(fac.page, ann).select_option("participant")
    error = fac.page.locator("#role-error")
    error.wait_for(state="visible")
    assert "a board needs at least one facilitator" in error.inner_text()
    assert role_select(fac.page, ann).input_value() == "facilitator"
    row = fac.page.locator(f'[data-member-id="{ann.pk}"]')
    row.get_by_role("button", name="Remove Ann from the board").click()
    row.get_by_role("button", name="Yes, remove Ann from the board").click()
    fac.page.locator("#role-error", has_text="Could not remove Ann").wait_for()
    assert Member.objects.get(pk=ann.pk).role == Role.FACILITATOR
    fac.save(shots, "facilitation-roles.png")

    # Pat removed: a clear message, and the page stops.
    row = fac.page.locator(f'[data-member-id="{participant.pk}"]')
    row.get_by_role("button", name="Remove Pat from the board").click()
    row.get_by_role("button", name="Keep Pat on the board").click()
    assert row.get_by_role("button", name="Remove Pat from the board").is_visible()
    row.get_by_role("button", name="Remove Pat from the board").click()
    row.get_by_role("button", name="Yes, remove Pat from the board").click()
    fac.page.locator("#role-status", has_text="Pat was removed").wait_for()
    removed = pat.page.locator("#removed-dialog")
    removed.wait_for(state="visible")
    assert "You were removed from this board" in removed.inner_text()
    assert "A facilitator removed you from this board." in removed.inner_text()
    pat.wait_for("app.connection.status === 'offline'")
    assert not Member.objects.filter(pk=participant.pk).exists()
    pat.save(shots, "facilitation-removed.png")
    # No reconnect loop: while Ann keeps working, Pat's page opens no socket.
    opened = len(sockets)
    for n in range(3):
        fac.evaluate(
            "(n) => window.boardApp.actions.create('event', 400 + 200 * n, 400,"
            " {text: `After ${n}`})",
            n,
        )
        fac.wait_for_text(f"After {n}")
    assert len(sockets) == opened
    assert pat.evaluate("() => window.boardApp.connection.status") == "offline"
    assert fac.errors == [] and pat.errors == []
