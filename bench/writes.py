"""Committed writes: board commands through the write path, fanned out.

    python bench/writes.py [--only one-board|many-boards|soak] [--quick]
                           [--soak-minutes M] [--strict]

Scenarios (each on a fresh database, our app in one daphne process; the
clients are asyncio + `websockets` in this process, one per member, signed
in with a token):

- one-board: one board, 50 clients; 10 of them send `sticky.move` commands
  at 20/s each (200 committed changes/s) for 20 s. Every client must get
  every event; printed: acks p50/p99, delivery latency (command sent to event
  applied at a client) p50/p95/p99, deliveries/s, loss. On SQLite as `make
  run` serves it, then on PostgreSQL. In the same run, the plain-Channels
  baseline (`bench/realtime_baseline.py`: one `group_send` per frame, no
  database) at the same rate and clients.
  Target (the write-path issue): p99 < 100 ms with nothing lost (10,000
  committed deliveries/s); the goal is twice that rate.
- many-boards: PostgreSQL, 20 boards x 10 clients, 5 senders per board at
  5 commands/s each (500 commands/s in all) for 20 s. Target: p99 ack < 100 ms.
- soak: 100 clients on one board for `--soak-minutes` (10), 10 senders at
  10 commands/s; the daphne process's memory sampled every 10 s. Target:
  memory flat, nothing lost (every ack's event at every client).

PostgreSQL: DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432),
database `bench_writes`, dropped and made again. The load average is printed:
other work on the machine skews every figure.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_server import DaphneServer  # noqa: E402

PG_SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_URL = f"{PG_SERVER}/bench_writes"
TARGET_P99_MS = 100.0

SETUP = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from storming import services
from storming.vocabulary import Role
boards, clients, stickies = map(int, sys.argv[1:4])
User = get_user_model()
owner = User.objects.create_user("bench-owner")
out = []
for b in range(boards):
    board = services.create_board(owner, f"writes bench {b}")
    lead = board.members.get()
    tokens = []
    for c in range(clients):
        user = User.objects.create_user(f"b{b}-c{c}")
        services.add_member(board, lead, user, Role.PARTICIPANT)
        tokens.append(Token.objects.create(user=user).key)
    ids = services.execute_many(board.pk, lead, [
        ("sticky.create", {"kind": "event", "x": 200.0 * i, "y": 0.0})
        for i in range(stickies)
    ])
    out.append({"board": str(board.pk), "tokens": tokens,
                "stickies": [a.event["data"]["id"] for a in ids]})
print(json.dumps(out))
"""


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def environment(database):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="whiteboard.settings",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
        # A sender at 40 commands/s (the goal) is past a connection's own
        # rate limit, which is not what is measured here.
        LIVE_LIMITS=json.dumps({"commands": [100, 200]}),
    )
    if database.startswith("postgresql"):
        env["DATABASE_URL"] = database
    else:
        env["SQLITE_PATH"] = database
    return env


def fresh_database(kind, tmpdir):
    if kind == "sqlite":
        return str(Path(tmpdir) / "writes.sqlite3")
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_writes WITH (FORCE)")
        conn.execute("CREATE DATABASE bench_writes")
    return PG_URL


def setup(database, boards, clients, stickies):
    env = environment(database)
    run = dict(cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], **run)
    out = subprocess.run(
        [sys.executable, "-c", SETUP, str(boards), str(clients), str(stickies)],
        capture_output=True,
        text=True,
        **run,
    ).stdout
    return env, json.loads(out.strip().splitlines()[-1])


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


class Stats:
    def __init__(self):
        self.sent = {}  # op id -> monotonic send time
        self.acks = []  # ms
        self.refused = []
        self.latencies = []  # ms, per delivery
        self.seen = {}  # op id -> clients that got its event
        self.acked = set()
        self.frames = 0  # frames with events, at all clients


async def open_client(url, token, origin, baseline):
    from websockets.asyncio.client import connect

    headers = {} if baseline else {"Authorization": f"Token {token}"}
    ws = await connect(
        url,
        additional_headers=headers,
        origin=origin,
        compression=None,
        ping_interval=None,
        max_size=2**24,
        open_timeout=60,
    )
    if not baseline:
        while json.loads(await ws.recv()).get("type") != "welcome":
            pass
    return ws


async def read(ws, stats, baseline):
    from websockets.exceptions import ConnectionClosed

    loads, now = json.loads, time.monotonic
    try:
        async for text in ws:
            message = loads(text)
            kind = message.get("type")
            if kind == "ping":
                await ws.send(json.dumps({"type": "pong", "nonce": message["nonce"]}))
                continue
            if kind == "event" or (baseline and kind == "command"):
                events = [message]
            elif kind == "events":
                events = message["events"]
            elif kind == "ack":
                sent = stats.sent.get(message["id"])
                if sent is not None:
                    stats.acks.append((now() - sent) * 1000)
                    stats.acked.add(message["id"])
                continue
            elif kind == "error":
                stats.refused.append(message)
                continue
            else:
                continue
            at = now()
            stats.frames += 1
            for event in events:
                op = event.get("id")
                sent = stats.sent.get(op)
                if sent is not None:
                    stats.latencies.append((at - sent) * 1000)
                    stats.seen[op] = stats.seen.get(op, 0) + 1
    except ConnectionClosed:
        pass


async def send(ws, sticky, rate, seconds, stats, phase):
    await asyncio.sleep(phase / rate)
    start = time.monotonic()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        op = uuid.uuid4().hex
        frame = {
            "type": "command",
            "id": op,
            "name": "sticky.move",
            "data": {"id": sticky, "x": float(i % 1000), "y": float(i // 1000)},
        }
        stats.sent[op] = time.monotonic()
        await ws.send(json.dumps(frame))


async def drive(server, boards, senders, rate, seconds, baseline=False, sample=None):
    """Connect every board's clients, have `senders` of each send at `rate`
    for `seconds`, wait for the stragglers; return the stats."""
    stats = Stats()
    sockets = []
    gate = asyncio.Semaphore(10)

    async def one(board, token, index):
        path = f"/ws/boards/{board['board']}/"
        async with gate:
            ws = await open_client(server.ws_url + path, token, server.url, baseline)
        sockets.append((board, index, ws))

    await asyncio.gather(
        *(one(b, t, i) for b in boards for i, t in enumerate(b["tokens"]))
    )
    readers = [asyncio.create_task(read(ws, stats, baseline)) for _, _, ws in sockets]
    clients = len(sockets)
    per_board = {b["board"]: len(b["tokens"]) for b in boards}
    sending = [
        send(ws, board["stickies"][index], rate, seconds, stats, index / senders)
        for board, index, ws in sockets
        if index < senders
    ]
    sampler = asyncio.create_task(sample()) if sample else None
    started = time.monotonic()
    await asyncio.gather(*sending)
    sent_window = time.monotonic() - started
    expected = len(stats.sent) * (clients // len(boards))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if sum(stats.seen.values()) >= expected and (
            baseline or len(stats.acked) + len(stats.refused) >= len(stats.sent)
        ):
            break
        await asyncio.sleep(0.2)
    if sampler:
        sampler.cancel()
    for _, _, ws in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    stats.window = sent_window
    stats.expected = expected
    stats.clients = clients
    stats.per_board = per_board
    return stats


def report(label, stats, ack_target=False, latency_target=True):
    delivered = sum(stats.seen.values())
    lost = stats.expected - delivered
    acks = (
        f"ack p50 {pct(stats.acks, 50):6.1f} p99 {pct(stats.acks, 99):6.1f} ms; "
        if stats.acks
        else ""
    )
    p99 = pct(stats.acks if ack_target else stats.latencies, 99)
    ok = lost == 0 and not stats.refused
    if latency_target:
        ok = ok and p99 < TARGET_P99_MS
    print(
        f"  {label:<34} {len(stats.sent) / stats.window:6.0f} cmd/s, "
        f"{delivered / stats.window:7.0f} deliveries/s, lost {lost}, "
        f"refused {len(stats.refused)}; {acks}"
        f"delivery p50 {pct(stats.latencies, 50):6.1f} "
        f"p95 {pct(stats.latencies, 95):6.1f} p99 {pct(stats.latencies, 99):6.1f} ms"
        f"   {'PASS' if ok else 'MISS'}"
        f"\n    {delivered / max(1, stats.frames):.1f} events a frame"
    )
    if stats.refused:
        print(f"    first refusal: {stats.refused[0]}")
    return ok


def serve(env, tmpdir, name, target="whiteboard.asgi:application"):
    return DaphneServer(
        env=env, target=target, log_path=Path(tmpdir) / f"{name}.log"
    ).start(timeout=60)


def one_board(args, tmpdir):
    seconds = 5 if args.quick else 20
    results = []
    for kind in ("sqlite", "postgresql"):
        env, boards = setup(fresh_database(kind, tmpdir), 1, 50, 10)
        server = serve(env, tmpdir, f"one-board-{kind}")
        try:
            stats = asyncio.run(drive(server, boards, 10, args.rate, seconds))
        finally:
            server.stop()
        results.append(report(f"ours, {kind}, 50 clients", stats))
    baseline_app = "bench.realtime_baseline:application"
    base = serve(os.environ.copy(), tmpdir, "baseline", baseline_app)
    try:
        board = [{"board": "writes", "tokens": [None] * 50, "stickies": [None] * 10}]
        stats = asyncio.run(drive(base, board, 10, args.rate, seconds, baseline=True))
    finally:
        base.stop()
    report("plain Channels (no database)", stats)
    return all(results)


def many_boards(args, tmpdir):
    seconds = 5 if args.quick else 20
    env, boards = setup(fresh_database("postgresql", tmpdir), 20, 10, 5)
    server = serve(env, tmpdir, "many-boards")
    try:
        stats = asyncio.run(drive(server, boards, 5, 5.0, seconds))
    finally:
        server.stop()
    return report("ours, postgresql, 20 boards x 10", stats, ack_target=True)


def soak(args, tmpdir):
    seconds = 60 * args.soak_minutes
    env, boards = setup(fresh_database("sqlite", tmpdir), 1, 100, 10)
    server = serve(env, tmpdir, "soak")
    samples = []

    async def sample():
        while True:
            samples.append(rss_mb(server.process.pid))
            await asyncio.sleep(10)

    try:
        stats = asyncio.run(drive(server, boards, 10, 10.0, seconds, sample=sample))
        samples.append(rss_mb(server.process.pid))
    finally:
        server.stop()
    # The soak's target: nothing lost, memory flat (latency is only shown).
    label = f"ours, sqlite, 100 clients, {args.soak_minutes} min"
    ok = report(label, stats, latency_target=False)
    if len(samples) >= 4:
        quarter = max(1, len(samples) // 4)
        early = statistics.median(samples[quarter : 2 * quarter])
        late = statistics.median(samples[-quarter:])
        flat = late <= early * 1.10 + 5
        print(
            f"    daphne memory: start {samples[0]:.0f} MB, second quarter "
            f"{early:.0f} MB, last quarter {late:.0f} MB, max {max(samples):.0f} MB"
            f"   {'FLAT' if flat else 'GROWING'}"
        )
        ok = ok and flat
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["one-board", "many-boards", "soak"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--rate",
        type=float,
        default=20.0,
        help="one-board: commands/s per sender (20: the target; 40: the goal)",
    )
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()
    print(f"load average: {load_average()}")
    scenarios = {"one-board": one_board, "many-boards": many_boards, "soak": soak}
    names = [args.only] if args.only else list(scenarios)
    ok = True
    with tempfile.TemporaryDirectory() as tmpdir:
        for name in names:
            print(f"{name}:")
            ok = scenarios[name](args, tmpdir) and ok
    print(f"load average: {load_average()}")
    if args.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
