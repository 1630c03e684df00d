"""A database outage is retryable, not a refusal: the socket answers
`unavailable` (with `retry_after`) and keeps going, REST answers 503 in the
API's JSON shape with Retry-After, and the same command sent again once the
database is back is applied exactly once.

Against real processes the test starts itself: its own PostgreSQL cluster,
and a daphne process on it.
"""

import asyncio
import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import psycopg
import pytest

from tests.live.client import LiveClient
from tests.live_server import ROOT, DaphneServer

pytestmark = pytest.mark.faults


def seed(database_url):
    env = {
        **subprocess.os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "whiteboard.settings",
    }
    out = subprocess.run(
        [sys.executable, "-m", "tests.faults.seed"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def rest(server, token, method, path, body=None):
    """(status, headers, JSON body) of a REST call, errors included."""
    request = urllib.request.Request(
        f"{server.url}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def applied_count(database_url, command_id):
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM storming_boardevent WHERE command_id = %s",
            (command_id,),
        ).fetchone()
    return row[0]


def sticky(text):
    return {"id": str(uuid.uuid4()), "kind": "event", "text": text, "x": 0, "y": 0}


@pytest.fixture
def server_on_own_postgres(own_postgres):
    seeded = seed(own_postgres.url)
    server = DaphneServer(extra_env={"DATABASE_URL": own_postgres.url}).start()
    yield server, seeded
    server.stop()


def test_a_database_outage_is_unavailable_and_the_resent_command_applies_once(
    own_postgres, server_on_own_postgres
):
    server, seeded = server_on_own_postgres
    board, token = seeded["board"], seeded["token"]

    async def scenario():
        client = LiveClient(server, board, token=token, label="ann")
        await client.connect()
        before = await client.command("sticky.create", sticky("Before"))
        assert before["type"] == "ack", before

        own_postgres.stop()
        during = sticky("During the outage")
        refused = await client.command("sticky.create", during, command_id="op-out")
        assert refused["type"] == "error", refused
        assert refused["code"] == "unavailable", refused
        assert refused["id"] == "op-out"
        assert refused["retry_after"] > 0

        # The socket and its command worker survive: the next command is
        # answered too, with the same code.
        again = await client.command("sticky.create", sticky("Also during"))
        assert again["code"] == "unavailable", again
        assert client.connected

        rest_command = {"id": "rest-out", "name": "sticky.create", "data": sticky("R")}
        commands = f"/api/boards/{board}/commands/"
        status, headers, body = await asyncio.to_thread(
            rest, server, token, "POST", commands, rest_command
        )
        assert status == 503, body
        assert body["code"] == "unavailable" and body["type"] == "error", body
        assert int(headers["Retry-After"]) >= 1

        status, _, body = await asyncio.to_thread(
            rest, server, token, "GET", f"/api/boards/{board}/events/?since=0"
        )
        assert (status, body["code"]) == (503, "unavailable"), body

        own_postgres.start()
        # The client sends the change again, under the same id.
        ack = await client.command("sticky.create", during, command_id="op-out")
        assert ack["type"] == "ack" and not ack["replayed"], ack
        replay = await client.command("sticky.create", during, command_id="op-out")
        assert replay["type"] == "ack" and replay["replayed"], replay
        assert replay["seq"] == ack["seq"]
        await client.wait_seq(ack["seq"])
        assert client.state["stickies"][during["id"]]["text"] == "During the outage"

        status, _, body = await asyncio.to_thread(
            rest, server, token, "POST", commands, rest_command
        )
        assert status == 201, body
        await client.close()

    asyncio.run(scenario())
    assert applied_count(own_postgres.url, "op-out") == 1
    assert applied_count(own_postgres.url, "rest-out") == 1
