"""Defects of the board page found in workshops, each held by a browser test.

Dense timelines at low zoom, remote group drags, frame titles under notes,
the header at laptop width, the phase guide over the canvas, mass deletion
and the favicon.
"""

import pytest

from storming import services

from .board_page import BoardPage

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1280, "height": 800}


def create(board, member, kind="event", **data):
    """A sticky made through the write path, as another person would."""
    result = services.execute(board.pk, member, "sticky.create", {"kind": kind, **data})
    return result


def open_board(context, server, board):
    return BoardPage(context.new_page(), server, board).open()


def show(page, zoom, x, y):
    """Set the view: `zoom`, centred on board point (x, y)."""
    page.evaluate(
        """([zoom, x, y]) => {
            const vp = window.boardApp.viewport;
            vp.zoom = zoom;
            vp.centreOn(x, y);
        }""",
        [zoom, x, y],
    )
    next_frame(page)


def next_frame(page):
    """Wait until the canvas has drawn what the page holds now."""
    page.evaluate(
        "() => new Promise((done) => requestAnimationFrame(() =>"
        " requestAnimationFrame(done)))"
    )


def record_text(page):
    """From now on, the texts the renderer writes in each frame go into
    `window.drawnTexts` (the last frame's), without changing what it draws."""
    page.evaluate(
        """() => {
            const renderer = window.boardApp.renderer;
            const ctx = renderer.ctx;
            const fillText = ctx.fillText;
            let texts = [];
            ctx.fillText = function (text, ...rest) {
                texts.push(String(text));
                return fillText.call(this, text, ...rest);
            };
            const draw = renderer.draw.bind(renderer);
            renderer.draw = () => {
                texts = [];
                draw();
                window.drawnTexts = texts;
            };
            renderer.request();
        }"""
    )
    next_frame(page)


# -- 1. the link handle at low zoom -------------------------------------------


def test_ordering_a_dense_timeline_at_low_zoom_draws_no_links(
    signed_in, daphne_server, board, lead, facilitator, artifacts
):
    # A timeline as people pack it: events 20 board units apart.
    count = 7
    for i in range(count):
        create(board, lead, text=f"Event {i}", x=i * 180, y=0)
    ann = open_board(signed_in(facilitator), daphne_server, board)
    page = ann.page
    show(page, 0.25, count * 180 / 2, 80)
    stickies = sorted(ann.stickies(), key=lambda s: s["x"])

    # Ordering: each sticky in turn is nudged up or down a little, its
    # neighbour having just been selected (which shows the neighbour's handle).
    for i, sticky in enumerate(stickies):
        start = ann.centre_of(sticky)
        dy = 6 if i % 2 else -6
        ann.drag(start, {"x": start["x"], "y": start["y"] + dy}, steps=3)
        ann.wait_for(
            "Math.abs(app.store.stickies.get(arg.id).y - arg.y) <= 4",
            {"id": sticky["id"], "y": sticky["y"] + dy * 4},
        )
    assert ann.evaluate("() => window.boardApp.store.links.size") == 0

    # The handle is small at this zoom, and no part of it lies over a neighbour.
    first, second, fourth = (ann.sticky_with(f"Event {i}") for i in (0, 1, 3))
    ann.click_sticky(first)
    handle = handle_of(ann, first["id"])
    assert handle["r"] * 0.25 <= 7
    assert handle["x"] - handle["r"] >= first["x"] + first["width"] - 0.5
    assert handle["x"] + handle["r"] <= second["x"] + 0.5
    page.mouse.move(*ann.screen_point(handle["x"], handle["y"]).values())
    next_frame(page)
    page.screenshot(
        path=str(artifacts / "board-dense-timeline-25.png"),
        clip=timeline_clip(ann, stickies),
    )
    # A point over the neighbour picks the neighbour, even next to the handle.
    assert hit_at(ann, second["x"] + 2, handle["y"]) == {
        "type": "sticky",
        "id": second["id"],
    }

    # A click on the handle, and a tiny drag from it, make no link ...
    point = ann.screen_point(handle["x"], handle["y"])
    page.mouse.click(point["x"], point["y"])
    ann.click_sticky(first)
    ann.drag(point, {"x": point["x"] + 6, "y": point["y"]}, steps=3)
    page.wait_for_timeout(300)
    assert ann.evaluate("() => window.boardApp.store.links.size") == 0

    # ... a deliberate drag from it to another sticky does.
    ann.click_sticky(first)
    page.mouse.move(point["x"], point["y"])
    ann.drag(point, ann.centre_of(fourth), steps=10)
    ann.wait_for("app.store.links.size === 1")
    link = ann.evaluate("() => [...window.boardApp.store.links.values()][0]")
    assert (link["from"], link["to"]) == (first["id"], fourth["id"])
    assert ann.errors == []


def handle_of(ann, sticky_id):
    """Where the renderer draws the link handle of `sticky_id` (board units)."""
    return ann.evaluate(
        """async (id) => {
            const { linkHandle } = await import('/static/js/board/render.js');
            const app = window.boardApp;
            const s = app.scene.sticky(id);
            return linkHandle(s, app.viewport.zoom, app.scene);
        }""",
        sticky_id,
    )


def hit_at(ann, x, y):
    return ann.evaluate(
        """async ([x, y]) => {
            const { hitTest } = await import('/static/js/board/hit.js');
            const app = window.boardApp;
            const hit = hitTest(app.scene, {x, y}, app.viewport.zoom);
            return hit && {type: hit.type, id: hit.id};
        }""",
        [x, y],
    )


def timeline_clip(ann, stickies):
    top_left = ann.screen_point(stickies[0]["x"] - 60, stickies[0]["y"] - 60)
    last = stickies[-1]
    bottom_right = ann.screen_point(last["x"] + last["width"] + 60, last["y"] + 220)
    return {
        "x": top_left["x"],
        "y": top_left["y"],
        "width": bottom_right["x"] - top_left["x"],
        "height": bottom_right["y"] - top_left["y"],
    }


# -- 3. a remote group drag ------------------------------------------------------


def test_a_group_dragged_by_someone_else_shows_one_name_tag(
    signed_in, daphne_server, board, lead, facilitator, participant, artifacts
):
    for i in range(5):
        create(board, lead, text=f"Step {i}", x=i * 200, y=0)
    ann = open_board(signed_in(facilitator), daphne_server, board)
    pat = open_board(signed_in(participant.user), daphne_server, board)
    for person in (ann, pat):
        show(person.page, 0.6, 480, 80)
    record_text(pat.page)

    ann.page.locator("#board-canvas").focus()
    ann.page.keyboard.press("Control+a")
    start = ann.centre_of(ann.sticky_with("Step 2"))
    mouse = ann.page.mouse
    mouse.move(start["x"], start["y"])
    mouse.down()
    for step in range(1, 9):
        mouse.move(start["x"] + 10 * step, start["y"] + 15 * step)
        ann.page.wait_for_timeout(30)
    pat.wait_for("app.scene.remoteDrags.size === 5")
    next_frame(pat.page)
    tags = pat.evaluate(
        "(name) => window.drawnTexts.filter((t) => t === name)", lead.display_name
    )
    pat.save(artifacts, "board-remote-group-drag.png")
    mouse.up()
    assert len(tags) == 1
    pat.wait_for("app.scene.remoteDrags.size === 0")
    assert ann.errors == [] and pat.errors == []


# -- 4. a frame's title over its contents ------------------------------------------


def test_a_frames_title_stays_readable_under_the_stickies_in_it(
    signed_in, daphne_server, board, lead, facilitator, artifacts
):
    # Two frames of the same name; a sticky lies over the second's title.
    create(board, lead, kind="aggregate", text="Shopping Cart", x=0, y=0)
    create(board, lead, kind="aggregate", text="Shopping Cart", x=0, y=500)
    create(board, lead, text="", x=-10, y=490)
    ann = open_board(signed_in(facilitator), daphne_server, board)
    alone, covered = sorted(
        (s for s in ann.stickies() if s["kind"] == "aggregate"), key=lambda s: s["y"]
    )
    note = next(s for s in ann.stickies() if s["kind"] == "event")

    for zoom in (1, 0.3):
        # Both titles on screen.
        show(ann.page, zoom, 320, 300)
        box = title_box(ann, covered["id"])
        # The sticky lies over the title ...
        assert note["x"] < box["x"] < note["x"] + note["width"]
        assert note["y"] < box["y"] < note["y"] + note["height"]
        # ... and the title shows as much of its text as the other one.
        ink = title_ink(ann, alone["id"])
        assert ink > 40
        assert title_ink(ann, covered["id"]) >= 0.95 * ink

    show(ann.page, 1, 320, 700)
    top_left = ann.screen_point(-30, 460)
    ann.page.screenshot(
        path=str(artifacts / "board-frame-title-over-sticky.png"),
        clip={**top_left, "width": 700, "height": 460},
    )
    # What shows is what a click picks: the title selects the frame.
    box = title_box(ann, covered["id"])
    point = ann.screen_point(box["x"] + box["width"] - 8, box["y"] + box["height"] / 2)
    ann.page.mouse.click(point["x"], point["y"])
    assert ann.evaluate("() => [...window.boardApp.scene.selection]") == [covered["id"]]
    assert ann.errors == []


def title_box(ann, frame_id):
    return ann.evaluate(
        """async (id) => {
            const { frameTitle } = await import('/static/js/board/render.js');
            const app = window.boardApp;
            return frameTitle(app.scene.sticky(id), app.viewport.zoom).box;
        }""",
        frame_id,
    )


def title_ink(ann, frame_id):
    """Dark (text) pixels the canvas shows inside the title's box."""
    next_frame(ann.page)
    return ann.evaluate(
        """async (id) => {
            const { frameTitle } = await import('/static/js/board/render.js');
            const app = window.boardApp;
            const box = frameTitle(app.scene.sticky(id), app.viewport.zoom).box;
            const p = app.viewport.toScreen(box.x, box.y);
            const dpr = app.renderer.dpr;
            const canvas = document.getElementById('board-canvas');
            const z = app.viewport.zoom;
            const [w, h] = [box.width * z, box.height * z];
            // Off the canvas there are no pixels to count.
            if (p.x < 0 || p.y < 0 || (p.x + w) * dpr > canvas.width
                || (p.y + h) * dpr > canvas.height) return -1;
            const data = canvas.getContext('2d').getImageData(
                Math.round(p.x * dpr), Math.round(p.y * dpr),
                Math.round(w * dpr), Math.round(h * dpr)).data;
            let ink = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (data[i] < 90 && data[i + 1] < 90 && data[i + 2] < 100) ink++;
            }
            return ink;
        }""",
        frame_id,
    )


# -- 5. the header at laptop width ----------------------------------------------


def test_the_header_fits_a_laptop_screen_for_a_facilitator_and_a_guest(
    browser, signed_in, daphne_server, board, facilitator, artifacts
):
    context = signed_in(facilitator)
    ann = BoardPage(context.new_page(), daphne_server, board)
    ann.page.set_viewport_size(LAPTOP)
    ann.open()
    ann.page.screenshot(
        path=str(artifacts / "board-header-1280-facilitator.png"),
        clip={"x": 0, "y": 0, "width": 1280, "height": 160},
    )
    check_header(ann.page)
    # The facilitator keeps the site's own bar (boards, sign out) above.
    assert ann.page.locator(".site-header").is_visible()
    # Locked, with the timer running, the bar holds longer words and the time.
    ann.page.locator("#lock-toggle").click()
    ann.page.locator("#lock-toggle", has_text="Unlock").wait_for()
    ann.page.locator("#timer-toggle").click()
    ann.page.locator("#timer").wait_for(state="visible")
    ann.page.screenshot(
        path=str(artifacts / "board-header-1280-facilitator-locked.png"),
        clip={"x": 0, "y": 0, "width": 1280, "height": 160},
    )
    check_header(ann.page)

    guest_context = browser.new_context(viewport=LAPTOP)
    try:
        page = guest_context.new_page()
        page.goto(f"{daphne_server.url}/boards/{board.pk}/?invite={board.invite_token}")
        page.get_by_label("Your name on the board").fill("Gina Guest")
        page.get_by_role("button", name="Join the board").click()
        gina = BoardPage(page, daphne_server, board)
        gina.wait_live()
        page.screenshot(
            path=str(artifacts / "board-header-1280-guest.png"),
            clip={"x": 0, "y": 0, "width": 1280, "height": 160},
        )
        check_header(page)
        # No sign-in bar for a guest: the board's own bar is at the top.
        assert page.locator(".site-header").is_hidden()
        assert page.locator(".board-bar").bounding_box()["y"] == 0
        assert gina.errors == []
    finally:
        guest_context.close()
    assert ann.errors == []


def check_header(page):
    """Every phase's whole name shows; nothing in the bar wraps or sticks out."""
    report = page.evaluate(
        """() => {
            const bar = document.querySelector('.board-bar');
            const box = bar.getBoundingClientRect();
            const items = [...document.querySelectorAll('#phase-steps li')];
            const steps = items.map((li) => {
                const r = li.getBoundingClientRect();
                return {
                    text: li.innerText,
                    label: li.title,
                    clipped: li.scrollWidth > li.clientWidth,
                    fontSize: parseFloat(getComputedStyle(li).fontSize),
                    inside: r.left >= box.left && r.right <= box.right,
                    top: Math.round(r.top),
                };
            });
            // What shows: not what a closed <details> (the People popover) holds.
            const shown = [...bar.querySelectorAll('*')].filter((el) =>
                el.getClientRects().length
                && getComputedStyle(el).visibility !== 'hidden'
                && !el.closest('details:not([open]) > :not(summary)'));
            const outside = shown.filter((el) => {
                const r = el.getBoundingClientRect();
                return r.width && (r.left < box.left - 0.5 || r.right > box.right + 0.5
                    || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5);
            }).map((el) => el.outerHTML.slice(0, 80));
            const overflowing = shown.filter((el) =>
                el.scrollWidth > el.clientWidth + 1
                && getComputedStyle(el).overflowX !== 'visible'
                && el.tagName !== 'SELECT'
                && !el.classList.contains('visually-hidden'))
                .map((el) => el.outerHTML.slice(0, 80));
            // Text that wraps has line boxes at more than one height.
            const walker = document.createTreeWalker(bar, NodeFilter.SHOW_TEXT);
            const wrapped = [];
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (!node.textContent.trim()) continue;
                if (!shown.includes(node.parentElement)) continue;
                const range = document.createRange();
                range.selectNodeContents(node);
                const rects = [...range.getClientRects()];
                const tops = new Set(rects.map((r) => Math.round(r.top)));
                if (tops.size > 1) wrapped.push(node.textContent.trim());
            }
            // A select shows its chosen option's text whole: its box is
            // wider than the longest option's text and the arrow.
            const measure = document.createElement('canvas').getContext('2d');
            const selects = shown.filter((el) => el.tagName === 'SELECT');
            const cutSelects = selects.filter((el) => {
                const style = getComputedStyle(el);
                measure.font = style.font;
                const longest = Math.max(...[...el.options].map((o) =>
                    measure.measureText(o.text).width));
                return el.clientWidth < longest + parseFloat(style.paddingLeft) + 16;
            }).map((el) => el.id);
            return {steps, outside, overflowing, wrapped, cutSelects,
                    barOverflows: bar.scrollWidth > bar.clientWidth};
        }"""
    )
    assert len(report["steps"]) == 6
    for step in report["steps"]:
        assert step["text"].endswith(step["label"]), step
        assert not step["clipped"] and step["fontSize"] >= 12 and step["inside"], step
    assert len({step["top"] for step in report["steps"]}) == 1
    assert report["outside"] == []
    assert report["overflowing"] == []
    assert report["wrapped"] == []
    assert report["cutSelects"] == []
    assert not report["barOverflows"]


# -- 6. the phase guide over the canvas -------------------------------------------


def test_the_phase_guide_lets_clicks_on_its_margins_through_to_the_canvas(
    signed_in, daphne_server, board, facilitator, artifacts
):
    ann = open_board(signed_in(facilitator), daphne_server, board)
    page = ann.page
    guide = page.locator("#phase-guide")
    assert guide.is_visible() and page.locator("#phase-guide-body").is_visible()
    margins = guide_margins(page)
    for point in margins.values():
        assert element_at(page, point) == "board-canvas"

    # A double-click between the guide's title and its button adds a sticky
    # there; a click there then selects it.
    gap = margins["head"]
    page.mouse.dblclick(gap["x"], gap["y"])
    page.locator("#sticky-editor").wait_for(state="visible")
    page.keyboard.type("Under The Guide")
    page.keyboard.press("Enter")
    ann.wait_for_text("Under The Guide")
    sticky = ann.sticky_with("Under The Guide")
    centre = ann.centre_of(sticky)
    assert abs(centre["x"] - gap["x"]) < 2 and abs(centre["y"] - gap["y"]) < 2
    page.keyboard.press("Escape")
    page.mouse.click(margins["padding"]["x"], margins["padding"]["y"])
    page.mouse.click(gap["x"], gap["y"])
    assert ann.evaluate("() => [...window.boardApp.scene.selection]") == [sticky["id"]]
    ann.save(artifacts, "board-phase-guide-over-sticky.png")

    # The guide's own words and button still take the pointer: it folds ...
    title = page.locator("#phase-guide [data-guide=title]").bounding_box()
    assert element_at(page, middle(title)) != "board-canvas"
    page.locator("#phase-guide-toggle").click()
    assert page.locator("#phase-guide-body").is_hidden()
    # ... to its title and button, and what is left of its margins passes too.
    folded = guide.bounding_box()
    assert folded["width"] < 400
    for point in guide_margins(page).values():
        assert element_at(page, point) == "board-canvas"
    page.locator("#phase-guide-toggle").click()
    assert page.locator("#phase-guide-body").is_visible()
    assert ann.errors == []


def guide_margins(page):
    """Points on the guide where it has nothing: its padding, and the gap
    between its title and its button."""
    return page.evaluate(
        """() => {
            const box = document.getElementById('phase-guide').getBoundingClientRect();
            const title = document.querySelector('#phase-guide [data-guide=title]')
                .getBoundingClientRect();
            const toggle = document.getElementById('phase-guide-toggle')
                .getBoundingClientRect();
            return {
                padding: {x: box.left + 4, y: box.top + box.height / 2},
                head: {
                    x: (title.right + toggle.left) / 2,
                    y: (title.top + title.bottom) / 2,
                },
            };
        }"""
    )


def element_at(page, point):
    return page.evaluate(
        "(p) => { const el = document.elementFromPoint(p.x, p.y);"
        " return el.id || el.className; }",
        point,
    )


def middle(box):
    return {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}


# -- 7. deleting many stickies ---------------------------------------------------


def test_deleting_more_than_twenty_stickies_asks_first(
    signed_in, daphne_server, board, lead, facilitator, artifacts
):
    for i in range(21):
        create(board, lead, text=f"Many {i}", x=(i % 7) * 200, y=(i // 7) * 200)
    ann = open_board(signed_in(facilitator), daphne_server, board)
    page = ann.page
    dialog = page.locator("#delete-dialog")

    # 21 selected: Delete asks; Cancel (or Escape) keeps them all.
    page.locator("#board-canvas").focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    dialog.wait_for(state="visible")
    assert dialog.evaluate("(d) => d.tagName === 'DIALOG' && d.matches(':modal')")
    assert "Delete 21 stickies?" in dialog.text_content()
    ann.save(artifacts, "board-delete-confirm.png")
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="hidden")
    page.keyboard.press("Delete")
    dialog.wait_for(state="visible")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    page.wait_for_timeout(300)
    assert ann.evaluate("() => window.boardApp.store.stickies.size") == 21

    # The toolbar's Delete asks too; confirming deletes all 21.
    page.locator('#selection-bar [data-action="delete"]').click()
    dialog.get_by_role("button", name="Delete 21 stickies").click()
    ann.wait_for("app.store.stickies.size === 0")

    # Undo brings them back; 20 of them go at once, without a question.
    page.locator("#board-canvas").focus()
    page.keyboard.press("Control+z")
    ann.wait_for("app.store.stickies.size === 21")
    page.keyboard.press("Control+a")
    ann.click_sticky(ann.sticky_with("Many 20"), shift=True)
    assert ann.evaluate("() => window.boardApp.scene.selection.size") == 20
    page.keyboard.press("Delete")
    ann.wait_for("app.store.stickies.size === 1")
    assert dialog.is_hidden()
    assert ann.texts() == ["Many 20"]
    assert ann.errors == []


# -- 8. the favicon ------------------------------------------------------------------


def test_the_pages_declare_a_favicon_that_loads(
    signed_in, daphne_server, board, facilitator
):
    ann = open_board(signed_in(facilitator), daphne_server, board)
    page = ann.page
    icon = page.locator('link[rel="icon"]')
    assert icon.get_attribute("type") == "image/svg+xml"
    href = icon.evaluate("(link) => link.href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in response.body()
    # What the browser draws of it: a picture, not an error.
    size = page.evaluate(
        """(src) => new Promise((done) => {
            const img = new Image();
            img.onload = () => done([img.naturalWidth, img.naturalHeight]);
            img.onerror = () => done(null);
            img.src = src;
        })""",
        href,
    )
    assert size and size[0] > 0 and size[1] > 0

    # /favicon.ico, which browsers ask for on their own, leads to it too.
    direct = page.request.get(f"{daphne_server.url}/favicon.ico", max_redirects=0)
    assert direct.status == 302
    assert direct.headers["location"] == "/static/favicon.svg"
    followed = page.request.get(f"{daphne_server.url}/favicon.ico")
    assert followed.status == 200 and followed.body() == response.body()
    # The sign-in page (no board, no account) declares it as well.
    page.goto(f"{daphne_server.url}/accounts/login/")
    assert page.locator('link[rel="icon"]').evaluate("(link) => link.href") == href
    assert ann.errors == []
