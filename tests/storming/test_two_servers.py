"""Two daphne processes sharing a board through Redis, as REDIS_URL scales out."""

import asyncio
import json
import urllib.request
import uuid

import pytest
from django.test import Client
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


def patch_as(user, server, path, body):
    """A REST PATCH on `server`, signed in as `user` by session cookie."""
    client = Client()
    client.force_login(user)
    csrf = "x" * 32
    session = client.cookies["sessionid"].value
    request = urllib.request.Request(
        f"{server.url}{path}",
        data=json.dumps(body).encode(),
        method="PATCH",
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": csrf,
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


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
    two_servers, board, facilitator
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

        # A role change made through the other server reaches Bob's page.
        member = bob_welcome["me"]["member"]
        path = f"/api/boards/{board.pk}/members/{member}/"
        status = await asyncio.to_thread(
            patch_as, facilitator, first, path, {"role": "viewer"}
        )
        assert status == 200
        change = await next_of(bob, "membership")
        assert (change["member"], change["role"]) == (member, "viewer")

        await bob.close()
        presence = await next_of(ann, "presence")
        while [row["name"] for row in presence["members"]] != ["Ann"]:
            presence = await next_of(ann, "presence")
        await ann.close()

    asyncio.run(scenario())
