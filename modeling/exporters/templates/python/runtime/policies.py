"""Policies: whenever an event happens, issue a command.

A policy is a subscriber of the log. Its reaction runs in the transaction
that moves its checkpoint, and the commands it issues append in that same
transaction, so each event makes the policy act exactly once, crash or no
crash. A policy of one context reads its own context's events straight from
the log; a policy reacting to another context's event reads that event from
its context's inbox, where the outbox relay delivered it (see `integration`).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ..eventstore import RecordedEvent, Transaction
from ..eventstore.subscription import Subscription
from .aggregates import Rejected
from .messages import Command, DomainEvent, Notice, derived_id

if TYPE_CHECKING:
    from .app import App


@dataclass(frozen=True)
class Source:
    """Where the message a policy or read model reacts to sits in the log."""

    event_id: uuid.UUID
    position: int
    stream: str
    recorded_at: datetime.datetime

    def derived_id(self, name: str) -> uuid.UUID:
        """An id for something the reaction creates: the same on a replay."""
        return derived_id(self.event_id, name)


Message = DomainEvent | Notice


class Policy:
    """Override `on_<event>` in a subclass to change what the policy does."""

    NAME: ClassVar[str] = ""
    CONTEXT: ClassVar[str] = ""
    TEXT: ClassVar[str] = ""
    # The event types it reacts to (the store's type names).
    LISTENS_TO: ClassVar[tuple[str, ...]] = ()
    # A policy whose reaction leads back to an event it reacts to would run
    # forever with decisions that accept everything. By default a policy acts
    # once in a chain of events; a subclass whose rules end the loop (a retry
    # that gives up) sets this to True.
    REACTS_AGAIN: ClassVar[bool] = False

    def __init__(self, app: App) -> None:
        self.app = app

    def react(self, message: Message, source: Source) -> list[Command]:
        raise NotImplementedError

    def command_id(self, source: Source, n: int = 0) -> uuid.UUID:
        """The id of the n-th command issued for one event: a redelivered
        event issues the same command, which the store records once."""
        return source.derived_id(f"{self.CONTEXT}.{self.NAME}/{n}")


@dataclass(frozen=True)
class Fired:
    """A policy acted: for a demo or a log."""

    policy: Policy
    message: Message
    source: Source
    commands: tuple[Command, ...]
    rejected: str = ""  # why the rules refused a command it issued
    skipped: bool = False  # it acted in this chain of events already


def from_inbox(context: str) -> str:
    return f"inbox.{context}"


def read(app: App, recorded: RecordedEvent, context: str) -> Message | None:
    """The message a subscriber of `context` sees in a recorded event: an
    event of its own context, or what the relay delivered to its inbox.
    None for anything else (other contexts' events, other inboxes)."""
    if recorded.stream.startswith("inbox."):
        if recorded.stream != from_inbox(context):
            return None
        if recorded.metadata.get("style") == "notification":
            return app.registry.notice(recorded.type, recorded.data)
        return app.registry.event(recorded.type, recorded.data)
    if recorded.type.partition(".")[0] != context:
        return None
    return app.registry.event(recorded.type, recorded.data)


class PolicyRunner:
    """Runs a policy as a subscription of the log."""

    def __init__(self, app: App, policy: Policy) -> None:
        self.app = app
        self.policy = policy
        self.name = f"{policy.CONTEXT}.policy.{policy.NAME}"
        self.subscription = Subscription(app.store, self.name, self.handle)
        self.listeners: list[Callable[[Fired], None]] = []

    def handle(self, recorded: RecordedEvent, tx: Transaction) -> None:
        policy = self.policy
        if recorded.type not in policy.LISTENS_TO:
            return
        message = read(self.app, recorded, policy.CONTEXT)
        if message is None:
            return
        source = Source(
            recorded.id, recorded.position, recorded.stream, recorded.recorded_at
        )
        chain = [str(name) for name in recorded.metadata.get("chain", ())]
        if self.name in chain and not policy.REACTS_AGAIN:
            fired = Fired(policy, message, source, (), skipped=True)
        else:
            fired = self._react(tx, message, source, [*chain, self.name])
        for listener in self.listeners:
            listener(fired)

    def _react(
        self, tx: Transaction, message: Message, source: Source, chain: list[str]
    ) -> Fired:
        commands = tuple(self.policy.react(message, source))
        rejected = ""
        for command in commands:
            try:
                self.app.commands.dispatch(command, writer=tx, chain=chain)
            except Rejected as refusal:
                # A business answer, not a failure: the policy has acted.
                rejected = str(refusal)
                break
        return Fired(self.policy, message, source, commands, rejected)

    def catch_up(self) -> int:
        return self.subscription.catch_up()
