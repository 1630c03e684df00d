"""What the SQL backends share: the rules and the SQL that are the same on
SQLite and PostgreSQL, written once so that they cannot drift apart.

A backend subclasses `SQLEventStore` and gives its dialect as small hooks:
the parameter marker, where its tables live, how it filters by type and by
stream prefix, how it stores a time and how it reads rows. What is left in
`sqlite.py` and `postgres.py` is what really differs: connections,
transactions, the write path and waiting.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from .base import (
    ANY,
    NO_STREAM,
    STREAM_EXISTS,
    EventStore,
    ExpectedVersion,
    NewEvent,
    RecordedEvent,
    Snapshot,
    StreamDeleted,
    outbox_messages,
    recorded_events,
)
from .upcasting import Upcasters

# hidden_streams.state
ARCHIVED = 1
TOMBSTONED = 2

# The columns of an outbox message and of a dead letter, before the event's.
PENDING_KEYS = ("id", "destination", "position", "attempts", "last_error")
DEAD_KEYS = ("id", "destination", "position", "attempts", "error")


def check_append(
    stream: str, events: Sequence[NewEvent], expected: ExpectedVersion
) -> Sequence[NewEvent]:
    """The arguments of an append, checked before any database work; a lone
    NewEvent is taken as a list of one."""
    if not isinstance(stream, str) or not stream:
        raise ValueError("a stream name is a non-empty string")
    if not (
        expected is ANY
        or expected is NO_STREAM
        or expected is STREAM_EXISTS
        or (type(expected) is int and expected >= 0)
    ):
        raise ValueError(f"not an expected version: {expected!r}")
    if isinstance(events, NewEvent):
        events = (events,)
    if not events:
        raise ValueError("nothing to append")
    return events


def check_position(position: int) -> None:
    """A checkpoint to rewind to: a position, 0 or more."""
    if type(position) is not int or position < 0:
        raise ValueError(f"not a position: {position!r}")


def deleted(stream: str) -> StreamDeleted:
    return StreamDeleted(f"stream {stream!r} was deleted")


class SQLEventStore(EventStore):
    """The event store over SQL; the dialect comes from the hooks below."""

    # -- the dialect -----

    # The parameter marker: "?" (sqlite3) or "%s" (psycopg).
    P: str
    # The tables' prefix: "" or a schema and a dot.
    tables: str
    # The event columns, `e.` prefixed, in the order recorded_events reads.
    e_columns: str

    upcasters: Upcasters
    _decode: Callable[[Any], dict[str, Any]]
    # The default codec's decoder of a JSON array, else None.
    _json_text: Callable[[str], list[dict[str, Any]]] | None

    @abc.abstractmethod
    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run a SELECT outside any transaction; its rows."""

    @abc.abstractmethod
    def _types_condition(self, types: list[str]) -> tuple[str, list[Any]]:
        """`AND ...` keeping the events of these types, and its parameters."""

    @abc.abstractmethod
    def _prefix_condition(self, prefix: str) -> tuple[str, list[Any]]:
        """`AND ...` keeping the streams whose name starts with `prefix`."""

    @abc.abstractmethod
    def _time_param(self, moment: datetime) -> Any:
        """A time as the backend stores it."""

    @abc.abstractmethod
    def _time_value(self, stored: Any) -> datetime:
        """A stored time as an aware datetime."""

    @abc.abstractmethod
    def _json_array(self, values: list[Any]) -> str:
        """Encoded JSON values as the text of one JSON array."""

    # -- decoding -----

    def _decode_all(self, values: list[Any]) -> list[dict[str, Any]]:
        """Decode many values. JSON texts are joined into one array and decoded
        in one call: about three times faster than one call per value."""
        if self._json_text is not None and values:
            try:
                return self._json_text(self._json_array(values))
            except TypeError:  # a value written by another codec (SQLite BLOB)
                pass
        decode = self._decode
        return [decode(value) for value in values]

    def _events(self, rows: Sequence[Sequence[Any]]) -> list[RecordedEvent]:
        """Rows of the event columns as upcast RecordedEvents. The id (bytes)
        and, on SQLite, the time (microseconds) go in as stored: the event
        converts them when they are first read."""
        datas = self._decode_all([row[5] for row in rows])
        metas = self._decode_all([row[6] for row in rows if row[6] is not None])
        return self.upcasters.upcast_all(recorded_events(rows, datas, metas))

    # -- the global log -----

    def _log_sql(
        self,
        after: int,
        limit: int,
        types: Iterable[str] | None = None,
        stream_prefix: str | None = None,
        until_position: int | None = None,
        until_time: datetime | None = None,
    ) -> tuple[str, list[Any]]:
        """A page of the global log: the SELECT and its parameters. Archived
        streams are left out in the same statement that reads the page, so
        the page and the filter see one state of the database."""
        p, t = self.P, self.tables
        sql = (
            f"SELECT {self.e_columns} FROM {t}events e WHERE e.position > {p}"
            f" AND e.stream NOT IN"
            f" (SELECT name FROM {t}hidden_streams WHERE state = {ARCHIVED})"
        )
        params: list[Any] = [after]
        if until_position is not None:
            sql += f" AND e.position <= {p}"
            params.append(until_position)
        if until_time is not None:
            sql += f" AND e.recorded_at <= {p}"
            params.append(self._time_param(until_time))
        if types is not None:
            condition, values = self._types_condition(
                [types] if isinstance(types, str) else list(types)
            )
            sql += condition
            params += values
        if stream_prefix:
            condition, values = self._prefix_condition(stream_prefix)
            sql += condition
            params += values
        sql += f" ORDER BY e.position LIMIT {p}"
        params.append(limit)
        return sql, params

    @abc.abstractmethod
    def _read_log(self, sql: str, params: list[Any]) -> list[RecordedEvent]:
        """Run a SELECT of event columns; its rows as events."""

    def read_all(
        self,
        after: int = 0,
        *,
        limit: int = 1000,
        types: Iterable[str] | None = None,
        stream_prefix: str | None = None,
        until_position: int | None = None,
        until_time: datetime | None = None,
    ) -> list[RecordedEvent]:
        return self._read_log(
            *self._log_sql(
                after, limit, types, stream_prefix, until_position, until_time
            )
        )

    # -- streams -----

    def _state_sql(self) -> str:
        return f"SELECT state FROM {self.tables}hidden_streams WHERE name = {self.P}"

    def stream_version(self, stream: str) -> int:
        p, t = self.P, self.tables
        version: int
        version, state = self._query(
            f"SELECT (SELECT coalesce(max(version), 0) FROM {t}events"
            f" WHERE stream = {p}),"
            f" (SELECT state FROM {t}hidden_streams WHERE name = {p})",
            (stream, stream),
        )[0]
        if state == TOMBSTONED:
            raise deleted(stream)
        return version

    # -- snapshots and checkpoints -----

    def load_snapshot(self, stream: str) -> Snapshot | None:
        rows = self._query(
            "SELECT version, state, schema_version, recorded_at"
            f" FROM {self.tables}snapshots WHERE stream = {self.P}",
            (stream,),
        )
        if not rows:
            return None
        version, state, schema_version, at = rows[0]
        return Snapshot(
            stream, version, self._decode(state), schema_version, self._time_value(at)
        )

    def checkpoint(self, subscriber: str) -> int:
        rows = self._query(
            f"SELECT position FROM {self.tables}checkpoints"
            f" WHERE subscriber = {self.P}",
            (subscriber,),
        )
        position: int = rows[0][0] if rows else 0
        return position

    # -- the outbox -----

    def _messages(
        self, sql: str, params: Sequence[Any], keys: Sequence[str]
    ) -> list[dict[str, Any]]:
        return outbox_messages(self._query(sql, params), keys, self._events)

    def dead_letters(self) -> list[dict[str, Any]]:
        t = self.tables
        return self._messages(
            f"SELECT d.id, d.destination, d.position, d.attempts, d.error,"
            f" {self.e_columns} FROM {t}dead_letters d"
            f" LEFT JOIN {t}events e ON e.position = d.position ORDER BY d.id",
            (),
            DEAD_KEYS,
        )
