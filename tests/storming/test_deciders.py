"""Every board command as a table: what it decides on a board in memory, and
what it refuses and why. Pure: the deciders of `storming.commands` over a
`MemoryView`, no database, no server (the write path's own tests add the
locking, the log and the broadcast)."""

import pytest

from storming.commands import COMMAND_NAMES, GROUP_COMMANDS
from storming.errors import CommandError

from .test_commands import ME, YOU, Board

EVENT = "11111111-1111-4111-8111-111111111111"
POLICY = "22222222-2222-4222-8222-222222222222"
MISSING = "33333333-3333-4333-8333-333333333333"


def board():
    """An event sticky and a policy sticky, not linked; my vote on the event."""
    b = Board()
    b.run(
        "sticky.create", {"id": EVENT, "kind": "event", "text": "Paid", "x": 0, "y": 0}
    )
    b.run("sticky.create", {"id": POLICY, "kind": "policy", "x": 300, "y": 0})
    b.run("vote.cast", {"id": EVENT})
    return b


def linked():
    b = board()
    link = b.run("link.create", {"from": EVENT, "to": POLICY}).data
    b.link_id = link["id"]
    return b


def voting():
    b = board()
    b.run("vote.open", {"votes": 2, "kinds": ["event"]})
    return b


def revealed():
    b = voting()
    b.run("vote.reveal")
    return b


def timed():
    b = board()
    b.run("timer.start", {"seconds": 60})
    return b


def locked():
    b = board()
    b.run("board.lock")
    return b


def moved():
    b = board()
    b.run("sticky.move", {"id": EVENT, "x": 5, "y": 5})
    return b


def undone():
    b = moved()
    b.run("undo")
    return b


# (setup, command, data or a function of the board, event it decides, data
# the event carries, at least)
ACCEPTED = [
    (
        board,
        "sticky.create",
        {"kind": "command", "x": 1, "y": 2},
        "sticky.created",
        {"kind": "command", "x": 1.0, "y": 2.0, "author": ME},
    ),
    (
        board,
        "sticky.update",
        {"id": EVENT, "text": "Order paid"},
        "sticky.updated",
        {"id": EVENT, "text": "Order paid"},
    ),
    (
        board,
        "sticky.move",
        {"id": EVENT, "x": 10, "y": -4},
        "sticky.moved",
        {"id": EVENT, "x": 10.0, "y": -4.0},
    ),
    (board, "sticky.delete", {"id": EVENT}, "sticky.deleted", {"id": EVENT}),
    (
        board,
        "link.create",
        {"from": EVENT, "to": POLICY},
        "link.created",
        {"from": EVENT, "to": POLICY},
    ),
    (linked, "link.delete", lambda b: {"id": b.link_id}, "link.deleted", {}),
    (board, "phase.set", {"phase": "order"}, "phase.changed", {"phase": "order"}),
    (board, "vote.cast", {"id": POLICY}, "vote.cast", {"sticky": POLICY, "member": ME}),
    (
        board,
        "vote.retract",
        {"id": EVENT},
        "vote.retracted",
        {"sticky": EVENT, "member": ME},
    ),
    (
        board,
        "vote.open",
        {"votes": 3, "kinds": ["hotspot"]},
        "voting.opened",
        {"votes": 3, "kinds": ["hotspot"]},
    ),
    (voting, "vote.reveal", None, "voting.revealed", {}),
    (voting, "vote.close", None, "voting.closed", {}),
    (
        board,
        "lanes.set",
        {"lanes": [{"name": "Web", "y": 0, "height": 200}]},
        "lanes.changed",
        {},
    ),
    (board, "timer.start", {"seconds": 300}, "timer.started", {"seconds": 300}),
    (timed, "timer.stop", None, "timer.stopped", {}),
    (board, "board.lock", None, "board.locked", {}),
    (locked, "board.unlock", None, "board.unlocked", {}),
    (moved, "undo", None, "sticky.moved", {"id": EVENT, "x": 0.0, "y": 0.0}),
    (undone, "redo", None, "sticky.moved", {"id": EVENT, "x": 5.0, "y": 5.0}),
]

# (setup, actor, command, data, refusal code, words of its message)
REFUSED = [
    (board, ME, "sticky.create", {"kind": "pizza", "x": 0, "y": 0}, "invalid", "kind"),
    (
        board,
        ME,
        "sticky.create",
        {"kind": "event", "x": "left", "y": 0},
        "invalid",
        "x",
    ),
    (
        board,
        ME,
        "sticky.create",
        {"id": EVENT, "kind": "event", "x": 0, "y": 0},
        "conflict",
        "already exists",
    ),
    (board, ME, "sticky.update", {"id": MISSING, "text": "x"}, "not_found", "sticky"),
    (board, ME, "sticky.update", {"id": EVENT, "colour": "red"}, "invalid", "colour"),
    (
        board,
        ME,
        "sticky.move",
        {"id": EVENT, "x": float("nan"), "y": 0},
        "invalid",
        "x",
    ),
    (board, ME, "sticky.delete", {"id": MISSING}, "not_found", "sticky"),
    (board, ME, "link.create", {"from": EVENT, "to": EVENT}, "invalid", "itself"),
    (linked, ME, "link.create", {"from": EVENT, "to": POLICY}, "conflict", "linked"),
    (board, ME, "link.delete", {"id": MISSING}, "not_found", "link"),
    (board, ME, "phase.set", {"phase": "dance"}, "invalid", "phase"),
    (board, ME, "vote.cast", {"id": EVENT}, "conflict", "already"),
    (board, YOU, "vote.retract", {"id": EVENT}, "not_found", "vote"),
    (voting, ME, "vote.cast", {"id": POLICY}, "invalid", "event"),
    (board, ME, "vote.reveal", None, "not_found", "no vote is open"),
    (revealed, ME, "vote.reveal", None, "conflict", "shown already"),
    (board, ME, "vote.open", {"votes": 0, "kinds": ["hotspot"]}, "invalid", "votes"),
    (board, ME, "lanes.set", {"lanes": "all"}, "invalid", "lanes"),
    (board, ME, "timer.start", {"seconds": -5}, "invalid", "seconds"),
    (Board, ME, "undo", None, "not_found", "nothing to undo"),
    (board, ME, "redo", None, "not_found", "nothing to redo"),
    (board, ME, "board.explode", None, "invalid", "unknown command"),
]


def _ids(rows, at):
    return [f"{row[at]}-{n}" for n, row in enumerate(rows)]


@pytest.mark.parametrize(
    ("setup", "name", "data", "event", "carries"), ACCEPTED, ids=_ids(ACCEPTED, 1)
)
def test_a_command_decides_its_event(setup, name, data, event, carries):
    b = setup()
    decided = b.run(name, data(b) if callable(data) else data)
    changes = decided if isinstance(decided, list) else [decided]
    assert changes[0].name == event
    assert {key: changes[0].data.get(key) for key in carries} == carries


@pytest.mark.parametrize(
    ("setup", "actor", "name", "data", "code", "words"), REFUSED, ids=_ids(REFUSED, 2)
)
def test_a_command_is_refused_with_a_code_and_a_reason(
    setup, actor, name, data, code, words
):
    b = setup()
    before = repr(b.state)
    with pytest.raises(CommandError) as caught:
        b.run(name, data, actor=actor)
    assert caught.value.code == code
    assert words in caught.value.message
    assert repr(b.state) == before, "a refused command changes nothing"


def test_the_tables_cover_every_command_one_decider_decides():
    deciders = set(COMMAND_NAMES) - set(GROUP_COMMANDS)
    assert {row[1] for row in ACCEPTED} == deciders
    assert {row[2] for row in REFUSED} - {"board.explode"} <= deciders
