"""Publishing committed board events to the board's live clients."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from . import live

log = logging.getLogger(__name__)

group_name = live.group_name


def publish(board_id, messages):
    """Send committed events to everyone on the board, in order.

    Sockets in this process get them directly; other processes (a shared
    channel layer such as Redis) get one layer message per batch, which each
    fans out to its own sockets. Runs after commit: a failure here loses no
    data, since clients notice the gap in `seq` and catch up from the log.
    """
    if not messages:
        return
    live.deliver_committed(board_id, messages)
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


def _to_other_processes(board_id, message, what):
    layer = get_channel_layer()
    if not live.is_shared(layer):
        return
    try:
        async_to_sync(layer.group_send)(
            group_name(board_id), {**message, "origin": live.ORIGIN}
        )
    except Exception:
        log.exception("could not broadcast %s to board %s", what, board_id)
