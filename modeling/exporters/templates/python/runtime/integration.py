"""Events that leave their context: the outbox, the relay and the inboxes.

The seed's transactional message: an order paid must reach the member
system, and writing the order and publishing the event must not come apart
(one done, the other lost). Here the handler appends the event with
`outbox=[<consuming contexts>]`: the event and its outgoing message commit in
one transaction. The store's `Relay` then publishes each message at least
once; `publish` below delivers it into the consuming context's inbox stream
with an id derived from the message id, so a message published twice (the
relay crashed between publishing and marking it done) is recorded once.

What travels depends on the event's style:

- state transfer (the default): the event with all its data, so the consumer
  needs nothing else (the seed's event-carried state transfer);
- notification: only which aggregate and version, and a reference; the
  consumer calls the producing context's query function to read what it
  needs (the seed's event notification).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..eventstore import ANY, NewEvent, RecordedEvent
from ..eventstore.relay import Relay
from .messages import DomainEvent, derived_id
from .policies import from_inbox

if TYPE_CHECKING:
    from .app import App


@dataclass(frozen=True)
class Delivered:
    """The relay delivered an event to another context's inbox."""

    destination: str
    message_id: int
    event_type: str
    style: str
    position: int  # of the event in the log
    repeated: bool  # delivered before: recorded once all the same


def reference(stream: str, version: int) -> str:
    """`ordering/Order/<id>@3`: the producing aggregate at a version."""
    context, _, rest = stream.partition(".")
    aggregate, _, aggregate_id = rest.partition("-")
    return f"{context}/{aggregate}/{aggregate_id}@{version}"


def _carried(metadata: dict[str, object]) -> dict[str, object]:
    """What a delivery keeps of the event's metadata: its chain of policies."""
    return {"chain": metadata["chain"]} if "chain" in metadata else {}


class Integration:
    """Which contexts consume which events, and the relay's publisher."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.routes: dict[str, tuple[str, ...]] = {}
        self.listeners: list[Callable[[Delivered], None]] = []

    def route(self, event_type: str, destination: str) -> None:
        """`destination` (a context) consumes events of `event_type`."""
        routes = self.routes.get(event_type, ())
        if destination not in routes:
            self.routes[event_type] = (*routes, destination)

    def destinations(self, events: Sequence[DomainEvent]) -> list[str]:
        """The outbox destinations of an append of `events`."""
        found: list[str] = []
        for event in events:
            for destination in self.routes.get(event.TYPE, ()):
                if destination not in found:
                    found.append(destination)
        return found

    def relay(self) -> Relay:
        return Relay(self.app.store, self.publish)

    def publish(
        self, destination: str, message_id: int, recorded: RecordedEvent | None
    ) -> None:
        """The relay's publisher: deliver into the destination's inbox."""
        if recorded is None or destination not in self.routes.get(recorded.type, ()):
            return  # another event of the same append, or a stream deleted since
        event = self.app.registry.event(recorded.type, recorded.data)
        data = event.to_dict()
        if event.STYLE == "notification":
            notice = event.notice(
                reference(recorded.stream, recorded.version), recorded.version
            )
            data = notice.to_dict()
        result = self.app.store.append(
            from_inbox(destination),
            [
                NewEvent(
                    recorded.type,
                    data,
                    id=derived_id(recorded.id, f"to/{destination}"),
                    metadata={
                        **_carried(recorded.metadata),
                        "style": event.STYLE,
                        "from_stream": recorded.stream,
                        "from_position": recorded.position,
                        "message_id": message_id,
                    },
                    schema_version=recorded.schema_version,
                )
            ],
            ANY,
        )
        delivered = Delivered(
            destination,
            message_id,
            recorded.type,
            event.STYLE,
            recorded.position,
            result.repeated,
        )
        for listener in self.listeners:
            listener(delivered)
