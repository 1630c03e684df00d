"""The sample workshop board renders: every kind, frames, links, votes."""

import pytest

from storming.sample import load_sample

from .board_page import BoardPage

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sample_board_shows_all_its_stickies_and_links(
    signed_in, daphne_server, facilitator, artifacts
):
    board, _ = load_sample(facilitator)
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    ann.wait_for("app.store.stickies.size > 0")
    counts = ann.evaluate(
        """() => ({
            stickies: window.boardApp.store.stickies.size,
            links: window.boardApp.store.links.size,
            kinds: [...new Set([...window.boardApp.store.stickies.values()]
                .map((s) => s.kind))].sort(),
        })"""
    )
    assert counts["stickies"] == board.stickies.count()
    assert counts["links"] == board.links.count()
    ann.commands("fit")
    ann.page.wait_for_timeout(300)
    ann.save(artifacts, "board-sample-fit.png")
    # Closer: the middle of the board at 60%, text readable.
    ann.evaluate("() => window.boardApp.viewport.setZoom(0.6)")
    ann.page.wait_for_timeout(300)
    ann.save(artifacts, "board-sample-60.png")
    assert ann.errors == []
