"""A `batch` over the websocket: one ack, its events to everyone, and what it
costs the sender's command rate."""

import json
import uuid

import pytest
from asgiref.sync import sync_to_async

from storming import services
from storming.models import Sticky
from storming.protocol import MAX_FRAME_BYTES, MAX_MESSAGE_BYTES
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
        # One frame for the whole group.
        seen = (await receive(socket, "events"))["events"]
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


def chunk_frames(message, size=16_000, chunk_id="c1"):
    text = json.dumps(message)
    parts = [text[i : i + size] for i in range(0, len(text), size)]
    return [
        {"type": "chunk", "id": chunk_id, "n": n, "of": len(parts), "data": part}
        for n, part in enumerate(parts)
    ]


async def test_a_batch_larger_than_a_frame_comes_in_chunks(board, facilitator, lead):
    alice, _ = await connect(board, facilitator)
    ids = [str(uuid.uuid4()) for _ in range(2000)]
    created = [
        ("sticky.create", {"id": i, "kind": "event", "x": n, "y": 0})
        for n, i in enumerate(ids)
    ]
    await sync_to_async(services.execute_many)(board.pk, lead, created)
    message = {
        "type": "command",
        "id": "big-move",
        "name": "batch",
        "data": {"commands": moves(ids, 5000, 5000)},
    }
    frames = chunk_frames(message)
    assert len(frames) > 2
    assert all(len(json.dumps(f).encode()) <= MAX_FRAME_BYTES for f in frames)
    for frame in frames:
        await alice.send_json_to(frame)
    ack = await receive(alice, "ack", timeout=30)
    assert (ack["first"], ack["seq"]) == (2001, 4000)
    xs = await sync_to_async(
        lambda: set(Sticky.objects.filter(board=board).values_list("y", flat=True))
    )()
    assert xs == {5000}
    await alice.disconnect()


async def test_chunks_out_of_order_or_too_large_are_refused(board, facilitator):
    alice, _ = await connect(board, facilitator)
    frames = chunk_frames({"type": "command", "id": "x", "name": "board.lock"}, 8)
    await alice.send_json_to(frames[1])
    assert "out of order" in (await receive(alice, "error"))["message"]
    huge = "x" * 60_000
    for n in range(MAX_MESSAGE_BYTES // 60_000 + 1):
        await alice.send_json_to(
            {"type": "chunk", "id": "huge", "n": n, "of": 64, "data": huge}
        )
    assert "limited to" in (await receive(alice, "error", timeout=5))["message"]
    for bad in (
        {"type": "chunk", "id": "a", "n": 0, "of": 1, "data": ""},
        {"type": "chunk", "id": "a", "n": 3, "of": 2, "data": ""},
        {"type": "chunk", "id": True, "n": 0, "of": 2, "data": ""},
    ):
        await alice.send_json_to(bad)
        assert (await receive(alice, "error"))["code"] == "invalid"
    # A joined message holds no chunk of its own.
    inner = chunk_frames({"type": "chunk", "id": "z", "n": 0, "of": 2, "data": ""}, 20)
    for frame in inner:
        await alice.send_json_to(frame)
    assert "unknown message type" in (await receive(alice, "error"))["message"]
    await alice.disconnect()
