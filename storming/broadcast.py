"""Publishing committed board events to the board's live clients."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def group_name(board_id):
    return f"board.{board_id}"


def publish(board_id, messages):
    """Send committed events to everyone on the board, in order.

    Runs after commit: a failure here loses no data, since clients notice the
    gap in `seq` and catch up from the log.
    """
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all():
        for message in messages:
            await layer.group_send(
                group_name(board_id), {"type": "board.event", "message": message}
            )

    try:
        async_to_sync(send_all)()
    except Exception:
        log.exception(
            "could not broadcast events %s to %s of board %s",
            messages[0].get("seq"),
            messages[-1].get("seq"),
            board_id,
        )
