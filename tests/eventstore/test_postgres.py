"""The contract run against PostgreSQL, and what only PostgreSQL promises:
writers to different streams in parallel, a tailing reader that never skips a
late commit, and LISTEN/NOTIFY wake-ups (how soon: bench/wakeup.py).

Needs the server: EVENTSTORE_TEST_DSN, else the local `es_pg_test` database
(created when missing). Every test gets a schema of its own, dropped after.
"""

import os
import threading
import time
import uuid

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from modeling.eventstore import NewEvent, open_store
from modeling.eventstore.postgres import PostgresEventStore

from .contract import EventStoreContract, events, positions

pytestmark = pytest.mark.postgres

DSN = os.environ.get(
    "EVENTSTORE_TEST_DSN", "postgresql://postgres@127.0.0.1:5432/es_pg_test"
)


@pytest.fixture(scope="session")
def dsn():
    try:
        psycopg.connect(DSN, connect_timeout=5).close()
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise
        name = psycopg.conninfo.conninfo_to_dict(DSN)["dbname"]
        server = make_conninfo(DSN, dbname="postgres")
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    return DSN


@pytest.fixture
def schema(dsn):
    name = f"es_test_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@pytest.fixture
def make_store(dsn, schema):
    stores = []

    def make(**options):
        store = PostgresEventStore(dsn, schema=schema, **options)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def handler_sql(schema):
    return {
        "create": f"CREATE TABLE IF NOT EXISTS {schema}.contract_seen"
        " (position bigint PRIMARY KEY, type text)",
        "insert": f"INSERT INTO {schema}.contract_seen VALUES (%s, %s)",
        "select": f"SELECT position, type FROM {schema}.contract_seen"
        " ORDER BY position",
        "delete": f"DELETE FROM {schema}.contract_seen",
    }


@pytest.fixture
def query():
    return lambda store, sql: store.query(sql)


class TestPostgres(EventStoreContract):
    pass


# -- only on PostgreSQL -----


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def test_open_store_opens_postgresql_by_url(dsn, schema):
    with open_store(dsn, schema=schema) as store:
        assert isinstance(store, PostgresEventStore)
        assert store.append("s", events("A")).first_position == 1


def test_stores_created_at_once_share_one_schema(dsn, schema):
    """Concurrent first use creates the tables once, without errors."""
    stores, errors = [], []

    def open_one():
        try:
            stores.append(PostgresEventStore(dsn, schema=schema))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        stores[0].append("s", events("A"))
        assert stores[-1].head() == 1
    finally:
        for store in stores:
            store.close()


def test_a_late_commit_is_never_skipped(make_store):
    """A transaction that took a position but has not committed holds back
    every later position: a tailing reader sees nothing past it until then."""
    store = make_store()
    store.append("first", events("A"))
    in_handler, release = threading.Event(), threading.Event()

    def slow(event, tx):
        tx.append("late", events("Late"))  # takes position 2 ...
        in_handler.set()
        release.wait(5)  # ... and commits only when told

    subscriber = threading.Thread(target=store.process, args=("slow", slow))
    subscriber.start()
    assert in_handler.wait(5)
    others = [
        threading.Thread(target=store.append, args=(f"other-{n}", events("B")))
        for n in range(3)
    ]
    for thread in others:
        thread.start()
    time.sleep(0.2)
    assert positions(store.read_all()) == [1]  # nothing after the gap shows
    release.set()
    subscriber.join()
    for thread in others:
        thread.join()
    recorded = store.read_all()
    assert positions(recorded) == [1, 2, 3, 4, 5]
    assert recorded[1].stream == "late"


def test_a_writer_holding_one_stream_does_not_hold_up_the_others(make_store, dsn):
    """Writers serialise per stream, never on a table-wide lock."""
    store = make_store()
    with psycopg.connect(dsn) as conn:
        # Another session in the middle of appending to "busy".
        conn.execute(
            "SELECT pg_advisory_xact_lock(%s::integer, hashtext('busy'))",
            (store._lock_seed,),
        )
        started = time.monotonic()
        assert store.append("free", events("A")).first_position == 1
        assert time.monotonic() - started < 2
        blocked = threading.Thread(target=store.append, args=("busy", events("B")))
        blocked.start()
        blocked.join(0.3)
        assert blocked.is_alive()  # waits for "busy" only
        conn.rollback()
    blocked.join(5)
    assert store.stream_version("busy") == 1


def test_append_returns_once_its_commit_is_flushed(make_store):
    """The quick commit releases the head at once; append still waits for the
    WAL flush, so what it reports survives a crash."""
    store = make_store()
    for n in range(20):
        (before,) = store.query("SELECT pg_current_wal_insert_lsn()")[0]
        store.append("s", events(f"E{n}"))
        (flushed,) = store.query(
            "SELECT pg_current_wal_flush_lsn() >= %s::pg_lsn", (before,)
        )[0]
        assert flushed
    assert store.query("SHOW synchronous_commit") == [("on",)]


def test_two_processes_of_one_subscriber_handle_each_event_once(make_store):
    store = make_store()
    for n in range(30):
        store.append(f"s-{n}", events("A"))
    handled = []

    def handler(event, tx):
        handled.append(event.position)
        time.sleep(0.001)

    def drain():
        while store.process("once", handler, limit=7):
            pass

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(handled) == list(range(1, 31))
    assert store.checkpoint("once") == 30


def test_notify_wakes_a_waiter_on_another_store_for_every_append(make_store):
    """LISTEN/NOTIFY: a waiter on another store wakes for each of 200
    appends (how soon is bench/wakeup.py's to measure: p99 < 50 ms)."""
    reader, writer = make_store(), make_store()
    rounds = 200
    woke = {}
    ready = threading.Event()

    def wait():
        after = 0
        ready.set()
        while after < rounds:
            if reader.wait_for_events(after, 5):
                now = time.monotonic()
                head = reader.head()
                for position in range(after + 1, head + 1):
                    woke.setdefault(position, now)
                after = head
            else:  # pragma: no cover - the writer stopped
                return

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
    assert sorted(woke) == list(range(1, rounds + 1))
    assert all(woke[n] >= started[n] for n in started)


def test_appends_to_a_fresh_schema_never_scan_the_events_table(make_store, schema):
    # Plans cached while the table is empty must still use its indexes, or
    # every append reads the whole table.
    store = make_store()
    scans = (
        "SELECT seq_scan FROM pg_stat_xact_user_tables"
        " WHERE schemaname = %s AND relname = 'events'"
    )
    with store._connection() as conn:
        conn.execute("BEGIN")
        try:
            # Counts not yet sent to the statistics (creating the schema) too.
            (before,) = conn.execute(scans, (schema,)).fetchone()
            for version in range(30):
                store._append_on(conn, "s", [NewEvent("E", {})], version, [])
                store._append_on(conn, f"s-{version}", events("A", "B"), 0, [])
            (after,) = conn.execute(scans, (schema,)).fetchone()
        finally:
            conn.execute("ROLLBACK")
    assert after == before
