"""Realtime fan-out benchmark: our board consumer against plain Channels.

    python bench/realtime.py [--quick] [--only ours|baseline] [--strict]

Starts, in the same run, two daphne processes (one each, on their own ports):

- ours: `whiteboard.asgi:application` on a fresh SQLite file with the
  in-memory channel layer, as a user would start it;
- baseline: `bench/realtime_baseline.py`, a plain Channels consumer that
  `group_send`s every frame it receives to one group (Channels' defaults).

Then, for N clients in (10, 50, 100) on one board (client processes separate
from the servers; asyncio + `websockets`), 10 of the N send ephemeral `drag`
messages at stepped rates per sender, paced evenly. A `drag` carries its send
time in `x` (ms since the start of the run) and a per-sender counter in `y`;
every other client (ours) or every client, the sender included (baseline, it
echoes the frame as is) should receive it once. Per step: offered messages/s,
deliveries/s (counted per message, not per frame), loss (expected deliveries
minus unique deliveries received by the end of the drain period), p50/p95/p99
delivery latency, and CPU of the server and of the clients over the send
window.

Target (the fan-out issue): at 50 clients, a step
with at least 20,000 deliveries/s, 0 loss and p99 under 100 ms on one daphne
process, and our best such step at least 4x the baseline's best such step.
Figures are printed, not asserted; `--strict` exits 1 when a target is missed.

Columns: rate = msgs/s per sender; msgs/s = offered messages; offered =
deliveries/s that should happen; deliv/s = received; srvCPU = the daphne
process; wait = how long its threads were runnable but waiting for a CPU
(run queue; high means the machine, not the app, set the pace); us/dlv = its
CPU per delivery; cliCPU = the client processes; other = everything else on
the machine (other people's work skews the run). The apps take turns at each
N; before each scenario the server is given time to finish any backlog.
When no baseline step qualifies, the ratio is taken against the baseline's
peak deliveries/s at any loss and latency (which flatters the baseline).
`ours-open` is our app with the per-connection limits lifted (`LIVE_LIMITS`)
at rates past them, to see where it tops out (no target).

At 50 clients ours also runs a short command round trip: the senders send
`sticky.move` commands at a low rate (they go through the database write
path); it prints the ack latency and the latency of the event at the others.

The machine is small (2 cores): the clients take one, the server the other.
Load from other work skews every figure; the load average is printed.
"""

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))

# The same daphne process the live tests start (its --websocket-max-message-size
# included), with this benchmark's own app, database and log.
from tests.live_server import DaphneServer  # noqa: E402

TARGET_CLIENTS = 50
TARGET_DELIVERIES = 20_000  # per second
TARGET_P99_MS = 100.0
TARGET_RATIO = 4.0

SENDERS = 10
CONNECT_CONCURRENCY = 10
HIST_RES = 10  # latency histogram bins per ms


# -- setting up: database, board, servers -------------------------------------

SETUP_BOARD = """
import json, uuid
import django
django.setup()
from django.contrib.auth import get_user_model
from storming import services
owner = get_user_model().objects.create_user("realtime-bench")
board = services.create_board(owner, "realtime bench")
member = board.members.get()
stickies = []
for i in range(int(__import__("sys").argv[1])):
    applied = services.execute(board.pk, member, "sticky.create", {
        "kind": "event", "text": f"sender {i}", "x": 200.0 * i, "y": 0.0,
    }, uuid.uuid4().hex)
    stickies.append(applied.event["data"]["id"])
print(json.dumps({"board": str(board.pk), "token": board.invite_token,
                  "stickies": stickies}))
"""


def django_env(sqlite_path):
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="whiteboard.settings",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_DEBUG="0",
        SQLITE_PATH=str(sqlite_path),
        # Every client joins by invite from this one address.
        DJANGO_GUEST_JOIN_RATE="off",
        PYTHONUNBUFFERED="1",
    )
    return env


def setup_board(tmpdir):
    """Migrate a fresh SQLite file; make a board, its invite and 10 stickies."""
    sqlite_path = Path(tmpdir) / "realtime.sqlite3"
    env = django_env(sqlite_path)
    env["LOG_LEVEL"] = "WARNING"
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    out = subprocess.run(
        [PYTHON, "-c", SETUP_BOARD, str(SENDERS)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    board = json.loads(out.strip().splitlines()[-1])
    return sqlite_path, board


def host_busy():
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def runqueue_wait(pid):
    """Seconds the threads of a process have waited for a CPU while runnable."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


def cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the client side (runs in worker processes) --------------------------------


class Client:
    __slots__ = (
        "ack_lats",
        "acks",
        "closed",
        "drag_id",
        "dups",
        "error_samples",
        "errors",
        "ev_lats",
        "ev_seen",
        "index",
        "lats",
        "malformed",
        "member",
        "own",
        "pending",
        "seen",
        "sent",
        "sticky",
        "stray",
        "types",
        "ws",
    )

    def __init__(self, index, steps):
        self.index = index
        self.ws = None
        self.member = None
        self.drag_id = None  # a sender's id in its drag messages
        self.sticky = None  # the sticky a sender moves by command
        self.seen = set()  # (sender id, counter) received
        self.lats = [[] for _ in range(steps)]  # latencies (ms) by send step
        self.dups = self.own = self.stray = self.malformed = 0
        self.types = collections.Counter()
        self.errors = collections.Counter()  # (step, code)
        self.error_samples = []
        self.closed = None
        self.pending = {}  # command id -> send time
        self.acks = 0
        self.ack_lats = []
        self.ev_lats = []
        self.ev_seen = set()
        self.sent = [0] * steps


async def worker(config):
    """Connect this process's clients, wait for "go", run the steps, report."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    loads, wall = json.loads, time.time  # wall clock, seconds
    ours = config["app"] != "baseline"
    rates = config["rates"]
    period = (config["step"] + config["drain"]) * 1000.0
    steps = len(rates) + 1  # the last one is the command phase
    clients = [Client(i, steps) for i in config["clients"]]
    for client in clients:
        client.drag_id, client.sticky = config["senders"].get(
            str(client.index), (None, None)
        )
    drag_ids = {ids[0] for ids in config["senders"].values()}
    epoch = [None]  # ms, wall clock: step 0 starts here
    finishing = [False]  # set when this side starts closing the sockets
    failures = []

    async def read(client):
        ws = client.ws
        lats, seen, seen_add = client.lats, client.seen, client.seen.add
        own_id, own_sticky = client.drag_id, client.sticky
        try:
            async for raw in ws:
                now = wall() * 1000.0
                msg = loads(raw)
                kind = msg.get("type")
                if kind == "drag" and epoch[0] is not None:
                    now -= epoch[0]
                    drags = msg.get("drags") if ours else (msg,)
                    if drags is None or (ours and drags and "n" not in drags[0]):
                        client.malformed += 1
                        continue
                    for d in drags:
                        try:
                            key = (d["id"], d["y"])
                            x = d["x"]
                        except (KeyError, TypeError):
                            client.malformed += 1
                            continue
                        if key[0] not in drag_ids:
                            client.stray += 1
                            continue
                        if ours and key[0] == own_id:
                            client.own += 1
                            continue
                        if key in seen:
                            client.dups += 1
                            continue
                        seen_add(key)
                        step = int(x // period)
                        if 0 <= step < steps:
                            lats[step].append(now - x)
                        else:
                            client.stray += 1
                    continue
                client.types[kind] += 1
                if kind == "ping":
                    await ws.send(json.dumps({"type": "pong", "nonce": msg["nonce"]}))
                elif kind == "error":
                    at = -1 if epoch[0] is None else int((now - epoch[0]) // period)
                    client.errors[(at, msg.get("code"))] += 1
                    if len(client.error_samples) < 3:
                        client.error_samples.append(msg)
                elif kind == "ack":
                    sent_at = client.pending.pop(msg.get("id"), None)
                    if sent_at is not None:
                        client.acks += 1
                        client.ack_lats.append(now - sent_at)
                elif kind == "event" and epoch[0] is not None:
                    data = msg.get("data") or {}
                    if (
                        msg.get("name") == "sticky.moved"
                        and data.get("id") != own_sticky
                    ):
                        key = (data.get("id"), data.get("y"))
                        if key not in client.ev_seen:
                            client.ev_seen.add(key)
                            client.ev_lats.append(now - epoch[0] - data["x"])
        except ConnectionClosed as closed:
            if not finishing[0]:
                client.closed = [getattr(closed.rcvd, "code", None), str(closed)[:200]]
        except Exception as error:
            client.closed = ["client error", repr(error)[:200]]
        else:
            if not finishing[0]:
                client.closed = [getattr(ws, "close_code", None), "closed early"]

    readers = []
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(client):
        i = client.index
        if ours:
            url = f"{config['ws']}?invite={config['token']}&name=client{i}"
        else:
            url = config["ws"]
        async with gate:
            try:
                ws = await connect(
                    url,
                    origin=config["origin"],
                    compression=None,
                    ping_interval=None,
                    max_size=2**22,
                    open_timeout=30,
                )
                if ours:  # wait for the welcome before counting it in
                    while True:
                        msg = loads(await asyncio.wait_for(ws.recv(), 30))
                        if msg.get("type") == "welcome":
                            client.member = msg["me"]["member"]
                            break
                        client.types[msg.get("type")] += 1
            except Exception as error:
                failures.append(f"client{i}: {error!r}"[:300])
                return
        client.ws = ws
        readers.append(asyncio.create_task(read(client)))

    await asyncio.gather(*(open_one(c) for c in clients))
    connected = [c for c in clients if c.ws is not None]
    print("ready " + json.dumps({"connected": len(connected), "failures": failures}))
    sys.stdout.flush()
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    epoch[0] = float(line.split()[1])
    cmd = config.get("commands")

    async def send_drags(client, rng):
        ws, drag_id = client.ws, client.drag_id
        counter = 0
        for k, rate in enumerate(rates):
            start = epoch[0] / 1000.0 + k * period / 1000.0
            phase = rng.random()
            total = int(config["step"] * rate)
            for i in range(total):
                at = start + (i + phase) / rate
                delay = at - wall()
                if delay > 0:
                    await asyncio.sleep(delay)
                x = wall() * 1000.0 - epoch[0]
                try:
                    await ws.send(
                        f'{{"type":"drag","id":"{drag_id}","x":{x:.3f},"y":{counter}}}'
                    )
                except ConnectionClosed:
                    return
                counter += 1
                client.sent[k] += 1

    async def send_commands(client, rng):
        ws, sticky = client.ws, client.sticky
        rate = cmd["rate"]
        start = epoch[0] / 1000.0 + len(rates) * period / 1000.0
        phase = rng.random()
        for i in range(int(cmd["duration"] * rate)):
            at = start + (i + phase) / rate
            delay = at - wall()
            if delay > 0:
                await asyncio.sleep(delay)
            op = uuid.uuid4().hex
            sent_at = wall() * 1000.0
            x = sent_at - epoch[0]
            frame = {
                "type": "command",
                "id": op,
                "name": "sticky.move",
                "data": {"id": sticky, "x": round(x, 3), "y": i},
            }
            client.pending[op] = sent_at
            try:
                await ws.send(json.dumps(frame))
            except ConnectionClosed:
                return
            client.sent[-1] += 1

    rng = random.Random(config["seed"])
    senders = [c for c in connected if c.drag_id is not None]
    tasks = [asyncio.create_task(send_drags(c, rng)) for c in senders]
    if cmd:
        tasks += [asyncio.create_task(send_commands(c, rng)) for c in senders]
    await asyncio.gather(*tasks)
    end = epoch[0] / 1000.0 + steps * period / 1000.0
    if not cmd:
        end -= period / 1000.0
    await asyncio.sleep(max(0.0, end - wall()))
    finishing[0] = True
    closing = [c.ws.close() for c in connected if c.closed is None]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), 10)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)

    def hist(values):
        return collections.Counter(int(v * HIST_RES) for v in values)

    result = {
        "connected": len(connected),
        "failures": failures,
        "sent": [sum(c.sent[k] for c in connected) for k in range(steps)],
        "received": [sum(len(c.lats[k]) for c in connected) for k in range(steps)],
        "hist": [
            dict(sum((hist(c.lats[k]) for c in connected), collections.Counter()))
            for k in range(steps)
        ],
        "dups": sum(c.dups for c in connected),
        "own": sum(c.own for c in connected),
        "stray": sum(c.stray for c in connected),
        "malformed": sum(c.malformed for c in connected),
        "types": dict(sum((c.types for c in connected), collections.Counter())),
        "errors": [
            [k, code, n]
            for (k, code), n in sum(
                (c.errors for c in connected), collections.Counter()
            ).items()
        ],
        "error_samples": [s for c in connected for s in c.error_samples][:5],
        "closed": [[c.index, *c.closed] for c in connected if c.closed][:20],
        "acks": sum(c.acks for c in connected),
        "ack_hist": dict(hist(v for c in connected for v in c.ack_lats)),
        "ev_received": sum(len(c.ev_lats) for c in connected),
        "ev_hist": dict(hist(v for c in connected for v in c.ev_lats)),
    }
    print("result " + json.dumps(result))
    sys.stdout.flush()


# -- the parent: one scenario is one app with N clients -------------------------


def percentiles(hist, cuts=(50, 95, 99)):
    """Percentiles (ms) from a {bin: count} histogram; None when empty."""
    items = sorted((int(k), n) for k, n in hist.items())
    total = sum(n for _, n in items)
    if not total:
        return [None] * len(cuts)
    out = []
    for cut in cuts:
        rank, seen = total * cut / 100.0, 0
        for b, n in items:
            seen += n
            if seen >= rank:
                out.append((b + 0.5) / HIST_RES)
                break
    return out


def merge(hists):
    total = collections.Counter()
    for h in hists:
        total.update({int(k): n for k, n in h.items()})
    return total


async def quiesce(server, limit=30.0, busy=0.15):
    """Wait (up to `limit` s) until the server is idle: an overloaded server
    works through its backlog long after its clients have gone."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = cpu_seconds(server.process.pid)
        await asyncio.sleep(0.5)
        if cpu_seconds(server.process.pid) - before < busy * 0.5:
            break
    return time.monotonic() - started


async def run_scenario(app, server, board, n, rates, args):
    step, drain = args.step, args.drain
    period = step + drain
    procs = max(1, min(args.client_procs, n))
    ours = app != "baseline"
    if ours:
        ws_url = f"ws://127.0.0.1:{server.port}/ws/boards/{board['board']}/"
    else:  # a group of its own per scenario
        ws_url = f"ws://127.0.0.1:{server.port}/ws/{uuid.uuid4().hex}/"
    commands = None
    if app == "ours" and n == TARGET_CLIENTS and not args.no_commands:
        commands = {"rate": args.command_rate, "duration": step}
    # Drags carry ids of this scenario only (a server's backlog from the
    # previous one must not count); commands move the board's real stickies.
    senders = {
        str(i): [str(uuid.uuid4()), board["stickies"][i]]
        for i in range(min(SENDERS, n))
    }
    workers = []
    for p in range(procs):
        config = {
            "app": app,
            "ws": ws_url,
            "origin": f"http://127.0.0.1:{server.port}",
            "token": board["token"],
            "clients": list(range(p, n, procs)),
            "senders": senders,
            "rates": rates,
            "step": step,
            "drain": drain,
            "commands": commands,
            "seed": args.seed + p,
        }
        proc = await asyncio.create_subprocess_exec(
            PYTHON,
            __file__,
            "--worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,
        )
        proc.stdin.write((json.dumps(config) + "\n").encode())
        await proc.stdin.drain()
        workers.append(proc)

    async def line_from(proc, prefix, timeout):
        while True:
            raw = await asyncio.wait_for(proc.stdout.readline(), timeout)
            if not raw:
                raise RuntimeError(f"a client process ended (exit {proc.returncode})")
            text = raw.decode()
            if text.startswith(prefix):
                return json.loads(text[len(prefix) :])

    try:
        readies = [await line_from(w, "ready ", 120) for w in workers]
        connected = sum(r["connected"] for r in readies)
        failures = [f for r in readies for f in r["failures"]]
        # Let the joins settle: every join sends presence to everyone.
        await asyncio.sleep(args.settle + n / 100)
        epoch = time.time() * 1000.0 + 300.0
        for w in workers:
            w.stdin.write(f"go {epoch:.3f}\n".encode())
            await w.stdin.drain()
        # CPU of the server and the clients over each send window.
        pids = [server.process.pid] + [w.pid for w in workers]
        cpu = []
        phases = len(rates) + (1 if commands else 0)
        for k in range(phases):
            start = epoch / 1000.0 + k * period
            await asyncio.sleep(max(0.0, start - time.time()))
            before = [cpu_seconds(pid) for pid in pids] + [host_busy()]
            waited = runqueue_wait(server.process.pid)
            await asyncio.sleep(max(0.0, start + step - time.time()))
            after = [cpu_seconds(pid) for pid in pids] + [host_busy()]
            waited = runqueue_wait(server.process.pid) - waited
            used = [a - b for a, b in zip(after, before, strict=True)]
            # server, clients, everything else on the machine, server's wait
            cpu.append(
                (
                    used[0] / step,
                    sum(used[1:-1]) / step,
                    max(0.0, used[-1] - sum(used[:-1])) / step,
                    waited / step,
                )
            )
        results = [await line_from(w, "result ", 60 + period * 2) for w in workers]
        for w in workers:
            await w.wait()
    finally:
        for w in workers:
            if w.returncode is None:
                w.kill()
                await w.wait()

    fanout = connected - 1 if ours else connected
    rows = []
    for k, rate in enumerate(rates):
        sent = sum(r["sent"][k] for r in results)
        received = sum(r["received"][k] for r in results)
        expected = sent * fanout
        hist = merge(r["hist"][k] for r in results)
        errors = sum(n for r in results for at, _, n in r["errors"] if at == k)
        rows.append(
            {
                "app": app,
                "n": n,
                "connected": connected,
                "rate": rate,
                "offered": sent / step,
                "expected_per_s": expected / step,
                "deliveries": received / step,
                "loss": expected - received,
                "loss_pct": 100.0 * (expected - received) / expected if expected else 0,
                "p": percentiles(hist),
                "server_cpu": cpu[k][0],
                "client_cpu": cpu[k][1],
                "other_cpu": cpu[k][2],
                "server_wait": cpu[k][3],
                "us_per_delivery": cpu[k][0] * step / received * 1e6
                if received
                else None,
                "errors": errors,
            }
        )
    extra = {
        "app": app,
        "n": n,
        "connected": connected,
        "failures": failures,
        "dups": sum(r["dups"] for r in results),
        "own": sum(r["own"] for r in results),
        "stray": sum(r["stray"] for r in results),
        "malformed": sum(r["malformed"] for r in results),
        "types": dict(
            sum(
                (collections.Counter(r["types"]) for r in results),
                collections.Counter(),
            )
        ),
        "errors": collections.Counter(
            code for r in results for _, code, n in r["errors"] for _ in range(n)
        ),
        "error_samples": [s for r in results for s in r["error_samples"]][:3],
        "closed": [c for r in results for c in r["closed"]],
    }
    if commands:
        sent = sum(r["sent"][-1] for r in results)
        acks = sum(r["acks"] for r in results)
        ev_received = sum(r["ev_received"] for r in results)
        extra["commands"] = {
            "sent": sent,
            "rate": sent / step,
            "acks": acks,
            "ack_p": percentiles(merge(r["ack_hist"] for r in results)),
            "ev_expected": sent * (connected - 1),
            "ev_received": ev_received,
            "ev_p": percentiles(merge(r["ev_hist"] for r in results)),
            "server_cpu": cpu[-1][0],
            "server_wait": cpu[-1][3],
        }
    return rows, extra


# -- printing ------------------------------------------------------------------


def exceptions_in(log_text):
    """The exception ending each traceback (chain) in a log, counted."""
    found = collections.Counter()
    lines = [line for line in log_text.splitlines() if line.strip()]
    inside = False
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            inside = True
        elif inside and not line[0].isspace():
            inside = False
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if following.startswith(("During handling", "The above exception")):
                continue  # the chain goes on; count its last exception
            found[re.sub(r"!\w+|0x[0-9a-f]+", "...", line.strip())[:160]] += 1
    return found


def logged_problems(log_text):
    """WARNING and ERROR lines of a log, counted with their details blurred."""
    found = collections.Counter()
    pattern = re.compile(r"^\S+ \S+ (WARNING|ERROR|CRITICAL)\s+(.*)$")
    for line in log_text.splitlines():
        match = pattern.match(line)
        if match:
            text = match.group(2)
            while True:
                blurred = re.sub(r"<[^<>]*>", "...", text)
                if blurred == text:
                    break
                text = blurred
            found[re.sub(r"\d+", "N", text)[:120]] += 1
    return found


def load_average():
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min); {os.cpu_count()} CPUs"


def verdict(ok):
    return "PASS" if ok else "MISS"


def ms(value):
    return "-" if value is None else f"{value:.1f}"


def qualifies(row):
    p99 = row["p"][2]
    return row["loss"] == 0 and p99 is not None and p99 < TARGET_P99_MS


HEADER = (
    f"{'app':<9}{'N':>4}{'rate':>5}{'msgs/s':>8}{'offered':>9}{'deliv/s':>9}"
    f"{'loss':>8}{'loss%':>7}{'p50':>8}{'p95':>8}{'p99':>8}"
    f"{'srvCPU':>7}{'wait':>6}{'us/dlv':>7}{'cliCPU':>7}{'other':>7}{'err':>5}  ok"
)


def format_row(row):
    us = row["us_per_delivery"]
    return (
        f"{row['app']:<9}{row['n']:>4}{row['rate']:>5}{row['offered']:>8.0f}"
        f"{row['expected_per_s']:>9.0f}{row['deliveries']:>9.0f}{row['loss']:>8}"
        f"{row['loss_pct']:>6.1f}%{ms(row['p'][0]):>8}{ms(row['p'][1]):>8}"
        f"{ms(row['p'][2]):>8}{row['server_cpu'] * 100:>6.0f}%"
        f"{row['server_wait'] * 100:>5.0f}%"
        f"{'-' if us is None else f'{us:.0f}':>7}{row['client_cpu'] * 100:>6.0f}%"
        f"{row['other_cpu'] * 100:>6.0f}%"
        f"{row['errors']:>5}  {'yes' if qualifies(row) else 'no'}"
    )


def describe_extra(extra):
    """Everything unexpected a scenario saw, one line each."""
    lines = []
    label = f"  {extra['app']} N={extra['n']}:"
    if extra["connected"] != extra["n"]:
        lines.append(
            f"{label} only {extra['connected']} of {extra['n']} clients connected;"
            f" {extra['failures'][:3]}"
        )
    for key, what in (
        ("dups", "duplicate deliveries"),
        ("own", "drags delivered back to their sender"),
        ("stray", "drags of no sender of this scenario or outside its steps"),
        ("malformed", "malformed drag entries or frames"),
    ):
        if extra[key]:
            lines.append(f"{label} {extra[key]} {what}")
    if extra["errors"]:
        lines.append(
            f"{label} error frames {dict(extra['errors'])};"
            f" e.g. {json.dumps(extra['error_samples'][:2])[:300]}"
        )
    if extra["closed"]:
        lines.append(
            f"{label} {len(extra['closed'])} sockets closed by the server;"
            f" e.g. {extra['closed'][:3]}"
        )
    return lines


def summarize(all_rows, extras, apps):
    print()
    print(
        f"Summary at {TARGET_CLIENTS} clients (a step counts with 0 loss and"
        f" p99 < {TARGET_P99_MS:.0f} ms):"
    )

    def best(app):
        rows = [r for r in all_rows if r["app"] == app and r["n"] == TARGET_CLIENTS]
        good = [r for r in rows if qualifies(r)]
        peak = max((r["deliveries"] for r in rows), default=None)
        return max(good, key=lambda r: r["deliveries"], default=None), peak

    ok = True
    found = {app: best(app) for app in apps}
    for app in apps:
        row, peak = found[app]
        text = (
            f"{row['deliveries']:,.0f} deliveries/s at {row['rate']} msgs/s per"
            f" sender, p99 {row['p'][2]:.1f} ms"
            if row
            else "no step"
        )
        peak_text = "-" if peak is None else f"{peak:,.0f}"
        line = f"  {app:<9} best step: {text}; peak deliveries/s (any step) {peak_text}"
        if app == "ours":
            hit = row is not None and row["deliveries"] >= TARGET_DELIVERIES
            ok &= hit
            line += f" [target >= {TARGET_DELIVERIES:,}/s: {verdict(hit)}]"
        elif app == "ours-open":
            line += " (rate limits lifted; no target)"
        print(line)
    if "ours" in apps and "baseline" in apps:
        ours, _ = found["ours"]
        base, base_peak = found["baseline"]
        if ours and base:
            ratio = ours["deliveries"] / base["deliveries"]
            hit = ratio >= TARGET_RATIO
            print(
                f"  ours / baseline (best steps): {ratio:.1f}x"
                f" [target >= {TARGET_RATIO:.0f}x: {verdict(hit)}]"
            )
        elif ours and base_peak:
            # No baseline step qualifies: compare with the most it delivered
            # at any loss and latency, which only flatters the baseline.
            ratio = ours["deliveries"] / base_peak
            hit = ratio >= TARGET_RATIO
            print(
                "  ours / baseline: no baseline step qualifies; against its peak"
                f" at any loss: {ratio:.1f}x"
                f" [target >= {TARGET_RATIO:.0f}x: {verdict(hit)}]"
            )
        else:
            hit = False
            print(f"  ours / baseline: ours has no qualifying step [{verdict(hit)}]")
        if ours and base and base_peak:
            print(
                f"  ours best step / baseline peak at any loss:"
                f" {ours['deliveries'] / base_peak:.1f}x (for information)"
            )
        ok &= hit
    for extra in extras:
        command = extra.get("commands")
        if command:
            ack, ev = command["ack_p"], command["ev_p"]
            lost = command["ev_expected"] - command["ev_received"]
            print(
                f"  command round trip ({extra['app']}, {extra['n']} clients):"
                f" {command['sent']} sticky.move at {command['rate']:.0f}/s,"
                f" {command['acks']} acked: ack p50/p95/p99"
                f" {ms(ack[0])}/{ms(ack[1])}/{ms(ack[2])} ms; event at the others"
                f" p50/p95/p99 {ms(ev[0])}/{ms(ev[1])}/{ms(ev[2])} ms,"
                f" {lost} of {command['ev_expected']} lost;"
                f" server CPU {command['server_cpu'] * 100:.0f}%, waiting for a CPU"
                f" {command['server_wait'] * 100:.0f}% (no target)"
            )
    return ok


# -- main -----------------------------------------------------------------------


async def run(args):
    apps = [args.only] if args.only else ["ours", "baseline"]
    started = time.monotonic()
    print(
        f"realtime fan-out benchmark: {'quick' if args.quick else 'full'} run,"
        f" N in {args.clients}, {SENDERS} senders at {args.rates} msgs/s each,"
        f" {args.step:g} s per step + {args.drain:g} s drain,"
        f" {args.client_procs} client process(es), Python {sys.version.split()[0]}"
    )
    print(load_average())
    tmpdir = tempfile.mkdtemp(prefix="realtime-bench-")
    servers = {}
    all_rows, extras = [], []
    ok = False
    waits = []
    try:
        sqlite_path, board = setup_board(tmpdir)
        env = django_env(sqlite_path)
        if args.live_limits:
            env["LIVE_LIMITS"] = args.live_limits
        base_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
        plans = {
            "ours": ("whiteboard.asgi:application", env, args.clients, args.rates),
            "baseline": (
                "bench.realtime_baseline:application",
                base_env,
                args.clients,
                args.rates,
            ),
        }
        if args.ceiling and "ours" in apps:
            # Our app with the per-connection limits lifted: where it tops out.
            top = 2 * max(args.ceiling)
            lifted = json.dumps({"ephemeral": [top, top], "frames": [2 * top] * 2})
            plans["ours-open"] = (
                "whiteboard.asgi:application",
                {**env, "LIVE_LIMITS": lifted},
                [n for n in args.clients if n >= TARGET_CLIENTS],
                args.ceiling,
            )
            apps = [*apps, "ours-open"]
        for app in apps:
            target, app_env, _, _ = plans[app]
            servers[app] = DaphneServer(
                target=target,
                env=app_env,
                log_path=Path(tmpdir) / f"daphne-{app}.log",
            ).start(timeout=30)
        # The apps take turns at each N, so that both see the same machine.
        schedule = [
            (app, n) for n in args.clients for app in apps if n in plans[app][2]
        ]
        failed = []
        for app, n in schedule:
            server, rates = servers[app], plans[app][3]
            if not server.alive():
                failed.append(f"{app:<9}{n:>4}  daphne died:\n{server.log_tail()}")
                continue
            waited = await quiesce(server)
            if waited > 1.5:
                waits.append(
                    f"  {app} N={n}: waited {waited:.1f} s for the server"
                    " to finish the previous scenario's backlog"
                )
            try:
                rows, extra = await run_scenario(app, server, board, n, rates, args)
            except Exception as error:
                failed.append(f"{app:<9}{n:>4}  scenario failed: {error!r}")
                continue
            all_rows += rows
            extras.append(extra)
            best = max(rows, key=lambda r: r["deliveries"])
            print(
                f"  done: {app} N={n}, {len(rows)} steps, up to"
                f" {best['deliveries']:,.0f} deliveries/s",
                file=sys.stderr,
            )
        print()
        print(HEADER)
        for app in apps:
            for row in all_rows:
                if row["app"] == app:
                    print(format_row(row))
        for line in failed:
            print(line)
        notes = waits + [line for extra in extras for line in describe_extra(extra)]
        for app, server in servers.items():
            text = server.log()
            logged = logged_problems(text)
            if logged:
                notes.append(
                    f"  {app}: {sum(logged.values())} warnings/errors in its log: "
                    + "; ".join(f"{n} x {line}" for line, n in logged.most_common(4))
                )
            raised = exceptions_in(text)
            if raised:
                notes.append(
                    f"  {app}: {sum(raised.values())} tracebacks in the daphne log: "
                    + "; ".join(f"{n} x {line[:160]}" for line, n in raised.items())
                )
        if notes:
            print()
            print("Seen during the run:")
            print("\n".join(notes))
        ok = summarize(all_rows, extras, apps)
    finally:
        for server in servers.values():
            server.stop()
        if args.keep:
            print(f"kept {tmpdir} (database, daphne logs)")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)
    print()
    print(load_average())
    measured = verdict(ok) if "ours" in apps else "not measured (ours did not run)"
    print(f"took {time.monotonic() - started:.0f} s; all targets: {measured}")
    return ok or "ours" not in apps


def main():
    if sys.argv[1:] == ["--worker"]:
        config = json.loads(sys.stdin.readline())
        asyncio.run(worker(config))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--only", choices=("ours", "baseline"), help="one app only")
    parser.add_argument(
        "--clients", type=int, nargs="+", help="N clients per scenario (10 50 100)"
    )
    parser.add_argument(
        "--rates", type=int, nargs="+", help="msgs/s per sender, one step each"
    )
    parser.add_argument("--step", type=float, help="seconds of sending per step")
    parser.add_argument("--drain", type=float, help="seconds to drain after a step")
    parser.add_argument("--settle", type=float, default=1.5, help="after connecting")
    parser.add_argument(
        "--client-procs", type=int, default=1, help="client processes (1 or 2)"
    )
    parser.add_argument(
        "--command-rate", type=float, default=2.0, help="sticky.move/s per sender"
    )
    parser.add_argument("--no-commands", action="store_true", help="skip commands")
    parser.add_argument(
        "--ceiling",
        type=int,
        nargs="*",
        help="msgs/s per sender for our app with the rate limits lifted"
        " (ours-open, N >= 50; default 120 240, none with --quick)",
    )
    parser.add_argument(
        "--live-limits", help="LIVE_LIMITS for our server (see docs/protocol.md)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args()
    quick = args.quick
    args.clients = args.clients or ([10, 50] if quick else [10, 50, 100])
    args.rates = args.rates or ([10, 60] if quick else [5, 10, 20, 40, 50, 60])
    args.step = args.step or (2.0 if quick else 5.0)
    args.drain = args.drain or (1.5 if quick else 2.0)
    if args.ceiling is None:
        args.ceiling = [] if quick else [120, 240]
    ok = asyncio.run(run(args))
    if args.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
