"""Deciding commands without a database: pure functions over a MemoryView."""

from datetime import UTC, datetime

import pytest

from storming import state
from storming.commands import Context, LoggedEvent, decide, stacks
from storming.errors import CommandError

ME, YOU = "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Board:
    """A board in memory: decide, then apply, as the write path does."""

    def __init__(self):
        self.state = state.empty()
        self.log = []

    def run(self, name, data=None, actor=ME):
        ctx = Context(
            state.MemoryView(self.state, self.log), actor, NOW, self.state["board"]
        )
        change = decide(ctx, name, data)
        seq = len(self.log) + 1
        self.log.append(
            (
                actor,
                LoggedEvent(
                    seq,
                    change.name,
                    change.data,
                    change.before,
                    change.undo_of,
                    change.redo_of,
                ),
            )
        )
        state.apply(self.state, change.name, change.data)
        return change


def logged(seq, undo_of=None, redo_of=None):
    return LoggedEvent(seq, "sticky.moved", {}, {}, undo_of, redo_of)


def test_stacks_follow_undo_and_redo_like_an_editor():
    history = [logged(1), logged(2), logged(3, undo_of=2), logged(4, undo_of=1)]
    assert stacks(history) == ([], [3, 4])
    history.append(logged(5, redo_of=4))
    assert stacks(history) == ([5], [3])
    history.append(logged(6))
    assert stacks(history) == ([5, 6], [])


def test_created_sticky_gets_defaults_for_its_kind():
    board = Board()
    sticky = board.run("sticky.create", {"kind": "actor", "x": 1, "y": 2}).data
    assert (sticky["width"], sticky["height"], sticky["text"]) == (160.0, 80.0, "")
    assert sticky["author"] == ME
    assert sticky["created_at"] == "2026-11-30T09:00:00.000000Z"


def test_a_chinese_sticky_is_kept_as_written():
    board = Board()
    sticky = board.run(
        "sticky.create", {"kind": "event", "text": "订单已提交", "x": 0, "y": 0}
    )
    assert board.state["stickies"][sticky.data["id"]]["text"] == "订单已提交"


def test_delete_then_undo_then_redo_round_trips_the_state():
    board = Board()
    a = board.run("sticky.create", {"kind": "event", "x": 0, "y": 0}).data
    b = board.run("sticky.create", {"kind": "policy", "x": 0, "y": 0}).data
    board.run("link.create", {"from": a["id"], "to": b["id"]})
    board.run("vote.cast", {"id": a["id"]}, actor=YOU)
    with_everything = state.snapshot(board.state)
    board.run("sticky.delete", {"id": a["id"]})
    without = state.snapshot(board.state)
    assert without["links"] == [] and without["votes"] == []
    board.run("undo")
    restored = state.snapshot(board.state)
    assert restored["links"] == with_everything["links"]
    assert restored["votes"] == with_everything["votes"]
    board.run("redo")
    assert state.snapshot(board.state)["stickies"] == without["stickies"]


def test_undo_of_someone_elses_vote_is_not_mine_to_undo():
    board = Board()
    a = board.run("sticky.create", {"kind": "hotspot", "x": 0, "y": 0}, actor=YOU).data
    board.run("vote.cast", {"id": a["id"]}, actor=YOU)
    with pytest.raises(CommandError) as caught:
        board.run("undo", actor=ME)
    assert caught.value.code == "not_found"


def test_fields_accept_both_spellings_and_trim():
    board = Board()
    sticky = board.run(
        "sticky.create",
        {
            "kind": "command",
            "x": 0,
            "y": 0,
            "fields": [" order_id : uuid ", {"name": "note"}, "total:decimal?"],
        },
    ).data
    assert sticky["fields"] == [
        {"name": "order_id", "type": "uuid"},
        {"name": "note", "type": ""},
        {"name": "total", "type": "decimal?"},
    ]


def test_timer_ends_at_is_fixed_in_the_event():
    board = Board()
    event = board.run("timer.start", {"seconds": 90})
    assert event.data == {"seconds": 90, "ends_at": "2026-11-30T09:01:30.000000Z"}
    assert board.state["board"]["timer"]["ends_at"] == event.data["ends_at"]


def test_unknown_event_names_are_refused_by_the_fold():
    with pytest.raises(ValueError):
        state.apply(state.empty(), "sticky.painted", {})
