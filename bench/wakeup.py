"""How soon a waiting reader of the event store sees another writer's append.

    python bench/wakeup.py [--rounds N] [--only sqlite|postgres]

A reader blocks in `wait_for_events` on one store; a writer appends single
events through another store on the same database (a SQLite file: a 5 ms
poll of the file's data version; PostgreSQL: LISTEN/NOTIFY). Printed: from
the start of each append to the reader's wake-up, p50 and p99 over the
rounds. Target: p99 under 50 ms. (The functional side, that the reader does
wake, is tests/eventstore's.)

PostgreSQL: BENCH_POSTGRES's server (default postgresql://postgres@127.0.0.1:5432),
database `bench_wakeup`, in a fresh schema dropped at the end.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modeling.eventstore import NewEvent  # noqa: E402
from modeling.eventstore.sqlite import SQLiteEventStore  # noqa: E402

TARGET_P99_MS = 50.0
PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


def measure(reader, writer, rounds):
    """Latencies (s) from the start of each append to the reader waking."""
    woke, ready = {}, threading.Event()

    def wait():
        after = 0
        ready.set()
        while after < rounds:
            if not reader.wait_for_events(after, 5):
                return  # the writer stopped
            now = time.monotonic()
            head = reader.head()
            for position in range(after + 1, head + 1):
                woke.setdefault(position, now)
            after = head

    waiter = threading.Thread(target=wait)
    waiter.start()
    ready.wait()
    time.sleep(0.05)
    started = {}
    for n in range(1, rounds + 1):
        started[n] = time.monotonic()
        writer.append("s", [NewEvent("Tick", {"n": n})])
        time.sleep(0.002)
    waiter.join(10)
    return [woke[n] - started[n] for n in range(1, rounds + 1) if n in woke]


def report(label, latencies, rounds):
    latencies = sorted(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    seen = len(latencies) == rounds
    ok = seen and p99 < TARGET_P99_MS
    print(
        f"  {label:<12} {len(latencies)}/{rounds} woken; p50 {p50:6.1f} ms,"
        f" p99 {p99:6.1f} ms   [target p99 < {TARGET_P99_MS:.0f} ms:"
        f" {'met' if ok else 'MISSED'}]"
    )
    return ok


def sqlite(rounds):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wakeup.db"
        reader, writer = SQLiteEventStore(path), SQLiteEventStore(path)
        try:
            return report("sqlite", measure(reader, writer, rounds), rounds)
        finally:
            reader.close()
            writer.close()


def postgres(rounds):
    try:
        import psycopg

        from modeling.eventstore.postgres import PostgresEventStore
    except ImportError as error:
        print(f"  postgres     skipped: {error}")
        return True
    dsn = f"{PG_SERVER}/bench_wakeup"
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = 'bench_wakeup'"
            ).fetchone()
            if not exists:
                conn.execute('CREATE DATABASE "bench_wakeup"')
    except psycopg.OperationalError as error:
        print(f"  postgres     skipped: no server at {PG_SERVER} ({error})")
        return True
    schema = f"wakeup_{uuid.uuid4().hex[:12]}"
    reader = PostgresEventStore(dsn, schema=schema)
    writer = PostgresEventStore(dsn, schema=schema)
    try:
        return report("postgresql", measure(reader, writer, rounds), rounds)
    finally:
        reader.close()
        writer.close()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    ok = True
    if args.only in (None, "sqlite"):
        ok = sqlite(args.rounds) and ok
    if args.only in (None, "postgres"):
        ok = postgres(args.rounds) and ok
    if args.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
