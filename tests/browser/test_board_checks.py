"""The workshop closes its loop on the board: the model's checks as badges on
the flagged stickies and a panel of findings with what each check means and
how to fix it, live counts in the phase guide, model versions frozen, listed
and compared from the board, and the admin's version page under the CSP."""

from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from modeling import services as modeling
from modeling.checks import HELP

from .board_page import BoardPage
from .conftest import VIEWPORT

pytestmark = pytest.mark.django_db(transaction=True)

# The badge colours drawn on the canvas (checks.js), as RGB.
BADGE = {"error": (201, 42, 42), "warning": (245, 159, 0), "hint": (91, 98, 114)}


def checked(person, seq=None):
    """Wait until the checks have answered (for the board at `seq` or later)."""
    person.wait_for(
        "app.checks && app.checks.result && app.checks.result.seq >= arg",
        seq or 0,
        timeout=15000,
    )
    return person.evaluate("() => window.boardApp.checks.result")


def head_seq(board):
    board.refresh_from_db()
    return board.head_seq


def badge_colour(person, sticky):
    """The canvas's colour inside the badge at `sticky`'s top-left corner,
    beside its number (the sticky brought into view first)."""
    return tuple(
        person.evaluate(
            """([x, y]) => {
                const app = window.boardApp;
                const canvas = document.getElementById('board-canvas');
                const inside = app.viewport.visible(-60);
                if (x < inside.x || y < inside.y || x > inside.x + inside.width
                    || y > inside.y + inside.height) app.viewport.centreOn(x, y);
                // A frame drawn now: a resize may have cleared the last one.
                app.renderer.draw();
                const z = app.viewport.zoom;
                const p = app.viewport.toScreen(x - 4 / z, y - 4 / z);
                const dpr = app.renderer.dpr;
                const ctx = canvas.getContext('2d');
                const data = ctx.getImageData(
                    Math.round((p.x - 6) * dpr), Math.round(p.y * dpr), 1, 1).data;
                return [data[0], data[1], data[2]];
            }""",
            [sticky["x"], sticky["y"]],
        )
    )


def close_to(colour, expected, tolerance=12):
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def test_a_participant_sees_a_badge_and_the_finding_leads_to_the_sticky(
    signed_in, daphne_server, board, lead, facilitator, participant, run, artifacts
):
    run("phase.set", {"phase": "order"})
    run("sticky.create", {"kind": "event", "text": "Order Placed", "x": 0, "y": 0})
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    checked(pat)
    assert pat.page.inner_text("#checks-toggle-count") == "0"

    # The facilitator writes an intention where a fact belongs, far off.
    ann.evaluate(
        "() => window.boardApp.actions.create("
        "'event', 3000, 1800, {text: 'Ship Order'})"
    )
    pat.wait_for_text("Ship Order")
    ship = pat.sticky_with("Ship Order")
    result = checked(pat, head_seq(board))
    [finding] = [f for f in result["findings"] if f["check"] == "N1"]
    assert finding["stickies"] == [ship["id"]]
    assert finding["severity"] == "warning"
    assert pat.page.inner_text("#checks-toggle-count") == "1"

    pat.page.click("#checks-toggle")
    panel = pat.page.locator("#checks-panel")
    panel.wait_for(state="visible")
    card = panel.locator('.check-card[data-check="N1"]')
    assert HELP["N1"].title in card.inner_text()
    assert HELP["N1"].explanation in card.inner_text()
    assert HELP["N1"].fix in card.inner_text()
    assert (
        panel.locator(".checks-group--warning .checks-group__title").text_content()
        == "Warnings 1"
    )
    assert panel.locator(".checks-group").count() == 1
    pat.save(artifacts, "checks-panel.png")

    # The sticky is off screen; the finding brings it into view, selected.
    visible = (
        "(() => { const v = app.viewport.visible(); const s = app.scene.sticky(arg);"
    )
    visible += " return s.x >= v.x && s.y >= v.y && s.x + s.width <= v.x + v.width"
    visible += " && s.y + s.height <= v.y + v.height; })()"
    assert not pat.evaluate(
        f"(arg) => {{ const app = window.boardApp; return {visible}; }}", ship["id"]
    )
    card.locator("button.finding").click()
    pat.wait_for(visible, ship["id"])
    assert pat.evaluate("() => [...window.boardApp.scene.selection]") == [ship["id"]]
    assert pat.evaluate("() => window.boardApp.viewport.zoom") >= 0.9
    # Clear of the panel: the sticky's right edge is left of it on screen.
    right = pat.screen_point(ship["x"] + ship["width"], ship["y"])["x"]
    assert right < panel.bounding_box()["x"]
    assert close_to(badge_colour(pat, ship), BADGE["warning"])
    pat.save(artifacts, "checks-badge-focused.png")
    assert pat.errors == [] and ann.errors == []


def test_the_checks_run_once_the_board_settles_not_per_change(
    signed_in, daphne_server, board, facilitator, viewer
):
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    vic = BoardPage(signed_in(viewer.user).new_page(), daphne_server, board).open()
    checked(vic)
    asked = []
    vic.page.on(
        "request", lambda r: asked.append(r.url) if "/model/" in r.url else None
    )
    # Five stickies in a burst, as a busy group adds them.
    ann.evaluate(
        """() => { for (let i = 0; i < 5; i++)
            window.boardApp.actions.create(
                'event', i * 200, 0, {text: `Send Mail ${i}`});
        }"""
    )
    vic.wait_for("app.store.stickies.size === 5")
    result = checked(vic, head_seq(board))
    assert len([f for f in result["findings"] if f["check"] == "N1"]) == 5
    vic.page.wait_for_timeout(1500)
    assert len(asked) == 1
    assert "phase=find" in asked[0]
    # A vote changes nothing the checks look at: no question at all.
    sticky = vic.sticky_with("Send Mail 0")
    ann.evaluate("(id) => window.boardApp.actions.vote(id, true)", sticky["id"])
    vic.wait_for("app.store.votes.size === 1")
    vic.page.wait_for_timeout(1200)
    assert len(asked) == 1
    assert vic.errors == []


def progress(person):
    return person.page.locator("[data-guide=progress]").inner_text()


def wait_progress(person, text):
    person.wait_for(
        "document.querySelector('[data-guide=progress]')?.textContent.includes(arg)",
        text,
        timeout=15000,
    )
    return progress(person)


def test_the_phase_guide_counts_what_is_still_open_as_it_gets_fixed(
    signed_in, daphne_server, board, facilitator, participant, run, artifacts
):
    run("phase.set", {"phase": "order"})
    for text, x in (("Ship Order", 0), ("Pay Invoice", 300)):
        run("sticky.create", {"kind": "event", "text": text, "x": x, "y": 0})
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    line = wait_progress(pat, "Still open:")
    assert "2 events not in the past tense" in line
    pat.save(artifacts, "checks-guide-two-open.png")

    # Fixed in place: double-click, new words, Enter.
    ship = pat.sticky_with("Ship Order")
    point = pat.centre_of(ship)
    pat.page.mouse.dblclick(point["x"], point["y"])
    pat.page.locator("#sticky-editor").wait_for(state="visible")
    pat.page.keyboard.press("Control+A")
    pat.page.keyboard.type("Order Shipped")
    pat.page.keyboard.press("Enter")
    line = wait_progress(pat, "1 event not in the past tense")
    assert "2 events" not in line
    # The facilitator's guide follows without anyone reloading.
    wait_progress(ann, "1 event not in the past tense")
    flagged = pat.evaluate("() => [...window.boardApp.checks.flags.keys()]")
    pay = pat.sticky_with("Pay Invoice")
    assert flagged == [pay["id"]]
    # The fixed sticky's badge is gone from the canvas; the other's is there.
    assert not close_to(
        badge_colour(pat, pat.sticky_with("Order Shipped")), BADGE["warning"]
    )
    assert close_to(badge_colour(pat, pay), BADGE["warning"])

    # Fixed in the details panel.
    pat.click_sticky(pat.sticky_with("Pay Invoice"))
    pat.page.keyboard.press("i")
    pat.page.locator("#inspector-text").fill("Invoice Paid")
    pat.page.locator("#inspector").get_by_role("button", name="Save").click()
    assert wait_progress(pat, "nothing left") == "The checks find nothing left to fix."
    assert pat.page.inner_text("#checks-toggle-count") == "0"
    pat.page.click("#checks-toggle")
    assert "no problem" in pat.page.inner_text("#checks-panel")
    pat.save(artifacts, "checks-guide-clear.png")

    # The facilitator moves on: the checks of the new phase, at once.
    ann.page.select_option("#phase-select", "attribute")
    line = wait_progress(pat, "events without a cause")
    assert "2 events without a cause" in line
    phase_label = pat.page.inner_text("#checks-phase")
    assert "Attribute causes" in phase_label
    card = pat.page.locator('#checks-panel .check-card[data-check="G10"]')
    assert card.locator("button.finding").count() == 2
    pat.save(artifacts, "checks-attribute-phase.png")
    assert pat.errors == [] and ann.errors == []


def test_a_facilitator_freezes_versions_and_a_participant_compares_them(
    signed_in, daphne_server, board, facilitator, participant, run, artifacts
):
    def create(kind, text, x, y):
        data = {"kind": kind, "text": text, "x": x, "y": y}
        return run("sticky.create", data).event["data"]["id"]

    create("context", "Ordering", 0, 0)
    create("aggregate", "Order", 40, 40)
    place = create("command", "Place Order", 60, 100)
    placed = create("event", "Order Placed", 300, 100)
    run("link.create", {"from": place, "to": placed})

    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    page = ann.page
    page.click("#review-open")
    dialog = page.locator("#review-dialog")
    dialog.wait_for(state="visible")
    page.locator("#review-status", has_text="No version yet").wait_for()
    page.fill("#review-note", "First look at ordering")
    dialog.get_by_role("button", name="Freeze a version").click()
    page.locator("#review-freeze-status", has_text="Froze version 1.").wait_for()
    item = page.locator('#review-list [data-number="1"]')
    assert "First look at ordering" in item.inner_text()
    assert "1 context, 1 aggregate, 1 command, 1 event" in item.inner_text()
    assert page.input_value("#review-note") == ""

    # Again without a change: no new version, and it says so.
    dialog.get_by_role("button", name="Freeze a version").click()
    page.locator("#review-freeze-status", has_text="has not changed").wait_for()
    assert page.locator("#review-list > li").count() == 1

    run("sticky.update", {"id": placed, "text": "Order Submitted"})
    create("event", "Order Paid", 500, 100)
    page.fill("#review-note", "After the review")
    dialog.get_by_role("button", name="Freeze a version").click()
    page.locator("#review-freeze-status", has_text="Froze version 2.").wait_for()
    # The new version's changes show at once.
    page.wait_for_function(
        "() => document.getElementById('review-dialog').dataset.diff === '1-2'"
    )
    ann.save(artifacts, "review-facilitator.png")
    assert ann.errors == []

    pat = BoardPage(signed_in(participant.user).new_page(), daphne_server, board).open()
    page = pat.page
    page.click("#review-open")
    page.locator("#review-dialog").wait_for(state="visible")
    # Participants read and compare; freezing is not theirs.
    assert page.locator("#review-freeze").count() == 0
    page.wait_for_selector('#review-list [data-number="2"]')
    numbers = page.locator("#review-list > li").evaluate_all(
        "items => items.map(li => li.dataset.number)"
    )
    assert numbers == ["2", "1"]
    assert "After the review" in page.inner_text('#review-list [data-number="2"]')
    page.wait_for_function(
        "() => document.getElementById('review-dialog').dataset.diff === '1-2'"
    )
    diff = page.locator("#review-diff")
    added = diff.locator('[data-part="added"]').inner_text()
    assert "event OrderPaid (Ordering)" in added
    renamed = diff.locator('[data-part="renamed"]').inner_text()
    assert "event OrderPlaced -> OrderSubmitted" in renamed
    assert "1 added" in diff.locator(".review__diff-title").inner_text()
    pat.save(artifacts, "review-participant-diff.png")

    # Backwards, chosen in the form: what was added is now removed.
    page.select_option("#review-from", "2")
    page.select_option("#review-to", "1")
    page.locator("#review-compare").get_by_role("button", name="Compare").click()
    page.wait_for_function(
        "() => document.getElementById('review-dialog').dataset.diff === '2-1'"
    )
    removed = diff.locator('[data-part="removed"]').inner_text()
    assert "event OrderPaid (Ordering)" in removed
    assert diff.locator('[data-part="added"]').count() == 0
    assert pat.errors == []


def test_a_guest_sees_the_findings(browser, daphne_server, board, run, artifacts):
    run("sticky.create", {"kind": "event", "text": "Create Invoice", "x": 0, "y": 0})
    run("sticky.create", {"kind": "hotspot", "text": "Who pays?", "x": 300, "y": 0})
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{daphne_server.url}/boards/{board.pk}/?invite={board.invite_token}")
        page.get_by_label("Your name on the board").fill("Gina Guest")
        page.get_by_role("button", name="Join the board").click()
        gina = BoardPage(page, daphne_server, board)
        gina.wait_live()
        result = checked(gina)
        assert {f["check"] for f in result["findings"]} == {"N1", "G9"}
        assert page.inner_text("#checks-toggle-count") == "2"
        page.click("#checks-toggle")
        panel = page.locator("#checks-panel")
        assert panel.locator(".checks-group--hint .check-card").count() == 2
        assert "Open question: “Who pays?”" in panel.inner_text()
        assert "1 event not in the past tense" in progress(gina)
        invoice = gina.sticky_with("Create Invoice")
        assert close_to(badge_colour(gina, invoice), BADGE["hint"])
        gina.save(artifacts, "checks-guest.png")
        assert gina.errors == []
    finally:
        context.close()


# -- the admin's version page under the site's CSP ------------------------------------


@pytest.fixture
def reviewed(board, lead, run):
    """Two versions of a board whose tree is five levels deep."""

    def create(kind, text, x, y):
        data = {"kind": kind, "text": text, "x": x, "y": y}
        return run("sticky.create", data).event["data"]["id"]

    ids = {
        "ordering": create("context", "Ordering", 0, 0),
        "order": create("aggregate", "Order", 40, 40),
        "customer": create("actor", "Customer", 60, 460),
        "place": create("command", "Place Order", 60, 100),
        "placed": create("event", "Order Placed", 300, 100),
        "policy": create("policy", "Whenever placed, then invoice", 700, 100),
        "invoice": create("command", "Send Invoice", 1000, 100),
        "question": create("hotspot", "Refunds?", 300, 600),
    }
    for source, target in (
        ("customer", "place"),
        ("place", "placed"),
        ("placed", "policy"),
        ("policy", "invoice"),
    ):
        run("link.create", {"from": ids[source], "to": ids[target]})
    first, _ = modeling.freeze(board, lead, "first")
    run("sticky.update", {"id": ids["placed"], "text": "Order Submitted"})
    create("event", "Invoice Sent", 1000, 300)
    second, _ = modeling.freeze(board, lead, "second")
    return first, second


@pytest.fixture
def superuser_page(browser, daphne_server):
    root = get_user_model().objects.create_superuser(
        "root", "root@example.com", "a-long-password-1"
    )
    client = Client()
    client.force_login(root)
    context = browser.new_context(viewport=VIEWPORT)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": daphne_server.url,
            }
        ]
    )
    page = context.new_page()
    # Every CSP violation, as the page itself hears of it, and the console's.
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.cspViolations.push(e.violatedDirective));"
    )
    page.console_errors = []
    page.on(
        "console",
        lambda m: page.console_errors.append(m.text) if m.type == "error" else None,
    )
    yield page
    context.close()


def no_csp_violations(page):
    assert page.evaluate("() => window.cspViolations") == []
    assert not [m for m in page.console_errors if "Content Security Policy" in m]


def test_the_admin_version_page_lays_its_tree_out_under_the_csp(
    superuser_page, daphne_server, reviewed, artifacts
):
    _, second = reviewed
    page = superuser_page
    change = reverse("admin:modeling_modelversion_change", args=[second.pk])
    page.goto(f"{daphne_server.url}{change}")
    page.wait_for_load_state("load")
    no_csp_violations(page)

    # The tree: each level's text a small step to the right of its parent's.
    lefts = page.evaluate(
        """() => {
            const lefts = [];
            let list = document.querySelector('ul.model-tree');
            while (list) {
                const kind = list.querySelector(':scope > li > .model-tree__kind');
                lefts.push(kind.getBoundingClientRect().left);
                list = list.querySelector(':scope > li > ul.model-tree');
            }
            return lefts;
        }"""
    )
    # context > aggregate > command > event > policy > its command
    assert len(lefts) == 6
    steps = [b - a for a, b in pairwise(lefts)]
    assert all(8 <= step <= 40 for step in steps), steps
    # ...and all of it on the page: nothing runs off to the right.
    widest = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('ul.model-tree li')]"
        ".map(li => li.getBoundingClientRect().right))"
    )
    assert widest <= VIEWPORT["width"]
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
    )
    # The severity colour and the diff come from the stylesheet.
    hint = page.locator(".finding-severity--hint").first
    assert hint.evaluate("td => getComputedStyle(td).fontWeight") == "600"
    assert (
        page.locator("pre.model-diff").evaluate(
            "pre => getComputedStyle(pre).whiteSpace"
        )
        == "pre-wrap"
    )
    page.locator(".field-model_tree").screenshot(
        path=str(artifacts / "admin-version-tree.png")
    )
    page.screenshot(path=str(artifacts / "admin-version-page.png"), full_page=True)

    # The compare page (an admin action) too.
    changelist = reverse("admin:modeling_modelversion_changelist")
    page.goto(f"{daphne_server.url}{changelist}")
    for version in reviewed:
        page.check(f'input[name="_selected_action"][value="{version.pk}"]')
    page.select_option("select[name=action]", "compare_versions")
    page.click("button[name=index]")
    page.wait_for_selector("pre.model-diff")
    assert "+ event InvoiceSent (Ordering)" in page.inner_text("pre.model-diff")
    no_csp_violations(page)
