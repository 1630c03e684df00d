"""The board's projection tables: read them as plain data, write events into them.

Mirrors `storming.state.apply` for the database. Only `storming.services`
calls `project`, inside the transaction that appends the event.
"""

from datetime import datetime

from django.db.models import Q

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
    return {"phase": board.phase, "locked": board.locked, "timer": timer}


def load_snapshot(board):
    """The board's current state in the form of `storming.state.snapshot`.

    Three queries whatever the board's size.
    """
    stickies = Sticky.objects.filter(board=board).order_by("created_at", "id")
    links = Link.objects.filter(board=board).order_by("created_at", "id")
    votes = Vote.objects.filter(board=board).order_by("sticky_id", "member")
    return {
        "board": board_settings(board),
        "stickies": [sticky_dict(row) for row in stickies.values(*STICKY_COLUMNS)],
        "links": [link_dict(row) for row in links.values(*LINK_COLUMNS)],
        "votes": [vote_dict(row) for row in votes.values(*VOTE_COLUMNS)],
    }


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

    def history(self, actor):
        rows = (
            BoardEvent.objects.filter(
                board=self.board, actor=actor, name__in=UNDOABLE_EVENTS
            )
            .order_by("-seq")
            .values_list("seq", "name", "data", "before", "undo_of", "redo_of")[
                :UNDO_DEPTH
            ]
        )
        return [LoggedEvent(*row) for row in reversed(rows)]


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


def project(board: Board, name, data):
    """Apply one event to the projection tables (inside the append's transaction).

    Board settings are set on `board`; the caller saves it with the new head.
    Returns the names of the board columns it changed.
    """
    if name == "sticky.created":
        Sticky.objects.create(board=board, **_sticky_columns(data))
        _create_links(board, data.get("links", ()))
        _create_votes(board, data.get("votes", ()))
    elif name in ("sticky.updated", "sticky.moved"):
        values = _sticky_columns(data)
        values.pop("id")
        board.stickies.filter(pk=data["id"]).update(**values)
    elif name == "sticky.deleted":
        # Links and votes go by cascade, as in `state._drop_sticky`.
        board.stickies.filter(pk=data["id"]).delete()
    elif name == "link.created":
        _create_links(board, [data])
    elif name == "link.deleted":
        board.links.filter(pk=data["id"]).delete()
    elif name == "vote.cast":
        _create_votes(board, [data])
    elif name == "vote.retracted":
        board.votes.filter(sticky_id=data["sticky"], member=data["member"]).delete()
    elif name == "phase.changed":
        board.phase = data["phase"]
        return ["phase"]
    elif name == "timer.started":
        board.timer_seconds = data["seconds"]
        board.timer_ends_at = _when(data["ends_at"])
        return ["timer_seconds", "timer_ends_at"]
    elif name == "timer.stopped":
        board.timer_seconds = board.timer_ends_at = None
        return ["timer_seconds", "timer_ends_at"]
    elif name in ("board.locked", "board.unlocked"):
        board.locked = name == "board.locked"
        return ["locked"]
    else:
        raise ValueError(f"unknown board event {name!r}")
    return []


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
    timer = settings["timer"]
    board.timer_seconds = timer["seconds"] if timer else None
    board.timer_ends_at = _when(timer["ends_at"]) if timer else None
