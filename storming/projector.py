"""The board's projection tables: read them as plain data, write events into them.

Mirrors `storming.state.apply` for the database. Only `storming.services`
calls `project`, inside the transaction that appends the event.
"""

import uuid
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import CharField, Func, Q
from django.db.models.functions import Cast
from django.utils import timezone

from .commands import UNDOABLE_EVENTS, LoggedEvent, iso
from .models import Board, BoardEvent, Link, Sticky, Vote

STICKY_COLUMNS = (
    "id",
    "kind",
    "text",
    "description",
    "fields",
    "x",
    "y",
    "width",
    "height",
    "pivotal",
    "event_style",
    "code_name",
    "version",
    "author",
    "created_at",
    "updated_at",
)
# How far back undo looks for the actor's own changes.
UNDO_DEPTH = 500


def _when(value):
    return datetime.fromisoformat(value)


def _uuid_str(value):
    return str(value) if value is not None else None


def sticky_dict(row):
    return {
        **row,
        "id": str(row["id"]),
        "author": _uuid_str(row["author"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def link_dict(row):
    return {
        "id": str(row["id"]),
        "from": str(row["source_id"]),
        "to": str(row["target_id"]),
        "author": _uuid_str(row["author"]),
        "created_at": iso(row["created_at"]),
    }


def vote_dict(row):
    return {
        "sticky": str(row["sticky_id"]),
        "member": str(row["member"]),
        "created_at": iso(row["created_at"]),
    }


LINK_COLUMNS = ("id", "source_id", "target_id", "author", "created_at")
VOTE_COLUMNS = ("sticky_id", "member", "created_at")


def board_settings(board):
    timer = None
    if board.timer_ends_at is not None:
        timer = {"seconds": board.timer_seconds, "ends_at": iso(board.timer_ends_at)}
    return {
        "phase": board.phase,
        "locked": board.locked,
        "timer": timer,
        "voting": board.voting,
        "lanes": board.lanes,
    }


def load_snapshot(board):
    """The board's current state in the form of `storming.state.snapshot`.

    Three queries whatever the board's size. Every page load and reconnect
    reads the whole board, so rows are built by position from UUIDs read as
    text: the same dicts as `sticky_dict`, `link_dict` and `vote_dict` give,
    in half the time (no uuid.UUID round trip, no strftime).
    """
    stickies = Sticky.objects.filter(board=board).order_by("created_at", "id")
    links = Link.objects.filter(board=board).order_by("created_at", "id")
    votes = Vote.objects.filter(board=board).order_by("sticky_id", "member")
    return {
        "board": board_settings(board),
        "stickies": [
            _sticky_row(row) for row in stickies.values_list(*_STICKY_AS_TEXT)
        ],
        "links": [
            {
                "id": _uuid_text(id_),
                "from": _uuid_text(source),
                "to": _uuid_text(target),
                "author": _uuid_text(author),
                "created_at": _iso(created_at),
            }
            for id_, source, target, author, created_at in links.values_list(
                *_LINK_AS_TEXT
            )
        ],
        "votes": [
            {
                "sticky": _uuid_text(sticky),
                "member": _uuid_text(member),
                "created_at": _iso(created_at),
            }
            for sticky, member, created_at in votes.values_list(*_VOTE_AS_TEXT)
        ],
    }


# -- reading rows fast, for `load_snapshot` ------------------------------------

UUID_COLUMNS = frozenset(
    {"id", "author", "source_id", "target_id", "sticky_id", "member"}
)
TIME_COLUMNS = frozenset({"created_at", "updated_at"})


class IsoText(Func):
    """A datetime column as `commands.iso` writes it, formatted by the database.

    Elsewhere the column comes back as a datetime, which `_iso` formats.
    """

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE 'UTC', "
            '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\')',
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores UTC as 'YYYY-MM-DD HH:MM:SS[.ffffff]' text.
        return self.as_sql(
            compiler,
            connection,
            template="replace(substr(%(expressions)s, 1, 19), ' ', 'T') || '.' || "
            "substr(substr(%(expressions)s, 21) || '000000', 1, 6) || 'Z'",
            **extra,
        )

    def as_sql(self, compiler, connection, template=None, **extra):
        if template is None:  # other databases: the column as it is
            return compiler.compile(self.source_expressions[0])
        return super().as_sql(compiler, connection, template=template, **extra)


def _as_text(columns):
    """The columns to read, UUIDs and datetimes as text made by the query."""
    return tuple(
        Cast(name, output_field=CharField())
        if name in UUID_COLUMNS
        else IsoText(name)
        if name in TIME_COLUMNS
        else name
        for name in columns
    )


_STICKY_AS_TEXT = _as_text(STICKY_COLUMNS)
_LINK_AS_TEXT = _as_text(LINK_COLUMNS)
_VOTE_AS_TEXT = _as_text(VOTE_COLUMNS)


def _uuid_text(value):
    """`str(uuid)` of a UUID column read as text.

    PostgreSQL casts a uuid to this form already; SQLite stores Django's
    UUIDs as their 32 hex digits, to which this adds the dashes.
    """
    if value is None or len(value) != 32:
        return value
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _iso(moment):
    """`commands.iso` of a datetime column read through `IsoText`."""
    return moment if isinstance(moment, str) else iso(moment)


def _sticky_row(row):
    sticky = dict(zip(STICKY_COLUMNS, row, strict=True))
    sticky["id"] = _uuid_text(sticky["id"])
    sticky["author"] = _uuid_text(sticky["author"])
    sticky["created_at"] = _iso(sticky["created_at"])
    sticky["updated_at"] = _iso(sticky["updated_at"])
    return sticky


class DatabaseView:
    """The `BoardView` that the write path decides commands against."""

    def __init__(self, board):
        self.board = board

    def sticky(self, sticky_id):
        row = self.board.stickies.filter(pk=sticky_id).values(*STICKY_COLUMNS).first()
        return sticky_dict(row) if row else None

    def sticky_id_taken(self, sticky_id):
        # Ids are global primary keys, so any board's sticky counts.
        return Sticky.objects.filter(pk=sticky_id).exists()

    def link(self, link_id):
        row = self.board.links.filter(pk=link_id).values(*LINK_COLUMNS).first()
        return link_dict(row) if row else None

    def link_id_taken(self, link_id):
        return Link.objects.filter(pk=link_id).exists()

    def link_between(self, source, target):
        row = (
            self.board.links.filter(source_id=source, target_id=target)
            .values(*LINK_COLUMNS)
            .first()
        )
        return link_dict(row) if row else None

    def links_of(self, sticky_id):
        rows = (
            self.board.links.filter(Q(source_id=sticky_id) | Q(target_id=sticky_id))
            .order_by("id")
            .values(*LINK_COLUMNS)
        )
        return [link_dict(row) for row in rows]

    def has_vote(self, sticky_id, member):
        return self.board.votes.filter(sticky_id=sticky_id, member=member).exists()

    def votes_of(self, sticky_id):
        rows = self.board.votes.filter(sticky_id=sticky_id).order_by("member")
        return [vote_dict(row) for row in rows.values(*VOTE_COLUMNS)]

    def votes_by(self, member):
        rows = self.board.votes.filter(member=member).order_by("created_at")
        return [vote_dict(row) for row in rows.values(*VOTE_COLUMNS)]

    def history(self, actor):
        rows = (
            BoardEvent.objects.filter(
                board=self.board, actor=actor, name__in=UNDOABLE_EVENTS
            )
            .order_by("-seq")
            .values_list(*_LOGGED)[:UNDO_DEPTH]
        )
        return [LoggedEvent(*row) for row in reversed(rows)]

    def unit(self, actor, key):
        """The undoable events of one undo unit: a group (whole, however
        long; settings it changed stay) or one event."""
        events = BoardEvent.objects.filter(
            board=self.board, actor=actor, name__in=UNDOABLE_EVENTS
        )
        events = events.filter(Q(group=key) | Q(seq=key, group__isnull=True))
        return [
            LoggedEvent(*row) for row in events.order_by("seq").values_list(*_LOGGED)
        ]

    def applied(self, change):
        # The tables change only when the write path projects: deciding many
        # changes in a row needs the in-memory view (storming.services).
        raise NotImplementedError("decide groups of changes against a MemoryView")


_LOGGED = ("seq", "name", "data", "before", "undo_of", "redo_of", "group")


# -- writing events into the tables ------------------------------------------


def _sticky_columns(data):
    values = {name: data[name] for name in STICKY_COLUMNS if name in data}
    for name in ("created_at", "updated_at"):
        if name in values:
            values[name] = _when(values[name])
    return values


def _create_links(board, links):
    Link.objects.bulk_create(
        Link(
            id=link["id"],
            board=board,
            source_id=link["from"],
            target_id=link["to"],
            author=link["author"],
            created_at=_when(link["created_at"]),
        )
        for link in links
    )


def _create_votes(board, votes):
    Vote.objects.bulk_create(
        Vote(
            board=board,
            sticky_id=vote["sticky"],
            member=vote["member"],
            created_at=_when(vote["created_at"]),
        )
        for vote in votes
    )


def _sticky_created(board, data):
    Sticky.objects.create(board=board, **_sticky_columns(data))
    _create_links(board, data.get("links", ()))
    _create_votes(board, data.get("votes", ()))


def _sticky_changed(board, data):
    values = _sticky_columns(data)
    values.pop("id")
    board.stickies.filter(pk=data["id"]).update(**values)


def _sticky_deleted(board, data):
    # Links and votes go by cascade, as in `state._drop_sticky`.
    board.stickies.filter(pk=data["id"]).delete()


def _link_created(board, data):
    _create_links(board, [data])


def _link_deleted(board, data):
    board.links.filter(pk=data["id"]).delete()


def _vote_cast(board, data):
    _create_votes(board, [data])


def _vote_retracted(board, data):
    board.votes.filter(sticky_id=data["sticky"], member=data["member"]).delete()


def _setting(**columns):
    """A projector setting board columns to `value(data, board)` each; the
    caller saves them with the new head."""

    def project_setting(board, data):
        for column, value in columns.items():
            setattr(board, column, value(data, board))
        return list(columns)

    return project_setting


# What each board event does to the tables: one projector per event name, as
# `state.APPLIERS` for the fold (tests/storming/test_dispatch.py). Projectors of
# settings return the board columns they changed, the others nothing.
PROJECTORS = {
    "sticky.created": _sticky_created,
    "sticky.updated": _sticky_changed,
    "sticky.moved": _sticky_changed,
    "sticky.deleted": _sticky_deleted,
    "link.created": _link_created,
    "link.deleted": _link_deleted,
    "vote.cast": _vote_cast,
    "vote.retracted": _vote_retracted,
    "phase.changed": _setting(phase=lambda data, board: data["phase"]),
    "timer.started": _setting(
        timer_seconds=lambda data, board: data["seconds"],
        timer_ends_at=lambda data, board: _when(data["ends_at"]),
    ),
    "timer.stopped": _setting(
        timer_seconds=lambda data, board: None,
        timer_ends_at=lambda data, board: None,
    ),
    "board.locked": _setting(locked=lambda data, board: True),
    "board.unlocked": _setting(locked=lambda data, board: False),
    "voting.opened": _setting(voting=lambda data, board: dict(data, revealed=False)),
    "voting.revealed": _setting(
        voting=lambda data, board: dict(board.voting or {}, revealed=True)
    ),
    "voting.closed": _setting(voting=lambda data, board: None),
    "lanes.changed": _setting(lanes=lambda data, board: data["lanes"]),
}


def project(board: Board, name, data):
    """Apply one event to the projection tables (inside the append's transaction).

    Board settings are set on `board`; the caller saves it with the new head.
    Returns the names of the board columns it changed.
    """
    projector = PROJECTORS.get(name)
    if projector is None:
        raise ValueError(f"unknown board event {name!r}")
    return projector(board, data) or []


def project_many(board: Board, changes):
    """Project decided changes in order, as `project` does one by one, but with
    one statement for a run of creations or of changes to the same columns of
    different stickies (a group move of 2,000 is a handful of statements, not
    2,000). Returns the board columns changed."""
    return project_boards([(board, changes)]).get(board.pk, set())


def project_boards(parts):
    """`project_many` for several boards' changes, [(board, changes)], with
    runs that go across boards: the moves of twenty boards written by one
    group commit are one statement run, not twenty. Returns {board pk: the
    board columns changed}."""
    changed = {}
    pairs = [(board, change) for board, changes in parts for change in changes]
    index = 0
    while index < len(pairs):
        run = _bulk_run(pairs, index)
        board, change = pairs[index]
        if len(run) > 1 and change.name == "sticky.created":
            Sticky.objects.bulk_create(
                (Sticky(board=b, **_sticky_columns(c.data)) for b, c in run),
                batch_size=500,
            )
            for b, c in run:
                _create_links(b, c.data.get("links", ()))
                _create_votes(b, c.data.get("votes", ()))
        elif len(run) > 1:
            _update_stickies([(b, _sticky_columns(c.data)) for b, c in run])
        else:
            columns = project(board, change.name, change.data)
            changed.setdefault(board.pk, set()).update(columns)
        index += len(run)
    return changed


def insert_events(events):
    """Insert unsaved `BoardEvent`s with one prepared statement run: the log
    of a 2,000-change batch in a fraction of what `bulk_create`'s per-value
    work costs."""
    conn = connections[DEFAULT_DB_ALIAS]
    fields = [f for f in BoardEvent._meta.concrete_fields if not f.primary_key]
    quote = conn.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(BoardEvent._meta.db_table)} ({columns}) VALUES ({marks})"
    convert = [(f.attname, _converter(f, conn)) for f in fields]
    params = [[to_db(getattr(e, name)) for name, to_db in convert] for e in events]
    with conn.cursor() as cursor:
        cursor.executemany(sql, params)


def _update_stickies(rows):
    """One prepared UPDATE run for many stickies' same columns, (board,
    columns) rows of any boards (Django's `bulk_update` builds a CASE per
    column and row, which costs seconds for thousands)."""
    conn = connections[DEFAULT_DB_ALIAS]
    columns = sorted(rows[0][1].keys() - {"id"})
    meta = Sticky._meta
    quote = conn.ops.quote_name
    sets = ", ".join(f"{quote(meta.get_field(n).column)} = %s" for n in columns)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {sets}"
        f" WHERE {quote('id')} = %s AND {quote('board_id')} = %s"
    )
    convert = [
        (name, _converter(meta.get_field(name), conn)) for name in (*columns, "id")
    ]
    board_id = _converter(meta.get_field("board"), conn)
    params = [
        [to_db(row[name]) for name, to_db in convert] + [board_id(board.pk)]
        for board, row in rows
    ]
    with conn.cursor() as cursor:
        cursor.executemany(sql, params)


def update_heads(boards):
    """Save the boards' `head_seq` (and `updated_at`: now) with one prepared
    statement run, for boards whose other columns did not change."""
    if not boards:
        return
    conn = connections[DEFAULT_DB_ALIAS]
    meta = Board._meta
    quote = conn.ops.quote_name
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote('head_seq')} = %s,"
        f" {quote('updated_at')} = %s WHERE {quote('id')} = %s"
    )
    now = timezone.now()
    when = _converter(meta.get_field("updated_at"), conn)
    board_id = _converter(meta.get_field("id"), conn)
    params = []
    for board in boards:
        board.updated_at = now
        params.append([board.head_seq, when(now), board_id(board.pk)])
    with conn.cursor() as cursor:
        cursor.executemany(sql, params)


def _identity(value):
    return value


def _converter(field, conn):
    """How a value of `field` goes to the database, decided once per field
    (the field's own `get_db_prep_save` decides per value, and costs)."""
    kind = field.get_internal_type()
    if field.is_relation:
        kind = field.target_field.get_internal_type()
    if kind == "JSONField":
        adapt = conn.ops.adapt_json_value
        return lambda value: None if value is None else adapt(value, None)
    if kind == "UUIDField" and not conn.features.has_native_uuid_field:
        return lambda value: None if value is None else uuid.UUID(str(value)).hex
    if kind == "DateTimeField":
        return conn.ops.adapt_datetimefield_value
    return _identity


def _bulk_run(pairs, start):
    """The (board, change) pairs from `start` on that one statement can
    project: creations, or updates of the same columns of stickies that each
    appear once."""
    _, first = pairs[start]
    if first.name not in ("sticky.created", "sticky.moved", "sticky.updated"):
        return [pairs[start]]
    keys = set(first.data)
    run = [pairs[start]]
    seen = {(pairs[start][0].pk, first.data["id"])}
    for board, change in pairs[start + 1 :]:
        same_kind = change.name == first.name
        if not same_kind or (board.pk, change.data["id"]) in seen:
            break
        if first.name != "sticky.created" and set(change.data) != keys:
            break
        run.append((board, change))
        seen.add((board.pk, change.data["id"]))
    return run


def replace_projection(board: Board, snapshot):
    """Overwrite the board's projection with `snapshot` (used by replay)."""
    board.stickies.all().delete()
    Sticky.objects.bulk_create(
        (Sticky(board=board, **_sticky_columns(s)) for s in snapshot["stickies"]),
        batch_size=500,
    )
    _create_links(board, snapshot["links"])
    _create_votes(board, snapshot["votes"])
    settings = snapshot["board"]
    board.phase = settings["phase"]
    board.locked = settings["locked"]
    board.voting = settings.get("voting")
    board.lanes = settings.get("lanes", [])
    timer = settings["timer"]
    board.timer_seconds = timer["seconds"] if timer else None
    board.timer_ends_at = _when(timer["ends_at"]) if timer else None
