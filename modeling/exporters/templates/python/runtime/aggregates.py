"""Aggregates decide; the log remembers.

An aggregate is a decider: `decide(state, command)` returns the events a
command causes (or raises `Rejected`), and `evolve(state, event)` returns the
state after an event. Both are pure, so rules are tested without a store. The
state is a frozen `Record`; the `Repository` rebuilds it from the aggregate's
stream, starting from the latest snapshot when there is one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Generic, TypeVar

from ..eventstore import EventStore
from .messages import Command, DomainEvent, Record, Registry

S = TypeVar("S", bound=Record)


class Rejected(Exception):
    """A command the rules refuse: nothing is recorded."""


class UnknownMessage(TypeError):
    """A command or event the aggregate has no decision or evolution for."""


class Aggregate(Generic[S]):
    """Override `decide_<command>` and `evolve_<event>` in a subclass."""

    NAME: ClassVar[str] = ""  # the class name from the board
    CONTEXT: ClassVar[str] = ""  # the bounded context's package name
    TEXT: ClassVar[str] = ""  # the sticky's text
    # Snapshots hold the state every so many events; a snapshot whose
    # version differs from SNAPSHOT_VERSION (the state changed shape) is
    # ignored and the state rebuilt from the events.
    SNAPSHOT_EVERY: ClassVar[int] = 100
    SNAPSHOT_VERSION: ClassVar[int] = 1

    def initial_state(self) -> S:
        raise NotImplementedError

    def decide(self, state: S, command: Command) -> list[DomainEvent]:
        raise NotImplementedError

    def evolve(self, state: S, event: DomainEvent) -> S:
        raise NotImplementedError

    def fold(self, state: S, events: Iterable[DomainEvent]) -> S:
        for event in events:
            state = self.evolve(state, event)
        return state

    def stream(self, aggregate_id: object) -> str:
        return f"{self.CONTEXT}.{self.NAME}-{aggregate_id}"

    def reject(self, reason: str) -> Rejected:
        """`raise self.reject("...")` in a decision the rules refuse."""
        return Rejected(f"{self.NAME}: {reason}")

    def unknown(self, message: Command | DomainEvent) -> UnknownMessage:
        return UnknownMessage(f"{self.NAME} does not handle {type(message).__name__}")


class Repository(Generic[S]):
    """Loads an aggregate's state from its stream and keeps its snapshots."""

    def __init__(
        self, store: EventStore, aggregate: Aggregate[S], registry: Registry
    ) -> None:
        self.store = store
        self.aggregate = aggregate
        self.registry = registry

    def load(self, aggregate_id: object, version: int | None = None) -> tuple[S, int]:
        """The state and the stream version it is at (0: no events yet); with
        `version`, the state as it was at that version."""
        aggregate = self.aggregate
        stream = aggregate.stream(aggregate_id)
        state, at = aggregate.initial_state(), 0
        snapshot = self.store.load_snapshot(stream)
        if (
            snapshot is not None
            and snapshot.schema_version == aggregate.SNAPSHOT_VERSION
            and (version is None or snapshot.version <= version)
        ):
            state, at = type(state).from_dict(snapshot.state), snapshot.version
        if version is not None and version <= at:
            return state, at
        decode = self.registry.event
        for type_name, data in self.store.read_stream_data(stream, at + 1, version):
            state = aggregate.evolve(state, decode(type_name, data))
            at += 1
        return state, at

    def snapshot(
        self, aggregate_id: object, state: Any, before: int, after: int
    ) -> None:
        """Keep a snapshot when the stream crossed a multiple of SNAPSHOT_EVERY."""
        every = self.aggregate.SNAPSHOT_EVERY
        if every and after // every > before // every:
            self.store.save_snapshot(
                self.aggregate.stream(aggregate_id),
                after,
                state.to_dict(),
                self.aggregate.SNAPSHOT_VERSION,
            )
