"""The event store's contract: types, errors, and the abstract recorder.

Standard library only, no Django: this package is copied verbatim into every
exported domain package. Backends (`sqlite.py`, `postgres.py`) implement
`EventStore`; one contract test suite runs against each.

Semantics follow KurrentDB (EventStoreDB) where users expect them:

- A stream has versions 1, 2, 3, ... (0 means "no events yet").
- Every event also gets a global `position`: gap-free and in commit order, so
  a reader that has seen position N has seen everything committed before N+1.
- `append(stream, events, expected_version=...)` checks `ANY`, `NO_STREAM`,
  `STREAM_EXISTS` or an exact version, and raises `ConcurrencyError` naming
  both versions on a mismatch.
- Appends are idempotent by event id: repeating a whole append returns the
  original result and writes nothing; a partial overlap is a conflict.
"""

from __future__ import annotations

import abc
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime


class _Expected:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


ANY = _Expected("ANY")
NO_STREAM = _Expected("NO_STREAM")
STREAM_EXISTS = _Expected("STREAM_EXISTS")
ExpectedVersion = _Expected | int


class EventStoreError(Exception):
    """Base class of the store's errors."""


class ConcurrencyError(EventStoreError):
    """The stream was not at the version the writer expected."""

    def __init__(self, stream, expected, actual):
        super().__init__(
            f"stream {stream!r}: expected version {expected!r}, but it is at {actual}"
        )
        self.stream, self.expected, self.actual = stream, expected, actual


class IdempotencyConflict(ConcurrencyError):
    """Some, not all, of the appended event ids were already recorded."""

    def __init__(self, stream, ids):
        EventStoreError.__init__(
            self,
            f"stream {stream!r}: {len(ids)} of these event ids are already recorded, "
            "but not all of them (a partial retry)",
        )
        self.stream, self.ids = stream, ids
        self.expected = self.actual = None


class StreamDeleted(EventStoreError):
    """The stream was tombstoned: it can never be read or written again."""


def time_ordered_uuid() -> uuid.UUID:
    """A UUID in the version 7 layout: milliseconds since the epoch, then random.

    Event ids are indexed; ids that grow with time land at the end of the
    index instead of on a random page, which makes multi-event appends much
    cheaper than with uuid4.
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10))
    value = (value & ~(0xF << 76)) | 0x7 << 76  # version 7
    value = (value & ~(0x3 << 62)) | 0x2 << 62  # RFC 4122 variant
    return uuid.UUID(int=value & (1 << 128) - 1)


@dataclass(frozen=True)
class NewEvent:
    """An event to append."""

    type: str
    data: dict
    id: uuid.UUID = field(default_factory=time_ordered_uuid)
    metadata: dict = field(default_factory=dict)
    schema_version: int = 1


@dataclass(frozen=True)
class RecordedEvent:
    """An event as the store recorded it (after upcasting, when read)."""

    id: uuid.UUID
    stream: str
    version: int
    position: int
    type: str
    data: dict
    metadata: dict
    schema_version: int
    recorded_at: datetime


@dataclass(frozen=True)
class AppendResult:
    stream: str
    first_version: int
    last_version: int
    first_position: int
    last_position: int
    # True when every event id had been appended before: nothing was written.
    repeated: bool = False


@dataclass(frozen=True)
class Snapshot:
    stream: str
    version: int  # the stream version the state includes
    state: dict
    schema_version: int
    recorded_at: datetime


# -- shared by the backends -----


def repeat_or_conflict(stream, wanted: int, found, id_of=lambda value: value):
    """Decide an append some of whose event ids are recorded already.

    `found` holds (stream, version, position, id) of those ids; `wanted` is
    how many distinct ids the append has. Repeating a whole append returns its
    original result; anything less (or ids of another stream) is a conflict.
    """
    if len(found) == wanted and all(row[0] == stream for row in found):
        return AppendResult(
            stream,
            min(row[1] for row in found),
            max(row[1] for row in found),
            min(row[2] for row in found),
            max(row[2] for row in found),
            repeated=True,
        )
    raise IdempotencyConflict(stream, [id_of(row[3]) for row in found])


def outbox_messages(rows, keys, events_of):
    """Outbox rows (`keys` columns, position third, then an event's columns)
    as message dicts; `events_of` turns event rows into RecordedEvents."""
    width = len(keys)
    events = events_of([row[width:] for row in rows if row[width] is not None])
    by_position = {event.position: event for event in events}
    return [
        {**dict(zip(keys, row, strict=False)), "event": by_position.get(row[2])}
        for row in rows
    ]


class Transaction(abc.ABC):
    """What a subscriber may write in the transaction that moves its checkpoint."""

    @abc.abstractmethod
    def append(
        self, stream: str, events: Sequence[NewEvent], expected_version=ANY
    ) -> AppendResult: ...

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence = ()) -> None:
        """Run SQL of the subscriber's own (its read model tables)."""


Handler = Callable[[RecordedEvent, Transaction], None]


class EventStore(abc.ABC):
    """Methods every backend implements. Stream names are strings."""

    # -- writing -----

    @abc.abstractmethod
    def append(
        self,
        stream: str,
        events: Sequence[NewEvent],
        expected_version: ExpectedVersion = ANY,
        *,
        outbox: Iterable[str] = (),
    ) -> AppendResult:
        """Append atomically. `outbox` names destinations: each event is also
        put in the transactional outbox for each of them, in the same commit."""

    # -- reading -----

    @abc.abstractmethod
    def read_stream(
        self,
        stream: str,
        from_version: int = 1,
        *,
        backwards: bool = False,
        limit: int | None = None,
    ) -> list[RecordedEvent]:
        """Events of a stream from `from_version` (inclusive), forwards, or from
        `from_version` down when `backwards` (pass a large number for "latest")."""

    def read_stream_data(
        self, stream: str, from_version: int = 1, until_version: int | None = None
    ) -> list[tuple[str, dict]]:
        """(type, data) of a stream's events from `from_version` to
        `until_version` (both inclusive), upcast: what loading an aggregate
        needs. Backends override it with a leaner read."""
        limit = None
        if until_version is not None:
            limit = max(0, until_version - from_version + 1)
        events = self.read_stream(stream, from_version, limit=limit)
        return [(event.type, event.data) for event in events]

    @abc.abstractmethod
    def stream_version(self, stream: str) -> int:
        """The stream's current version (0 if it has no events)."""

    @abc.abstractmethod
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
        """One page of the global log after position `after`, in order; the
        `until_*` bounds read the log "as of" a position or a time."""

    def iter_all(self, after: int = 0, *, page: int = 1000, **filters):
        """Every event after `after`, page by page."""
        while True:
            batch = self.read_all(after, limit=page, **filters)
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1].position

    @abc.abstractmethod
    def head(self) -> int:
        """The position of the last committed event (0 for an empty store)."""

    # -- snapshots -----

    @abc.abstractmethod
    def save_snapshot(
        self, stream: str, version: int, state: dict, schema_version: int = 1
    ) -> None: ...

    @abc.abstractmethod
    def load_snapshot(self, stream: str) -> Snapshot | None: ...

    # -- stream lifecycle -----

    @abc.abstractmethod
    def archive(self, stream: str) -> None:
        """Hide a stream from reads of the global log; it can still be read by
        name and appended to (appending brings it back)."""

    @abc.abstractmethod
    def tombstone(self, stream: str) -> None:
        """Delete a stream for good: reading or appending raises StreamDeleted."""

    # -- subscriptions -----

    @abc.abstractmethod
    def checkpoint(self, subscriber: str) -> int:
        """The last position `subscriber` has processed (0 if none)."""

    @abc.abstractmethod
    def process(self, subscriber: str, handler: Handler, *, limit: int = 500) -> int:
        """Hand the next events after the subscriber's checkpoint to `handler`,
        each in a transaction that also moves the checkpoint (exactly once
        within the database). Returns how many were processed."""

    @abc.abstractmethod
    def wait_for_events(self, after: int, timeout: float) -> bool:
        """Block until the head passes `after` or `timeout` seconds pass."""

    # -- transactional outbox -----

    @abc.abstractmethod
    def outbox_claim(self, relay: str, lease_seconds: float) -> bool:
        """Take (or renew) the single relay lease; False if another relay has it."""

    @abc.abstractmethod
    def outbox_pending(self, limit: int = 100) -> list[dict]:
        """Messages due for publishing: {id, destination, event, attempts}."""

    @abc.abstractmethod
    def outbox_done(self, message_id: int) -> None: ...

    @abc.abstractmethod
    def outbox_failed(
        self, message_id: int, error: str, retry_at: datetime
    ) -> None: ...

    @abc.abstractmethod
    def outbox_dead(self, message_id: int, error: str) -> None: ...

    @abc.abstractmethod
    def dead_letters(self) -> list[dict]: ...

    # -- housekeeping -----

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def stream_events(store: EventStore, stream: str, after_version: int = 0) -> Iterator:
    """A stream's events after a version, lazily (used by aggregate loading)."""
    return iter(store.read_stream(stream, after_version + 1))
