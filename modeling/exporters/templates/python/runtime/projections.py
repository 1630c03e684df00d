"""Read models: the query side of CQRS, built from the log.

A projection turns messages into rows, one row per key: `apply(row,
message, source)` returns the new row (or None to remove it). The same pure
function serves three ways of running it:

- live: a subscription writes the rows in the transaction that moves its
  checkpoint (table `read_model_rows`), so each event counts exactly once;
- `rebuild()`: empties its rows and replays the whole log from position 0;
- `as_of(position)`: the rows as they were at a point of the log, folded
  in memory (the seed's "replay to a point"), without touching the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from ..eventstore import EventStore, RecordedEvent, Transaction
from ..eventstore.subscription import Subscription
from .messages import Record
from .policies import Message, Source, read

if TYPE_CHECKING:
    from .app import App

R = TypeVar("R", bound=Record)

TABLE = "read_model_rows"


class Projection(Generic[R]):
    """Override `on_<event>` in a subclass to shape the rows differently."""

    NAME: ClassVar[str] = ""
    CONTEXT: ClassVar[str] = ""
    TEXT: ClassVar[str] = ""
    LISTENS_TO: ClassVar[tuple[str, ...]] = ()

    def __init__(self, app: App) -> None:
        self.app = app

    def row_type(self) -> type[R]:
        raise NotImplementedError

    def key(self, message: Message) -> str | None:
        """The row a message belongs to (None: it changes no row)."""
        raise NotImplementedError

    def apply(self, row: R | None, message: Message, source: Source) -> R | None:
        raise NotImplementedError


class ProjectionRunner(Generic[R]):
    """Keeps a projection's rows in the store's database."""

    def __init__(self, app: App, projection: Projection[R]) -> None:
        self.app = app
        self.projection = projection
        self.name = f"{projection.CONTEXT}.read_model.{projection.NAME}"
        self.subscription = Subscription(app.store, self.name, self.handle)
        self.table = _table(app.store)
        self.placeholder = "%s" if hasattr(app.store, "schema") else "?"
        self.listeners: list[Callable[[str, R | None], None]] = []

    def _sql(self, sql: str) -> str:
        return sql.format(table=self.table).replace("?", self.placeholder)

    def _message(self, recorded: RecordedEvent) -> tuple[Message, Source] | None:
        if recorded.type not in self.projection.LISTENS_TO:
            return None
        message = read(self.app, recorded, self.projection.CONTEXT)
        if message is None:
            return None
        source = Source(
            recorded.id, recorded.position, recorded.stream, recorded.recorded_at
        )
        return message, source

    def handle(self, recorded: RecordedEvent, tx: Transaction) -> None:
        found = self._message(recorded)
        if found is None:
            return
        message, source = found
        key = self.projection.key(message)
        if key is None:
            return
        execute = tx.execute
        execute(self._sql(_CREATE))
        rows = execute(self._sql(_SELECT), (self.name, key))
        row_type = self.projection.row_type()
        before = row_type.from_dict(json.loads(rows[0][0])) if rows else None
        after = self.projection.apply(before, message, source)
        if after is None:
            execute(self._sql(_DELETE_ONE), (self.name, key))
        else:
            text = json.dumps(after.to_dict(), sort_keys=True, ensure_ascii=False)
            execute(self._sql(_UPSERT), (self.name, key, text))
        for listener in self.listeners:
            listener(key, after)

    def catch_up(self) -> int:
        return self.subscription.catch_up()

    def rows(self) -> list[R]:
        """The rows as the table holds them, by key."""
        query = self.app.store.query
        if self.placeholder == "?":
            exists = query(_SQLITE_TABLE, (TABLE,))
        else:
            exists = [row for row in query(_POSTGRES_TABLE, (self.table,)) if row[0]]
        if not exists:
            return []  # nothing projected yet
        found = query(self._sql(_SELECT_ALL), (self.name,))
        row_type = self.projection.row_type()
        return [row_type.from_dict(json.loads(text)) for _, text in found]

    def rebuild(self) -> int:
        """Empty the rows and replay the log from the start; how many events."""

        def reset(tx: Transaction) -> None:
            tx.execute(self._sql(_CREATE))
            tx.execute(self._sql(_DELETE_ALL), (self.name,))

        return self.subscription.rebuild(reset)

    def as_of(self, position: int | None = None) -> list[R]:
        """The rows as they were once the log reached `position` (None: now),
        folded in memory from the log."""
        return fold(self.projection, self._messages(position))

    def _messages(self, position: int | None) -> Iterable[tuple[Message, Source]]:
        for recorded in self.app.store.iter_all(0, until_position=position):
            found = self._message(recorded)
            if found is not None:
                yield found


def fold(
    projection: Projection[R], messages: Iterable[tuple[Message, Source]]
) -> list[R]:
    """The rows a projection makes of messages, by key."""
    rows: dict[str, R] = {}
    for message, source in messages:
        key = projection.key(message)
        if key is None:
            continue
        after = projection.apply(rows.get(key), message, source)
        if after is None:
            rows.pop(key, None)
        else:
            rows[key] = after
    return [rows[key] for key in sorted(rows)]


def _table(store: EventStore) -> str:
    schema = getattr(store, "schema", None)
    return f"{schema}.{TABLE}" if schema else TABLE


_CREATE = (
    "CREATE TABLE IF NOT EXISTS {table}"
    " (read_model TEXT NOT NULL, row_key TEXT NOT NULL, data TEXT NOT NULL,"
    " PRIMARY KEY (read_model, row_key))"
)
_SELECT = "SELECT data FROM {table} WHERE read_model = ? AND row_key = ?"
_SELECT_ALL = "SELECT row_key, data FROM {table} WHERE read_model = ? ORDER BY row_key"
_UPSERT = (
    "INSERT INTO {table} (read_model, row_key, data) VALUES (?, ?, ?)"
    " ON CONFLICT (read_model, row_key) DO UPDATE SET data = excluded.data"
)
_DELETE_ONE = "DELETE FROM {table} WHERE read_model = ? AND row_key = ?"
_DELETE_ALL = "DELETE FROM {table} WHERE read_model = ?"
_SQLITE_TABLE = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?"
_POSTGRES_TABLE = "SELECT to_regclass(%s)"
