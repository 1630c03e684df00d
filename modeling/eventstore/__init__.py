"""A standard-library event store: SQLite by default, PostgreSQL by URL.

    store = open_store("sqlite:///events.db")
    store.append("order-1", [NewEvent("OrderPlaced", {"total": 12})], NO_STREAM)
    for event in store.read_stream("order-1"): ...

No Django here: the package is copied verbatim into exported domain code.
"""

from __future__ import annotations

import os
from typing import Any

from .base import (
    ANY,
    NO_STREAM,
    STREAM_EXISTS,
    AppendResult,
    ConcurrencyError,
    EventStore,
    EventStoreError,
    ExpectedVersion,
    Handler,
    IdempotencyConflict,
    LogHead,
    NewEvent,
    OutboxStore,
    RecordedEvent,
    Recorder,
    Snapshot,
    SnapshotStore,
    StreamDeleted,
    SubscriptionStore,
    Transaction,
)
from .codec import Codec, JSONCodec
from .upcasting import Upcaster, Upcasters

__all__ = [
    "ANY",
    "NO_STREAM",
    "STREAM_EXISTS",
    "AppendResult",
    "Codec",
    "ConcurrencyError",
    "EventStore",
    "EventStoreError",
    "ExpectedVersion",
    "Handler",
    "IdempotencyConflict",
    "JSONCodec",
    "LogHead",
    "NewEvent",
    "OutboxStore",
    "RecordedEvent",
    "Recorder",
    "Snapshot",
    "SnapshotStore",
    "StreamDeleted",
    "SubscriptionStore",
    "Transaction",
    "Upcaster",
    "Upcasters",
    "open_store",
]

DEFAULT_URL = "sqlite:///eventstore.db"


def sqlite_path(url: str) -> str:
    """The file a `sqlite://` URL names: `sqlite:///relative.db`,
    `sqlite:////absolute/path.db`, `sqlite://:memory:` or `sqlite:///:memory:`."""
    rest = url[len("sqlite://") :]
    if rest in (":memory:", "/:memory:", ""):
        return ":memory:"
    if not rest.startswith("/"):
        raise ValueError(f"not a sqlite URL: {url!r} (try sqlite:///file.db)")
    return rest[1:]


def open_store(url: str | None = None, **options: Any) -> EventStore:
    """The store a URL names; without one, $EVENTSTORE_URL, else a local
    `eventstore.db`. Options (codec=, upcasters=) go to the backend."""
    if url is None:
        url = os.environ.get("EVENTSTORE_URL") or DEFAULT_URL
    scheme = url.partition(":")[0].lower()
    if scheme == "sqlite":
        from .sqlite import SQLiteEventStore

        return SQLiteEventStore(sqlite_path(url), **options)
    if scheme in ("postgresql", "postgres") or scheme.startswith("postgresql+"):
        # psycopg is optional: only PostgreSQL users need it installed.
        from .postgres import PostgresEventStore

        return PostgresEventStore(url, **options)
    raise ValueError(f"no event store backend for {url!r}")
