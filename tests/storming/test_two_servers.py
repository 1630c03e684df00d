"""Two daphne processes sharing a board through Redis, as REDIS_URL scales out."""

import asyncio
import json
import uuid

import pytest
from websockets.asyncio.client import connect

from tests.live_server import DaphneServer


@pytest.fixture
def two_servers(transactional_db, redis_url):
    env = {"REDIS_URL": redis_url}
    servers = [DaphneServer(extra_env=env).start() for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


async def open_socket(server, board, name):
    socket = await connect(
        f"{server.ws_url}/ws/boards/{board.pk}/?invite={board.invite_token}&name={name}",
        additional_headers={"Origin": server.url},
    )
    welcome = json.loads(await socket.recv())
    assert welcome["type"] == "welcome"
    return socket, welcome


async def next_of(socket, kind, timeout=5):
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await socket.recv())
            if message["type"] == "ping":
                await socket.send(
                    json.dumps({"type": "pong", "nonce": message["nonce"]})
                )
            elif message["type"] == kind:
                return message


def test_people_on_two_servers_see_each_others_changes_drags_and_presence(
    two_servers, board
):
    first, second = two_servers

    async def scenario():
        ann, _ = await open_socket(first, board, "Ann")
        bob, bob_welcome = await open_socket(second, board, "Bob")

        presence = await next_of(ann, "presence")
        while {row["name"] for row in presence["members"]} != {"Ann", "Bob"}:
            presence = await next_of(ann, "presence")

        sticky = str(uuid.uuid4())
        await bob.send(
            json.dumps(
                {
                    "type": "command",
                    "id": "op-1",
                    "name": "sticky.create",
                    "data": {
                        "id": sticky,
                        "kind": "event",
                        "text": "Paid",
                        "x": 1,
                        "y": 2,
                    },
                }
            )
        )
        event = await next_of(ann, "event")
        assert (event["seq"], event["data"]["id"]) == (1, sticky)
        assert event["by"] == bob_welcome["me"]["member"]

        await bob.send(json.dumps({"type": "drag", "id": sticky, "x": 50, "y": 60}))
        drag = await next_of(ann, "drag")
        assert [(d["id"], d["x"], d["y"]) for d in drag["drags"]] == [(sticky, 50, 60)]

        await bob.close()
        presence = await next_of(ann, "presence")
        assert [row["name"] for row in presence["members"]] == ["Ann"]
        await ann.close()

    asyncio.run(scenario())
