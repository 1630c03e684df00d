"""The application: one store, the buses, and everything that follows the log.

`App` holds the aggregates, command handlers, policies and read models that
each context's wiring registers, and runs what follows the log: the outbox
relay, the policies and the read models. `process()` runs them until nothing
moves (tests and the demo: one thread, the same result every time);
`run(stop)` runs each in a thread of its own until `stop` is set.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any, TypeVar

from ..eventstore import ANY, EventStore, NewEvent
from ..eventstore.relay import Relay
from .aggregates import Aggregate, Repository
from .handling import CommandBus, CommandHandler, EventBus, Outcome, Recorded
from .integration import Integration
from .messages import Command, DomainEvent, Record, Registry
from .policies import Policy, PolicyRunner
from .projections import Projection, ProjectionRunner

T = TypeVar("T")
S = TypeVar("S", bound=Record)
A = TypeVar("A", bound=Aggregate[Any])


def override(module: ModuleType, name: str, generated: type[T]) -> type[T]:
    """The class `name` of a user's module if it defines one, else the
    generated class: how a user's rules replace the generated defaults."""
    found = getattr(module, name, generated)
    if not (isinstance(found, type) and issubclass(found, generated)):
        raise TypeError(
            f"{module.__name__}.{name} must be a subclass of the generated"
            f" {generated.__module__}.{generated.__qualname__}"
        )
    return found


class App:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.registry = Registry()
        self.commands = CommandBus()
        self.events = EventBus()
        self.integration = Integration(self)
        self.aggregates: dict[type[Aggregate[Any]], Aggregate[Any]] = {}
        self.policies: list[PolicyRunner] = []
        self.read_models: dict[type[Projection[Any]], ProjectionRunner[Any]] = {}
        self.command_types: list[type[Command]] = []
        self._relay: Relay | None = None
        self._published = 0  # the log position the event bus has reached

    # -- wiring -----

    def add_events(self, events: Iterable[type[DomainEvent]]) -> None:
        self.registry.add(list(events))

    def add_aggregate(self, generated: type[A], aggregate: A) -> A:
        self.aggregates[generated] = aggregate
        return aggregate

    def aggregate(self, generated: type[A]) -> A:
        """The running instance of an aggregate (the user's subclass if any)."""
        found = self.aggregates[generated]
        assert isinstance(found, generated)
        return found

    def add_handler(self, handler: CommandHandler[Any, Any]) -> None:
        self.commands.register(handler)

    def add_policy(self, policy: Policy) -> PolicyRunner:
        runner = PolicyRunner(self, policy)
        self.policies.append(runner)
        return runner

    def add_read_model(
        self, generated: type[Projection[Any]], projection: Projection[Any]
    ) -> None:
        self.read_models[generated] = ProjectionRunner(self, projection)

    def check(self) -> None:
        """Start-up check: every command type has exactly one handler."""
        self.commands.check(self.command_types)

    # -- the write side -----

    def handle(self, command: Command) -> Outcome[Any]:
        """Handle one command (through its one handler)."""
        return self.commands.dispatch(command)

    def ingest(
        self, event: DomainEvent, stream: str, event_id: uuid.UUID | None = None
    ) -> int:
        """Record an event that comes from outside (an external system, time):
        it is appended as it is, since nothing here decides it. Returns its
        position. Given an `event_id`, a repeat is recorded once."""
        new = NewEvent(
            event.TYPE,
            event.to_dict(),
            id=event_id or uuid.uuid4(),
            schema_version=event.SCHEMA_VERSION,
        )
        outbox = self.integration.destinations([event])
        return self.store.append(stream, [new], ANY, outbox=outbox).last_position

    def state_of(
        self,
        generated: type[Aggregate[S]],
        aggregate_id: object,
        version: int | None = None,
    ) -> S | None:
        """An aggregate's state (at `version`), None if it has no events."""
        aggregate = self.aggregate(generated)
        state, at = Repository(self.store, aggregate, self.registry).load(
            aggregate_id, version
        )
        return state if at else None

    # -- what follows the log -----

    @property
    def relay(self) -> Relay:
        if self._relay is None:
            self._relay = self.integration.relay()
        return self._relay

    def publish_events(self) -> int:
        """Hand committed events the event bus has not seen to its subscribers."""
        count = 0
        for recorded in self.store.iter_all(self._published):
            self._published = recorded.position
            if recorded.stream.startswith("inbox."):
                continue  # a delivery of an event published already
            event = self.registry.event(recorded.type, recorded.data)
            self.events.publish(
                Recorded(event, recorded.position, recorded.stream, recorded.version)
            )
            count += 1
        return count

    def process(self, *, rounds: int = 1000) -> int:
        """Run the relay, the policies, the read models and the event bus until
        nothing is left to do; returns how many things were done."""
        total = 0
        for _ in range(rounds):
            done = self.publish_events()
            done += self.relay.run_once()
            for policy in self.policies:
                done += policy.catch_up()
            for read_model in self.read_models.values():
                done += read_model.catch_up()
            total += done
            if not done:
                return total
        raise RuntimeError(f"still busy after {rounds} rounds: do policies loop?")

    def run(self, stop: threading.Event) -> None:
        """Relay, policies and read models in threads of their own, until
        `stop` is set (a worker process)."""
        loops: list[Callable[[threading.Event], None]] = [self.relay.run]
        loops += [runner.subscription.run for runner in self.policies]
        loops += [runner.subscription.run for runner in self.read_models.values()]
        threads = [
            threading.Thread(target=loop, args=(stop,), daemon=True) for loop in loops
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def close(self) -> None:
        self.store.close()
