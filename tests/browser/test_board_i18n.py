"""The board page in the reader's language: Chinese for a browser that asks
for it (Accept-Language zh-hans), English otherwise.

The page's own words come from the templates (the django catalog), the
vocabulary's labels from the server (storming/vocabulary.py for_page), the
scripts' words from the JavaScript catalog (djangojs, static/js/board/i18n.js).
"""

import pytest

from storming import services

from .board_page import BoardPage

pytestmark = pytest.mark.django_db(transaction=True)

CHINESE = "客户已提交订单并完成支付，仓库已收到发货通知"  # noqa: RUF001


def open_board(context, server, board, language=None):
    if language:
        context.set_extra_http_headers({"Accept-Language": language})
    return BoardPage(context.new_page(), server, board).open()


def create(board, member, **data):
    """A sticky made through the write path, as another person would."""
    return services.execute(
        board.pk, member, "sticky.create", {"kind": "event", **data}
    )


def palette_label(page, kind):
    return page.locator(f'#palette [data-kind="{kind}"] .palette__label').inner_text()


def open_help(page):
    page.locator("#help-open").click()
    dialog = page.locator("#help-dialog")
    dialog.wait_for(state="visible")
    return dialog


def confirm_deleting_all(page):
    """Select everything and press Delete: more than 20 stickies ask first."""
    page.locator("#board-canvas").focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    dialog = page.locator("#delete-dialog")
    dialog.wait_for(state="visible")
    return dialog


def test_the_board_speaks_chinese_to_a_browser_asking_for_it(
    signed_in, daphne_server, board, lead, facilitator
):
    for i in range(21):
        create(board, lead, text=f"事件 {i}", x=(i % 7) * 200, y=(i // 7) * 200)
    ann = open_board(signed_in(facilitator), daphne_server, board, "zh-hans")
    page = ann.page

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    # The palette: the vocabulary's labels, from the server.
    assert palette_label(page, "event") == "领域事件"
    assert palette_label(page, "context") == "限界上下文"
    # The scripts' vocabulary, rendered into the page, in the same language.
    vocabulary = page.evaluate(
        "() => JSON.parse(document.getElementById('board-vocabulary').textContent)"
    )
    assert vocabulary["kinds"][0] == {
        "kind": "event",
        "label": "领域事件",
        "width": 160,
        "height": 160,
        "frame": False,
    }
    # The phase guide: the phase's name (server) and what to do (script).
    guide = page.locator("#phase-guide")
    assert guide.locator("[data-guide=title]").inner_text().startswith("发现")
    assert "过去时" in guide.locator("[data-guide=doing]").inner_text()
    assert guide.locator("#phase-guide-toggle").inner_text() == "隐藏"
    # The connection indicator, a script's status text.
    assert page.locator("#connection").inner_text() == "实时"
    # A dialog of the template: the shortcuts, key caps as on the keyboard.
    help_dialog = open_help(page)
    assert "快捷键" in help_dialog.locator("#help-title").inner_text()
    assert "Enter" in help_dialog.locator(".shortcuts").inner_text()
    page.keyboard.press("Escape")
    help_dialog.wait_for(state="hidden")
    # A dialog the script builds: asking before deleting 21 stickies.
    dialog = confirm_deleting_all(page)
    assert dialog.locator("h2").inner_text() == "删除 21 张便利贴？"  # noqa: RUF001
    assert dialog.get_by_role("button", name="取消").is_visible()
    page.keyboard.press("Escape")
    assert ann.errors == []


def test_a_sticky_in_chinese_draws_and_wraps_between_characters(
    signed_in, daphne_server, board, lead, facilitator
):
    create(board, lead, text=CHINESE, x=0, y=0)
    ann = open_board(signed_in(facilitator), daphne_server, board, "zh-hans")
    sticky = ann.sticky_with(CHINESE)
    layout = ann.evaluate(
        """async ([text, width, height]) => {
            const { layout } = await import('/static/js/board/textlayout.js');
            return layout(text, width, height);
        }""",
        [CHINESE, sticky["width"] - 20, sticky["height"] - 30],
    )
    # No spaces to break at, yet several lines, every character kept.
    assert len(layout["lines"]) > 1
    assert "".join(layout["lines"]) == CHINESE
    # The canvas draws the text: dark ink inside the sticky.
    ink = ann.evaluate(
        """(s) => {
            const app = window.boardApp;
            app.viewport.centreOn(s.x + s.width / 2, s.y + s.height / 2);
            app.renderer.draw();
            const dpr = app.renderer.dpr;
            const a = app.viewport.toScreen(s.x, s.y);
            const b = app.viewport.toScreen(s.x + s.width, s.y + s.height);
            const ctx = document.getElementById('board-canvas').getContext('2d');
            const box = ctx.getImageData(
                a.x * dpr, a.y * dpr, (b.x - a.x) * dpr, (b.y - a.y) * dpr).data;
            let dark = 0;
            for (let i = 0; i < box.length; i += 4) {
                if (box[i] + box[i + 1] + box[i + 2] < 200) dark += 1;
            }
            return dark;
        }""",
        sticky,
    )
    assert ink > 50
    assert ann.errors == []


def test_the_board_speaks_english_without_being_asked_otherwise(
    signed_in, daphne_server, board, lead, facilitator
):
    for i in range(21):
        create(board, lead, text=f"Event {i}", x=(i % 7) * 200, y=(i // 7) * 200)
    ann = open_board(signed_in(facilitator), daphne_server, board)
    page = ann.page

    assert palette_label(page, "event") == "Domain event"
    guide = page.locator("#phase-guide")
    assert guide.locator("[data-guide=title]").inner_text() == "Find events"
    assert "past tense" in guide.locator("[data-guide=doing]").inner_text()
    assert page.locator("#connection").inner_text() == "Live"
    help_dialog = open_help(page)
    assert help_dialog.locator("#help-title").inner_text() == "Shortcuts and legend"
    page.keyboard.press("Escape")
    help_dialog.wait_for(state="hidden")
    dialog = confirm_deleting_all(page)
    assert dialog.locator("h2").inner_text() == "Delete 21 stickies?"
    page.keyboard.press("Escape")
    assert ann.errors == []
