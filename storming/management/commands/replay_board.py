"""`manage.py replay_board <board>`: rebuild a board's projection from its log.

With `--check`, only compare the projection with the state the log folds to,
and exit non-zero when they differ (nothing is written).
"""

import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Max

from storming import board_log, services
from storming.models import Board
from storming.projector import load_snapshot

# How many differing rows of each kind `--check` names before "and N more".
SHOWN = 5


def find_board(reference) -> Board:
    """The board with this UUID, or else the one board with this exact name."""
    try:
        board = Board.objects.filter(pk=uuid.UUID(reference)).first()
    except ValueError:
        board = None
    if board is not None:
        return board
    boards = list(Board.objects.filter(name=reference).order_by("created_at"))
    if not boards:
        raise CommandError(f"no board with the id or name {reference!r}")
    if len(boards) > 1:
        ids = ", ".join(str(board.pk) for board in boards)
        raise CommandError(
            f"{len(boards)} boards are named {reference!r}; give one of their ids: "
            f"{ids}"
        )
    return boards[0]


def _keyed(rows, key):
    return {key(row): row for row in rows}


def differences(expected, actual):
    """What differs between two board snapshots, as lines for a person."""
    lines = []
    if expected["board"] != actual["board"]:
        lines.append(
            f"board settings: log says {expected['board']}, "
            f"projection has {actual['board']}"
        )
    kinds = (
        ("stickies", lambda row: row["id"]),
        ("links", lambda row: row["id"]),
        ("votes", lambda row: f"{row['sticky']} by {row['member']}"),
    )
    for kind, key in kinds:
        want, have = _keyed(expected[kind], key), _keyed(actual[kind], key)
        problems = [f"missing from the projection: {k}" for k in want.keys() - have]
        problems += [f"not in the log: {k}" for k in have.keys() - want]
        problems += [
            f"differs: {k} ("
            + ", ".join(
                f"{field}: {want[k].get(field)!r} != {have[k].get(field)!r}"
                for field in sorted(want[k].keys() | have[k].keys())
                if want[k].get(field) != have[k].get(field)
            )
            + ")"
            for k in want.keys() & have.keys()
            if want[k] != have[k]
        ]
        problems.sort()
        lines += [f"{kind}: {problem}" for problem in problems[:SHOWN]]
        if len(problems) > SHOWN:
            lines.append(f"{kind}: and {len(problems) - SHOWN} more")
    return lines


def head_problem(board):
    """Why `board.head_seq` is not the seq of its log's last event, if it is not.

    A wrong head makes every later append collide with (or skip) a seq, and
    replaying folds only the events up to the head.
    """
    log = board.events.aggregate(last=Max("seq"), count=Count("pk"))
    last, count = log["last"] or 0, log["count"]
    if board.head_seq != last:
        return f"the board's head_seq is {board.head_seq}, its log ends at seq {last}"
    if count != last:
        return f"the log has {count} events but ends at seq {last}: seqs are missing"
    return None


class Command(BaseCommand):
    help = (
        "Rebuild a board's projection (stickies, links, votes, settings) by "
        "replaying its event log; with --check, only compare the two."
    )

    def add_arguments(self, parser):
        parser.add_argument("board", help="the board's UUID or its exact name")
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare the projection with the replayed log, change nothing, "
            "and exit with status 1 when they differ",
        )

    def handle(self, *args, board, check, **options):
        board = find_board(board)
        if check:
            self.compare(board)
        else:
            self.replay(board)

    def replay(self, board):
        started = time.perf_counter()
        snapshot = services.replay_board(board.pk)
        elapsed = time.perf_counter() - started
        board.refresh_from_db(fields=["head_seq", "phase"])
        self.stdout.write(
            f"Replayed {board.head_seq} events of board {board.name!r} ({board.pk}) "
            f"in {elapsed:.2f} s: {_counts(snapshot)}; phase {board.phase}."
        )

    def compare(self, board):
        started = time.perf_counter()
        with transaction.atomic():
            # The row lock keeps writers out, so both reads see the same seq.
            board = Board.objects.select_for_update().get(pk=board.pk)
            replayed = board_log.state_at(board, board.head_seq)
            projected = load_snapshot(board)
            problem = head_problem(board)
        elapsed = time.perf_counter() - started
        found = differences(replayed, projected)
        if problem:
            found.insert(0, f"log head: {problem}")
        if found:
            details = "\n".join(f"  {line}" for line in found)
            raise CommandError(
                f"the projection of board {board.name!r} ({board.pk}) differs from "
                f"its log of {board.head_seq} events:\n{details}\n"
                f"Run `manage.py replay_board {board.pk}` to rebuild it."
            )
        self.stdout.write(
            f"Board {board.name!r} ({board.pk}): the projection matches its log of "
            f"{board.head_seq} events ({_counts(replayed)}), checked in "
            f"{elapsed:.2f} s."
        )


def _counts(snapshot):
    return ", ".join(
        f"{len(snapshot[kind])} {kind}" for kind in ("stickies", "links", "votes")
    )
