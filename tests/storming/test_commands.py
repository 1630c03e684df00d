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
        decided = decide(ctx, name, data)
        self.record(decided, actor)
        return decided

    def record(self, decided, actor=ME):
        """Log a change, or a group of changes (which deciding a group has
        already taken into the state, as the write path's view does)."""
        changes = decided if isinstance(decided, list) else [decided]
        first = len(self.log) + 1
        group = first if len(changes) > 1 else None
        for offset, change in enumerate(changes):
            self.log.append(
                (
                    actor,
                    LoggedEvent(
                        first + offset,
                        change.name,
                        change.data,
                        change.before,
                        change.undo_of,
                        change.redo_of,
                        group,
                    ),
                )
            )
            if not isinstance(decided, list):
                state.apply(self.state, change.name, change.data)

    def many(self, commands, actor=ME):
        """A batch: each command decided against what the ones before did."""
        view = state.MemoryView(self.state, self.log)
        changes = []
        for name, data in commands:
            change = decide(Context(view, actor, NOW, self.state["board"]), name, data)
            view.applied(change)
            changes.append(change)
        self.record(changes, actor)
        return changes


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


# -- groups: a batch is one undo step -----------------------------------------


def grouped(seq, group, undo_of=None, redo_of=None):
    return LoggedEvent(seq, "sticky.moved", {}, {}, undo_of, redo_of, group)


def test_stacks_count_a_group_as_one_step():
    history = [logged(1), grouped(2, 2), grouped(3, 2), grouped(4, 2)]
    assert stacks(history) == ([1, 2], [])
    history += [grouped(5, 5, undo_of=2), grouped(6, 5, undo_of=2)]
    assert stacks(history) == ([1], [5])
    history += [grouped(7, 7, redo_of=5), grouped(8, 7, redo_of=5)]
    assert stacks(history) == ([1, 7], [])


def three_stickies(board):
    ids = []
    for x in (0, 200, 400):
        ids.append(
            board.run("sticky.create", {"kind": "event", "x": x, "y": 0}).data["id"]
        )
    return ids


def test_undo_takes_back_a_whole_batch_and_redo_brings_it_back():
    board = Board()
    ids = three_stickies(board)
    board.many([("sticky.move", {"id": i, "x": 1000, "y": 50}) for i in ids])
    assert {board.state["stickies"][i]["x"] for i in ids} == {1000}

    undone = board.run("undo")

    assert [c.name for c in undone] == ["sticky.moved"] * 3
    assert {c.undo_of for c in undone} == {4}  # the batch's first seq
    assert [board.state["stickies"][i]["x"] for i in ids] == [0, 200, 400]
    board.run("redo")
    assert {board.state["stickies"][i]["x"] for i in ids} == {1000}


def test_a_group_undo_refused_by_one_conflict_changes_nothing():
    board = Board()
    ids = three_stickies(board)
    board.many([("sticky.move", {"id": i, "x": 1000, "y": 50}) for i in ids])
    board.run("sticky.move", {"id": ids[1], "x": 7, "y": 7}, actor=YOU)
    before = state.snapshot(board.state)

    with pytest.raises(CommandError) as refused:
        board.run("undo")

    assert refused.value.code == "conflict"
    # Deciding is all or nothing too: the write path appends only what the
    # whole group decided, and this view is thrown away with the refusal.
    assert len(board.log) == 7
    assert state.snapshot(board.state)["board"] == before["board"]


def test_restore_brings_back_the_content_of_an_earlier_state():
    from storming.commands import restore

    board = Board()
    ids = three_stickies(board)
    board.run("link.create", {"from": ids[0], "to": ids[1]})
    board.run("vote.cast", {"id": ids[2]})
    then = state.from_snapshot(state.snapshot(board.state))
    board.run("sticky.delete", {"id": ids[0]})
    board.run("sticky.update", {"id": ids[1], "text": "Renamed"})
    board.run("sticky.move", {"id": ids[2], "x": 999, "y": 9})
    board.run("vote.retract", {"id": ids[2]})
    extra = board.run("sticky.create", {"kind": "actor", "x": 5, "y": 5}).data["id"]

    view = state.MemoryView(board.state, board.log)
    changes = restore(Context(view, ME, NOW, board.state["board"]), then)

    names = [c.name for c in changes]
    assert names.count("sticky.created") == 1 and names.count("sticky.deleted") == 1
    assert {"sticky.updated", "sticky.moved", "link.created", "vote.cast"} <= set(names)
    now = state.snapshot(board.state)
    assert extra not in {s["id"] for s in now["stickies"]}
    content = ("id", "kind", "text", "x", "y", "width", "height", "fields")
    assert {s["id"]: {k: s[k] for k in content} for s in now["stickies"]} == {
        i: {k: then["stickies"][i][k] for k in content} for i in ids
    }
    assert [(link["from"], link["to"]) for link in now["links"]] == [(ids[0], ids[1])]
    assert [v["sticky"] for v in now["votes"]] == [ids[2]]


def test_restoring_the_state_the_board_is_in_changes_nothing():
    from storming.commands import restore

    board = Board()
    three_stickies(board)
    same = state.from_snapshot(state.snapshot(board.state))
    view = state.MemoryView(board.state, board.log)
    assert restore(Context(view, ME, NOW, board.state["board"]), same) == []
