"""The transactional outbox's relay: publish what committed, at least once.

Events appended with `outbox=[destination, ...]` sit in the outbox from the
same commit on, so a crash between commit and publish loses nothing: the next
relay run publishes them. Each message carries an id for the consumer to
de-duplicate, since "at least once" means a crash after publishing but before
marking done publishes again. Failures are retried with exponential backoff;
after `max_attempts` a message moves to the dead letters. A lease makes sure
only one relay runs per store.

Messages are not ordered per destination: one that waits for a retry does not
hold back the ones behind it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .base import OutboxStore, RecordedEvent

Publisher = Callable[[str, int, RecordedEvent], object]
"""`publisher(destination, message_id, event)`: raises to signal failure."""


class Relay:
    def __init__(
        self,
        store: OutboxStore,
        publisher: Publisher,
        *,
        name: str | None = None,
        max_attempts: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 60.0,
        lease_seconds: float = 10.0,
        batch: int = 100,
    ) -> None:
        """`publisher(destination, message_id, event)` raises to signal failure.

        `name` identifies the lease holder. Each relay gets its own by default:
        two relays sharing a name would both hold the lease."""
        self.store = store
        self.publisher = publisher
        self.name = name or (
            f"relay-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        )
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.lease_seconds = lease_seconds
        self.batch = batch
        self.holding = False  # whether the last look found the lease ours
        self._renew_at = 0.0  # monotonic time to renew the lease from

    def _hold_lease(self) -> bool:
        """Take or renew the lease. A renewal is a write, so it waits until
        half the lease has passed: until then the lease is surely ours."""
        now = time.monotonic()
        if self.holding and now < self._renew_at:
            return True
        self.holding = self.store.outbox_claim(self.name, self.lease_seconds)
        self._renew_at = now + self.lease_seconds / 2
        return self.holding

    def delay(self, attempts: int) -> float:
        delay: float = min(self.max_backoff, self.backoff * 2 ** max(0, attempts - 1))
        return delay

    def run_once(self) -> int:
        """Publish what is due; how many were published (0 without the lease)."""
        if not self._hold_lease():
            return 0
        published = 0
        for message in self.store.outbox_pending(self.batch):
            if not self._hold_lease():
                break  # a slow batch outlived the lease and another relay has it
            try:
                self.publisher(message["destination"], message["id"], message["event"])
            except Exception as error:  # noqa: BLE001, RUF100 (any publisher failure)
                attempts = message["attempts"] + 1
                reason = f"{type(error).__name__}: {error}"
                if attempts >= self.max_attempts:
                    self.store.outbox_dead(message["id"], reason)
                else:
                    retry_at = datetime.now(UTC) + timedelta(
                        seconds=self.delay(attempts)
                    )
                    self.store.outbox_failed(message["id"], reason, retry_at)
                continue
            self.store.outbox_done(message["id"])
            published += 1
        return published

    def run(self, stop: threading.Event, poll: float = 0.05) -> None:
        """Relay until `stop` is set, waking on new events or every `poll` s."""
        store = self.store
        while not stop.is_set():
            # The head before looking: a commit made while we look wakes the wait.
            head = store.head()
            if self.run_once():
                continue
            if self.holding:
                # New events wake it; retries that come due are found by polling.
                store.wait_for_events(head, poll)
            else:
                # A standby relay only checks whether the lease came free: it
                # does not wake (and write a claim) on every commit.
                stop.wait(poll)
