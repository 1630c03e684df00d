"""Event-sourced aggregates and the repository that loads and saves them.

An aggregate decides: its command methods check the rules against its state
and `record` events. `apply` evolves the state from an event, the same code
for new events and for replayed ones. The repository loads an aggregate from
its stream (from the latest usable snapshot on), saves what it recorded with
an expected version (the optimistic concurrency check), and snapshots every
`snapshot_every` events.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from types import FunctionType
from typing import Any, Generic, TypeVar

from .base import (
    NO_STREAM,
    AppendResult,
    EventStoreError,
    NewEvent,
    Recorder,
    SnapshotStore,
)

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")

# A `when_` handler as cached: a plain function, or the name to look up.
_When = Callable[..., object] | str


class UnhandledEvent(EventStoreError):
    """An aggregate was given an event it has no `when_` handler for.

    Ignoring it would leave the state silently behind the stream (a typo in
    a handler's name, an event type renamed on one side only): the state
    would be wrong with nothing to show for it."""

    def __init__(self, aggregate_class: type[Aggregate], event_type: str) -> None:
        name = aggregate_class.__name__
        super().__init__(
            f"{name} has no handler for {event_type!r} events: add"
            f" `def {handler_name(event_type)}(self, ...)` to {name}"
        )
        self.aggregate_class, self.event_type = aggregate_class, event_type


def handler_name(event_type: str) -> str:
    """`OrderPlaced` -> `when_order_placed`."""
    return "when_" + _SNAKE.sub("_", event_type).lower()


def _handler(cls: type[Aggregate], event_type: str) -> _When:
    """The `when_` handler of an event type, found once and cached on the
    class: a plain function (called as `fn(aggregate, **data)`), or else the
    handler's name, looked up on the instance (staticmethods, callables set
    on the instance, no handler at all)."""
    cache = cls.__dict__.get("_when_handlers")
    if cache is None:
        cache = {}
        type.__setattr__(cls, "_when_handlers", cache)
    name = handler_name(event_type)
    handler: _When = name
    for klass in cls.__mro__:
        if name in vars(klass):
            if type(vars(klass)[name]) is FunctionType:
                handler = vars(klass)[name]
            break
    cache[event_type] = handler
    return handler


def _call_by_name(
    aggregate: Aggregate, name: str, event_type: str, data: dict[str, Any]
) -> None:
    """Call a handler that is not a plain function (a staticmethod, a callable
    set on the instance); raise UnhandledEvent when there is none."""
    method = getattr(aggregate, name, None)
    if method is None:
        raise UnhandledEvent(type(aggregate), event_type)
    method(**data)


class Aggregate:
    """Subclass with `when_<event>` methods that update `self` from event data.

    Every event type the aggregate records or replays needs its handler:
    one without raises `UnhandledEvent` (a `when_` that only documents an
    event can be empty).

    Snapshots hold `snapshot_state()`; bump `snapshot_version` whenever its
    shape changes, and older snapshots are ignored rather than mis-read.
    """

    snapshot_version = 1

    def __init__(self, aggregate_id: object) -> None:
        self.id = str(aggregate_id)
        self.version = 0
        self._pending: list[NewEvent] = []

    @classmethod
    def stream_name(cls, aggregate_id: object) -> str:
        return f"{cls.__name__}-{aggregate_id}"

    def record(self, event_type: str, **data: Any) -> None:
        """Record a new event: apply it now, append it on save."""
        self.apply(event_type, data)
        self._pending.append(NewEvent(event_type, data))

    def apply(self, event_type: str, data: dict[str, Any]) -> None:
        cls = type(self)
        try:
            handler = cls.__dict__["_when_handlers"][event_type]
        except KeyError:
            handler = _handler(cls, event_type)
        if handler.__class__ is str:
            _call_by_name(self, handler, event_type, data)
        else:
            handler(self, **data)
        self.version += 1

    def pending(self) -> list[NewEvent]:
        return list(self._pending)

    def snapshot_state(self) -> dict[str, Any]:
        """The state to snapshot; by default the public attributes."""
        return {
            k: v
            for k, v in vars(self).items()
            if not k.startswith("_") and k not in ("id", "version")
        }

    def restore(self, state: dict[str, Any]) -> None:
        vars(self).update(state)


A = TypeVar("A", bound=Aggregate)


class Repository(Generic[A]):
    """Loads and saves aggregates of one class: `Repository(store, Order)`.

    It needs only a `Recorder`; it keeps snapshots when the store is also a
    `SnapshotStore` (every backend is)."""

    def __init__(
        self, store: Recorder, aggregate_class: type[A], *, snapshot_every: int = 100
    ) -> None:
        self.store = store
        self.snapshots = store if isinstance(store, SnapshotStore) else None
        self.aggregate_class = aggregate_class
        self.snapshot_every = snapshot_every

    def load(self, aggregate_id: object, *, at_version: int | None = None) -> A | None:
        """The aggregate from its stream; None if it has no events. With
        `at_version`, the aggregate as it was at that stream version."""
        cls = self.aggregate_class
        stream = cls.stream_name(aggregate_id)
        aggregate = cls(aggregate_id)
        snapshots = self.snapshots
        snapshot = None if snapshots is None else snapshots.load_snapshot(stream)
        if (
            snapshot is not None
            # A snapshot of another shape would be mis-read: rebuild instead.
            and snapshot.schema_version == cls.snapshot_version
            # A snapshot past the version asked for holds too much.
            and (at_version is None or snapshot.version <= at_version)
        ):
            aggregate.restore(snapshot.state)
            aggregate.version = snapshot.version
        if at_version is None:
            until = None
        elif at_version > aggregate.version:
            until = at_version
        else:
            until = aggregate.version  # nothing to read
        if until is None or until > aggregate.version:
            self._replay(aggregate, stream, aggregate.version + 1, until)
        if aggregate.version == 0:
            return None
        return aggregate

    def _replay(
        self, aggregate: A, stream: str, from_version: int, until: int | None
    ) -> None:
        # (type, data) pairs, upcast, with no RecordedEvent per event.
        pairs = self.store.read_stream_data(stream, from_version, until)
        cls = type(aggregate)
        if cls.apply is not Aggregate.apply:
            apply = aggregate.apply
            for event_type, data in pairs:
                apply(event_type, data)
            return
        # Aggregate.apply inlined: one cached handler look-up per event.
        handlers = cls.__dict__.get("_when_handlers")
        if handlers is None:
            handlers = {}
            type.__setattr__(cls, "_when_handlers", handlers)
        for event_type, data in pairs:
            try:
                handler = handlers[event_type]
            except KeyError:
                handler = _handler(cls, event_type)
            if handler.__class__ is str:
                _call_by_name(aggregate, handler, event_type, data)
            else:
                handler(aggregate, **data)
            aggregate.version += 1

    def save(self, aggregate: A, *, outbox: Iterable[str] = ()) -> AppendResult | None:
        """Append what the aggregate recorded since it was loaded (None if
        nothing), expecting the version it was loaded at."""
        pending = aggregate._pending
        if not pending:
            return None
        loaded = aggregate.version - len(pending)
        expected = NO_STREAM if loaded == 0 else loaded
        upcasters = getattr(self.store, "upcasters", None)
        if upcasters:
            # `apply` evolved the state from these events, and it only ever
            # sees the current schema (older events are upcast on read): so
            # they are written at the current version, never upcast again.
            current = upcasters.current_version
            pending = [
                event
                if event.schema_version >= current(event.type)
                else replace(event, schema_version=current(event.type))
                for event in pending
            ]
        result = self.store.append(
            aggregate.stream_name(aggregate.id), pending, expected, outbox=outbox
        )
        aggregate._pending = []
        every = self.snapshot_every
        snapshots = self.snapshots
        if (
            snapshots is not None
            and every
            and result.last_version // every > loaded // every
        ):
            snapshots.save_snapshot(
                aggregate.stream_name(aggregate.id),
                aggregate.version,
                aggregate.snapshot_state(),
                aggregate.snapshot_version,
            )
        return result
