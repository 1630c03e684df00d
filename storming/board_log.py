"""The board's log read back: its events as protocol messages, the board's
state now or at any seq, and what a (re)connecting client needs.

Reads only: writing is `services`' (the one write path). The live rooms fill
gaps from here (`live.Hub` is handed `events_between` and `head`), so that
nothing here imports the write path and the write path's broadcast.
"""

from django.db import transaction

from . import protocol, state
from .commands import iso
from .models import Board, BoardEvent
from .projector import load_snapshot

# A reconnecting client gets the events it missed, unless there are so many
# that the whole state is smaller and quicker to apply.
MAX_CATCH_UP = 1000


def event_message(event: BoardEvent) -> dict:
    """A logged event as the protocol's `event` message."""
    return protocol.event(
        event.seq,
        event.name,
        event.data,
        str(event.actor) if event.actor else None,
        event.command_id,
        iso(event.created_at),
        event.undo_of,
        event.redo_of,
        event.group,
    )


def board_state(board: Board) -> dict:
    """The board's state with the seq it is at, read consistently."""
    with transaction.atomic():
        # Holding the row lock keeps writers out while the three reads run.
        board = Board.objects.select_for_update().get(pk=board.pk)
        return {
            "board": str(board.pk),
            "seq": board.head_seq,
            "state": load_snapshot(board),
        }


def events_since(board: Board, since=0, limit=500):
    """Up to `limit` events after `since`, as protocol messages, in order."""
    rows = board.events.filter(seq__gt=since).order_by("seq")[:limit]
    return [event_message(row) for row in rows]


def events_between(board_id, after, upto) -> list:
    """The events with `after` < seq <= `upto`, as protocol messages."""
    rows = BoardEvent.objects.filter(
        board_id=board_id, seq__gt=after, seq__lte=upto
    ).order_by("seq")
    return [event_message(row) for row in rows]


def catch_up(board: Board, since=None) -> dict:
    """What a (re)connecting client needs: the whole state, or with `since`
    the events after it. Either way `seq` is the seq the answer reaches."""
    if since is not None and 0 <= since <= board.head_seq:
        events = events_since(board, since, limit=MAX_CATCH_UP + 1)
        if len(events) <= MAX_CATCH_UP:
            seq = events[-1]["seq"] if events else since
            return {"seq": seq, "events": events}
    answer = board_state(board)
    if since is not None:
        answer["resync"] = True
    return {key: answer[key] for key in ("seq", "state", "resync") if key in answer}


def state_at(board: Board, seq=None) -> dict:
    """The board as it was right after event `seq` (now, if None)."""
    events = board.events.order_by("seq")
    if seq is not None:
        events = events.filter(seq__lte=seq)
    folded = state.fold(events.values_list("name", "data").iterator(chunk_size=2000))
    return state.snapshot(folded)


def head(board_id):
    """(head seq, locked) of the board, or None if there is no such board."""
    return Board.objects.filter(pk=board_id).values_list("head_seq", "locked").first()
