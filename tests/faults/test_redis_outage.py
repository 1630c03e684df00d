"""Cross-process fan-out survives Redis going away and coming back empty.

Two daphne processes share a board through a redis-server of the test's
own. Killed and restarted without its memory, Redis forgets every group
membership: the rooms must notice, tell their clients ("reconnecting"), join
their groups again, refill what they missed from the log, say "live", and
deliver again within 5 s of Redis being back.
"""

import asyncio
import time
import uuid

import pytest

from tests.live.client import close_all, wait_until
from tests.live_server import DaphneServer

from .watch import WatchingClient

pytestmark = pytest.mark.faults

# From Redis listening again to an event of the other process arriving.
RESUME_WITHIN = 5.0


@pytest.fixture
def two_servers(transactional_db, own_redis):
    env = {"REDIS_URL": own_redis.url}
    servers = []
    try:
        for _ in range(2):
            servers.append(DaphneServer(extra_env=env).start())
        yield servers
    finally:
        for server in servers:
            server.stop()


def sticky(text):
    return {"id": str(uuid.uuid4()), "kind": "event", "text": text, "x": 0, "y": 0}


def test_fan_out_between_processes_resumes_after_redis_restarts_empty(
    two_servers, own_redis, board
):
    first, second = two_servers

    async def scenario():
        ann = WatchingClient(first, board.pk, invite=board.invite_token, name="Ann")
        bob = WatchingClient(second, board.pk, invite=board.invite_token, name="Bob")
        await ann.connect()
        await bob.connect()
        await wait_until(
            lambda: {row["name"] for row in ann.presence or ()} == {"Ann", "Bob"},
            10,
            "Ann to see Bob",
        )
        ack = await ann.command("sticky.create", sticky("Before"))
        await bob.wait_seq(ack["seq"])

        own_redis.kill()
        await wait_until(
            lambda: bob.status == "reconnecting" and ann.status == "reconnecting",
            10,
            "both pages to show the layer as reconnecting",
        )
        # Committed while the processes cannot reach each other: Bob gets
        # it from the log once Redis is back.
        during = await ann.command("sticky.create", sticky("During"))
        assert during["type"] == "ack", during
        # Someone who arrives meanwhile hears it right after the welcome.
        cat = WatchingClient(second, board.pk, invite=board.invite_token, name="Cat")
        await cat.connect()
        await wait_until(
            lambda: cat.status == "reconnecting", 5, "Cat to see reconnecting"
        )

        own_redis.start()
        back = time.monotonic()
        await bob.wait_seq(during["seq"], timeout=RESUME_WITHIN)
        await wait_until(
            lambda: all(c.status == "live" for c in (ann, bob, cat)),
            RESUME_WITHIN,
            "every page to show live again",
        )
        after = await ann.command("sticky.create", sticky("After"))
        remaining = max(0.1, RESUME_WITHIN - (time.monotonic() - back))
        await bob.wait_seq(after["seq"], timeout=remaining)
        # And the other way round.
        reply = await bob.command("sticky.create", sticky("Reply"))
        await ann.wait_seq(reply["seq"], timeout=RESUME_WITHIN)
        await cat.wait_seq(reply["seq"], timeout=RESUME_WITHIN)

        assert bob.connected and ann.connected and cat.connected
        assert not bob.gaps and not ann.gaps and not cat.gaps
        assert bob.snapshot() == ann.snapshot() == cat.snapshot()
        await close_all([ann, bob, cat])

    asyncio.run(scenario())


def test_the_rooms_join_their_groups_again_while_redis_stays_up(
    two_servers, own_redis, board
):
    """Group membership expires in channels-redis (and a Redis can lose it
    without the socket ever failing, say on FLUSHALL): rooms re-join on a
    period, not only after a failure they saw."""
    import redis

    first, second = two_servers

    async def scenario():
        ann = WatchingClient(first, board.pk, invite=board.invite_token, name="Ann")
        bob = WatchingClient(second, board.pk, invite=board.invite_token, name="Bob")
        await ann.connect()
        await bob.connect()
        ack = await ann.command("sticky.create", sticky("Before"))
        await bob.wait_seq(ack["seq"])

        connection = redis.Redis.from_url(own_redis.url)
        groups = [key for key in connection.keys("*") if b"group" in key]
        assert groups, connection.keys("*")
        connection.delete(*groups)
        await wait_until(
            lambda: all(connection.exists(key) for key in groups),
            RESUME_WITHIN,
            "the rooms to join their groups again",
        )
        after = await ann.command("sticky.create", sticky("After"))
        await bob.wait_seq(after["seq"], timeout=RESUME_WITHIN)
        await close_all([ann, bob])

    asyncio.run(scenario())
