"""A `batch` over the websocket: one ack, its events to everyone, and what it
costs the sender's command rate."""

import uuid

import pytest

from storming.vocabulary import Role

from .test_batch import moves
from .test_consumer import command, connect, receive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stickies(run):
    data = [{"kind": "event", "text": f"E{n}", "x": n * 200, "y": 0} for n in range(5)]
    return [run("sticky.create", d).event["data"]["id"] for d in data]


@pytest.fixture
def pat(member_of):
    return member_of(Role.PARTICIPANT, "pat")


async def test_a_batch_over_the_websocket_is_one_ack_and_its_events_for_all(
    board, facilitator, pat, stickies
):
    alice, _ = await connect(board, facilitator)
    other, _ = await connect(board, pat.user)
    op_id = await command(alice, "batch", {"commands": moves(stickies)})
    ack = await receive(alice, "ack")
    assert ack == {"type": "ack", "id": op_id, "seq": 10, "first": 6, "replayed": False}
    for socket in (alice, other):
        seen = [await receive(socket, "event") for _ in range(5)]
        assert [e["seq"] for e in seen] == [6, 7, 8, 9, 10]
        assert {e["group"] for e in seen} == {6}
    await alice.disconnect()
    await other.disconnect()


async def test_a_batch_costs_one_command_per_fifty_inside_it(
    board, facilitator, settings
):
    settings.LIVE_LIMITS = {"commands": [1, 3]}
    sticky_ids = []
    alice, _ = await connect(board, facilitator)
    commands = []
    for n in range(150):
        sticky_id = str(uuid.uuid4())
        sticky_ids.append(sticky_id)
        data = {"id": sticky_id, "kind": "event", "x": n, "y": 0}
        commands.append({"name": "sticky.create", "data": data})
    await command(alice, "batch", {"commands": commands})  # costs 3: the burst
    assert (await receive(alice, "ack", timeout=10))["seq"] == 150
    await command(alice, "batch", {"commands": commands[:1]})
    refused = await receive(alice, "error")
    assert refused["code"] == "rate_limited" and refused["retry_after"] > 0
    too_big = [{"name": "board.lock"}] * 200  # costs 4: more than the burst
    await command(alice, "batch", {"commands": too_big})
    assert (
        "more than the rate limit ever allows"
        in (await receive(alice, "error"))["message"]
    )
    await alice.disconnect()
