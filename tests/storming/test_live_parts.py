"""The live board's plain parts: rate limits, presence colours, frame reading."""

import asyncio
import json

import pytest

from storming import live, presence, protocol
from storming.ratelimit import Limits, TokenBucket


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_bucket_allows_its_burst_then_its_rate():
    clock = Clock()
    bucket = TokenBucket(10, 3, clock=clock)

    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert bucket.retry_after() == pytest.approx(0.1)
    clock.now += 0.25
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    clock.now += 60
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_a_bucket_needs_a_positive_rate():
    with pytest.raises(ValueError):
        TokenBucket(0, 5)


def test_limits_take_settings_and_notify_once_per_second():
    clock = Clock()
    limits = Limits({"commands": (2, 4)}, clock=clock)

    assert (limits.commands.rate, limits.commands.burst) == (2, 4)
    assert (limits.ephemeral.rate, limits.ephemeral.burst) == (60, 60)
    assert [limits.should_notify() for _ in range(3)] == [True, False, False]
    clock.now += 1
    assert limits.should_notify() is True


def test_colours_are_stable_and_distinct_while_there_are_colours_left():
    first = presence.pick_color("member-1")
    assert presence.pick_color("member-1") == first

    taken = set()
    for number in range(len(presence.PALETTE)):
        color = presence.pick_color(f"member-{number}", taken)
        assert color not in taken
        taken.add(color)
    assert presence.pick_color("one-more", taken) in presence.PALETTE


def test_presence_rows_count_each_members_connections():
    entry = {"member": "m1", "name": "bea", "color": "#1", "role": "participant"}
    rows = presence.members(
        [
            {**entry, "connection": "a"},
            {**entry, "connection": "b"},
            {"member": "m2", "name": "Al", "color": "#2", "role": "viewer"},
        ]
    )

    assert [(r["name"], r["connections"]) for r in rows] == [("Al", 1), ("bea", 2)]


def test_frames_read_into_messages():
    command = protocol.parse(
        '{"type": "command", "id": "op", "name": "undo", "data": null}'
    )
    assert command == protocol.Command("op", "undo", None)
    assert protocol.parse('{"type": "cursor", "x": 1, "y": -2.5}') == protocol.Cursor(
        1.0, -2.5
    )
    assert protocol.parse('{"type": "pong", "nonce": "n"}') == protocol.Pong("n")


def test_the_size_limit_counts_bytes_not_characters():
    limit = protocol.MAX_FRAME_BYTES
    assert not protocol.too_large("a" * limit)
    assert protocol.too_large("a" * (limit + 1))
    assert protocol.too_large("é" * (limit // 2 + 1))
    assert not protocol.too_large("é" * (limit // 2))


def test_coordinates_go_out_as_they_came_in():
    assert protocol.number_out(10.0) == 10 and isinstance(
        protocol.number_out(10.0), int
    )
    assert protocol.number_out(2.5) == 2.5


def test_a_socket_gets_only_the_events_after_its_welcome_from_a_shared_frame():
    """Events that came together go out in one frame; a socket whose welcome
    was read between two of them gets the rest, none twice."""
    sent = []

    async def send_text(text):
        sent.append(json.loads(text))

    async def close(code):
        raise AssertionError("not closed")

    async def scenario():
        entry = {"connection": "c1", "member": "m"}
        connection = live.Connection(entry, send_text, close)
        events = [{"type": "event", "seq": seq, "name": "x"} for seq in (3, 4, 5)]
        frame, size = protocol.events_frame(events)
        await connection.deliver_event(5, frame, size, events)  # held: no welcome
        await connection.ready(4)
        await connection.deliver_event(5, frame, size, events)  # again: had it
        more = [{"type": "event", "seq": seq, "name": "x"} for seq in (6, 7)]
        await connection.deliver_event(7, *protocol.events_frame(more), more)

    asyncio.run(scenario())

    assert sent == [
        {"type": "event", "seq": 5, "name": "x"},
        {"type": "events", "events": [{"type": "event", "seq": 6, "name": "x"},
                                      {"type": "event", "seq": 7, "name": "x"}]},
    ]  # fmt: skip
