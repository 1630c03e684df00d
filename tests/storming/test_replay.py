"""The projection is always the fold of the log, at every seq.

Hypothesis drives long random sequences of commands (valid and refused, by
several members, with undo and redo, batches, restores, swimlanes and dot
votes) through the write path, then checks that
the live tables equal the replayed log, that the board at any earlier seq can
be recomputed, and that `replay_board` rebuilds the same tables.
"""

import uuid

from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from storming import board_log, services
from storming.errors import CommandError
from storming.models import Board, Member
from storming.projector import load_snapshot
from storming.vocabulary import Kind, Phase, Role

coordinate = st.floats(-5000, 5000, allow_nan=False)
pick = st.integers(0, 50)
op = st.one_of(
    st.tuples(
        st.just("sticky.create"), st.sampled_from(Kind.values), coordinate, coordinate
    ),
    st.tuples(st.just("sticky.update"), pick, st.text(max_size=20)),
    st.tuples(st.just("sticky.resize"), pick, st.floats(20, 900)),
    st.tuples(st.just("sticky.kind"), pick, st.sampled_from(Kind.values)),
    st.tuples(st.just("sticky.pivot"), pick, st.booleans()),
    st.tuples(st.just("sticky.move"), pick, coordinate, coordinate),
    st.tuples(st.just("sticky.delete"), pick),
    st.tuples(st.just("link.create"), pick, pick),
    st.tuples(st.just("link.delete"), pick),
    st.tuples(st.just("vote.cast"), pick),
    st.tuples(st.just("vote.retract"), pick),
    st.tuples(st.just("phase.set"), st.sampled_from(Phase.values)),
    st.tuples(st.just("board.lock")),
    st.tuples(st.just("board.unlock")),
    st.tuples(st.just("timer.start"), st.integers(1, 600)),
    st.tuples(st.just("timer.stop")),
    st.tuples(st.just("lanes.set"), st.integers(0, 3)),
    st.tuples(
        st.just("vote.open"), st.integers(1, 3), st.sampled_from(["event", "hotspot"])
    ),
    st.tuples(st.just("vote.reveal")),
    st.tuples(st.just("vote.close")),
    st.tuples(
        st.just("batch"),
        st.lists(st.tuples(pick, coordinate, coordinate), min_size=1, max_size=5),
        st.booleans(),
    ),
    st.tuples(st.just("board.restore"), pick),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
    st.tuples(st.just("missing"), st.sampled_from(["sticky.update", "link.delete"])),
)
steps = st.lists(st.tuples(st.integers(0, 2), op), min_size=20, max_size=80)


def _choose(ids, index):
    return ids[index % len(ids)] if ids else str(uuid.uuid4())


def to_command(step, stickies, links, head=0):
    """Turn a generated step into (name, data), given what the board holds
    and its head seq."""
    name, *args = step
    if name == "sticky.create":
        kind, x, y = args
        return name, {"kind": kind, "text": f"{kind} note", "x": x, "y": y}
    if name == "sticky.update":
        return name, {"id": _choose(stickies, args[0]), "text": args[1]}
    if name == "sticky.resize":
        return "sticky.update", {"id": _choose(stickies, args[0]), "width": args[1]}
    if name == "sticky.kind":
        return "sticky.update", {"id": _choose(stickies, args[0]), "kind": args[1]}
    if name == "sticky.pivot":
        return "sticky.update", {"id": _choose(stickies, args[0]), "pivotal": args[1]}
    if name == "sticky.move":
        return name, {"id": _choose(stickies, args[0]), "x": args[1], "y": args[2]}
    if name in ("sticky.delete", "vote.cast", "vote.retract"):
        return name, {"id": _choose(stickies, args[0])}
    if name == "link.create":
        return name, {
            "from": _choose(stickies, args[0]),
            "to": _choose(stickies, args[1]),
        }
    if name == "link.delete":
        return name, {"id": _choose(links, args[0])}
    if name == "phase.set":
        return name, {"phase": args[0]}
    if name == "timer.start":
        return name, {"seconds": args[0]}
    if name == "lanes.set":
        lanes = [
            {"name": f"Lane {i}", "y": 300.0 * i, "height": 250.0}
            for i in range(args[0])
        ]
        return name, {"lanes": lanes}
    if name == "vote.open":
        return name, {"votes": args[0], "kinds": [args[1]]}
    if name == "batch":
        moves, with_creation = args
        commands = [
            {
                "name": "sticky.move",
                "data": {"id": _choose(stickies, i), "x": x, "y": y},
            }
            for i, x, y in moves
        ]
        if with_creation:
            note = {"kind": "event", "text": "batched", "x": 0.0, "y": 0.0}
            commands.append({"name": "sticky.create", "data": note})
        return name, {"commands": commands}
    if name == "board.restore":
        return name, {"seq": args[0] % (head + 1)}
    if name == "missing":
        return args[0], {"id": str(uuid.uuid4()), "text": "gone"}
    return name, None


class ReplayTests(TestCase):
    def setUp(self):
        user = get_user_model().objects.create_user("lead")
        self.board = services.create_board(user, "Replay")
        self.members = [self.board.members.get()] + [
            Member.objects.create(
                board=self.board, display_name=f"p{i}", role=Role.PARTICIPANT
            )
            for i in (1, 2)
        ]

    def current(self):
        return load_snapshot(Board.objects.get(pk=self.board.pk))

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(steps)
    def test_projection_equals_the_replayed_log_at_every_seq(self, sequence):
        # Each example runs in its own rolled-back transaction.
        seen = {0: self.current()}
        for who, step in sequence:
            snapshot = self.current()
            name, data = to_command(
                step,
                [s["id"] for s in snapshot["stickies"]],
                [link["id"] for link in snapshot["links"]],
                max(seen),
            )
            try:
                applied = services.execute(self.board.pk, self.members[who], name, data)
            except CommandError:
                # A refusal leaves the board exactly as it was.
                assert self.current() == snapshot
                continue
            # `--hypothesis-show-statistics` tells which commands were applied.
            event(f"applied {name}")
            seen[applied.seq] = self.current()
        board = Board.objects.get(pk=self.board.pk)
        assert list(board.events.values_list("seq", flat=True)) == list(
            range(1, board.head_seq + 1)
        )
        for seq, expected in seen.items():
            assert board_log.state_at(board, seq) == expected, f"at seq {seq}"
        live = self.current()
        services.replay_board(board.pk)
        assert self.current() == live
