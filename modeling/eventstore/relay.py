"""The transactional outbox's relay: publish what committed, at least once.

Events appended with `outbox=[destination, ...]` sit in the outbox from the
same commit on, so a crash between commit and publish loses nothing: the next
relay run publishes them. Each message carries an id for the consumer to
de-duplicate, since "at least once" means a crash after publishing but before
marking done publishes again. Failures are retried with exponential backoff;
after `max_attempts` a message moves to the dead letters. A lease makes sure
only one relay runs per store.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Relay:
    def __init__(
        self,
        store,
        publisher,
        *,
        name="relay",
        max_attempts=5,
        backoff=0.5,
        max_backoff=60.0,
        lease_seconds=10.0,
        batch=100,
    ):
        """`publisher(destination, message_id, event)` raises to signal failure."""
        self.store = store
        self.publisher = publisher
        self.name = name
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.lease_seconds = lease_seconds
        self.batch = batch

    def delay(self, attempts):
        return min(self.max_backoff, self.backoff * 2 ** max(0, attempts - 1))

    def run_once(self) -> int:
        """Publish what is due; how many were published (0 without the lease)."""
        if not self.store.outbox_claim(self.name, self.lease_seconds):
            return 0
        published = 0
        for message in self.store.outbox_pending(self.batch):
            try:
                self.publisher(message["destination"], message["id"], message["event"])
            except Exception as error:  # the publisher's failure, whatever it is
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

    def run(self, stop: threading.Event, poll=0.05):
        """Relay until `stop` is set, waking on new events or every `poll` s."""
        while not stop.is_set():
            if self.run_once() == 0:
                # New events wake it; retries that come due are found by polling.
                self.store.wait_for_events(self.store.head(), poll)
