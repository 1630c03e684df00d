"""Commands go to exactly one handler; events go to every subscriber.

The seed tells messages apart by intent: a command is one-to-one and must
reach the one who acts on it, so the `CommandBus` refuses a second handler
for a command type and, at start-up, a command type without one. An event is
one-to-many and its publisher does not care who listens, so the `EventBus`
hands every committed event to every subscriber.

A `CommandHandler` loads the aggregate, lets it decide, and appends the
events with the version it loaded (optimistic concurrency); when someone else
appended first, it loads again and decides again, a few times at most.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from ..eventstore import NO_STREAM, AppendResult, ConcurrencyError, NewEvent
from ..eventstore.base import ExpectedVersion
from .aggregates import Aggregate, Repository
from .messages import Command, DomainEvent, Record, derived_id

if TYPE_CHECKING:
    from .app import App

C = TypeVar("C", bound=Command)
S = TypeVar("S", bound=Record)


class NoHandler(LookupError):
    """A command type that no handler takes."""


class HandlerConflict(ValueError):
    """A second handler for one command type."""


class Writer(Protocol):
    """Where a handler appends: the store, or a subscriber's transaction."""

    def append(
        self,
        stream: str,
        events: Sequence[NewEvent],
        expected_version: ExpectedVersion = ...,
        *,
        outbox: Iterable[str] = ...,
    ) -> AppendResult: ...


@dataclass(frozen=True)
class Outcome(Generic[S]):
    """What handling a command did."""

    command: Command
    stream: str
    events: tuple[DomainEvent, ...]
    state: S  # the aggregate's state after the events
    version: int  # the stream's version after them
    # True when the command had been handled before (same command id): the
    # store kept the first result and wrote nothing.
    repeated: bool = False


class CommandHandler(Generic[C, S]):
    """Handles one command type for one aggregate."""

    COMMAND: ClassVar[type[Command]]
    # How many times to decide again after a concurrent append.
    MAX_ATTEMPTS: ClassVar[int] = 5

    def __init__(self, app: App, aggregate: Aggregate[S]) -> None:
        self.app = app
        self.aggregate = aggregate
        self.repository = Repository(app.store, aggregate, app.registry)

    def aggregate_id(self, command: C) -> object:
        """Which aggregate the command is for."""
        raise NotImplementedError

    def handle(
        self, command: C, writer: Writer | None = None, chain: Sequence[str] = ()
    ) -> Outcome[S]:
        """Decide and append. `chain`: the policies whose reactions led here
        (kept with the events, so that a policy loop stops; see `policies`)."""
        writer = writer or self.app.store
        aggregate, aggregate_id = self.aggregate, self.aggregate_id(command)
        stream = aggregate.stream(aggregate_id)
        for attempt in range(1, self.MAX_ATTEMPTS + 1):
            state, version = self.repository.load(aggregate_id)
            events = aggregate.decide(state, command)
            after = aggregate.fold(state, events)
            if not events:
                return Outcome(command, stream, (), after, version)
            expected: ExpectedVersion = version if version else NO_STREAM
            try:
                result = writer.append(
                    stream,
                    [
                        self._new(command, n, event, chain)
                        for n, event in enumerate(events)
                    ],
                    expected,
                    outbox=self.app.integration.destinations(events),
                )
            except ConcurrencyError:
                if attempt == self.MAX_ATTEMPTS:
                    raise
                time.sleep(0.001 * 2**attempt)  # let the other writer finish
                continue
            if result.repeated:
                state, version = self.repository.load(aggregate_id)
                return Outcome(command, stream, tuple(events), state, version, True)
            self.repository.snapshot(aggregate_id, after, version, result.last_version)
            return Outcome(command, stream, tuple(events), after, result.last_version)
        raise AssertionError("unreachable")

    @staticmethod
    def _new(
        command: Command, n: int, event: DomainEvent, chain: Sequence[str]
    ) -> NewEvent:
        metadata: dict[str, object] = {
            "command": command.TYPE,
            "command_id": str(command.command_id),
        }
        if chain:
            metadata["chain"] = list(chain)
        return NewEvent(
            event.TYPE,
            event.to_dict(),
            id=derived_id(command.command_id, str(n)),
            metadata=metadata,
            schema_version=event.SCHEMA_VERSION,
        )


class CommandBus:
    """Routes each command to the one handler of its type."""

    def __init__(self) -> None:
        self._handlers: dict[type[Command], CommandHandler[Any, Any]] = {}

    def register(self, handler: CommandHandler[Any, Any]) -> None:
        command_type = handler.COMMAND
        if command_type in self._handlers:
            raise HandlerConflict(
                f"{command_type.TYPE} has a handler already"
                f" ({type(self._handlers[command_type]).__name__}): a command"
                " goes to exactly one handler"
            )
        self._handlers[command_type] = handler

    def handler_for(self, command: Command) -> CommandHandler[Any, Any]:
        # A subclass of a command (with its own example or checks) goes to
        # the handler of the command it refines.
        for cls in type(command).__mro__:
            handler = self._handlers.get(cls)
            if handler is not None:
                return handler
        raise NoHandler(f"no handler takes {type(command).__name__}")

    def check(self, command_types: Iterable[type[Command]]) -> None:
        """Every command type has its handler: called at start-up."""
        missing = [c.TYPE for c in command_types if c not in self._handlers]
        if missing:
            raise NoHandler(f"no handler for {', '.join(sorted(missing))}")

    def dispatch(
        self, command: Command, writer: Writer | None = None, chain: Sequence[str] = ()
    ) -> Outcome[Any]:
        return self.handler_for(command).handle(command, writer, chain)


@dataclass(frozen=True)
class Recorded:
    """An event as the log holds it, for the event bus's subscribers."""

    event: DomainEvent
    position: int
    stream: str
    version: int


class EventBus:
    """Hands every committed event to every subscriber, in log order."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[[Recorded], None]] = []

    def subscribe(self, subscriber: Callable[[Recorded], None]) -> Callable[[], None]:
        """Add a subscriber; returns the function that removes it again."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, recorded: Recorded) -> None:
        for subscriber in list(self._subscribers):
            subscriber(recorded)
