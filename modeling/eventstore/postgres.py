"""The PostgreSQL backend: concurrent writers, gap-free positions, LISTEN/NOTIFY.

psycopg 3 is the only dependency, imported here and nowhere else.

Gap-free positions without a table lock
---------------------------------------
Writers to different streams run in parallel: each append takes only an
advisory lock on its own stream (for the version check) and does its checks
and reads first. The global position comes from a one-row counter (`head`),
taken by `UPDATE ... RETURNING` as the very last step before COMMIT. The row
lock is released only once the transaction is visible to everybody, so the
next writer gets position N + 1 only after N is visible: positions become
visible in order, and a tailing reader (`position > after`) never skips an
event that commits late. There are no holes either (a rollback after the
counter moved also rolls the counter back).

Holding that row lock through a synchronous COMMIT would serialise every
writer on the WAL flush (about one fsync each; group commit is lost). So the
append transaction commits with `synchronous_commit = off`, which releases the
lock as soon as the commit is in memory (microseconds), and the writer then
commits a tiny synchronous "barrier" transaction (a transactional logical
message) whose flush covers its own append: `append` returns only once its
events are on disk, and concurrent barriers share fsyncs (group commit).

A reader can see an event in the short window between its commit and that
flush. A crash in the window loses the tail of the log for everybody, and
since WAL is flushed in order, anything committed later in the database (a
subscriber's checkpoint, a read model row) is lost with it, so nothing inside
the database ever sees a gap. For the outside world, `outbox_pending` flushes
before handing out messages, so the relay never publishes an event that a
crash could still take back.

The append itself is one PL/pgSQL function (one round trip, plans cached per
connection), created with the tables on first use. A single-event append()
calls a procedure of its own with plain (not array) arguments and the body
inline: building and parsing the arrays cost more than the statements.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import errors as pg_errors

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
    repeat_or_conflict,
)
from .codec import Codec, JSONCodec
from .upcasting import Upcasters

# How the function receives expected_version (an exact version is >= 0).
_EXPECTED_CODES = {id(ANY): -1, id(NO_STREAM): -2, id(STREAM_EXISTS): -3}

# append_events() status codes
_APPENDED, _MISMATCH, _SEEN, _DELETED = 0, 1, 2, 3

# What every append checks under the stream's lock, in this order: the
# stream's tombstone, a repeated event id, the expected version; then an
# archived stream comes back. Shared by both append functions below.
_GUARDS = """
    IF hidden = {tombstoned} THEN
        status := {deleted};
        RETURN;
    END IF;
    IF seen THEN
        status := {seen_code};
        RETURN;
    END IF;
    IF NOT (p_expected = -1
            OR (p_expected = -2 AND version = 0)
            OR (p_expected = -3 AND version > 0)
            OR p_expected = version) THEN
        status := {mismatch};
        RETURN;
    END IF;
    IF hidden = {archived} THEN
        DELETE FROM {s}.hidden_streams h WHERE h.name = p_stream;
    END IF;
"""

_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.events (
    position bigint PRIMARY KEY,
    stream text NOT NULL,
    version bigint NOT NULL,
    id uuid NOT NULL UNIQUE,
    type text NOT NULL,
    data bytea NOT NULL,
    metadata bytea,
    schema_version integer NOT NULL,
    recorded_at timestamptz NOT NULL,
    UNIQUE (stream, version)
);
CREATE TABLE IF NOT EXISTS {s}.head (
    id integer PRIMARY KEY CHECK (id = 1),
    position bigint NOT NULL
);
INSERT INTO {s}.head VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS {s}.hidden_streams (
    name text PRIMARY KEY,
    state smallint NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.snapshots (
    stream text PRIMARY KEY,
    version bigint NOT NULL,
    state bytea NOT NULL,
    schema_version integer NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.checkpoints (
    subscriber text PRIMARY KEY,
    position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.outbox (
    id bigserial PRIMARY KEY,
    destination text NOT NULL,
    position bigint NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    retry_at timestamptz NOT NULL DEFAULT '-infinity',
    last_error text
);
CREATE TABLE IF NOT EXISTS {s}.dead_letters (
    id bigint PRIMARY KEY,
    destination text NOT NULL,
    position bigint NOT NULL,
    attempts integer NOT NULL,
    error text,
    died_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.leases (
    name text PRIMARY KEY,
    holder text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE OR REPLACE FUNCTION {s}.append_events(
    p_stream text, p_expected bigint, p_ids uuid[], p_types text[],
    p_data bytea[], p_meta bytea[], p_schemas integer[], p_outbox text[],
    OUT status integer, OUT version bigint, OUT base bigint,
    OUT recorded_at timestamptz)
-- Plans are cached per connection, and one made while the table was nearly
-- empty would scan it on every append; every lookup here has an index, so
-- the cached plans use them. (Re-planning each call instead costs more.)
SET enable_seqscan = off
LANGUAGE plpgsql AS $fn$
DECLARE
    n integer := cardinality(p_ids);
    hidden smallint;
    seen boolean;
BEGIN
    -- Writers of one stream queue here; writers of other streams do not.
    PERFORM pg_advisory_xact_lock({lock_seed}, hashtext(p_stream));
    SELECT (SELECT h.state FROM {s}.hidden_streams h WHERE h.name = p_stream),
           (SELECT coalesce(max(e.version), 0) FROM {s}.events e
             WHERE e.stream = p_stream),
           EXISTS (SELECT FROM {s}.events e WHERE e.id = ANY (p_ids))
      INTO hidden, version, seen;
{guards}    -- Last: the counter's row lock is held from here to the commit only.
    UPDATE {s}.head SET position = head.position + n WHERE id = 1
        RETURNING head.position - n INTO base;
    recorded_at := clock_timestamp();
    INSERT INTO {s}.events (position, stream, version, id, type, data,
                            metadata, schema_version, recorded_at)
    SELECT base + i, p_stream, version + i, p_ids[i], p_types[i], p_data[i],
           p_meta[i], p_schemas[i], recorded_at
      FROM generate_series(1, n) AS i;
    IF cardinality(p_outbox) > 0 THEN
        INSERT INTO {s}.outbox (destination, position)
        SELECT d, base + i FROM generate_series(1, n) AS i, unnest(p_outbox) AS d
         ORDER BY i;
    END IF;
    PERFORM pg_notify({channel}, (base + n)::text);
    -- Released at commit, not at the flush: see the module's docstring.
    PERFORM set_config('synchronous_commit', 'off', true);
    status := {appended};
END
$fn$;
-- append() outside a transaction: one round trip for the append, its quick
-- commit and the barrier that waits for the flush (see the module docstring).
CREATE OR REPLACE PROCEDURE {s}.append_durably(
    p_stream text, p_expected bigint, p_ids uuid[], p_types text[],
    p_data bytea[], p_meta bytea[], p_schemas integer[], p_outbox text[],
    INOUT status integer DEFAULT NULL, INOUT version bigint DEFAULT NULL,
    INOUT base bigint DEFAULT NULL, INOUT recorded_at timestamptz DEFAULT NULL)
LANGUAGE plpgsql AS $fn$
BEGIN
    SELECT a.status, a.version, a.base, a.recorded_at
      INTO status, version, base, recorded_at
      FROM {s}.append_events(p_stream, p_expected, p_ids, p_types, p_data,
                             p_meta, p_schemas, p_outbox) AS a;
    IF status = {appended} THEN
        COMMIT;  -- asynchronous: releases the head row at once
        PERFORM pg_logical_emit_message(true, 'eventstore', '');
    END IF;
END
$fn$;
-- The same for one event, with plain arguments and the body inline: arrays
-- cost the client and the server about 100 us per call to build and parse,
-- and the nested call more. (A procedure that commits cannot have SET
-- clauses, so enable_seqscan is set for the transaction instead.)
CREATE OR REPLACE PROCEDURE {s}.append_one_durably(
    p_stream text, p_expected bigint, p_id uuid, p_type text, p_data bytea,
    p_meta bytea, p_schema integer, p_outbox text[],
    INOUT status integer DEFAULT NULL, INOUT version bigint DEFAULT NULL,
    INOUT base bigint DEFAULT NULL, INOUT recorded_at timestamptz DEFAULT NULL)
LANGUAGE plpgsql AS $fn$
DECLARE
    hidden smallint;
    seen boolean;
BEGIN
    PERFORM pg_advisory_xact_lock({lock_seed}, hashtext(p_stream)),
            set_config('enable_seqscan', 'off', true);
    SELECT (SELECT h.state FROM {s}.hidden_streams h WHERE h.name = p_stream),
           (SELECT coalesce(max(e.version), 0) FROM {s}.events e
             WHERE e.stream = p_stream),
           EXISTS (SELECT FROM {s}.events e WHERE e.id = p_id)
      INTO hidden, version, seen;
{guards}    UPDATE {s}.head SET position = head.position + 1 WHERE id = 1
        RETURNING head.position - 1 INTO base;
    recorded_at := clock_timestamp();
    INSERT INTO {s}.events (position, stream, version, id, type, data,
                            metadata, schema_version, recorded_at)
    VALUES (base + 1, p_stream, version + 1, p_id, p_type, p_data, p_meta,
            p_schema, recorded_at);
    IF cardinality(p_outbox) > 0 THEN
        INSERT INTO {s}.outbox (destination, position)
        SELECT d, base + 1 FROM unnest(p_outbox) WITH ORDINALITY AS o (d, k)
         ORDER BY k;
    END IF;
    PERFORM pg_notify({channel}, (base + 1)::text),
            set_config('synchronous_commit', 'off', true);
    status := {appended};
    COMMIT;  -- asynchronous, as in append_durably
    PERFORM pg_logical_emit_message(true, 'eventstore', '');
END
$fn$;
"""

# The id as its 16 bytes: psycopg builds a UUID per row in Python, while the
# event builds it only when asked (see RecordedEvent).
_COLUMNS = (
    "position, stream, version, uuid_send(id), type, data, metadata,"
    " schema_version, recorded_at"
)
_E_COLUMNS = (
    "e.position, e.stream, e.version, uuid_send(e.id), e.type, e.data,"
    " e.metadata, e.schema_version, e.recorded_at"
)

# A transactional message writes WAL under a transaction id, so its commit
# waits for the flush of everything before it: the barrier after an append.
_BARRIER = "SELECT pg_logical_emit_message(true, 'eventstore', '')"

_ARGUMENTS = (
    "(%s, %s::bigint, %s::uuid[], %s::text[], %s::bytea[], %s::bytea[],"
    " %s::integer[], %s::text[])"
)

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


class _PostgresTransaction(Transaction):
    """The handler's view of process()'s transaction: its first write opens
    a savepoint, so a handler that raises undoes its own writes only."""

    def __init__(self, store: PostgresEventStore, conn: psycopg.Connection) -> None:
        self._store, self._conn = store, conn
        self.savepoint = False
        self.appended = False

    def _enter(self) -> None:
        if not self.savepoint:
            self._conn.execute("SAVEPOINT handler")
            self.savepoint = True

    def append(
        self,
        stream: str,
        events: Sequence[NewEvent],
        expected_version: ExpectedVersion = ANY,
        *,
        outbox: Iterable[str] = (),
    ) -> AppendResult:
        self._enter()
        self.appended = True  # the commit needs a barrier, even after an error
        return self._store._append_on(
            self._conn, stream, events, expected_version, list(outbox)
        )

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run the subscriber's SQL (psycopg `%s` parameters); returns its rows."""
        self._enter()
        cursor = self._conn.execute(sql, params or None)
        return cursor.fetchall() if cursor.description else []


class PostgresEventStore(SQLEventStore):
    """The event store in a PostgreSQL schema (`eventstore` unless told)."""

    # How long wait_for_events trusts the listener before looking itself.
    poll_interval = 1.0

    # The dialect (see SQLEventStore); `tables` is set per schema.
    P = "%s"
    e_columns = _E_COLUMNS

    def __init__(
        self,
        dsn: str,
        *,
        codec: Codec | None = None,
        upcasters: Upcasters | None = None,
        pool_size: int = 10,
        schema: str = "eventstore",
    ) -> None:
        if not _IDENTIFIER.match(schema):
            raise ValueError(f"not a plain lower-case schema name: {schema!r}")
        self.dsn = dsn
        self.schema = schema
        self.tables = f"{schema}."
        codec = codec if codec is not None else JSONCodec()
        self.codec = codec
        self._encode, self._decode = codec.encode, codec.decode
        # The default codec's bytes are UTF-8 JSON: many values are joined and
        # decoded in one call (same package, so the private parts).
        self._json_text: Callable[[str], list[dict[str, Any]]] | None = (
            codec._decode if type(codec) is JSONCodec else None
        )
        self.upcasters = upcasters if upcasters is not None else Upcasters()
        self.pool_size = pool_size
        self._channel = f"eventstore_{schema}"
        self._lock_seed = _seed(schema)
        self._idle: list[psycopg.Connection] = []
        self._pool_lock = threading.Lock()
        self._closed = False
        self._sql = self._statements(schema)
        self._listener: threading.Thread | None = None
        self._listen_lock = threading.Lock()
        self._seen = 0  # the highest head a notification announced
        self._changed = threading.Condition()
        self._create_schema()

    # -- SQL, formatted once per schema -----

    @staticmethod
    def _statements(s: str) -> dict[str, str]:
        sql = {
            "append": (
                f"SELECT status, version, base, recorded_at FROM {s}.append_events"
                + _ARGUMENTS
            ),
            "append_durably": f"CALL {s}.append_durably" + _ARGUMENTS,
            "append_one_durably": f"CALL {s}.append_one_durably(%s, %s::bigint,"
            " %s::uuid, %s, %s::bytea, %s::bytea, %s::integer, %s::text[])",
            "seen": f"SELECT stream, version, position, id FROM {s}.events"
            " WHERE id = ANY (%s::uuid[])",
            "forwards": f"SELECT {_COLUMNS} FROM {s}.events WHERE stream = %s"
            " AND version >= %s ORDER BY version LIMIT %s",
            "backwards": f"SELECT {_COLUMNS} FROM {s}.events WHERE stream = %s"
            " AND version <= %s ORDER BY version DESC LIMIT %s",
            "stream_data": "SELECT type, data{schemas}"
            f" FROM {s}.events WHERE stream = %s AND version >= %s"
            " AND version <= %s ORDER BY version",
            "head": f"SELECT position FROM {s}.head WHERE id = 1",
            "lock_stream": "SELECT pg_advisory_xact_lock(%s::integer, hashtext(%s))",
            "save_snapshot": f"INSERT INTO {s}.snapshots AS s"
            " VALUES (%s, %s, %s, %s, clock_timestamp())"
            " ON CONFLICT (stream) DO UPDATE SET version = excluded.version,"
            " state = excluded.state, schema_version = excluded.schema_version,"
            " recorded_at = excluded.recorded_at"
            " WHERE excluded.version >= s.version",
            "hide": f"INSERT INTO {s}.hidden_streams VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET state = excluded.state",
            "drop_outbox": f"DELETE FROM {s}.outbox WHERE position IN"
            f" (SELECT position FROM {s}.events WHERE stream = %s)",
            "drop_events": f"DELETE FROM {s}.events WHERE stream = %s",
            "drop_snapshot": f"DELETE FROM {s}.snapshots WHERE stream = %s",
            # Creates the row on first use and locks it either way.
            "lock_checkpoint": f"INSERT INTO {s}.checkpoints AS c VALUES (%s, 0)"
            " ON CONFLICT (subscriber) DO UPDATE SET position = c.position"
            " RETURNING position",
            "move_checkpoint": f"UPDATE {s}.checkpoints SET position = %s"
            " WHERE subscriber = %s",
            "claim": f"INSERT INTO {s}.leases AS l VALUES"
            " ('outbox', %s, now() + make_interval(secs => %s))"
            " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
            " expires_at = excluded.expires_at"
            " WHERE l.holder = excluded.holder OR l.expires_at <= now()"
            " RETURNING 1",
            "pending": "SELECT o.id, o.destination, o.position, o.attempts,"
            f" o.last_error, {_E_COLUMNS} FROM {s}.outbox o"
            f" JOIN {s}.events e ON e.position = o.position"
            " WHERE o.retry_at <= now() ORDER BY o.id LIMIT %s",
            "done": f"DELETE FROM {s}.outbox WHERE id = %s",
            "failed": f"UPDATE {s}.outbox SET attempts = attempts + 1,"
            " retry_at = %s, last_error = %s WHERE id = %s",
            "dead": f"WITH gone AS (DELETE FROM {s}.outbox WHERE id = %s"
            " RETURNING id, destination, position, attempts)"
            f" INSERT INTO {s}.dead_letters"
            " SELECT id, destination, position, attempts + 1, %s, now() FROM gone"
            " ON CONFLICT (id) DO NOTHING",
        }
        # read_stream_data: schema versions are fetched only for upcasting.
        template = sql.pop("stream_data")
        sql["stream_data"] = template.format(schemas="")
        sql["stream_data_versioned"] = template.format(schemas=", schema_version")
        return sql

    def _create_schema(self) -> None:
        names = {
            "s": self.schema,
            "lock_seed": self._lock_seed,
            "channel": _literal(self._channel),
            "tombstoned": TOMBSTONED,
            "archived": ARCHIVED,
            "deleted": _DELETED,
            "seen_code": _SEEN,
            "mismatch": _MISMATCH,
            "appended": _APPENDED,
        }
        ddl = _SCHEMA.format(guards=_GUARDS.strip("\n").format(**names), **names)
        with self._connection() as conn, conn.transaction():
            # Concurrent CREATE ... IF NOT EXISTS can still collide: take turns.
            conn.execute(
                "SELECT pg_advisory_xact_lock(%s::integer, 0)", (self._lock_seed,)
            )
            conn.execute(ddl, prepare=False)

    # -- connections -----

    def _connect(self) -> psycopg.Connection:
        # Autocommit: a single statement is its own transaction (one round
        # trip); multi-statement work opens BEGIN ... COMMIT explicitly.
        conn = psycopg.connect(self.dsn, autocommit=True, prepare_threshold=0)
        conn.execute("SET TIME ZONE 'UTC'")
        return conn

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; broken or mid-transaction ones are dropped."""
        if self._closed:
            raise psycopg.InterfaceError("the event store is closed")
        with self._pool_lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect()
        try:
            yield conn
        finally:
            if conn.closed or conn.info.transaction_status != _IDLE:
                conn.close()
            else:
                with self._pool_lock:
                    if self._closed or len(self._idle) >= self.pool_size:
                        keep = False
                    else:
                        self._idle.append(conn)
                        keep = True
                if not keep:
                    conn.close()

    def _query(
        self, sql: str, params: Sequence[Any] = (), *, binary: bool = True
    ) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            rows: list[tuple[Any, ...]]
            cursor = conn.cursor(binary=binary)
            rows = cursor.execute(sql, params or None).fetchall()
            return rows

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Read with SQL of your own (read models written through tx.execute)."""
        return self._query(sql, params, binary=False)

    def close(self) -> None:
        with self._pool_lock:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        # The listener thread sees _closed within its poll and closes its
        # connection itself.

    # -- appending -----

    def append(
        self,
        stream: str,
        events: Sequence[NewEvent],
        expected_version: ExpectedVersion = ANY,
        *,
        outbox: Iterable[str] = (),
    ) -> AppendResult:
        destinations = list(outbox)
        with self._connection() as conn:
            try:
                return self._append_on(
                    conn, stream, events, expected_version, destinations, durably=True
                )
            except pg_errors.UniqueViolation:
                # The same id raced in from another stream; a second attempt
                # sees it and says whether this is a repeat or a conflict.
                return self._append_on(
                    conn, stream, events, expected_version, destinations, durably=True
                )

    def _append_on(
        self,
        conn: psycopg.Connection,
        stream: str,
        events: Sequence[NewEvent],
        expected: ExpectedVersion,
        outbox: list[str],
        *,
        durably: bool = False,
    ) -> AppendResult:
        """Append on `conn`: `durably` in a transaction of its own that waits
        for the flush, else inside the caller's transaction (whose commit must
        be followed by the barrier)."""
        events = check_append(stream, events, expected)
        code = _EXPECTED_CODES.get(id(expected))
        if code is None:
            assert type(expected) is int  # check_append let it through
            code = expected
        encode = self._encode
        ids = [event.id for event in events]
        if len(set(ids)) != len(ids):
            raise ValueError(f"stream {stream!r}: an event id appears twice")
        if durably and len(events) == 1:
            event = events[0]
            row = conn.execute(
                self._sql["append_one_durably"],
                (
                    stream,
                    code,
                    event.id,
                    event.type,
                    encode(event.data),
                    encode(event.metadata) if event.metadata else None,
                    event.schema_version,
                    outbox or None,
                ),
            ).fetchone()
        else:
            row = conn.execute(
                self._sql["append_durably" if durably else "append"],
                (
                    stream,
                    code,
                    ids,
                    [event.type for event in events],
                    [encode(event.data) for event in events],
                    [
                        encode(event.metadata) if event.metadata else None
                        for event in events
                    ],
                    [event.schema_version for event in events],
                    outbox,
                ),
            ).fetchone()
        assert row is not None  # the function and the procedures return one row
        status, version, base, _ = row
        count = len(events)
        if status == _APPENDED:
            return AppendResult(
                stream, version + 1, version + count, base + 1, base + count
            )
        if status == _DELETED:
            raise deleted(stream)
        if status == _MISMATCH:
            raise ConcurrencyError(stream, expected, version)
        return self._resolve(conn, stream, ids)

    def _resolve(
        self, conn: psycopg.Connection, stream: str, ids: list[uuid.UUID]
    ) -> AppendResult:
        """Some ids are recorded: a repeat of the whole append, or a conflict."""
        found = conn.execute(self._sql["seen"], (ids,)).fetchall()
        return repeat_or_conflict(stream, len(ids), found)

    # -- reading -----

    def _json_array(self, values: list[Any]) -> str:
        return (b"[" + b",".join(values) + b"]").decode()

    def _check_not_deleted(self, conn: psycopg.Connection, stream: str) -> None:
        rows = conn.execute(self._state_sql(), (stream,)).fetchall()
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
        sql = self._sql["backwards" if backwards else "forwards"]
        with gc_paused(), self._connection() as conn:
            rows = (
                conn.cursor(binary=True)
                .execute(sql, (stream, from_version, limit))
                .fetchall()
            )
            if not rows:
                # A tombstone deletes the events: only an empty read can be one.
                self._check_not_deleted(conn, stream)
            return self._events(rows)

    def read_stream_data(
        self, stream: str, from_version: int = 1, until_version: int | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """The (type, data) of a stream's events from `from_version` up to
        `until_version` (inclusive; None: the end), upcast: what an aggregate
        needs to load, without a RecordedEvent per event."""
        upcasters = self.upcasters
        suffix = "_versioned" if upcasters else ""
        params = (
            stream,
            from_version,
            _NO_END if until_version is None else until_version,
        )
        # Plain rows, joined into one JSON array here: an aggregate doing the
        # same on the server sorts its input once per aggregate, and costs
        # more than it saves.
        with gc_paused():
            with self._connection() as conn:
                rows = (
                    conn.cursor(binary=True)
                    .execute(self._sql["stream_data" + suffix], params)
                    .fetchall()
                )
                if not rows:
                    self._check_not_deleted(conn, stream)
                    return []
            types = [row[0] for row in rows]
            datas = self._decode_all([row[1] for row in rows])
        schemas = [row[2] for row in rows] if upcasters else None
        if schemas is not None:
            current = upcasters.current_version
            for i, (type_, schema) in enumerate(zip(types, schemas, strict=True)):
                if schema < current(type_):
                    datas[i] = _upcast_data(upcasters, type_, schema, datas[i])
        return list(zip(types, datas, strict=True))

    def _types_condition(self, types: list[str]) -> tuple[str, list[Any]]:
        return " AND e.type = ANY (%s::text[])", [types]

    def _prefix_condition(self, prefix: str) -> tuple[str, list[Any]]:
        return " AND starts_with(e.stream, %s)", [prefix]

    def _time_param(self, moment: datetime) -> datetime:
        return moment

    def _time_value(self, stored: datetime) -> datetime:
        return stored

    def _read_log(self, sql: str, params: list[Any]) -> list[RecordedEvent]:
        with self._connection() as conn:
            return self._select_on(conn, sql, params)

    def _select_on(
        self, conn: psycopg.Connection, sql: str, params: Sequence[Any]
    ) -> list[RecordedEvent]:
        with gc_paused():
            cursor = conn.cursor(binary=True)
            return self._events(cursor.execute(sql, params).fetchall())

    def head(self) -> int:
        head: int = self._query(self._sql["head"])[0][0]
        return head

    # -- snapshots -----

    def save_snapshot(
        self, stream: str, version: int, state: dict[str, Any], schema_version: int = 1
    ) -> None:
        with self._connection() as conn:
            conn.execute(
                self._sql["save_snapshot"],
                (stream, version, self._encode(state), schema_version),
            )

    # -- stream lifecycle -----

    def archive(self, stream: str) -> None:
        with self._connection() as conn, conn.transaction():
            conn.execute(self._sql["lock_stream"], (self._lock_seed, stream))
            self._check_not_deleted(conn, stream)
            conn.execute(self._sql["hide"], (stream, ARCHIVED))

    def tombstone(self, stream: str) -> None:
        sql = self._sql
        with self._connection() as conn, conn.transaction():
            conn.execute(sql["lock_stream"], (self._lock_seed, stream))
            conn.execute(sql["hide"], (stream, TOMBSTONED))
            conn.execute(sql["drop_outbox"], (stream,))
            conn.execute(sql["drop_events"], (stream,))
            conn.execute(sql["drop_snapshot"], (stream,))

    # -- subscriptions -----

    def process(self, subscriber: str, handler: Handler, *, limit: int = 500) -> int:
        """One transaction for the batch, holding the subscriber's checkpoint
        row (a second process of the same subscriber waits, then goes on from
        where this one stopped). A handler's first write opens a savepoint, so
        one that raises undoes its own writes and leaves the checkpoint before
        its event, and the events already handled stay committed. A handler
        that appends ends the transaction at once (with the checkpoint), so
        the head counter's lock is never held across other handlers."""
        sql = self._sql
        processed = 0
        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                row = conn.execute(sql["lock_checkpoint"], (subscriber,)).fetchone()
                assert row is not None  # the statement returns the row it locks
                done: int = row[0]
                events = self._select_on(conn, *self._log_sql(done, limit))
                for event in events:
                    tx = _PostgresTransaction(self, conn)
                    try:
                        handler(event, tx)
                    except BaseException:
                        if tx.savepoint:
                            conn.execute("ROLLBACK TO SAVEPOINT handler")
                        self._commit_checkpoint(conn, subscriber, done, tx.appended)
                        raise
                    if tx.savepoint:
                        conn.execute("RELEASE SAVEPOINT handler")
                    done = event.position
                    processed += 1
                    if tx.appended:
                        self._commit_checkpoint(conn, subscriber, done, True)
                        conn.execute("BEGIN")
                        row = conn.execute(
                            sql["lock_checkpoint"], (subscriber,)
                        ).fetchone()
                        assert row is not None
                        if row[0] != done:
                            break  # another process took over meanwhile
                self._commit_checkpoint(conn, subscriber, done, False)
            finally:
                if conn.info.transaction_status != _IDLE:
                    conn.execute("ROLLBACK")
        return processed

    def rewind(
        self,
        subscriber: str,
        position: int = 0,
        reset: Callable[[Transaction], None] | None = None,
    ) -> None:
        check_position(position)
        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                # The row lock waits for a process() of the subscriber to end.
                conn.execute(self._sql["lock_checkpoint"], (subscriber,))
                tx = _PostgresTransaction(self, conn)
                if reset is not None:
                    reset(tx)
                if tx.savepoint:
                    conn.execute("RELEASE SAVEPOINT handler")
                self._commit_checkpoint(conn, subscriber, position, tx.appended)
            finally:
                if conn.info.transaction_status != _IDLE:
                    conn.execute("ROLLBACK")

    def _commit_checkpoint(
        self, conn: psycopg.Connection, subscriber: str, position: int, appended: bool
    ) -> None:
        conn.execute(self._sql["move_checkpoint"], (position, subscriber))
        conn.execute("COMMIT")
        if appended:
            conn.execute(_BARRIER)  # see append()

    # -- waiting for new events: LISTEN/NOTIFY -----

    def _start_listener(self) -> None:
        with self._listen_lock:
            if self._listener is not None and self._listener.is_alive():
                return
            conn = self._connect()
            conn.execute(f"LISTEN {self._channel}")
            thread = threading.Thread(
                target=self._listen, args=(conn,), name="eventstore-listen", daemon=True
            )
            self._listener = thread
            thread.start()

    def _listen(self, conn: psycopg.Connection) -> None:
        try:
            while not self._closed:
                for note in conn.notifies(timeout=0.2):
                    try:
                        position = int(note.payload)
                    except ValueError:
                        continue
                    if position > self._seen:
                        with self._changed:
                            self._seen = position
                            self._changed.notify_all()
        except psycopg.Error:
            pass  # the next wait_for_events starts a new listener
        finally:
            conn.close()

    def wait_for_events(self, after: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        # LISTEN first, then look: a commit after the look is announced.
        self._start_listener()
        while True:
            if self._seen > after or self.head() > after:
                return True
            with self._changed:
                while self._seen <= after:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    if not self._changed.wait(min(remaining, self.poll_interval)):
                        break  # no word for a while: look at the head again
                else:
                    return True

    # -- transactional outbox -----

    def outbox_claim(self, relay: str, lease_seconds: float) -> bool:
        return bool(self._query(self._sql["claim"], (relay, lease_seconds)))

    def outbox_pending(self, limit: int = 100) -> list[dict[str, Any]]:
        messages = self._messages(
            self._sql["pending"],
            (limit,),
            PENDING_KEYS,
        )
        if messages:
            # Their appends may not be flushed yet: never publish what a crash
            # could still take back.
            with self._connection() as conn:
                conn.execute(_BARRIER)
        return messages

    def outbox_done(self, message_id: int) -> None:
        with self._connection() as conn:
            conn.execute(self._sql["done"], (message_id,))

    def outbox_failed(self, message_id: int, error: str, retry_at: datetime) -> None:
        with self._connection() as conn:
            conn.execute(self._sql["failed"], (retry_at, error, message_id))

    def outbox_dead(self, message_id: int, error: str) -> None:
        with self._connection() as conn:
            conn.execute(self._sql["dead"], (message_id, error))


_IDLE = psycopg.pq.TransactionStatus.IDLE

# until_version=None: no upper bound (a bigint).
_NO_END = 2**63 - 1


# The stand-in event that carries old data through the upcasters has no id or time.
_NO_ID = uuid.UUID(int=0)
_NO_TIME = datetime.min.replace(tzinfo=UTC)


def _upcast_data(
    upcasters: Upcasters, event_type: str, schema_version: int, data: dict[str, Any]
) -> dict[str, Any]:
    """Data of an old schema in its type's current one (Upcasters' chain)."""
    event = RecordedEvent(
        _NO_ID, "", 0, 0, event_type, data, {}, schema_version, _NO_TIME
    )
    return upcasters.upcast(event).data


def _seed(schema: str) -> int:
    """A stable 32-bit key space for this schema's advisory locks."""
    value = 0
    for byte in schema.encode():
        value = (value * 31 + byte) & 0x7FFFFFFF
    return value


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


__all__ = ["PostgresEventStore"]
