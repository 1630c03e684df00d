"""The board's websocket under abuse: rate-limit notices, sockets per member,
and the Origin's scheme behind TLS (in process, WebsocketCommunicator).

The close codes a real client sees through daphne are checked in
tests/live/test_limits.py (`test_strangers_are_refused_with_close_codes_...`).
"""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from storming import consumers
from storming.ratelimit import Limits
from storming.vocabulary import Role
from tests.storming.test_consumer import (
    command,
    communicator,
    connect,
    new_sticky,
    receive,
    session_cookie,
)
from whiteboard.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


class FrozenClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    """The consumer's buckets on a clock that moves only when told."""
    settings.LIVE_LIMITS = {"commands": (1, 2), "frames": (1000, 1000)}
    frozen = FrozenClock()
    monkeypatch.setattr(
        consumers, "Limits", lambda config=None: Limits(config, clock=frozen)
    )
    return frozen


def rate_limited(messages):
    return [m for m in messages if m.get("code") == "rate_limited"]


async def replies_so_far(socket):
    """Every reply to the frames sent so far: a binary frame, answered at
    once with `invalid`, marks the end (frames are read in order)."""
    await socket.send_to(bytes_data=b"end")
    messages = []
    while True:
        message = await socket.receive_json_from(5)
        if message.get("code") == "invalid":
            return messages
        messages.append(message)


async def test_commands_over_the_limit_get_one_notice_a_second(
    board, facilitator, clock
):
    socket, _ = await connect(board, facilitator)
    for _ in range(2):
        await command(socket, "sticky.create", new_sticky())
        await receive(socket, "ack")

    for _ in range(20):
        await command(socket, "sticky.create", new_sticky())
    notices = rate_limited(await replies_so_far(socket))
    assert len(notices) == 1
    assert notices[0]["retry_after"] > 0

    clock.now += 1.0
    await command(socket, "sticky.create", new_sticky())  # the refilled token
    assert (await receive(socket, "ack"))["seq"] == 3
    for _ in range(5):
        await command(socket, "sticky.create", new_sticky())
    assert len(rate_limited(await replies_so_far(socket))) == 1
    await socket.disconnect()


async def test_ephemeral_and_command_floods_share_the_one_notice(
    board, facilitator, clock, settings
):
    settings.LIVE_LIMITS = {
        "commands": (1, 1),
        "ephemeral": (1, 1),
        "frames": (1000, 1000),
    }
    socket, _ = await connect(board, facilitator)
    for index in range(30):
        await socket.send_json_to({"type": "cursor", "x": index, "y": 0})
        await command(socket, "sticky.create", new_sticky())
    messages = await replies_so_far(socket)
    assert len(rate_limited(messages)) == 1
    # The one command the bucket let through is written in the background:
    # let it finish before the socket (and the test's database) goes.
    if not [m for m in messages if m["type"] == "ack"]:
        await receive(socket, "ack")
    await socket.disconnect()


# -- sockets per member ----------------------------------------------------------------


async def test_a_member_past_the_socket_cap_is_closed_with_4429(
    board, facilitator, member_of, settings
):
    settings.LIVE_MAX_SOCKETS_PER_MEMBER = 2
    cookie = await sync_to_async(session_cookie)(facilitator)
    first, _ = await connect(board, cookie=cookie)
    second, _ = await connect(board, cookie=cookie)

    third = await communicator(board, cookie=cookie)
    connected, _ = await third.connect()
    assert connected
    assert await third.receive_output(2) == {"type": "websocket.close", "code": 4429}

    # Someone else is not counted against the facilitator's sockets.
    pat = await sync_to_async(member_of)(Role.PARTICIPANT, "pat")
    other, welcome = await connect(board, pat.user)
    assert welcome["me"]["member"] == str(pat.pk)
    # Nor is a socket once it has closed.
    await second.disconnect()
    again, _ = await connect(board, cookie=cookie)
    for socket in (first, other, again):
        await socket.disconnect()


async def test_the_socket_cap_defaults_to_eight(settings):
    from django.conf import settings as live

    assert live.LIVE_MAX_SOCKETS_PER_MEMBER == 8


# -- the Origin behind TLS -------------------------------------------------------------


async def open_with_origin(board, facilitator, origin):
    cookie = await sync_to_async(session_cookie)(facilitator)
    socket = WebsocketCommunicator(
        application,
        f"/ws/boards/{board.pk}/",
        headers=[(b"origin", origin), (b"cookie", f"sessionid={cookie}".encode())],
    )
    connected, _ = await socket.connect()
    if connected:
        await socket.disconnect()
    return connected


async def test_behind_tls_an_http_origin_is_refused(board, facilitator, settings):
    settings.HTTPS = True

    assert not await open_with_origin(board, facilitator, b"http://localhost")
    assert await open_with_origin(board, facilitator, b"https://localhost")
    assert not await open_with_origin(board, facilitator, b"https://evil.example")


async def test_without_tls_both_schemes_of_an_allowed_host_are_accepted(
    board, facilitator, settings
):
    settings.HTTPS = False
    assert await open_with_origin(board, facilitator, b"http://localhost")
    assert await open_with_origin(board, facilitator, b"https://localhost")
    assert not await open_with_origin(board, facilitator, b"http://evil.example")
