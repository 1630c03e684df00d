"""Benchmark of the built-in event store against the `eventsourcing` library.

    python bench/eventstore.py [--quick] [--only sqlite|postgres] [--runs N]
                               [--strict]

Runs `modeling.eventstore` and `eventsourcing` (9.5.x) side by side, on the
same machine, at the same level (our store's API against eventsourcing's
recorders, not its Application layer), with the same durability: SQLite in WAL
mode with synchronous=FULL (what eventsourcing gets by default; checked), and
PostgreSQL with the server's defaults. Every measurement starts from a fresh
database (a new SQLite file, a new PostgreSQL schema), contenders take turns
within each run, and the table shows the median of the runs (5 by default).

Measured, with the targets of issue 5:

- single-event append transactions/s: >= 2x eventsourcing and >= 80% of raw
  sqlite3 doing the same inserts on SQLite; >= 2.5x eventsourcing on PostgreSQL;
- 10-event appends/s: >= 1.5x eventsourcing;
- loading a 10,000-event stream into an aggregate with our Repository: <= 30 ms
  without a snapshot, <= 5 ms with one (eventsourcing's Repository.get, and
  the read + decode alone, for comparison);
- reading the global log: >= 300,000 decoded events/s;
- 8 concurrent writer threads against 1 (SQLite group commit: 8 must beat 1).

`--quick` is a smoke run (small counts, 3 runs); `--strict` exits 1 when a
target is missed. PostgreSQL is at $BENCH_POSTGRES (default
postgresql://postgres@127.0.0.1:5432); the benchmark creates and uses its own
databases, es_bench_ours and es_bench_theirs, and a fresh schema in them per
measurement. eventsourcing is an optional dependency: pip install -e '.[bench]'.
"""

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modeling.eventstore import NewEvent  # noqa: E402
from modeling.eventstore.aggregate import Aggregate, Repository  # noqa: E402
from modeling.eventstore.base import time_ordered_uuid  # noqa: E402
from modeling.eventstore.sqlite import SQLiteEventStore  # noqa: E402

try:
    from eventsourcing.application import Repository as EsRepository
    from eventsourcing.domain import Aggregate as EsAggregate
    from eventsourcing.domain import Snapshot as EsSnapshot
    from eventsourcing.domain import event as es_event
    from eventsourcing.persistence import (
        DatetimeAsISO,
        DecimalAsStr,
        JSONTranscoder,
        Mapper,
        StoredEvent,
        UUIDAsHex,
    )
    from eventsourcing.persistence import EventStore as EsEventStore
    from eventsourcing.sqlite import (
        SQLiteAggregateRecorder,
        SQLiteApplicationRecorder,
        SQLiteDatastore,
    )
except ImportError as error:
    sys.exit(
        f"bench/eventstore.py compares with the `eventsourcing` library ({error})."
        "\nInstall the benchmark extras: pip install -e '.[bench]'"
    )
ES_VERSION = importlib.metadata.version("eventsourcing")

PG_URL = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
PG_OURS, PG_THEIRS = "es_bench_ours", "es_bench_theirs"

SIZES = {
    # seconds: how long each contender appends in each run (a rate, so the
    # run time does not depend on the machine); loads: timed loads per run;
    # log: events in the global log that is read.
    "full": {"runs": 5, "seconds": 1.0, "stream": 10_000, "loads": 3, "log": 50_000},
    "quick": {"runs": 3, "seconds": 0.25, "stream": 10_000, "loads": 2, "log": 10_000},
}
WRITERS = 8
PAGE = 1000  # global log page size, both sides
CHUNK = 1000  # events per append when filling a database


def payload(i):
    return {"amount": i, "currency": "EUR", "reference": f"order-{i}"}


# -- the aggregates, one per library -----


class Account(Aggregate):
    def __init__(self, aggregate_id):
        super().__init__(aggregate_id)
        self.total = 0

    def when_incremented(self, amount, currency, reference):
        self.total += amount


class EsAccount(EsAggregate):
    def __init__(self):
        self.total = 0

    @es_event("Incremented")
    def increment(self, amount, currency, reference):
        self.total += amount


def es_mapper():
    """The mapper an eventsourcing Application builds by default."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder)


MAPPER = es_mapper()
ENCODE = MAPPER.transcoder.encode
TOPIC = "bench:EsAccount.Incremented"  # recorder-level appends need no class


# -- fresh databases -----


class SQLiteSide:
    name = "sqlite"

    def __init__(self, directory):
        self.directory = directory

    def _path(self, who):
        return os.path.join(self.directory, f"{who}-{uuid.uuid4().hex[:8]}.db")

    def _remove(self, path):
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + suffix)

    @contextlib.contextmanager
    def ours(self):
        path = self._path("ours")
        store = SQLiteEventStore(path)
        try:
            yield store
        finally:
            store.close()
            self._remove(path)

    @contextlib.contextmanager
    def theirs(self):
        path = self._path("theirs")
        datastore = SQLiteDatastore(path)
        recorder = SQLiteApplicationRecorder(datastore)
        recorder.create_table()
        snapshots = SQLiteAggregateRecorder(datastore, "snapshots")
        snapshots.create_table()
        try:
            yield recorder, snapshots
        finally:
            datastore.close()
            self._remove(path)

    @contextlib.contextmanager
    def raw(self):
        path = self._path("raw")
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(RAW_TABLE)
        try:
            yield conn
        finally:
            conn.close()
            self._remove(path)

    def durability(self):
        """What each contender's connections run with, to print and check."""
        with self.ours() as store:
            ours = _sqlite_modes(store._conn)
        with (
            self.theirs() as (recorder, _),
            recorder.datastore.get_connection(commit=False) as conn,
        ):
            theirs = _sqlite_modes(conn._sqlite_conn)
        with self.raw() as conn:
            raw = _sqlite_modes(conn)
        return {"ours": ours, "eventsourcing": theirs, "raw sqlite3": raw}


def _sqlite_modes(conn):
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    return f"journal_mode={journal}, synchronous={SYNC_NAMES.get(sync, sync)}"


SYNC_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}

# Raw sqlite3 does our store's inserts with nothing around them.
RAW_TABLE = """CREATE TABLE events (
    position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,
    id BLOB NOT NULL UNIQUE, type TEXT NOT NULL, data BLOB NOT NULL, metadata BLOB,
    schema_version INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
    UNIQUE (stream, version))"""
RAW_INSERT = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, NULL, 1, ?)"


class PostgresSide:
    name = "postgres"

    def __init__(self, url):
        import psycopg

        from modeling.eventstore.postgres import PostgresEventStore
        from modeling.eventstore.postgres import __file__ as postgres_file

        self.psycopg = psycopg
        self.store_class = PostgresEventStore
        self.postgres_file = postgres_file
        self.url = url.rstrip("/")
        parts = urlsplit(self.url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 5432
        self.user = parts.username or "postgres"
        self.password = parts.password or ""
        with psycopg.connect(self.url + "/postgres", autocommit=True) as conn:
            for name in (PG_OURS, PG_THEIRS):
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
                ).fetchone()
                if not exists:
                    conn.execute(f"CREATE DATABASE {name}")
        for name in (PG_OURS, PG_THEIRS):  # leftovers of an interrupted run
            with self._admin(name) as conn:
                for (schema,) in conn.execute(
                    "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench\\_%'"
                ).fetchall():
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")

    def _admin(self, database):
        return self.psycopg.connect(f"{self.url}/{database}", autocommit=True)

    def _drop(self, database, schema):
        with self._admin(database) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    @contextlib.contextmanager
    def ours(self):
        schema = "bench_" + uuid.uuid4().hex[:12]
        store = self.store_class(f"{self.url}/{PG_OURS}", schema=schema)
        try:
            yield store
        finally:
            store.close()
            self._drop(PG_OURS, schema)

    @contextlib.contextmanager
    def theirs(self):
        from eventsourcing.postgres import (
            PostgresAggregateRecorder,
            PostgresApplicationRecorder,
            PostgresDatastore,
        )

        schema = "bench_" + uuid.uuid4().hex[:12]
        with self._admin(PG_THEIRS) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        # The pool an eventsourcing application gets by default (5 + 10).
        datastore = PostgresDatastore(
            PG_THEIRS,
            self.host,
            self.port,
            self.user,
            self.password,
            schema=schema,
            pool_size=5,
            max_overflow=10,
        )
        try:
            recorder = PostgresApplicationRecorder(datastore)
            recorder.create_table()
            snapshots = PostgresAggregateRecorder(
                datastore, events_table_name="snapshots"
            )
            snapshots.create_table()
            yield recorder, snapshots
        finally:
            datastore.close()
            self._drop(PG_THEIRS, schema)

    def durability(self):
        with self._admin(PG_OURS) as conn:
            settings = [
                f"{name}={conn.execute(f'SHOW {name}').fetchone()[0]}"
                for name in ("synchronous_commit", "fsync", "wal_sync_method")
            ]
            version = conn.execute("SHOW server_version").fetchone()[0]
        return {"server": f"PostgreSQL {version}, " + ", ".join(settings)}


# -- measurements: each returns one figure for one fresh database -----


def drive(writers, duration, make_step):
    """Appends/s of `writers` threads, each calling its `step(i)` (append
    number i) until `duration` seconds have passed; 1 writer runs in this
    thread."""
    if writers == 1:
        step = make_step(0)
        started = time.perf_counter()
        deadline = started + duration
        i = 0
        while time.perf_counter() < deadline:
            step(i)
            i += 1
        return i / (time.perf_counter() - started)
    barrier = threading.Barrier(writers + 1)
    counts, errors = [0] * writers, []
    deadline = None

    def run(k):
        step = make_step(k)
        barrier.wait()
        try:
            i = 0
            while time.perf_counter() < deadline:
                step(i)
                i += 1
            counts[k] = i
        except Exception as error:  # reported below, in the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(writers)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline = started + duration
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return sum(counts) / elapsed


def ours_appends(store, duration, size, writers=1):
    """Appends of `size` events, each thread to a stream of its own, each
    append with its expected version."""

    def make_step(k):
        stream = f"Account-{k}-{uuid.uuid4().hex}"

        def step(i):
            events = [NewEvent("Incremented", payload(i)) for _ in range(size)]
            store.append(stream, events, i * size)

        return step

    return drive(writers, duration, make_step)


def theirs_appends(recorders, duration, size, writers=1):
    recorder, _ = recorders

    def make_step(k):
        originator = uuid.uuid4()

        def step(i):
            recorder.insert_events(
                [
                    StoredEvent(originator, i * size + n, TOPIC, ENCODE(payload(i)))
                    for n in range(1, size + 1)
                ]
            )

        return step

    return drive(writers, duration, make_step)


def raw_appends(conn, duration, size):
    """Our store's rows inserted by hand: no version check, nothing around;
    with the time-ordered ids the store makes by default."""
    stream = f"Account-{uuid.uuid4().hex}"
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

    def step(i):
        now = time.time_ns() // 1000
        rows = [
            (
                i * size + n,
                stream,
                i * size + n,
                time_ordered_uuid().bytes,
                "Incremented",
                dumps(payload(i)),
                now,
            )
            for n in range(1, size + 1)
        ]
        if size == 1:
            conn.execute(RAW_INSERT, rows[0])  # autocommit: its own transaction
        else:
            conn.execute("BEGIN")
            conn.executemany(RAW_INSERT, rows)
            conn.execute("COMMIT")

    return drive(1, duration, lambda k: step)


class Fixtures:
    """Events built once per process and written to every fresh database."""

    def __init__(self, stream_length, log_length):
        self.stream_length = stream_length
        self.account_id = uuid.uuid4()
        self.new_events = [
            NewEvent("Incremented", payload(i)) for i in range(stream_length)
        ]
        # eventsourcing: an EsAccount created and incremented to the same length
        account = EsAccount()
        for i in range(stream_length - 1):
            account.increment(**payload(i))
        self.es_id = account.id
        self.es_total = account.total
        self.es_stored = [MAPPER.to_stored_event(e) for e in account.collect_events()]
        self.es_snapshot = MAPPER.to_stored_event(EsSnapshot.take(account))
        self.total = sum(range(stream_length))
        # the global log: log_length events in streams of CHUNK events
        self.log_streams = log_length // CHUNK
        # event ids are unique store-wide: one list of events per stream
        self.log_events = [
            [NewEvent("Incremented", payload(i)) for i in range(CHUNK)]
            for _ in range(self.log_streams)
        ]
        self.log_stored = self.es_stored[:CHUNK]


def fill_ours_stream(store, fixtures):
    stream = Account.stream_name(fixtures.account_id)
    events = fixtures.new_events
    for start in range(0, len(events), CHUNK):
        store.append(stream, events[start : start + CHUNK], start)
    return stream


def fill_theirs_stream(recorders, fixtures):
    recorder, _ = recorders
    events = fixtures.es_stored
    for start in range(0, len(events), CHUNK):
        recorder.insert_events(events[start : start + CHUNK])


def timed(fn, repeat):
    """Median milliseconds of `repeat` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def ours_load(store, fixtures, repeat):
    stream = fill_ours_stream(store, fixtures)
    repository = Repository(store, Account, snapshot_every=0)

    def load():
        account = repository.load(fixtures.account_id)
        assert account.version == fixtures.stream_length, account.version
        assert account.total == fixtures.total, account.total

    plain = timed(load, repeat)
    decode = timed(lambda: store.read_stream(stream), repeat)
    account = repository.load(fixtures.account_id)
    store.save_snapshot(
        stream, account.version, account.snapshot_state(), Account.snapshot_version
    )
    snapshot = timed(load, repeat)
    return {"load": plain, "decode": decode, "snapshot": snapshot}


def theirs_load(recorders, fixtures, repeat):
    recorder, snapshots = recorders
    fill_theirs_stream(recorders, fixtures)
    events = EsEventStore(MAPPER, recorder)
    repository = EsRepository(events)

    def load():
        account = repository.get(fixtures.es_id)
        assert account.version == fixtures.stream_length, account.version
        assert account.total == fixtures.es_total, account.total

    plain = timed(load, repeat)
    decode = timed(lambda: list(events.get(fixtures.es_id)), repeat)
    snapshots.insert_events([fixtures.es_snapshot])
    repository = EsRepository(events, snapshot_store=EsEventStore(MAPPER, snapshots))
    snapshot = timed(load, repeat)
    return {"load": plain, "decode": decode, "snapshot": snapshot}


def ours_log(store, fixtures):
    for n, events in enumerate(fixtures.log_events):
        store.append(f"Account-{n}", events, 0)
    expected = fixtures.log_streams * CHUNK
    started = time.perf_counter()
    count = sum(1 for _ in store.iter_all(page=PAGE))
    elapsed = time.perf_counter() - started
    assert count == expected, count
    return count / elapsed


def theirs_log(recorders, fixtures):
    recorder, _ = recorders
    for _ in range(fixtures.log_streams):
        originator = uuid.uuid4()
        recorder.insert_events(
            [
                StoredEvent(originator, e.originator_version, e.topic, e.state)
                for e in fixtures.log_stored
            ]
        )
    expected = fixtures.log_streams * CHUNK
    to_domain_event = MAPPER.to_domain_event
    started = time.perf_counter()
    count, start = 0, 1
    while True:
        page = recorder.select_notifications(start, PAGE)
        for notification in page:
            to_domain_event(notification)
        count += len(page)
        if len(page) < PAGE:
            break
        start = page[-1].id + 1
    elapsed = time.perf_counter() - started
    assert count == expected, count
    return count / elapsed


# -- the table -----


@dataclass
class Row:
    label: str
    ours: str = ""
    theirs: str = ""
    raw: str = ""
    ratio: str = ""
    target: str = ""
    ok: bool | None = None

    @property
    def result(self):
        return {True: "PASS", False: "MISS", None: ""}[self.ok]


def rate(value):
    return f"{value:,.0f}"


def ms(value):
    return f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def print_table(title, rows, raw_column):
    headers = ["", "ours", "eventsourcing", "raw sqlite3" if raw_column else ""]
    headers += ["ratio", "target", ""]
    table = [headers] + [
        [r.label, r.ours, r.theirs, r.raw, r.ratio, r.target, r.result] for r in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    print(f"\n{title}")
    for n, line in enumerate(table):
        cells = [line[0].ljust(widths[0])]
        cells += [line[i].rjust(widths[i]) for i in (1, 2, 3)]
        cells += [line[4].ljust(widths[4]), line[5].ljust(widths[5]), line[6]]
        print("  " + "  ".join(cells).rstrip())
        if n == 0:
            print("  " + "-" * (sum(widths) + 2 * (len(widths) - 1)))


class Bench:
    def __init__(self, side, sizes, fixtures, runs):
        self.side, self.sizes, self.fixtures, self.runs = side, sizes, fixtures, runs

    def repeat(self, label, contenders):
        """Median over the runs of each contender; each takes its turn per run."""
        values = {name: [] for name in contenders}
        for _ in range(self.runs):
            for name, measure in contenders.items():
                values[name].append(measure())
        shown = "; ".join(
            f"{name} " + ", ".join(_short(v) for v in vs) for name, vs in values.items()
        )
        print(f"  {self.side.name}: {label}: {shown}", flush=True)
        return {name: statistics.median(vs) for name, vs in values.items()}

    def with_ours(self, fn, *args):
        def measure():
            with self.side.ours() as store:
                return fn(store, *args)

        return measure

    def with_theirs(self, fn, *args):
        def measure():
            with self.side.theirs() as recorders:
                return fn(recorders, *args)

        return measure

    def with_raw(self, fn, *args):
        def measure():
            with self.side.raw() as conn:
                return fn(conn, *args)

        return measure

    def appends(self, size, raw):
        duration = self.sizes["seconds"]
        contenders = {
            "ours": self.with_ours(ours_appends, duration, size),
            "eventsourcing": self.with_theirs(theirs_appends, duration, size),
        }
        if raw:
            contenders["raw"] = self.with_raw(raw_appends, duration, size)
        what = "single-event" if size == 1 else f"{size}-event"
        return self.repeat(f"{what} appends/s", contenders)

    def loads(self):
        repeat = self.sizes["loads"]
        values = {"ours": [], "eventsourcing": []}
        for _ in range(self.runs):
            with self.side.ours() as store:
                values["ours"].append(ours_load(store, self.fixtures, repeat))
            with self.side.theirs() as recorders:
                values["eventsourcing"].append(
                    theirs_load(recorders, self.fixtures, repeat)
                )
        medians = {
            name: {
                key: statistics.median(run[key] for run in runs)
                for key in ("load", "decode", "snapshot")
            }
            for name, runs in values.items()
        }
        for key in ("load", "decode", "snapshot"):
            shown = "; ".join(
                f"{name} " + ", ".join(_short(run[key]) for run in runs)
                for name, runs in values.items()
            )
            print(f"  {self.side.name}: {key} ms: {shown}", flush=True)
        return medians

    def log(self):
        return self.repeat(
            "global log events/s",
            {
                "ours": self.with_ours(ours_log, self.fixtures),
                "eventsourcing": self.with_theirs(theirs_log, self.fixtures),
            },
        )

    def writers(self):
        duration = self.sizes["seconds"]
        return self.repeat(
            f"1 and {WRITERS} writers appends/s",
            {
                "ours 1": self.with_ours(ours_appends, duration, 1, 1),
                f"ours {WRITERS}": self.with_ours(ours_appends, duration, 1, WRITERS),
                "eventsourcing 1": self.with_theirs(theirs_appends, duration, 1, 1),
                f"eventsourcing {WRITERS}": self.with_theirs(
                    theirs_appends, duration, 1, WRITERS
                ),
            },
        )

    def rows(self, sqlite):
        rows = []
        single = self.appends(1, raw=sqlite)
        need = 2.0 if sqlite else 2.5
        ratio = single["ours"] / single["eventsourcing"]
        rows.append(
            Row(
                "single-event appends, tx/s",
                rate(single["ours"]),
                rate(single["eventsourcing"]),
                rate(single["raw"]) if sqlite else "",
                f"{ratio:.2f}x eventsourcing",
                f">= {need:g}x eventsourcing",
                ratio >= need,
            )
        )
        if sqlite:
            share = single["ours"] / single["raw"]
            rows.append(
                Row(
                    "",
                    ratio=f"{share:.0%} of raw sqlite3",
                    target=">= 80% of raw",
                    ok=share >= 0.8,
                )
            )
        ten = self.appends(10, raw=sqlite)
        ratio = ten["ours"] / ten["eventsourcing"]
        rows.append(
            Row(
                "10-event appends, appends/s",
                rate(ten["ours"]),
                rate(ten["eventsourcing"]),
                rate(ten["raw"]) if sqlite else "",
                f"{ratio:.2f}x eventsourcing",
                ">= 1.5x eventsourcing",
                ratio >= 1.5,
            )
        )
        load = self.loads()
        ours, theirs = load["ours"], load["eventsourcing"]
        n = f"{self.fixtures.stream_length:,}"
        rows.append(
            Row(
                f"load a {n}-event aggregate, ms",
                ms(ours["load"]),
                ms(theirs["load"]),
                ratio=f"{theirs['load'] / ours['load']:.1f}x faster",
                target="<= 30 ms",
                ok=ours["load"] <= 30,
            )
        )
        rows.append(
            Row(
                "  of which read + decode, ms",
                ms(ours["decode"]),
                ms(theirs["decode"]),
                ratio=f"{theirs['decode'] / ours['decode']:.1f}x faster",
            )
        )
        rows.append(
            Row(
                "  with a snapshot, ms",
                ms(ours["snapshot"]),
                ms(theirs["snapshot"]),
                ratio=f"{theirs['snapshot'] / ours['snapshot']:.1f}x faster",
                target="<= 5 ms",
                ok=ours["snapshot"] <= 5,
            )
        )
        log = self.log()
        rows.append(
            Row(
                "read the global log, events/s",
                rate(log["ours"]),
                rate(log["eventsourcing"]),
                ratio=f"{log['ours'] / log['eventsourcing']:.1f}x eventsourcing",
                target=">= 300,000/s",
                ok=log["ours"] >= 300_000,
            )
        )
        writers = self.writers()
        one, many = writers["ours 1"], writers[f"ours {WRITERS}"]
        es_one = writers["eventsourcing 1"]
        es_many = writers[f"eventsourcing {WRITERS}"]
        rows.append(
            Row("1 writer, single-event tx/s", rate(one), rate(es_one)),
        )
        rows.append(
            Row(
                f"{WRITERS} writer threads, tx/s",
                rate(many),
                rate(es_many),
                ratio=f"{many / one:.2f}x one writer"
                f" ({many / es_many:.2f}x eventsourcing)",
                target=f"{WRITERS} beat 1" if sqlite else "",
                ok=many > one if sqlite else None,
            )
        )
        return rows


def _short(value):
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--runs", type=int, help="runs per measurement (median)")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed"
    )
    args = parser.parse_args()
    sizes = SIZES["quick" if args.quick else "full"]
    runs = args.runs or sizes["runs"]

    started = time.perf_counter()
    print(
        f"event store benchmark, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
        f" ({'quick' if args.quick else 'full'} run, median of {runs} runs)"
    )
    print(
        f"machine: {platform.node()}, {platform.machine()}, {os.cpu_count()} CPUs,"
        f" {_cpu_model()}; Python {platform.python_version()},"
        f" SQLite {sqlite3.sqlite_version}, eventsourcing {ES_VERSION}"
    )
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"CPU check: sum(range(10**7)) took {_cpu_check():.0f} ms"
        " (best of 3; more means other processes are taking the CPU)"
    )
    fixtures = Fixtures(sizes["stream"], sizes["log"])
    missed = 0
    sections = []

    if args.only in (None, "sqlite"):
        directory = tempfile.mkdtemp(prefix="es-bench-", dir=_scratch_dir())
        try:
            side = SQLiteSide(directory)
            modes = side.durability()
            for name, mode in modes.items():
                print(f"sqlite durability, {name}: {mode}")
            if len(set(modes.values())) != 1:
                sys.exit("the contenders do not run with the same SQLite durability")
            rows = Bench(side, sizes, fixtures, runs).rows(sqlite=True)
            sections.append(("SQLite (WAL, synchronous=FULL), " + directory, rows, 1))
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    if args.only in (None, "postgres"):
        side = _postgres_side()
        if side is not None:
            for name, mode in side.durability().items():
                print(f"postgres {name}: {mode}")
            rows = Bench(side, sizes, fixtures, runs).rows(sqlite=False)
            sections.append(("PostgreSQL (server defaults)", rows, 0))

    for title, rows, raw_column in sections:
        print_table(title, rows, raw_column)
        missed += sum(1 for row in rows if row.ok is False)
    print(
        "\nload average at the end: {:.2f} {:.2f} {:.2f}; took {:.0f} s".format(
            *os.getloadavg(), time.perf_counter() - started
        )
    )
    if missed:
        print(f"{missed} target(s) missed")
    if missed and args.strict:
        sys.exit(1)


def _postgres_side():
    try:
        import psycopg  # noqa: F401
    except ImportError:
        print("\nPostgreSQL skipped: psycopg is not installed")
        return None
    try:
        import eventsourcing.postgres  # noqa: F401
    except ImportError as error:
        print(
            f"\nPostgreSQL skipped: eventsourcing's PostgreSQL recorders need {error}"
            " (pip install -e '.[bench]')"
        )
        return None
    try:
        from modeling.eventstore.postgres import PostgresEventStore  # noqa: F401
    except ImportError as error:
        print(f"\nPostgreSQL skipped: our backend is not ready ({error})")
        return None
    try:
        return PostgresSide(PG_URL)
    except Exception as error:  # psycopg.OperationalError and friends
        print(f"\nPostgreSQL skipped: cannot use the server at {PG_URL} ({error})")
        return None


def _cpu_check():
    """Milliseconds of a fixed pure-Python loop: how much CPU we were getting."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        sum(range(10**7))
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def _scratch_dir():
    """Somewhere fsync means something: the project's disk, not a tmpfs."""
    return os.environ.get("BENCH_DIR") or tempfile.gettempdir()


def _cpu_model():
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
