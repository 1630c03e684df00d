"""The contract run against SQLite: a file database, and a private in-memory one."""

import threading

import pytest

from modeling.eventstore import NO_STREAM, ConcurrencyError, NewEvent, open_store
from modeling.eventstore.sqlite import SQLiteEventStore

from .contract import EventStoreContract

SQLITE_HANDLER_SQL = {
    "create": "CREATE TABLE IF NOT EXISTS contract_seen"
    " (position INTEGER PRIMARY KEY, type TEXT)",
    "insert": "INSERT INTO contract_seen VALUES (?, ?)",
    "select": "SELECT position, type FROM contract_seen ORDER BY position",
    "delete": "DELETE FROM contract_seen",
}


@pytest.fixture
def handler_sql():
    return SQLITE_HANDLER_SQL


@pytest.fixture
def query():
    return lambda store, sql: store.query(sql)


class TestSQLiteFile(EventStoreContract):
    @pytest.fixture
    def make_store(self, tmp_path):
        stores = []

        def make(**options):
            store = SQLiteEventStore(tmp_path / "events.db", **options)
            stores.append(store)
            return store

        yield make
        for store in stores:
            store.close()


class TestSQLiteMemory(EventStoreContract):
    shared_database = False

    @pytest.fixture
    def make_store(self):
        stores = []

        def make(**options):
            store = SQLiteEventStore(":memory:", **options)
            stores.append(store)
            return store

        yield make
        for store in stores:
            store.close()


def test_open_store_chooses_the_backend_by_url(tmp_path, monkeypatch):
    with open_store("sqlite://:memory:") as store:
        assert isinstance(store, SQLiteEventStore) and store.path == ":memory:"
    with open_store("sqlite:///:memory:") as store:
        assert store.path == ":memory:"
    with open_store(f"sqlite:///{tmp_path}/abs.db") as store:
        assert store.path == f"{tmp_path}/abs.db"
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///relative.db") as store:
        assert store.path == "relative.db"
    assert (tmp_path / "relative.db").exists()
    monkeypatch.setenv("EVENTSTORE_URL", "sqlite:///from-env.db")
    with open_store() as store:
        assert store.path == "from-env.db"
    monkeypatch.delenv("EVENTSTORE_URL")
    with open_store() as store:
        assert store.path == "eventstore.db"
    with pytest.raises(ValueError):
        open_store("mysql://nope")


def test_a_file_store_keeps_its_events_and_checkpoints_across_reopening(tmp_path):
    path = tmp_path / "events.db"
    with SQLiteEventStore(path) as store:
        store.append("s", [NewEvent("A", {"n": 1})], NO_STREAM)
        store.process("sub", lambda event, tx: None)
    with SQLiteEventStore(path) as store:
        assert [e.data for e in store.read_stream("s")] == [{"n": 1}]
        assert store.checkpoint("sub") == 1
        assert store.append("s", [NewEvent("B", {})]).first_position == 2


def test_the_database_runs_in_wal_mode_with_full_sync(tmp_path):
    with SQLiteEventStore(tmp_path / "events.db") as store:
        assert store.query("PRAGMA journal_mode") == [("wal",)]
        assert store.query("PRAGMA synchronous") == [(2,)]  # FULL


def test_a_batch_of_concurrent_appends_fails_only_the_conflicting_one(tmp_path):
    """Group commit runs each append in its own savepoint."""
    with SQLiteEventStore(tmp_path / "events.db") as store:
        store.append("s", [NewEvent("A", {})])
        barrier = threading.Barrier(8)
        outcomes = []

        def append(n):
            barrier.wait()
            stream, expected = ("s", 0) if n == 0 else (f"other-{n}", NO_STREAM)
            try:
                store.append(stream, [NewEvent("B", {})], expected)
                outcomes.append("ok")
            except ConcurrencyError:
                outcomes.append("conflict")

        threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["conflict"] + ["ok"] * 7
        assert store.head() == 8


def test_a_page_of_the_log_and_its_archive_filter_see_one_state(tmp_path):
    """The archived filter is part of the statement that reads the page.

    It used to be decided by a query of its own before the page: an archive
    and an append committed between the two gave a page that no state of the
    log ever held (the archived stream beside an event appended after its
    archiving). PostgreSQL always filtered in the statement. sqlite3's trace
    hook commits them just as the page's statement starts (on another
    connection: a store of the same file)."""
    path = tmp_path / "events.db"
    with SQLiteEventStore(path) as reader, SQLiteEventStore(path) as writer:
        writer.append("old", [NewEvent("A", {})])
        writer.append("new", [NewEvent("B", {})])
        reader.read_all()  # opens this thread's reader connection
        committed = []

        def between(sql):
            if "LIMIT" in sql and not committed:
                committed.append(sql)
                writer.archive("old")
                writer.append("newer", [NewEvent("C", {})])

        # The private reader connection: the only way in between statements.
        reader._reader().set_trace_callback(between)
        page = [event.stream for event in reader.read_all()]
        assert committed, "the trace hook never ran"
        assert page == ["new", "newer"]
