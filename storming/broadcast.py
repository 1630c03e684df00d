"""Publishing committed board events to the board's live clients."""

import asyncio
import logging
import os

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

from . import live

log = logging.getLogger(__name__)

group_name = live.group_name


def publish_boards(parts):
    """Send the committed events of the boards one transaction wrote,
    [(board id, messages)], to everyone on those boards, in order.

    Sockets in this process get them directly, in one hand-over for all the
    boards; other processes (a shared channel layer such as Redis) get one
    layer message per board, which each fans out to its own sockets. Runs
    after commit: a failure here loses no data, since clients notice the gap
    in `seq` and catch up from the log.
    """
    parts = [(board_id, messages) for board_id, messages in parts if messages]
    if not parts:
        return
    live.deliver_committed(parts)
    for board_id, messages in parts:
        _to_other_processes(
            board_id,
            {"type": "board.events", "messages": messages},
            f"events {messages[0].get('seq')} to {messages[-1].get('seq')}",
        )


def membership(board_id, member_id, role):
    """Tell a member's open pages their new role (None: removed), after
    commit: in this process directly, elsewhere through the layer."""
    live.deliver_membership(board_id, member_id, role)
    _to_other_processes(
        board_id,
        {"type": "board.membership", "member": str(member_id), "role": role},
        "a membership change",
    )


def _serving_loop():
    """The event loop of the server that called this thread (daphne's), if
    this thread runs a `sync_to_async` call of it."""
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return getattr(local, "main_event_loop", None)


def _to_other_processes(board_id, message, what):
    layer = get_channel_layer()
    if not live.is_shared(layer):
        return
    message = {**message, "origin": live.ORIGIN}
    loop = _serving_loop()
    if loop is not None:
        # Handed to the server's loop, which sends it in order and without
        # this thread waiting: waiting here (async_to_sync) hung the process
        # for good when the loop stopped on SIGTERM, with this thread stuck.
        try:
            loop.call_soon_threadsafe(live.post, board_id, message, what)
        except RuntimeError:
            log.warning(
                "not broadcasting %s to board %s: shutting down", what, board_id
            )
        return
    # No server loop (a management command, a test, WSGI): a loop of our own.
    try:
        async_to_sync(_send)(layer, group_name(board_id), message)
    except Exception:
        log.exception("could not broadcast %s to board %s", what, board_id)


async def _send(layer, group, message):
    await asyncio.wait_for(layer.group_send(group, message), live.LAYER_TIMEOUT)
