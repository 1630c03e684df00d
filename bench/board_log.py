"""Benchmark of the board's log: the write path, loading a board, replaying it.

    python bench/board_log.py [--quick] [--strict]

Measures, on its own database:

(a) commands/s through `services.execute`, one client, mixed
    sticky.create / sticky.update / sticky.move;
(b) `board_log.board_state` of a board with 2,000 stickies (plus links and
    votes): median of 20 runs, and its number of SQL queries, which must be
    the same for 200 and for 2,000 stickies (target: under 150 ms);
(c) replaying a board of 100,000 events with `services.replay_board` and
    folding it with `board_log.state_at` (target: over 20,000 events/s).

The boards of (b) and (c) are seeded fast: their events are decided by
`storming.commands` over a `storming.state.MemoryView` (so they are valid),
bulk-inserted, and projected by one replay.

Database: a fresh SQLite file in a temporary directory by default; with
DATABASE_URL set, that database (it is migrated; the benchmark deletes only
the user and boards it made). `--strict` exits 1 when a target is missed.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOAD_TARGET_MS = 150.0
REPLAY_TARGET = 20_000  # events/s

KINDS = ("event", "command", "actor", "policy", "read_model", "hotspot")
WORDS = (
    *("order", "placed", "payment", "received", "item", "shipped", "invoice"),
    *("sent", "customer", "registered", "cart", "checked", "out", "refund"),
    *("issued", "stock", "reserved"),
)


def setup_django():
    """Point Django at the benchmark's database, then set it up and migrate."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "whiteboard.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    tmpdir = None
    if not os.environ.get("DATABASE_URL"):
        tmpdir = tempfile.mkdtemp(prefix="board-log-bench-")
        os.environ["SQLITE_PATH"] = os.path.join(tmpdir, "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return tmpdir


# -- seeding boards fast, through the deciders ---------------------------------


class Seeder:
    """Decides events over a MemoryView and collects them as BoardEvent rows."""

    def __init__(self, board, actors, rng, start):
        from storming import state

        self.board = board
        self.actors = actors
        self.rng = rng
        self.now = start
        self.seq = board.head_seq
        self.state = state.empty()
        self.view = state.MemoryView(self.state)
        self.live = []  # sticky ids, for picking at random
        self.rows = []
        self.counts = {}

    def emit(self, name, data, actor=None):
        from storming import state
        from storming.commands import Context, decide
        from storming.models import BoardEvent

        actor = actor or self.rng.choice(self.actors)
        self.now += timedelta(milliseconds=self.rng.randint(20, 3000))
        change = decide(
            Context(self.view, actor, self.now, self.state["board"]), name, data
        )
        state.apply(self.state, change.name, change.data)
        self.seq += 1
        self.rows.append(
            BoardEvent(
                board=self.board,
                seq=self.seq,
                name=change.name,
                data=change.data,
                before=change.before,
                actor=actor,
                command_id=uuid.uuid4().hex,
                created_at=self.now,
            )
        )
        self.counts[change.name] = self.counts.get(change.name, 0) + 1
        if change.name == "sticky.created":
            self.live.append(change.data["id"])
        elif change.name == "sticky.deleted":
            index = self.live.index(change.data["id"])
            self.live[index] = self.live[-1]
            self.live.pop()
        if len(self.rows) >= 5000:
            self.flush()
        return change

    def flush(self):
        from storming.models import BoardEvent

        BoardEvent.objects.bulk_create(self.rows, batch_size=1000)
        self.rows = []

    def finish(self):
        """Write the rest, set the head, and project the board by one replay."""
        from storming import services

        self.flush()
        self.board.head_seq = self.seq
        self.board.save(update_fields=["head_seq"])
        services.replay_board(self.board.pk)

    # one random command of each sort

    def create(self):
        rng = self.rng
        self.emit(
            "sticky.create",
            {
                "kind": rng.choice(KINDS),
                "text": " ".join(rng.sample(WORDS, 2)),
                "x": rng.uniform(0, 20000),
                "y": rng.uniform(0, 4000),
            },
        )

    def update(self):
        rng = self.rng
        data = {"id": rng.choice(self.live), "text": " ".join(rng.sample(WORDS, 3))}
        if rng.random() < 0.2:
            data["description"] = "Why: " + " ".join(rng.sample(WORDS, 6))
        if rng.random() < 0.1:
            data["fields"] = ["order_id: uuid", "amount: decimal"]
        self.emit("sticky.update", data)

    def move(self):
        rng = self.rng
        self.emit(
            "sticky.move",
            {
                "id": rng.choice(self.live),
                "x": rng.uniform(0, 20000),
                "y": rng.uniform(0, 4000),
            },
        )

    def delete(self):
        self.emit("sticky.delete", {"id": self.rng.choice(self.live)})

    def link(self, recent=50):
        """Link a sticky to one of the `recent` stickies made before it."""
        if len(self.live) < 2:
            return self.move()
        rng = self.rng
        index = rng.randrange(1, len(self.live))
        source = self.live[index]
        target = self.live[rng.randrange(max(0, index - recent), index)]
        if self.view.link_between(source, target) is not None:
            return self.move()
        self.emit("link.create", {"from": source, "to": target})

    def vote(self):
        sticky, actor = self.rng.choice(self.live), self.rng.choice(self.actors)
        if self.view.has_vote(sticky, actor):
            return self.move()
        self.emit("vote.cast", {"id": sticky}, actor)


def seed_board(owner, name, stickies, rng):
    """A board with `stickies` stickies, about as many links, some votes."""
    from storming import services

    board = services.create_board(owner, name)
    seeder = Seeder(board, member_ids(board, 8), rng, datetime(2026, 1, 5, tzinfo=UTC))
    for _ in range(stickies):
        seeder.create()
        seeder.link()
        if rng.random() < 0.2:
            seeder.vote()
    seeder.finish()
    return board, seeder


def seed_history(owner, events, rng, cap=2500):
    """A board with `events` events: mostly moves and edits, as in a workshop.

    Weights: 50% moves, 20% edits, 10% new stickies, 7% deletions, 8% links,
    5% votes; at `cap` live stickies, new stickies give way to deletions.
    """
    from storming import services

    board = services.create_board(owner, f"bench history {events}")
    seeder = Seeder(board, member_ids(board, 12), rng, datetime(2025, 9, 1, tzinfo=UTC))
    ops = (
        (seeder.move, 50),
        (seeder.update, 20),
        (seeder.create, 10),
        (seeder.delete, 7),
        (seeder.link, 8),
        (seeder.vote, 5),
    )
    choices, weights = zip(*ops, strict=True)
    while seeder.seq < events:
        if len(seeder.live) < 20:
            op = seeder.create
        else:
            op = rng.choices(choices, weights)[0]
            if op == seeder.create and len(seeder.live) >= cap:
                op = seeder.delete
        op()
    seeder.finish()
    return board, seeder


def member_ids(board, count):
    from storming.models import Member
    from storming.vocabulary import Role

    members = [board.members.get()]
    members += [
        Member.objects.create(
            board=board, display_name=f"bench guest {i}", role=Role.PARTICIPANT
        )
        for i in range(count - 1)
    ]
    return [str(member.pk) for member in members]


# -- the measurements ----------------------------------------------------------


def load_average():
    """Timings here are CPU-bound: other work on the machine skews them."""
    one, five, _ = os.getloadavg()
    cpus = os.cpu_count()
    return f"    load average {one:.2f} (1 min), {five:.2f} (5 min); {cpus} CPUs"


def verdict(ok):
    return "PASS" if ok else "MISS"


def bench_writes(owner, commands, rng):
    from storming import services

    board = services.create_board(owner, "bench writes")
    member = board.members.get()
    live, counts, latencies = [], {}, []
    started = time.perf_counter()
    for _ in range(commands):
        roll = rng.random()
        if len(live) < 20 or roll < 0.3:
            name = "sticky.create"
            data = {
                "kind": rng.choice(KINDS),
                "text": " ".join(rng.sample(WORDS, 2)),
                "x": rng.uniform(0, 20000),
                "y": rng.uniform(0, 4000),
            }
        elif roll < 0.65:
            name = "sticky.update"
            data = {"id": rng.choice(live), "text": " ".join(rng.sample(WORDS, 3))}
        else:
            name = "sticky.move"
            data = {
                "id": rng.choice(live),
                "x": rng.uniform(0, 20000),
                "y": rng.uniform(0, 4000),
            }
        t0 = time.perf_counter()
        applied = services.execute(board.pk, member, name, data, uuid.uuid4().hex)
        latencies.append(time.perf_counter() - t0)
        if name == "sticky.create":
            live.append(applied.event["data"]["id"])
        counts[name] = counts.get(name, 0) + 1
    elapsed = time.perf_counter() - started
    board.refresh_from_db()
    assert board.head_seq == commands
    mix = ", ".join(f"{n} {c}" for n, c in sorted(counts.items()))
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"(a) write path, 1 client: {commands} commands ({mix}) in {elapsed:.2f} s"
        f"\n    = {commands / elapsed:,.0f} commands/s; latency p50"
        f" {cuts[49] * 1000:.2f} ms, p95 {cuts[94] * 1000:.2f} ms,"
        f" p99 {cuts[98] * 1000:.2f} ms (no target)"
    )


def time_board_state(board, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from storming import board_log

    board_log.board_state(board)  # warm up
    with CaptureQueriesContext(connection) as captured:
        loaded = board_log.board_state(board)
    # BEGIN and COMMIT are statements too; the reads are what grows with size.
    queries = [q["sql"] for q in captured.captured_queries]
    reads = sum(sql.lstrip().upper().startswith("SELECT") for sql in queries)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        board_log.board_state(board)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, (len(queries), reads), loaded


def bench_load(owner, sizes, runs, rng):
    results = []
    for stickies in sizes:
        board, _ = seed_board(owner, f"bench load {stickies}", stickies, rng)
        median_ms, queries, loaded = time_board_state(board, runs)
        state = loaded["state"]
        assert len(state["stickies"]) == stickies
        results.append((stickies, median_ms, queries))
        print(
            f"    {stickies:>5} stickies, {len(state['links'])} links,"
            f" {len(state['votes'])} votes: median {median_ms:.1f} ms"
            f" of {runs} runs, {queries[0]} SQL statements ({queries[1]} SELECTs)"
        )
    small, large = results[0], results[-1]
    same = small[2] == large[2]
    fast = large[1] < LOAD_TARGET_MS
    print(
        f"(b) board_state of {large[0]} stickies: {large[1]:.1f} ms"
        f" [target < {LOAD_TARGET_MS:.0f} ms: {verdict(fast)}];"
        f" {small[2][0]} statements for {small[0]} stickies,"
        f" {large[2][0]} for {large[0]}"
        f" [same count: {verdict(same)}]"
    )
    return fast and same


def bench_replay(owner, events, runs, rng):
    from storming import board_log, services
    from storming.models import Board

    t0 = time.perf_counter()
    board, seeder = seed_history(owner, events, rng)
    seeded = time.perf_counter() - t0
    mix = ", ".join(f"{n} {c}" for n, c in sorted(seeder.counts.items()))
    print(f"    seeded {events:,} events in {seeded:.1f} s: {mix}")

    from storming.state import snapshot

    expected = snapshot(seeder.state)
    replays, folds = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        rebuilt = services.replay_board(board.pk)
        replays.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        folded = board_log.state_at(board)
        folds.append(time.perf_counter() - t0)
    assert rebuilt == expected and folded == expected, "replay differs from seed"
    from storming.projector import load_snapshot

    assert load_snapshot(Board.objects.get(pk=board.pk)) == expected
    print(
        f"    final board: {len(expected['stickies'])} stickies,"
        f" {len(expected['links'])} links, {len(expected['votes'])} votes"
        " (replay, fold and projection agree with the seed)"
    )
    ok = True
    for label, times in (
        ("replay_board (lock, read + fold the log, rewrite projection)", replays),
        ("state_at (read + fold the log)", folds),
    ):
        seconds = statistics.median(times)
        rate = events / seconds
        ok = ok and rate > REPLAY_TARGET
        print(
            f"(c) {label}: {events:,} events in {seconds:.2f} s"
            f" (median of {runs}, best {min(times):.2f} s) = {rate:,.0f} events/s"
            f" [target > {REPLAY_TARGET:,}/s: {verdict(rate > REPLAY_TARGET)}]"
        )
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args()

    tmpdir = setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from storming.models import Board

    rng = random.Random(args.seed)
    database = settings.DATABASES["default"]
    where = database["NAME"]
    print(
        f"board_log benchmark: {connection.vendor} ({where}),"
        f" {'quick' if args.quick else 'full'} run, Python {sys.version.split()[0]}"
    )
    print(load_average())
    owner = get_user_model().objects.create_user(f"board-bench-{uuid.uuid4().hex[:8]}")
    try:
        ok = True
        bench_writes(owner, 300 if args.quick else 2000, rng)
        ok &= bench_load(owner, (200, 2000), 5 if args.quick else 20, rng)
        ok &= bench_replay(owner, 20_000 if args.quick else 100_000, 3, rng)
    finally:
        Board.objects.filter(created_by=owner).delete()
        owner.delete()
        connection.close()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    print(load_average())
    print(f"all targets: {verdict(ok)}")
    if args.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
