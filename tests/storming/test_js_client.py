"""The browser client's modules (static/js/board/), run under Node.

`node --test tests/js/` runs their own tests (fake socket, fake fetch, fake
clock). The cross-check here feeds a real board's log, made by the real write
path, to store.js and compares what it folds with Python's `storming.state`:
the browser must see exactly the board that the server has.
"""

import json
import random
import subprocess
import uuid
from pathlib import Path

import pytest

from storming import board_log, state
from storming.commands import EVENT_NAMES
from storming.errors import CommandError
from storming.projector import load_snapshot
from storming.vocabulary import Kind, Phase, Role
from tests import needs

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "js" / "store_driver.mjs"


@pytest.fixture(scope="module")
def node():
    return needs.program("node", "testing the browser client")


def test_node_tests_of_the_client_pass(node):
    result = subprocess.run(
        [node, "--test", "--test-timeout=20000", "tests/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "# fail 0" in result.stdout


# -- a random log made by the real write path ----------------------------------

TEXTS = ["", "Order placed", "Zahlung eingegangen", "订单已支付", "naïve 🚀", "a\nb"]


def _text(rng):
    return rng.choice(TEXTS) + rng.choice(["", str(rng.randint(0, 99))])


def _pick(rng, ids):
    # Sometimes an id that is not there: the command is refused.
    return rng.choice(ids) if ids and rng.random() < 0.9 else str(uuid.uuid4())


def _coordinate(rng):
    return rng.choice([rng.uniform(-5000, 5000), float(rng.randint(-50, 50)), 0.1])


def _update(rng, sticky_id):
    data = {"id": sticky_id}
    for name in rng.sample(["text", "description", "fields", "kind", "size"], 2):
        if name == "fields":
            data["fields"] = [f"field{i}: str" for i in range(rng.randint(0, 3))]
        elif name == "kind":
            data["kind"] = rng.choice(Kind.values)
        elif name == "size":
            data["width"] = rng.uniform(20, 900)
        else:
            data[name] = _text(rng)
    if rng.random() < 0.2:
        data["pivotal"] = rng.random() < 0.5
    if rng.random() < 0.1:
        data["code_name"] = rng.choice(["OrderPlaced", "", "not valid"])
    return data


def random_command(rng, snapshot):
    """A (name, data) for the board as it is, valid or not."""
    stickies = [s["id"] for s in snapshot["stickies"]]
    links = [link["id"] for link in snapshot["links"]]
    name = rng.choices(
        [
            "sticky.create",
            "sticky.update",
            "sticky.move",
            "sticky.delete",
            "link.create",
            "link.delete",
            "vote.cast",
            "vote.retract",
            "phase.set",
            "timer.start",
            "timer.stop",
            "board.lock",
            "board.unlock",
            "undo",
            "redo",
            "vote.open",
            "vote.reveal",
            "vote.close",
            "batch",
            "board.restore",
            "lanes.set",
        ],
        weights=[8, 5, 5, 3, 5, 2, 4, 2, 1, 1, 1, 1, 1, 5, 3, 2, 2, 3, 3, 1, 1],
    )[0]
    if name == "vote.open":
        return name, {"votes": rng.randint(1, 3), "kinds": rng.sample(Kind.values, 2)}
    if name == "batch":
        commands = [random_command(rng, snapshot) for _ in range(rng.randint(1, 5))]
        unbatched = ("undo", "redo", "batch", "board.restore")
        commands = [(n, d) for n, d in commands if n not in unbatched] or [
            ("board.lock", None)
        ]
        return name, {"commands": [{"name": n, "data": d} for n, d in commands]}
    if name == "board.restore":
        return name, {"seq": rng.randint(0, 40)}
    if name == "lanes.set":
        lanes = [
            {"name": _text(rng), "y": _coordinate(rng), "height": rng.uniform(-10, 600)}
            for _ in range(rng.randint(0, 3))
        ]
        return name, {"lanes": lanes}
    if name == "sticky.create":
        data = {
            "kind": rng.choice(Kind.values),
            "text": _text(rng),
            "x": _coordinate(rng),
            "y": _coordinate(rng),
        }
        if rng.random() < 0.3:
            data["fields"] = ["order_id: UUID", {"name": "total", "type": "Money"}]
        return name, data
    if name == "sticky.update":
        return name, _update(rng, _pick(rng, stickies))
    if name == "sticky.move":
        data = {"x": _coordinate(rng), "y": _coordinate(rng)}
        return name, {"id": _pick(rng, stickies), **data}
    if name in ("sticky.delete", "vote.cast", "vote.retract"):
        return name, {"id": _pick(rng, stickies)}
    if name == "link.create":
        return name, {"from": _pick(rng, stickies), "to": _pick(rng, stickies)}
    if name == "link.delete":
        return name, {"id": _pick(rng, links)}
    if name == "phase.set":
        return name, {"phase": rng.choice(Phase.values)}
    if name == "timer.start":
        return name, {"seconds": rng.randint(1, 600)}
    return name, None


def _prelude(run, participant):
    """Every event kind at least once, including undo of a delete with links."""
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for sticky_id, kind in zip(ids, ["actor", "command", "event"], strict=True):
        run("sticky.create", {"id": sticky_id, "kind": kind, "x": 0, "y": 0})
    run("link.create", {"from": ids[0], "to": ids[1]})
    run("link.create", {"from": ids[1], "to": ids[2]})
    run("vote.cast", {"id": ids[1]}, member=participant)
    run("vote.cast", {"id": ids[1]})
    run("sticky.delete", {"id": ids[1]})
    run("undo")  # comes back with its links and votes
    run("redo")
    run("undo")
    run("vote.retract", {"id": ids[1]}, member=participant)
    run("sticky.update", {"id": ids[2], "text": "Order placed", "pivotal": True})
    run("sticky.move", {"id": ids[0], "x": 12.5, "y": -3})
    run("phase.set", {"phase": "order"})
    run("timer.start", {"seconds": 60})
    run("timer.stop")
    run("board.lock")
    run("board.unlock")
    run("lanes.set", {"lanes": [{"name": "Orders", "y": -200, "height": 300}]})


@pytest.fixture
def random_log(board, lead, run, member_of):
    """A board with a long random log; returns the welcome it had mid-way."""
    members = [
        lead,
        member_of(Role.PARTICIPANT, "p1"),
        member_of(Role.PARTICIPANT, "p2"),
        member_of(Role.VIEWER, "v1"),
    ]
    _prelude(run, members[1])
    rng = random.Random(20260101)
    refused = 0
    midway = None
    for step in range(400):
        if step == 200:
            midway = board_log.board_state(board)
        snapshot = load_snapshot(board)
        name, data = random_command(rng, snapshot)
        who = rng.choices(members, weights=[3, 3, 3, 1])[0]
        try:
            run(name, data, member=who)
        except CommandError:
            refused += 1
    assert refused > 20, "the log should also have seen refused commands"
    board.refresh_from_db()
    return midway


def _fold_in_node(node, scenarios):
    result = subprocess.run(
        [node, str(DRIVER)],
        input=json.dumps({"scenarios": scenarios}),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def _canonical(value):
    """As it comes back from JSON (floats like 160.0 and ints compare equal)."""
    return json.loads(json.dumps(value))


def test_store_folds_the_log_as_python_does(node, board, random_log):
    events = board_log.events_since(board, 0, limit=10**6)
    names = {event["name"] for event in events}
    assert names == set(EVENT_NAMES), set(EVENT_NAMES) - names
    assert any("undo_of" in event for event in events)
    assert any("redo_of" in event for event in events)
    assert any(
        event["name"] == "sticky.created" and event["data"].get("links")
        for event in events
    )
    assert [event["seq"] for event in events] == list(range(1, board.head_seq + 1))

    expected = state.snapshot(
        state.fold((event["name"], event["data"]) for event in events)
    )
    # The three Python views of the board agree; the store must agree with them.
    assert expected == board_log.state_at(board) == load_snapshot(board)

    midway = random_log
    at = midway["seq"]
    head = board.head_seq
    scenarios = [
        # A fresh client replaying the whole log.
        {"state": None, "seq": 0, "events": events},
        # A welcome mid-way (the projection as it was), then the rest.
        {"state": midway["state"], "seq": at, "events": events[at:]},
        # A welcome made from the log at some seq, then the rest.
        {"state": board_log.state_at(board, 50), "seq": 50, "events": events[50:]},
        # The whole log twice: the second pass is all duplicates.
        {"state": None, "seq": 0, "events": events + events},
        # A welcome of the board as it is now.
        {"state": load_snapshot(board), "seq": head, "events": []},
    ]
    results = _fold_in_node(node, scenarios)

    want = _canonical(expected)
    view = state.MemoryView(state.from_snapshot(expected))
    for number, result in enumerate(results):
        assert result["seq"] == head, f"scenario {number}"
        assert result["snapshot"] == want, f"scenario {number}"
        for sticky in expected["stickies"]:
            sticky_id = sticky["id"]
            assert result["links_of"][sticky_id] == _canonical(view.links_of(sticky_id))
            assert result["votes_of"][sticky_id] == _canonical(view.votes_of(sticky_id))


def test_store_matches_python_at_every_seq(node, board, random_log):
    """Each prefix of the log, folded by both, gives the same board."""
    events = board_log.events_since(board, 0, limit=10**6)
    cuts = sorted({1, 2, 10, 25, len(events) // 3, len(events) // 2, len(events)})
    scenarios = [{"state": None, "seq": 0, "events": events[:cut]} for cut in cuts]
    results = _fold_in_node(node, scenarios)
    for cut, result in zip(cuts, results, strict=True):
        expected = state.snapshot(
            state.fold((e["name"], e["data"]) for e in events[:cut])
        )
        assert result["snapshot"] == _canonical(expected), f"after seq {cut}"
