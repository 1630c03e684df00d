"""Subscribers: catch up from their checkpoint, then follow the log live.

The handler runs in the transaction that moves the subscriber's checkpoint,
and may write its own tables (`tx.execute`) or append events (`tx.append`)
there: inside the database each event is processed exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .base import Handler, SubscriptionStore, Transaction


class Subscription:
    def __init__(
        self, store: SubscriptionStore, name: str, handler: Handler, *, batch: int = 500
    ) -> None:
        self.store = store
        self.name = name
        self.handler = handler
        self.batch = batch

    def catch_up(self) -> int:
        """Process everything committed so far; returns how many events."""
        total = 0
        while True:
            done = self.store.process(self.name, self.handler, limit=self.batch)
            total += done
            if done < self.batch:
                return total

    def rebuild(self, reset: Callable[[Transaction], None] | None = None) -> int:
        """Start again from the first event: `reset(tx)` empties what the
        handler built (in the transaction that rewinds the checkpoint), then
        the whole log is processed again. Returns how many events."""
        self.store.rewind(self.name, 0, reset)
        return self.catch_up()

    def run(self, stop: threading.Event, wait: float = 0.05) -> None:
        """Catch up, then process new events as they commit, until `stop`.
        A handler's error ends the run (the checkpoint stays before its event)."""
        store = self.store
        while not stop.is_set():
            # Wait for commits past the head seen *before* catching up: one made
            # meanwhile wakes the wait at once, and events the log hides (in
            # archived streams) never leave the checkpoint behind the head,
            # which would make every wait return at once (a busy loop).
            head = store.head()
            if self.catch_up() == 0:
                store.wait_for_events(head, wait)
