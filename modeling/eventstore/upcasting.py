"""Event schemas change over time; old events are upcast when they are read.

Register one upcaster per (type, from_version): a function taking the data of
that version and returning the data of the next. Reading applies the chain up
to the current version, so code only ever sees the newest shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .base import RecordedEvent

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Event data of one schema version in, the data of the next out."""

_U = TypeVar("_U", bound=Upcaster)


class Upcasters:
    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}
        self._current: dict[str, int] = {}

    def register(self, event_type: str, from_version: int) -> Callable[[_U], _U]:
        """Decorator: `@upcasters.register("OrderPlaced", 1)` turns v1 into v2."""

        def add(function: _U) -> _U:
            key = (event_type, from_version)
            if key in self._steps:
                raise ValueError(
                    f"{event_type} v{from_version} has an upcaster already"
                )
            self._steps[key] = function
            self._current[event_type] = max(
                self._current.get(event_type, 1), from_version + 1
            )
            return function

        return add

    def current_version(self, event_type: str) -> int:
        return self._current.get(event_type, 1)

    def upcast(self, event: RecordedEvent) -> RecordedEvent:
        """The event in its type's current schema (the same object if current)."""
        version, data = event.schema_version, event.data
        target = self._current.get(event.type)
        if target is None or version >= target:
            return event
        while version < target:
            step = self._steps.get((event.type, version))
            if step is None:
                raise LookupError(f"no upcaster for {event.type} v{version}")
            data = step(data)
            version += 1
        return event.replace(data=data, schema_version=version)

    def upcast_all(self, events: list[RecordedEvent]) -> list[RecordedEvent]:
        """`upcast` over a list, touching only the events that need it."""
        if not self._steps:
            return events
        current, upcast = self._current, self.upcast
        return [
            upcast(event)
            if event.schema_version < current.get(event.type, 1)
            else event
            for event in events
        ]

    def __bool__(self) -> bool:
        return bool(self._steps)
