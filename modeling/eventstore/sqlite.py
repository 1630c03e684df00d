"""The SQLite backend: the default store, one file (or memory), WAL, FULL sync.

Writers on SQLite are serialised by the database itself, so a position taken
inside the write transaction (head + 1) is gap-free and in commit order: a
reader that has seen position N has seen everything committed before N + 1.

Group commit: every write (append, snapshot, outbox change...) is a request
queued by its thread. Whichever thread gets the write lock first becomes the
leader: it takes every queued request, runs each in its own SAVEPOINT (so one
request's ConcurrencyError does not fail the others) and commits them all with
one fsync. Alone, a thread leads its own request with no hand-off; with eight
writers, one fsync serves many appends.

Reads use one connection per thread (WAL readers never block the writer). An
in-memory database exists only on its one connection, so there every read and
write shares it under the write lock.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar, TypeVarTuple

from ._sql import (
    ARCHIVED,
    PENDING_KEYS,
    TOMBSTONED,
    SQLEventStore,
    check_append,
    check_position,
    deleted,
)
from .base import (
    ANY,
    NO_STREAM,
    STREAM_EXISTS,
    AppendResult,
    ConcurrencyError,
    ExpectedVersion,
    Handler,
    NewEvent,
    RecordedEvent,
    Transaction,
    gc_paused,
    micros_to_datetime,
    repeat_or_conflict,
    uuid_from_bytes,
)
from .codec import Codec, JSONCodec
from .upcasting import Upcasters

_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")

# An event to insert, encoded: (id, type, data, metadata, schema_version).
_EventRow = tuple[bytes, str, str | bytes, str | bytes | None, int]


class _Query(Protocol):
    """Runs a SELECT and returns its rows (on a reader or the write connection)."""

    def __call__(self, sql: str, params: Sequence[Any] = ..., /) -> list[Any]: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY,
    stream TEXT NOT NULL,
    version INTEGER NOT NULL,
    id BLOB NOT NULL UNIQUE,
    type TEXT NOT NULL,
    data BLOB NOT NULL,
    metadata BLOB,
    schema_version INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    UNIQUE (stream, version)
);
CREATE TABLE IF NOT EXISTS hidden_streams (
    name TEXT PRIMARY KEY,
    state INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    stream TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    state BLOB NOT NULL,
    schema_version INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
    subscriber TEXT PRIMARY KEY,
    position INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    destination TEXT NOT NULL,
    position INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    retry_at INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    destination TEXT NOT NULL,
    position INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT,
    died_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
"""

_COLUMNS = (
    "position, stream, version, id, type, data, metadata, schema_version, recorded_at"
)
_E_COLUMNS = ", ".join("e." + name.strip() for name in _COLUMNS.split(","))
_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_STREAM_STATE = (
    "SELECT (SELECT max(version) FROM events WHERE stream = ?1),"
    " (SELECT state FROM hidden_streams WHERE name = ?1)"
)
# Tombstoning deletes events; the floor keeps their positions from being reused.
_HEAD_VALUE = (
    "max(coalesce((SELECT max(position) FROM events), 0),"
    " coalesce((SELECT value FROM store_meta WHERE key = 'floor'), 0))"
)
_HEAD = "SELECT " + _HEAD_VALUE
# The first append of a transaction learns the head in the same statement.
_STREAM_STATE_AND_HEAD = _STREAM_STATE + ", " + _HEAD_VALUE

# The lean stream read (Repository.load): no id, time or metadata per event.
_DATA = (
    "SELECT type, data FROM events WHERE stream = ? AND version >= ?"
    " AND version <= ? ORDER BY version"
)
_DATA_UPCAST = (
    "SELECT type, data, schema_version FROM events WHERE stream = ?"
    " AND version >= ? AND version <= ? ORDER BY version"
)
_MAX_VERSION = 2**63 - 1

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_OUTBOX_LEASE = "outbox"


def _micros(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    return (moment - _EPOCH) // _MICROSECOND


def _now() -> int:
    return time.time_ns() // 1000


_MOVE_CHECKPOINT = (
    "INSERT INTO checkpoints VALUES (?, ?) ON CONFLICT"
    " (subscriber) DO UPDATE SET position = excluded.position"
)


class _Repeat(Exception):
    """An insert hit a recorded event id: roll back, then resolve the repeat."""


class _Request:
    __slots__ = ("args", "done", "error", "fn", "result")

    result: Any
    error: BaseException | None

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn, self.args = fn, args
        self.done = False
        self.result = self.error = None


class _SQLiteTransaction(Transaction):
    def __init__(self, store: SQLiteEventStore, conn: sqlite3.Connection) -> None:
        self._store, self._conn = store, conn
        self.appended = False

    def append(
        self,
        stream: str,
        events: Sequence[NewEvent],
        expected_version: ExpectedVersion = ANY,
        *,
        outbox: Iterable[str] = (),
    ) -> AppendResult:
        self.appended = True
        return self._store.append(stream, events, expected_version, outbox=outbox)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run the subscriber's SQL (sqlite3 `?` parameters); returns its rows."""
        return self._conn.execute(sql, params).fetchall()


class SQLiteEventStore(SQLEventStore):
    """The event store in one SQLite database (`":memory:"` for a private one)."""

    # How often a waiting reader looks at the head for commits made by other
    # processes; commits of this process wake it at once.
    poll_interval = 0.005

    # The dialect (see SQLEventStore).
    P = "?"
    tables = ""
    e_columns = _E_COLUMNS

    def __init__(
        self,
        path: str = ":memory:",
        *,
        codec: Codec | None = None,
        upcasters: Upcasters | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.path = str(path)
        self._memory = self.path == ":memory:" or self.path.startswith("file::memory")
        self._timeout = timeout
        codec = codec if codec is not None else JSONCodec()
        # Codecs give bytes; JSON is kept as str (below). The JSON decoder
        # decodes whole arrays of data.
        self._encode: Callable[[Any], str | bytes]
        self._decode: Callable[[Any], dict[str, Any]]
        self._json_text: Callable[[str], list[dict[str, Any]]] | None
        if type(codec) is JSONCodec:
            # JSON travels as TEXT: sqlite3 hands back str, which skips a bytes
            # round trip on every read (same package, so the private parts).
            self._encode = codec._encoder.encode
            self._decode = codec.decode
            self._json_text = codec._decode
        else:
            self._encode, self._decode = codec.encode, codec.decode
            self._json_text = None
        self.codec = codec
        self.upcasters = upcasters if upcasters is not None else Upcasters()

        self._lock = threading.RLock()  # the write connection and its transaction
        self._queue: list[_Request] = []
        self._queue_lock = threading.Lock()
        self._owner: int | None = None  # thread id inside a write transaction
        # The head inside the open write transaction (None: not read yet).
        self._head: int | None = 0
        self._changed = threading.Condition()
        self._generation = 0  # commits made by this store object
        self._waiting = 0  # threads in wait_for_events
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._closed = False
        self._conn = self._connect()
        with self._lock:
            self._conn.executescript(_SCHEMA)

    # -- connections -----

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=self._timeout,
            isolation_level=None,  # we issue BEGIN/COMMIT ourselves
            check_same_thread=False,
            cached_statements=256,
            uri=self.path.startswith("file:"),
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-32000")
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise sqlite3.ProgrammingError("the event store is closed")
            conn = self._local.conn = self._connect()
            conn.execute("PRAGMA mmap_size=268435456")
            with self._queue_lock:
                self._readers.append(conn)
        return conn

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        if self._memory:
            with self._lock:
                return self._conn.execute(sql, params).fetchall()
        return self._reader().execute(sql, params).fetchall()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Read with SQL of your own (read models written through tx.execute)."""
        return self._query(sql, params)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            with self._queue_lock:
                readers, self._readers = self._readers, []
            for conn in readers:
                conn.close()
            self._conn.close()

    # -- the write path: group commit -----

    def _write(self, fn: Callable[[sqlite3.Connection, *_Ts], _T], *args: *_Ts) -> _T:
        """Run `fn(conn, *args)` in a write transaction, batched with others."""
        if self._owner == threading.get_ident():
            # Inside process(): the handler's writes join its transaction.
            return self._nested(fn, args)
        request = _Request(fn, args)
        with self._queue_lock:
            self._queue.append(request)
        with self._lock:
            if not request.done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._commit_batch(batch)
        if request.error is not None:
            raise request.error
        result: _T = request.result
        return result

    def _commit_batch(self, batch: list[_Request]) -> None:
        conn = self._conn
        if self._closed:
            error = sqlite3.ProgrammingError("the event store is closed")
            for request in batch:
                request.error, request.done = error, True
            return
        self._owner = threading.get_ident()
        try:
            conn.execute("BEGIN IMMEDIATE")
            self._head = None  # read by the first write that needs it
            if len(batch) == 1:
                self._run_alone(conn, batch[0])
            else:
                for request in batch:
                    self._run_in_savepoint(conn, request)
            conn.execute("COMMIT")
        except BaseException as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for request in batch:
                request.result, request.error = None, error
            if not isinstance(error, Exception):
                raise
        finally:
            self._owner = None
            for request in batch:
                request.done = True
        self._notify()

    def _run_alone(self, conn: sqlite3.Connection, request: _Request) -> None:
        try:
            request.result = request.fn(conn, *request.args)
        except _Repeat as repeat:
            # Undo a partial insert, then say what the repeat was.
            conn.execute("ROLLBACK")
            conn.execute("BEGIN")
            try:
                request.result = repeat.args[0](conn)
            except Exception as error:  # noqa: BLE001, RUF100 (raised in the caller)
                request.error = error
        except Exception as error:  # noqa: BLE001, RUF100 (raised in the caller)
            conn.execute("ROLLBACK")
            conn.execute("BEGIN")
            request.error = error

    def _run_in_savepoint(self, conn: sqlite3.Connection, request: _Request) -> None:
        head = self._head
        conn.execute("SAVEPOINT request")
        try:
            request.result = request.fn(conn, *request.args)
        except _Repeat as repeat:
            self._undo(conn, head)
            try:
                request.result = repeat.args[0](conn)
            except Exception as error:  # noqa: BLE001, RUF100 (raised in the caller)
                request.error = error
            return
        except Exception as error:  # noqa: BLE001, RUF100 (raised in the caller)
            self._undo(conn, head)
            request.error = error
            return
        conn.execute("RELEASE request")

    def _undo(self, conn: sqlite3.Connection, head: int | None) -> None:
        conn.execute("ROLLBACK TO request")
        conn.execute("RELEASE request")
        self._head = head

    def _nested(
        self, fn: Callable[[sqlite3.Connection, *_Ts], _T], args: tuple[*_Ts]
    ) -> _T:
        conn = self._conn
        head = self._head
        conn.execute("SAVEPOINT request")
        try:
            result = fn(conn, *args)
        except _Repeat as repeat:
            self._undo(conn, head)
            resolve: Callable[[sqlite3.Connection], _T] = repeat.args[0]
            return resolve(conn)
        except BaseException:
            self._undo(conn, head)
            raise
        conn.execute("RELEASE request")
        return result

    def _notify(self) -> None:
        self._generation += 1
        if self._waiting:
            with self._changed:
                self._changed.notify_all()

    # -- appending -----

    def append(
        self,
        stream: str,
        events: Sequence[NewEvent],
        expected_version: ExpectedVersion = ANY,
        *,
        outbox: Iterable[str] = (),
    ) -> AppendResult:
        events = check_append(stream, events, expected_version)
        # Encode in the caller's thread, outside the write lock.
        encode = self._encode
        rows = [
            (
                event.id.bytes,
                event.type,
                encode(event.data),
                encode(event.metadata) if event.metadata else None,
                event.schema_version,
            )
            for event in events
        ]
        return self._write(self._append, stream, rows, expected_version, tuple(outbox))

    def _head_in(self, conn: sqlite3.Connection) -> int:
        if self._head is None:
            self._head = conn.execute(_HEAD).fetchone()[0]
        return self._head

    def _append(
        self,
        conn: sqlite3.Connection,
        stream: str,
        rows: list[_EventRow],
        expected: ExpectedVersion,
        outbox: tuple[str, ...],
    ) -> AppendResult:
        if self._head is None:
            version, state, self._head = conn.execute(
                _STREAM_STATE_AND_HEAD, (stream,)
            ).fetchone()
        else:
            version, state = conn.execute(_STREAM_STATE, (stream,)).fetchone()
        if state == TOMBSTONED:
            raise deleted(stream)
        version = version or 0
        if not (
            expected is ANY
            or (expected is NO_STREAM and version == 0)
            or (expected is STREAM_EXISTS and version > 0)
            or expected == version
        ):
            return self._resolve(conn, stream, rows, expected, version)
        position = self._head
        now = _now()
        if len(rows) == 1:
            (row,) = rows
            try:
                conn.execute(_INSERT, (position + 1, stream, version + 1, *row, now))
            except sqlite3.IntegrityError:
                raise _Repeat(self._resolver(stream, rows, expected, version)) from None
        else:
            records = [
                (position + n, stream, version + n, *row, now)
                for n, row in enumerate(rows, 1)
            ]
            try:
                conn.executemany(_INSERT, records)
            except sqlite3.IntegrityError:
                raise _Repeat(self._resolver(stream, rows, expected, version)) from None
        count = len(rows)
        self._head = position + count
        if state == ARCHIVED:
            conn.execute("DELETE FROM hidden_streams WHERE name = ?", (stream,))
        if outbox:
            conn.executemany(
                "INSERT INTO outbox (destination, position) VALUES (?, ?)",
                [
                    (destination, position + n)
                    for n in range(1, count + 1)
                    for destination in outbox
                ],
            )
        return AppendResult(
            stream, version + 1, version + count, position + 1, position + count
        )

    def _resolver(
        self,
        stream: str,
        rows: list[_EventRow],
        expected: ExpectedVersion,
        version: int,
    ) -> Callable[[sqlite3.Connection], AppendResult]:
        return lambda conn: self._resolve(conn, stream, rows, expected, version)

    def _resolve(
        self,
        conn: sqlite3.Connection,
        stream: str,
        rows: list[_EventRow],
        expected: ExpectedVersion,
        version: int,
    ) -> AppendResult:
        """An append that cannot go in as it is: a repeat, a partial repeat,
        or a version mismatch, in that order of precedence."""
        ids = [row[0] for row in rows]
        found: list[Any] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            sql = "SELECT stream, version, position, id FROM events WHERE id IN "
            sql += f"({marks})"
            found += conn.execute(sql, chunk).fetchall()
        if found:
            return repeat_or_conflict(stream, len(set(ids)), found, uuid_from_bytes)
        if expected is ANY or expected == version:
            raise ValueError(f"stream {stream!r}: an event id appears twice")
        raise ConcurrencyError(stream, expected, version)

    # -- reading -----

    def _read_events(
        self, query: _Query, sql: str, params: Sequence[Any]
    ) -> list[RecordedEvent]:
        with gc_paused():
            return self._events(query(sql, params))

    def _json_array(self, values: list[Any]) -> str:
        # A BLOB of another codec among them makes join raise TypeError.
        return "[" + ",".join(values) + "]"

    def _check_not_deleted(self, stream: str) -> None:
        rows = self._query(self._state_sql(), (stream,))
        if rows and rows[0][0] == TOMBSTONED:
            raise deleted(stream)

    def read_stream(
        self,
        stream: str,
        from_version: int = 1,
        *,
        backwards: bool = False,
        limit: int | None = None,
    ) -> list[RecordedEvent]:
        if backwards:
            sql = (
                f"SELECT {_COLUMNS} FROM events WHERE stream = ? AND version <= ?"
                " ORDER BY version DESC LIMIT ?"
            )
        else:
            sql = (
                f"SELECT {_COLUMNS} FROM events WHERE stream = ? AND version >= ?"
                " ORDER BY version LIMIT ?"
            )
        limit = -1 if limit is None else limit
        events = self._read_events(self._query, sql, (stream, from_version, limit))
        if not events:
            # Tombstoning deletes a stream's events, so only an empty read can
            # be of a deleted stream: one query less for every other read.
            self._check_not_deleted(stream)
        return events

    def read_stream_data(
        self, stream: str, from_version: int = 1, until_version: int | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """The (type, data) of a stream's events from `from_version` through
        `until_version` (inclusive; None for the latest), upcast: the lean read
        behind Repository.load, with no RecordedEvent, id or time per event."""
        until = _MAX_VERSION if until_version is None else until_version
        upcasters = self.upcasters
        sql = _DATA_UPCAST if upcasters else _DATA
        with gc_paused():
            rows = self._query(sql, (stream, from_version, until))
            if not rows:
                # A tombstoned stream has no events left: say it was deleted.
                self._check_not_deleted(stream)
                return []
            datas = self._decode_all([row[1] for row in rows])
            if upcasters:
                current = upcasters.current_version
                if any(row[2] < current(row[0]) for row in rows):
                    # Some events are of an older schema: read them in full
                    # (the same versions) and upcast them as read_stream does.
                    events = self.read_stream(stream, from_version, limit=len(rows))
                    return [(event.type, event.data) for event in events]
            return list(zip([row[0] for row in rows], datas, strict=True))

    def _types_condition(self, types: list[str]) -> tuple[str, list[Any]]:
        return f" AND e.type IN ({', '.join('?' * len(types))})", list(types)

    def _prefix_condition(self, prefix: str) -> tuple[str, list[Any]]:
        return " AND substr(e.stream, 1, ?) = ?", [len(prefix), prefix]

    def _time_param(self, moment: datetime) -> int:
        return _micros(moment)

    def _time_value(self, stored: int) -> datetime:
        return micros_to_datetime(stored)

    def _read_log(self, sql: str, params: list[Any]) -> list[RecordedEvent]:
        return self._read_events(self._query, sql, params)

    def head(self) -> int:
        head: int = self._query(_HEAD)[0][0]
        return head

    # -- snapshots -----

    def save_snapshot(
        self, stream: str, version: int, state: dict[str, Any], schema_version: int = 1
    ) -> None:
        self._write(self._save_snapshot, stream, version, state, schema_version)

    def _save_snapshot(
        self,
        conn: sqlite3.Connection,
        stream: str,
        version: int,
        state: dict[str, Any],
        schema_version: int,
    ) -> None:
        conn.execute(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (stream) DO UPDATE SET version = excluded.version,"
            " state = excluded.state, schema_version = excluded.schema_version,"
            " recorded_at = excluded.recorded_at"
            " WHERE excluded.version >= snapshots.version",
            (stream, version, self._encode(state), schema_version, _now()),
        )

    # -- stream lifecycle -----

    def archive(self, stream: str) -> None:
        self._write(self._archive, stream)

    def _archive(self, conn: sqlite3.Connection, stream: str) -> None:
        rows = conn.execute(
            "SELECT state FROM hidden_streams WHERE name = ?", (stream,)
        ).fetchall()
        if rows and rows[0][0] == TOMBSTONED:
            raise deleted(stream)
        conn.execute(
            "INSERT OR REPLACE INTO hidden_streams VALUES (?, ?)", (stream, ARCHIVED)
        )

    def tombstone(self, stream: str) -> None:
        self._write(self._tombstone, stream)

    def _tombstone(self, conn: sqlite3.Connection, stream: str) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO hidden_streams VALUES (?, ?)", (stream, TOMBSTONED)
        )
        conn.execute(
            "INSERT OR REPLACE INTO store_meta VALUES ('floor', ?)",
            (self._head_in(conn),),
        )
        conn.execute(
            "DELETE FROM outbox WHERE position IN"
            " (SELECT position FROM events WHERE stream = ?)",
            (stream,),
        )
        conn.execute("DELETE FROM events WHERE stream = ?", (stream,))
        conn.execute("DELETE FROM snapshots WHERE stream = ?", (stream,))

    # -- subscriptions -----

    def process(self, subscriber: str, handler: Handler, *, limit: int = 500) -> int:
        """One transaction for the batch, one SAVEPOINT per event: a handler
        that raises undoes its own writes and leaves the checkpoint before its
        event, and the events it already handled stay committed."""
        conn = self._conn
        processed = 0
        with self._lock:
            if self._owner == threading.get_ident():
                raise RuntimeError("process() cannot run inside a handler")
            if self._closed:
                raise sqlite3.ProgrammingError("the event store is closed")
            self._owner = threading.get_ident()
            try:
                conn.execute("BEGIN IMMEDIATE")
                self._head = None

                def query(sql: str, params: Sequence[Any] = ()) -> list[Any]:
                    return conn.execute(sql, params).fetchall()

                rows = query(
                    "SELECT position FROM checkpoints WHERE subscriber = ?",
                    (subscriber,),
                )
                after = rows[0][0] if rows else 0
                events = self._read_events(query, *self._log_sql(after, limit))
                for event in events:
                    head = self._head
                    tx = _SQLiteTransaction(self, conn)
                    conn.execute("SAVEPOINT event")
                    try:
                        handler(event, tx)
                        conn.execute(_MOVE_CHECKPOINT, (subscriber, event.position))
                    except BaseException:
                        conn.execute("ROLLBACK TO event")
                        conn.execute("RELEASE event")
                        self._head = head
                        conn.execute("COMMIT")
                        raise
                    conn.execute("RELEASE event")
                    processed += 1
                    if tx.appended:
                        # Commit now, as PostgreSQL does: the next handler
                        # reads (through other connections) what this one
                        # wrote, and waiting readers hear of it.
                        conn.execute("COMMIT")
                        self._notify()
                        conn.execute("BEGIN IMMEDIATE")
                        self._head = None
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                self._owner = None
        self._notify()
        return processed

    def rewind(
        self,
        subscriber: str,
        position: int = 0,
        reset: Callable[[Transaction], None] | None = None,
    ) -> None:
        check_position(position)
        self._write(self._rewind, subscriber, position, reset)

    def _rewind(
        self,
        conn: sqlite3.Connection,
        subscriber: str,
        position: int,
        reset: Callable[[Transaction], None] | None,
    ) -> None:
        if reset is not None:
            reset(_SQLiteTransaction(self, conn))
        conn.execute(_MOVE_CHECKPOINT, (subscriber, position))

    def wait_for_events(self, after: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        changed = self._changed
        while True:
            generation = self._generation
            if self.head() > after:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with changed:
                self._waiting += 1
                try:
                    if generation == self._generation:
                        changed.wait(min(remaining, self.poll_interval))
                finally:
                    self._waiting -= 1

    # -- transactional outbox -----

    def outbox_claim(self, relay: str, lease_seconds: float) -> bool:
        return self._write(self._claim, relay, lease_seconds)

    def _claim(
        self, conn: sqlite3.Connection, relay: str, lease_seconds: float
    ) -> bool:
        now = _now()
        cursor = conn.execute(
            "INSERT INTO leases VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE"
            " SET holder = excluded.holder, expires_at = excluded.expires_at"
            " WHERE leases.holder = excluded.holder OR leases.expires_at <= ?",
            (_OUTBOX_LEASE, relay, now + int(lease_seconds * 1_000_000), now),
        )
        return cursor.rowcount == 1

    def outbox_pending(self, limit: int = 100) -> list[dict[str, Any]]:
        return self._messages(
            f"SELECT o.id, o.destination, o.position, o.attempts, o.last_error,"
            f" {_E_COLUMNS} FROM outbox o JOIN events e ON e.position = o.position"
            " WHERE o.retry_at <= ? ORDER BY o.id LIMIT ?",
            (_now(), limit),
            PENDING_KEYS,
        )

    def outbox_done(self, message_id: int) -> None:
        self._write(self._outbox_done, message_id)

    @staticmethod
    def _outbox_done(conn: sqlite3.Connection, message_id: int) -> None:
        conn.execute("DELETE FROM outbox WHERE id = ?", (message_id,))

    def outbox_failed(self, message_id: int, error: str, retry_at: datetime) -> None:
        self._write(self._outbox_failed, message_id, error, _micros(retry_at))

    @staticmethod
    def _outbox_failed(
        conn: sqlite3.Connection, message_id: int, error: str, retry_at: int
    ) -> None:
        conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, retry_at = ?, last_error = ?"
            " WHERE id = ?",
            (retry_at, error, message_id),
        )

    def outbox_dead(self, message_id: int, error: str) -> None:
        self._write(self._outbox_dead, message_id, error)

    @staticmethod
    def _outbox_dead(conn: sqlite3.Connection, message_id: int, error: str) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO dead_letters"
            " SELECT id, destination, position, attempts + 1, ?, ? FROM outbox"
            " WHERE id = ?",
            (error, _now(), message_id),
        )
        conn.execute("DELETE FROM outbox WHERE id = ?", (message_id,))
