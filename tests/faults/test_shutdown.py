"""SIGTERM during traffic, with Redis: the process closes its sockets with
1001 (going away), so that clients reconnect to another process, and exits
within 10 s; every command it acknowledged is in the log."""

import asyncio
import contextlib
import time
import uuid

import pytest

from storming.models import BoardEvent
from tests.live.client import LiveClient, wait_until
from tests.live_server import DaphneServer

pytestmark = pytest.mark.faults

EXIT_WITHIN = 10.0
GOING_AWAY = 1001


@pytest.fixture
def server(transactional_db, own_redis):
    server = DaphneServer(extra_env={"REDIS_URL": own_redis.url}).start()
    yield server
    server.stop()


def sticky(text):
    return {"id": str(uuid.uuid4()), "kind": "event", "text": text, "x": 0, "y": 0}


async def keep_sending(client, acked, stop):
    """Commands one after another, several in flight, until the socket goes."""
    in_flight = set()
    try:
        while not stop.is_set() and client.connected:
            op, future = await client.send_command("sticky.create", sticky("Busy"))
            in_flight.add((op, future))
            if len(in_flight) >= 5:
                done = {item for item in in_flight if item[1].done()}
                if not done:
                    await asyncio.wait(
                        [future for _, future in in_flight],
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    done = {item for item in in_flight if item[1].done()}
                for item in done:
                    in_flight.discard(item)
                    with contextlib.suppress(Exception):
                        if item[1].result()["type"] == "ack":
                            acked.add(item[0])
    except Exception:
        pass  # the socket closed under a send: that is the point
    for op, future in in_flight:
        with contextlib.suppress(Exception):
            reply = await asyncio.wait_for(future, 1)
            if reply["type"] == "ack":
                acked.add(op)


def test_sigterm_during_traffic_closes_sockets_1001_and_exits_in_time(server, board):
    async def scenario():
        clients = [
            LiveClient(server, board.pk, invite=board.invite_token, name=f"P{n}")
            for n in range(3)
        ]
        for client in clients:
            await client.connect()
        acked, stop = set(), asyncio.Event()
        senders = [
            asyncio.create_task(keep_sending(client, acked, stop)) for client in clients
        ]
        await wait_until(lambda: len(acked) >= 30, 20, "traffic to flow")

        server.terminate()
        started = time.monotonic()
        code = await asyncio.to_thread(server.wait_exit, EXIT_WITHIN + 5)
        took = time.monotonic() - started
        stop.set()
        await asyncio.gather(*senders)
        for client in clients:
            await client.wait_closed(5)
        return code, took, acked, [client.close_code for client in clients]

    code, took, acked, close_codes = asyncio.run(scenario())
    assert code is not None, "daphne did not exit after SIGTERM"
    assert took < EXIT_WITHIN, f"daphne took {took:.1f}s to exit"
    assert close_codes == [GOING_AWAY] * 3, close_codes
    logged = set(
        BoardEvent.objects.filter(board=board, command_id__in=acked).values_list(
            "command_id", flat=True
        )
    )
    assert logged == acked, f"acked but not in the log: {acked - logged}"
