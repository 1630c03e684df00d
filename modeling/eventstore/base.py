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
import contextlib
import gc
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from .codec import Codec
    from .upcasting import Upcasters


class _Expected:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ANY = _Expected("ANY")
NO_STREAM = _Expected("NO_STREAM")
STREAM_EXISTS = _Expected("STREAM_EXISTS")
ExpectedVersion = _Expected | int


class EventStoreError(Exception):
    """Base class of the store's errors."""


class ConcurrencyError(EventStoreError):
    """The stream was not at the version the writer expected."""

    expected: ExpectedVersion | None
    actual: int | None

    def __init__(self, stream: str, expected: ExpectedVersion, actual: int) -> None:
        super().__init__(
            f"stream {stream!r}: expected version {expected!r}, but it is at {actual}"
        )
        self.stream, self.expected, self.actual = stream, expected, actual


class IdempotencyConflict(ConcurrencyError):
    """Some, not all, of the appended event ids were already recorded."""

    def __init__(self, stream: str, ids: list[uuid.UUID]) -> None:
        EventStoreError.__init__(
            self,
            f"stream {stream!r}: {len(ids)} of these event ids are already recorded, "
            "but not all of them (a partial retry)",
        )
        self.stream, self.ids = stream, ids
        self.expected = self.actual = None


class StreamDeleted(EventStoreError):
    """The stream was tombstoned: it can never be read or written again."""


_new = object.__new__
_set = object.__setattr__
_UUID = uuid.UUID
_SAFE_UNKNOWN = uuid.SafeUUID.unknown
_from_bytes = int.from_bytes


def time_ordered_uuid() -> uuid.UUID:
    """A UUID in the version 7 layout: milliseconds since the epoch, then random.

    Event ids are indexed; ids that grow with time land at the end of the
    index instead of on a random page, which makes multi-event appends much
    cheaper than with uuid4.
    """
    value = (time.time_ns() // 1_000_000) << 80 | _from_bytes(os.urandom(10))
    # Version 7 and the RFC 4122 variant; the UUID is built directly, as
    # uuid_from_bytes does (appends make one per event).
    value = value & _LAYOUT_MASK | _LAYOUT_BITS
    event_id = _new(_UUID)
    _set(event_id, "int", value)
    _set(event_id, "is_safe", _SAFE_UNKNOWN)
    return event_id


_LAYOUT_MASK = ((1 << 128) - 1) & ~(0xF << 76) & ~(0x3 << 62)
_LAYOUT_BITS = 0x7 << 76 | 0x2 << 62


@dataclass(frozen=True)
class NewEvent:
    """An event to append."""

    type: str
    data: dict[str, Any]
    id: uuid.UUID = field(default_factory=time_ordered_uuid)
    metadata: dict[str, Any] = field(default_factory=dict)
    schema_version: int = 1


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def uuid_from_bytes(raw: bytes) -> uuid.UUID:
    """uuid.UUID(bytes=raw), built directly: the constructor validates its
    arguments in Python, which costs twice as much (it matters for reads)."""
    value = _new(_UUID)
    _set(value, "int", _from_bytes(raw))
    _set(value, "is_safe", _SAFE_UNKNOWN)
    return value


def micros_to_datetime(micros: int) -> datetime:
    """An aware UTC datetime from microseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=micros)


_FIELDS = (
    "id",
    "stream",
    "version",
    "position",
    "type",
    "data",
    "metadata",
    "schema_version",
    "recorded_at",
)


class RecordedEvent:
    """An event as the store recorded it (after upcasting, when read).

    Immutable, with the fields of the frozen dataclass it used to be. Reading
    the log builds one per event, so construction is kept to slot stores: the
    store passes `id` as its 16 bytes and `recorded_at` as microseconds since
    the epoch, and they become a UUID and an aware datetime on first access
    (once; most readers never look at either).
    """

    __slots__ = tuple("_" + name for name in _FIELDS)

    def __init__(
        self,
        id: uuid.UUID | bytes,
        stream: str,
        version: int,
        position: int,
        type: str,
        data: dict[str, Any],
        metadata: dict[str, Any],
        schema_version: int,
        recorded_at: datetime | int,
    ) -> None:
        self._id = id
        self._stream = stream
        self._version = version
        self._position = position
        self._type = type
        self._data = data
        self._metadata = metadata
        self._schema_version = schema_version
        self._recorded_at = recorded_at

    if TYPE_CHECKING:
        # What the getters below give (mypy does not see through attrgetter).
        @property
        def stream(self) -> str: ...
        @property
        def version(self) -> int: ...
        @property
        def position(self) -> int: ...
        @property
        def type(self) -> str: ...
        @property
        def data(self) -> dict[str, Any]: ...
        @property
        def metadata(self) -> dict[str, Any]: ...
        @property
        def schema_version(self) -> int: ...
    else:
        # Read-only: a property without a setter refuses assignment, and a
        # C-level getter keeps access nearly as cheap as a plain attribute.
        stream = property(attrgetter("_stream"))
        version = property(attrgetter("_version"))
        position = property(attrgetter("_position"))
        type = property(attrgetter("_type"))
        data = property(attrgetter("_data"))
        metadata = property(attrgetter("_metadata"))
        schema_version = property(attrgetter("_schema_version"))

    # Below, a value that is not exactly bytes (int) was passed as the UUID
    # (datetime) itself; mypy cannot narrow the branch that returns it as is.

    @property
    def id(self) -> uuid.UUID:
        value = self._id
        if value.__class__ is bytes:
            value = self._id = uuid_from_bytes(value)
        return value  # type: ignore[return-value]

    @property
    def recorded_at(self) -> datetime:
        value = self._recorded_at
        if value.__class__ is int:
            value = self._recorded_at = micros_to_datetime(value)
        return value  # type: ignore[return-value]

    def replace(self, **changes: Any) -> RecordedEvent:
        """A copy with some fields changed (what dataclasses.replace did)."""
        values = {name: getattr(self, name) for name in _FIELDS}
        values.update(changes)
        return RecordedEvent(**values)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not RecordedEvent:
            return NotImplemented
        return self._values() == other._values()

    # Like the dataclass: its data is a dict. (mypy wants object's signature.)
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELDS)
        return f"RecordedEvent({fields})"

    def __reduce__(self) -> tuple[Callable[..., RecordedEvent], tuple[Any, ...]]:
        return RecordedEvent, self._values()


def recorded_events(
    rows: Sequence[Sequence[Any]],
    datas: list[dict[str, Any]],
    metas: list[dict[str, Any]],
) -> list[RecordedEvent]:
    """RecordedEvents of rows (position, stream, version, id, type, data,
    metadata, schema_version, recorded_at), given every row's decoded data and
    the decoded metadata of the rows that have some (in order)."""
    next_meta = iter(metas).__next__
    event = RecordedEvent
    return [
        event(id_, stream, version, position, type_, data,
              {} if meta is None else next_meta(), schema, at)
        for (position, stream, version, id_, type_, _, meta, schema, at), data
        in zip(rows, datas, strict=True)
    ]  # fmt: skip


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
    state: dict[str, Any]
    schema_version: int
    recorded_at: datetime


# -- shared by the backends -----


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: reads make many small objects
    that all survive, and the collector would rescan them again and again
    (it more than doubles the cost of a large read) for cycles there are not."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def repeat_or_conflict(
    stream: str,
    wanted: int,
    found: Sequence[Sequence[Any]],
    id_of: Callable[[Any], uuid.UUID] = lambda value: value,
) -> AppendResult:
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


def outbox_messages(
    rows: Sequence[Sequence[Any]],
    keys: Sequence[str],
    events_of: Callable[[list[Sequence[Any]]], list[RecordedEvent]],
) -> list[dict[str, Any]]:
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
        self,
        stream: str,
        events: Sequence[NewEvent],
        expected_version: ExpectedVersion = ANY,
        *,
        outbox: Iterable[str] = (),
    ) -> AppendResult:
        """Append in the handler's transaction (with the checkpoint): what a
        subscriber decides is written exactly once. `outbox` as in
        `EventStore.append`. The transaction commits after the handler, so
        the next event's handler reads what this one appended."""

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run SQL of the subscriber's own (its read model tables); returns
        the rows it selects (none for a statement that returns none)."""


Handler = Callable[[RecordedEvent, Transaction], None]


# How long subscribe() without a timeout waits in one call (then looks again).
_WAIT_SLICE = 60.0


class LogHead(abc.ABC):
    """Where the log ends, and waiting for it to move on: what every part
    that follows the log (subscribers, the relay) needs besides its own."""

    @abc.abstractmethod
    def head(self) -> int:
        """The position of the last committed event (0 for an empty store)."""

    @abc.abstractmethod
    def wait_for_events(self, after: int, timeout: float) -> bool:
        """Block until the head passes `after` or `timeout` seconds pass."""


class Recorder(LogHead):
    """The log itself: appending, reading, and a stream's lifecycle."""

    if TYPE_CHECKING:
        # What both backends have besides the methods below.
        codec: Codec
        upcasters: Upcasters

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
    ) -> list[tuple[str, dict[str, Any]]]:
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

    def iter_all(
        self, after: int = 0, *, page: int = 1000, **filters: Any
    ) -> Iterator[RecordedEvent]:
        """Every event after `after`, page by page."""
        while True:
            batch = self.read_all(after, limit=page, **filters)
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1].position

    def subscribe(
        self,
        after: int = 0,
        *,
        timeout: float | None = None,
        page: int = 1000,
        **filters: Any,
    ) -> Iterator[RecordedEvent]:
        """Every event after position `after`, then each new one as it is
        committed: a live iterator over the global log (with `read_all`'s
        filters). Between events it blocks in `wait_for_events`. With
        `timeout`, it ends once that many seconds pass without a new event
        for it; without, it waits for ever (leave the loop to stop).

            for event in store.subscribe(after=seen, timeout=30):
                handle(event)
                seen = event.position

        It keeps no checkpoint: to resume, pass the last position handled
        (`process` and `Subscription` keep one, and move it in the
        transaction of the handler's own writes)."""
        if timeout is not None and timeout < 0:
            raise ValueError(f"not a timeout: {timeout!r}")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            # The head before reading: a short page holds every event up to
            # it, so events the page leaves out (other types, archived
            # streams) are not waited for again.
            head = self.head()
            batch = self.read_all(after, limit=page, **filters)
            if batch:
                yield from batch
                after = batch[-1].position
                if timeout is not None:
                    deadline = time.monotonic() + timeout
                if len(batch) == page:
                    continue
            after = max(after, head)
            if deadline is None:
                self.wait_for_events(after, _WAIT_SLICE)
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.wait_for_events(after, remaining):
                return

    # -- stream lifecycle -----

    @abc.abstractmethod
    def archive(self, stream: str) -> None:
        """Hide a stream from reads of the global log; it can still be read by
        name and appended to (appending brings it back)."""

    @abc.abstractmethod
    def tombstone(self, stream: str) -> None:
        """Delete a stream for good: reading or appending raises StreamDeleted."""


class SnapshotStore(abc.ABC):
    """The latest snapshot of each stream's state."""

    @abc.abstractmethod
    def save_snapshot(
        self, stream: str, version: int, state: dict[str, Any], schema_version: int = 1
    ) -> None: ...

    @abc.abstractmethod
    def load_snapshot(self, stream: str) -> Snapshot | None: ...


class SubscriptionStore(LogHead):
    """Subscribers' checkpoints, moved in the transaction of their handler."""

    @abc.abstractmethod
    def checkpoint(self, subscriber: str) -> int:
        """The last position `subscriber` has processed (0 if none)."""

    @abc.abstractmethod
    def process(self, subscriber: str, handler: Handler, *, limit: int = 500) -> int:
        """Hand the next events after the subscriber's checkpoint to `handler`,
        each in a transaction that also moves the checkpoint (exactly once
        within the database). Returns how many were processed."""

    @abc.abstractmethod
    def rewind(
        self,
        subscriber: str,
        position: int = 0,
        reset: Callable[[Transaction], None] | None = None,
    ) -> None:
        """Move the subscriber's checkpoint back to `position` (0: the start),
        running `reset(tx)` in the same transaction (say, to empty its read
        model tables): a rebuild that fails halfway leaves nothing half done."""


class OutboxStore(LogHead):
    """The transactional outbox that `append(..., outbox=...)` fills."""

    @abc.abstractmethod
    def outbox_claim(self, relay: str, lease_seconds: float) -> bool:
        """Take (or renew) the single relay lease; False if another relay has it."""

    @abc.abstractmethod
    def outbox_pending(self, limit: int = 100) -> list[dict[str, Any]]:
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
    def dead_letters(self) -> list[dict[str, Any]]: ...


class EventStore(Recorder, SnapshotStore, SubscriptionStore, OutboxStore):
    """All the parts: what every backend implements. Stream names are strings.

    Code that needs only one part takes that part (`Repository` a `Recorder`,
    `Subscription` a `SubscriptionStore`, `Relay` an `OutboxStore`), so a
    test double or another backend has less to write."""

    if TYPE_CHECKING:

        def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
            """Read with SQL of your own (read models written through
            tx.execute), in the backend's own SQL."""
            ...

    # -- housekeeping -----

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stream_events(
    store: Recorder, stream: str, after_version: int = 0
) -> Iterator[RecordedEvent]:
    """A stream's events after a version, lazily (used by aggregate loading)."""
    return iter(store.read_stream(stream, after_version + 1))
