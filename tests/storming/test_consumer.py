"""The board websocket's protocol, in process (Channels' WebsocketCommunicator).

The consumer runs the real write path on the real test database (committed:
the consumer's database thread must see what the test wrote), the real
channel layer and the real rooms. tests/live/ runs the same against daphne.
"""

import asyncio
import json
import re
import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.authtoken.models import Token

from storming import board_log, live, protocol, services
from storming.models import Member, Sticky
from storming.vocabulary import Role
from whiteboard.asgi import application

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")


def session_cookie(user=None, guest_of=None):
    """A session cookie of `user` (signed in), or of a guest of a board."""
    client = Client()
    if user is not None:
        client.force_login(user)
    if guest_of is not None:
        board, token, name = guest_of
        client.post(
            f"/boards/{board.pk}/join/", {"invite": token, "display_name": name}
        )
    return client.cookies["sessionid"].value


async def connect(board, user=None, *, query="", headers=(), cookie=None):
    """An open socket on `board` and its welcome, or fail the test."""
    socket = await opened(board, user, query=query, headers=headers, cookie=cookie)
    welcome = await socket.receive_json_from()
    assert welcome["type"] == "welcome"
    return socket, welcome


async def opened(board, user=None, *, query="", headers=(), cookie=None):
    socket = await communicator(
        board, user, query=query, headers=headers, cookie=cookie
    )
    connected, code = await socket.connect()
    assert connected, code
    return socket


async def communicator(board_or_id, user=None, *, query="", headers=(), cookie=None):
    board_id = getattr(board_or_id, "pk", board_or_id)
    headers = [ORIGIN, *headers]
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
    if cookie is not None:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    path = f"/ws/boards/{board_id}/" + (f"?{query}" if query else "")
    return WebsocketCommunicator(application, path, headers=headers)


async def receive(socket, kind, timeout=2):
    """The next message of `kind`; others are kept for their own turn."""
    kept = socket.__dict__.setdefault("kept", [])
    for message in kept:
        if message["type"] == kind:
            kept.remove(message)
            return message
    async with asyncio.timeout(timeout):
        while True:
            message = await socket.receive_json_from(timeout)
            if message["type"] == kind:
                return message
            kept.append(message)


async def receive_events(socket, count, timeout=2):
    """The next `count` events, from `event` frames or `events` frames (what
    came together goes in one)."""
    events = []
    kept = socket.__dict__.setdefault("kept", [])

    def take(message):
        if message["type"] == "event":
            events.append(message)
        elif message["type"] == "events":
            events.extend(message["events"])
        else:
            return False
        return True

    kept[:] = [message for message in kept if len(events) >= count or not take(message)]
    async with asyncio.timeout(timeout):
        while len(events) < count:
            message = await socket.receive_json_from(timeout)
            if not take(message):
                kept.append(message)
    return events


async def command(socket, name, data=None, op_id=None):
    op_id = op_id or str(uuid.uuid4())
    await socket.send_json_to(
        {"type": "command", "id": op_id, "name": name, "data": data}
    )
    return op_id


def new_sticky(text="Order placed", kind="event", **more):
    return {"id": str(uuid.uuid4()), "kind": kind, "text": text, "x": 0, "y": 0, **more}


async def collect(socket, kind, until, timeout=2):
    """Messages of `kind` sent to `socket` until `until(those so far)` holds
    (others are kept for their own turn); fails after `timeout` s."""
    kept = socket.__dict__.setdefault("kept", [])
    found = [m for m in kept if m["type"] == kind]
    kept[:] = [m for m in kept if m["type"] != kind]
    async with asyncio.timeout(timeout):
        while not until(found):
            message = await socket.receive_json_from(timeout)
            (found if message["type"] == kind else kept).append(message)
    return found


async def until_true(condition, timeout=2):
    """Wait until `condition()` holds; fail after `timeout` s."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def drain(socket):
    """Everything already sent to `socket`."""
    messages, socket.kept = socket.__dict__.get("kept", []), []
    while not await socket.receive_nothing(0.05):
        messages.append(await socket.receive_json_from())
    return messages


@pytest.fixture
def participant(member_of):
    return member_of(Role.PARTICIPANT, "pat")


@pytest.fixture
def viewer(member_of):
    return member_of(Role.VIEWER, "vic")


# -- connecting -------------------------------------------------------------------


async def test_welcome_carries_the_whole_state_me_and_presence(board, facilitator):
    await sync_to_async(services.execute)(
        board.pk,
        await sync_to_async(board.members.get)(role=Role.FACILITATOR),
        "sticky.create",
        new_sticky("Payment received"),
    )
    socket, welcome = await connect(board, facilitator)

    assert welcome["board"] == str(board.pk)
    assert welcome["seq"] == 1
    assert [s["text"] for s in welcome["state"]["stickies"]] == ["Payment received"]
    me = welcome["me"]
    assert me["name"] == "facilitator" and me["role"] == "facilitator"
    assert me["can_write"] is True and me["color"].startswith("#")
    assert [p["member"] for p in welcome["presence"]] == [me["member"]]
    assert welcome["limits"]["max_frame_bytes"] == 65536
    await socket.disconnect()


async def test_welcome_says_the_protocol_version_the_browser_client_speaks(
    board, facilitator
):
    """The page compares it with its own and asks for a reload on a mismatch
    (tests/js/connection.test.mjs): both sides must name the same version."""
    socket, welcome = await connect(board, facilitator)
    await socket.disconnect()

    client = (ROOT / "static/js/board/protocol.js").read_text()
    spoken = re.search(r"export const PROTOCOL_VERSION = (\d+);", client)
    assert spoken, "protocol.js declares PROTOCOL_VERSION"
    assert welcome["protocol"] == protocol.VERSION == int(spoken.group(1))


async def test_since_brings_exactly_the_missed_events_in_order(board, facilitator):
    lead = await sync_to_async(board.members.get)(role=Role.FACILITATOR)
    for number in range(3):
        await sync_to_async(services.execute)(
            board.pk, lead, "sticky.create", new_sticky(f"E{number}")
        )
    socket, first = await connect(board, facilitator)
    await socket.disconnect()
    for number in range(3, 13):
        await sync_to_async(services.execute)(
            board.pk, lead, "sticky.create", new_sticky(f"E{number}")
        )

    socket, welcome = await connect(board, facilitator, query=f"since={first['seq']}")

    assert "state" not in welcome
    assert [e["seq"] for e in welcome["events"]] == list(range(4, 14))
    assert [e["data"]["text"] for e in welcome["events"]] == [
        f"E{n}" for n in range(3, 13)
    ]
    assert welcome["seq"] == 13
    await socket.disconnect()


async def test_since_ahead_of_the_board_gets_the_whole_state(board, facilitator):
    socket, welcome = await connect(board, facilitator, query="since=99")

    assert welcome["resync"] is True and welcome["seq"] == 0
    assert welcome["state"]["stickies"] == []
    await socket.disconnect()


async def refusal(socket):
    """The close code of a refused socket: accepted, then closed at once, so
    that the client sees why (a close before the accept is an HTTP 403)."""
    connected, _ = await socket.connect()
    assert connected
    closed = await socket.receive_output(2)
    assert closed["type"] == "websocket.close"
    return closed["code"]


async def test_a_bad_since_is_refused(board, facilitator):
    for since in ("yesterday", "-1"):
        socket = await communicator(board, facilitator, query=f"since={since}")
        assert await refusal(socket) == 4400


async def test_strangers_are_refused_with_4403(board, make_user):
    stranger = await sync_to_async(make_user)("stranger")
    for socket in (
        await communicator(board),
        await communicator(board, stranger),
        await communicator(board, query="invite=wrong&name=Eve"),
        await communicator(board, headers=[(b"authorization", b"Token not-a-token")]),
    ):
        assert await refusal(socket) == 4403


async def test_an_unknown_board_is_refused_with_4404(facilitator):
    socket = await communicator(uuid.uuid4(), facilitator)
    assert await refusal(socket) == 4404


async def test_a_foreign_origin_is_refused(board, facilitator):
    cookie = await sync_to_async(session_cookie)(facilitator)
    socket = WebsocketCommunicator(
        application,
        f"/ws/boards/{board.pk}/",
        headers=[
            (b"origin", b"http://evil.example"),
            (b"cookie", f"sessionid={cookie}".encode()),
        ],
    )
    connected, _ = await socket.connect()
    assert connected is False


async def test_a_token_header_authenticates(board, facilitator):
    token = await sync_to_async(Token.objects.create)(user=facilitator)
    header = (b"authorization", f"Token {token.key}".encode())

    socket, welcome = await connect(board, headers=[header])

    assert welcome["me"]["name"] == "facilitator"
    await socket.disconnect()


async def test_an_invite_and_a_name_join_as_a_guest_participant(board):
    query = f"invite={board.invite_token}&name=Gina%20Guest"

    socket, welcome = await connect(board, query=query)

    assert welcome["me"]["name"] == "Gina Guest"
    assert welcome["me"]["role"] == Role.PARTICIPANT
    member = await sync_to_async(Member.objects.get)(pk=welcome["me"]["member"])
    assert member.user_id is None
    await socket.disconnect()


async def test_a_guest_without_a_session_comes_back_with_its_guest_key(board):
    query = f"invite={board.invite_token}&name=Scripty"
    first, welcome = await connect(board, query=query)
    key = welcome["me"]["guest_key"]
    await first.disconnect()

    second, again = await connect(board, query=f"guest={key}")
    assert again["me"]["member"] == welcome["me"]["member"]
    await second.disconnect()
    assert await sync_to_async(board.members.filter(user=None).count)() == 1


async def test_a_forged_or_foreign_guest_key_is_refused(board, facilitator):
    other = await sync_to_async(services.create_board)(facilitator, "Other board")
    socket, welcome = await connect(
        other, query=f"invite={other.invite_token}&name=Gus"
    )
    foreign_key = welcome["me"]["guest_key"]
    await socket.disconnect()

    for key in (foreign_key, foreign_key[:-2] + "xx", "nonsense"):
        refused = await communicator(board, query=f"guest={key}")
        assert await refusal(refused) == 4403


async def test_a_guest_session_reconnects_as_the_same_member(board):
    cookie = await sync_to_async(session_cookie)(
        guest_of=(board, board.invite_token, "Gus")
    )

    first, welcome = await connect(board, cookie=cookie)
    await first.disconnect()
    second, again = await connect(board, cookie=cookie)

    assert again["me"]["member"] == welcome["me"]["member"]
    assert await sync_to_async(board.members.filter(user=None).count)() == 1
    await second.disconnect()


# -- commands ---------------------------------------------------------------------


async def test_a_command_is_acked_to_the_sender_and_sent_to_everyone(
    board, facilitator, participant
):
    alice, _ = await connect(board, facilitator)
    pat, _ = await connect(board, participant.user)
    sticky = new_sticky("Order shipped")

    op_id = await command(pat, "sticky.create", sticky)

    ack = await receive(pat, "ack")
    assert ack == {"type": "ack", "id": op_id, "seq": 1, "replayed": False}
    for socket in (alice, pat):
        event = await receive(socket, "event")
        assert event["seq"] == 1 and event["name"] == "sticky.created"
        assert event["data"]["id"] == sticky["id"]
        assert event["id"] == op_id and event["by"] == str(participant.pk)
    assert await sync_to_async(Sticky.objects.filter(pk=sticky["id"]).exists)()
    await alice.disconnect()
    await pat.disconnect()


async def test_a_retried_command_is_acked_again_not_applied_twice(board, facilitator):
    socket, _ = await connect(board, facilitator)
    sticky = new_sticky()

    op_id = await command(socket, "sticky.create", sticky)
    first = await receive(socket, "ack")
    await command(socket, "sticky.create", sticky, op_id=op_id)
    second = await receive(socket, "ack")

    assert first["replayed"] is False and second["replayed"] is True
    assert first["seq"] == second["seq"] == 1
    assert await sync_to_async(board.events.count)() == 1
    await socket.disconnect()


async def test_someone_elses_command_id_is_a_conflict(board, facilitator, participant):
    alice, _ = await connect(board, facilitator)
    pat, _ = await connect(board, participant.user)
    op_id = await command(alice, "sticky.create", new_sticky())
    await receive(alice, "ack")

    await command(pat, "sticky.create", new_sticky(), op_id=op_id)

    error = await receive(pat, "error")
    assert error["code"] == "conflict" and error["id"] == op_id
    assert await sync_to_async(board.events.count)() == 1
    await alice.disconnect()
    await pat.disconnect()


async def test_a_refused_command_gets_an_error_with_its_id_and_changes_nothing(
    board, facilitator
):
    socket, _ = await connect(board, facilitator)

    op_id = await command(
        socket, "sticky.create", {"kind": "novel", "text": "x", "x": 0, "y": 0}
    )

    error = await receive(socket, "error")
    assert error["id"] == op_id and error["code"] == "invalid"
    assert "kind" in error["message"]
    op_id = await command(socket, "sticky.delete", {"id": str(uuid.uuid4())})
    assert (await receive(socket, "error"))["code"] == "not_found"
    assert await sync_to_async(board.events.count)() == 0
    await socket.disconnect()


async def test_a_stale_edit_is_a_conflict_that_shows_the_current_text(
    board, facilitator, participant
):
    alice, _ = await connect(board, facilitator)
    pat, _ = await connect(board, participant.user)
    sticky = new_sticky("Order placed")
    await command(alice, "sticky.create", sticky)
    await receive(alice, "ack")
    await command(alice, "sticky.update", {"id": sticky["id"], "text": "Order paid"})
    await receive(alice, "ack")

    op_id = await command(
        pat, "sticky.update", {"id": sticky["id"], "text": "Order sent", "version": 1}
    )

    error = await receive(pat, "error")
    assert error["code"] == "conflict" and error["id"] == op_id
    assert error["details"]["sticky"]["text"] == "Order paid"
    await alice.disconnect()
    await pat.disconnect()


async def test_undo_reverts_only_the_senders_own_change(
    board, facilitator, participant
):
    alice, _ = await connect(board, facilitator)
    pat, _ = await connect(board, participant.user)
    mine, theirs = new_sticky("Mine"), new_sticky("Theirs")
    await command(pat, "sticky.create", mine)
    await receive(pat, "ack")
    await command(alice, "sticky.create", theirs)
    await receive(alice, "ack")

    await command(pat, "undo")

    await receive(pat, "ack")
    events = await receive_events(alice, 3)
    assert events[-1]["name"] == "sticky.deleted"
    assert events[-1]["data"]["id"] == mine["id"]
    assert await sync_to_async(Sticky.objects.filter(pk=theirs["id"]).exists)()
    await alice.disconnect()
    await pat.disconnect()


# -- roles ------------------------------------------------------------------------


async def test_a_viewer_watches_but_cannot_change_or_drag(board, facilitator, viewer):
    alice, _ = await connect(board, facilitator)
    vic, welcome = await connect(board, viewer.user)
    assert welcome["me"]["can_write"] is False

    op_id = await command(vic, "sticky.create", new_sticky())
    assert (await receive(vic, "error")) | {"message": ""} == {
        "type": "error",
        "id": op_id,
        "code": "forbidden",
        "message": "",
    }
    await vic.send_json_to({"type": "drag", "id": str(uuid.uuid4()), "x": 1, "y": 1})
    assert (await receive(vic, "error"))["code"] == "forbidden"
    await vic.send_json_to({"type": "cursor", "x": 5, "y": 6})
    cursors = await receive(alice, "cursor")
    assert cursors["cursors"][0]["member"] == str(viewer.pk)

    await command(alice, "sticky.create", new_sticky("Seen by the viewer"))
    assert (await receive(vic, "event"))["data"]["text"] == "Seen by the viewer"
    assert await sync_to_async(board.events.count)() == 1
    await alice.disconnect()
    await vic.disconnect()


async def test_a_locked_board_takes_changes_from_the_facilitator_only(
    board, facilitator, participant
):
    alice, _ = await connect(board, facilitator)
    pat, _ = await connect(board, participant.user)
    await command(alice, "board.lock")
    await receive(alice, "ack")
    await receive(pat, "event")

    op_id = await command(pat, "sticky.create", new_sticky())
    error = await receive(pat, "error")
    assert (error["id"], error["code"]) == (op_id, "forbidden")
    await pat.send_json_to({"type": "drag", "id": str(uuid.uuid4()), "x": 1, "y": 1})
    assert (await receive(pat, "error"))["code"] == "forbidden"
    op_id = await command(alice, "sticky.create", new_sticky())
    assert (await receive(alice, "ack"))["id"] == op_id

    op_id = await command(pat, "phase.set", {"phase": "order"})
    assert (await receive(pat, "error"))["code"] == "forbidden"
    await alice.disconnect()
    await pat.disconnect()


# -- bad input --------------------------------------------------------------------

BAD_FRAMES = [
    ("not json", "JSON"),
    ("[1, 2]", "JSON object"),
    ('{"type": "command", "id": "a", "name": "sticky.create", "data": NaN}', "JSON"),
    ('{"type": "teleport"}', "unknown message type"),
    ('{"x": 1}', "unknown message type"),
    ('{"type": "command", "name": "sticky.create"}', "missing"),
    ('{"type": "command", "id": 7, "name": "sticky.create"}', "id must be"),
    ('{"type": "command", "id": "a", "name": "sticky.explode"}', "unknown command"),
    ('{"type": "command", "id": "a", "name": "undo", "data": [1]}', "data must be"),
    ('{"type": "command", "id": "a", "name": "undo", "extra": 1}', "unknown key"),
    ('{"type": "cursor", "x": "left", "y": 1}', "x must be a number"),
    ('{"type": "cursor", "x": 1}', "missing"),
    ('{"type": "cursor", "x": true, "y": 1}', "x must be a number"),
    ('{"type": "cursor", "x": 1e400, "y": 1}', "finite"),
    ('{"type": "drag", "id": "not-a-uuid", "x": 1, "y": 1}', "UUID"),
    ('{"type": "pong", "nonce": 5}', "nonce"),
    ('{"type": "drag", "id": "a-sticky", "x": 1}', "missing"),
    ('{"type": "drag", "drags": [{"id": "a-sticky"}]}', "missing"),
    ('{"type": "drag", "drags": {"id": 1}}', "list of 1 to 100"),
    ("[" * 100000, "limited to 65536 bytes"),
    ("{" + '"a":' * 30000 + "1}", "limited to 65536 bytes"),
    ("[" * 5000 + "]" * 5000, "JSON"),
]


@pytest.mark.parametrize(("frame", "says"), BAD_FRAMES)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(
    board, facilitator, frame, says
):
    socket, _ = await connect(board, facilitator)

    await socket.send_to(text_data=frame)

    error = await receive(socket, "error")
    assert error["code"] == "invalid"
    assert says in error["message"]
    op_id = await command(socket, "sticky.create", new_sticky())
    assert (await receive(socket, "ack"))["id"] == op_id
    assert await sync_to_async(board.events.count)() == 1
    await socket.disconnect()


async def test_a_welcome_larger_than_a_frame_comes_in_pieces(board, lead, facilitator):
    commands = [
        (
            "sticky.create",
            {"kind": "event", "text": f"Événement {n} " * 8, "x": n, "y": 0},
        )
        for n in range(300)
    ]
    await sync_to_async(services.execute_many)(board.pk, lead, commands)
    socket = await opened(board, facilitator)

    parts = []
    while True:
        piece = await socket.receive_json_from()
        assert piece["type"] == "chunk"
        assert len(json.dumps(piece, ensure_ascii=False).encode()) <= 65536
        assert (piece["n"], piece["of"]) == (len(parts), piece["of"])
        parts.append(piece["data"])
        if len(parts) == piece["of"]:
            break
    welcome = json.loads("".join(parts))

    assert len(parts) > 1 and welcome["type"] == "welcome"
    expected = await sync_to_async(board_log.board_state)(board)
    assert welcome["seq"] == 300 and welcome["state"] == expected["state"]
    await socket.disconnect()


async def test_a_refused_command_frame_names_its_op_id(board, facilitator):
    socket, _ = await connect(board, facilitator)

    await socket.send_json_to(
        {"type": "command", "id": "op-7", "name": "sticky.nope", "data": {}}
    )

    error = await receive(socket, "error")
    assert (error["id"], error["code"]) == ("op-7", "invalid")
    await socket.disconnect()


async def test_binary_frames_are_refused_and_the_socket_stays_open(board, facilitator):
    socket, _ = await connect(board, facilitator)

    await socket.send_to(bytes_data=b'{"type": "cursor", "x": 1, "y": 2}')

    error = await receive(socket, "error")
    assert error["code"] == "invalid" and "binary" in error["message"]
    await command(socket, "sticky.create", new_sticky())
    assert (await receive(socket, "ack"))["seq"] == 1
    await socket.disconnect()


async def test_a_flood_of_commands_is_rate_limited_and_nothing_extra_is_applied(
    board, facilitator, settings
):
    settings.LIVE_LIMITS = {"commands": (1, 3)}
    socket, _ = await connect(board, facilitator)

    ids = [await command(socket, "sticky.create", new_sticky()) for _ in range(6)]

    replies = {}
    while len(replies) < 4:
        message = await socket.receive_json_from()
        if message["type"] in ("ack", "error"):
            replies[message["id"]] = message
    # One notice a second at most: the first command over the limit gets it,
    # the others no reply (the client re-sends what was not acknowledged).
    assert [replies[i]["type"] for i in ids[:4]] == ["ack"] * 3 + ["error"]
    limited = replies[ids[3]]
    assert limited["code"] == "rate_limited" and limited["retry_after"] > 0
    assert not [m for m in await drain(socket) if m["type"] in ("ack", "error")]
    assert await sync_to_async(board.events.count)() == 3
    await socket.disconnect()


async def test_a_flood_of_frames_is_dropped_with_one_notice(
    board, facilitator, settings
):
    settings.LIVE_LIMITS = {"frames": (1, 5)}
    socket, _ = await connect(board, facilitator)

    for _ in range(40):
        await socket.send_to(text_data="garbage")

    replies = await drain(socket)
    errors = [m for m in replies if m["type"] == "error"]
    assert [e["code"] for e in errors].count("invalid") == 5
    assert [e["code"] for e in errors].count("rate_limited") == 1
    await socket.disconnect()


# -- cursors, drags, presence ----------------------------------------------------


async def test_cursors_are_coalesced_and_never_echoed(board, facilitator, participant):
    alice, _ = await connect(board, facilitator)
    pat, _ = await connect(board, participant.user)
    await drain(alice)

    for x in range(5):
        await pat.send_json_to({"type": "cursor", "x": x, "y": 2.5})

    def latest(batches):
        return [c["x"] for batch in batches for c in batch["cursors"]][-1:] == [4]

    batches = await collect(alice, "cursor", until=latest)
    positions = [c["x"] for batch in batches for c in batch["cursors"]]
    assert positions[-1] == 4 and len(positions) < 5
    cursor = batches[-1]["cursors"][-1]
    assert cursor["member"] == str(participant.pk) and cursor["name"] == "pat"
    assert cursor["y"] == 2.5 and cursor["color"].startswith("#")
    assert not [m for m in await drain(pat) if m["type"] == "cursor"]
    await alice.disconnect()
    await pat.disconnect()


async def test_every_drag_position_reaches_the_others_in_order(
    board, facilitator, participant
):
    alice, _ = await connect(board, facilitator)
    pat, _ = await connect(board, participant.user)
    sticky = str(uuid.uuid4())

    for x in range(20):
        await pat.send_json_to({"type": "drag", "id": sticky, "x": x, "y": 0})

    def every_one(messages):
        return sum(len(m["drags"]) for m in messages) >= 20

    messages = await collect(alice, "drag", until=every_one)
    messages += [m for m in await drain(alice) if m["type"] == "drag"]
    drags = [drag for message in messages for drag in message["drags"]]
    assert [d["x"] for d in drags] == list(range(20))
    assert [d["n"] for d in drags] == list(range(1, 21))
    assert {d["id"] for d in drags} == {sticky}
    assert {d["member"] for d in drags} == {str(participant.pk)}
    assert not [m for m in await drain(pat) if m["type"] == "drag"]
    await alice.disconnect()
    await pat.disconnect()


async def test_a_group_drag_is_one_frame_and_reaches_the_others_item_by_item(
    board, facilitator, participant, settings
):
    settings.LIVE_LIMITS = {"ephemeral": (1, 1)}
    alice, _ = await connect(board, facilitator)
    pat, _ = await connect(board, participant.user)
    group = [str(uuid.uuid4()) for _ in range(3)]

    await pat.send_json_to(
        {
            "type": "drag",
            "drags": [{"id": i, "x": n, "y": -n} for n, i in enumerate(group)],
        }
    )

    messages = await collect(alice, "drag", until=lambda found: found)
    messages += [m for m in await drain(alice) if m["type"] == "drag"]
    drags = [d for m in messages for d in m["drags"]]
    assert [(d["id"], d["x"], d["y"]) for d in drags] == [
        (i, n, -n) for n, i in enumerate(group)
    ]
    await pat.send_json_to({"type": "drag", "drags": []})
    assert "1 to 100" in (await receive(pat, "error"))["message"]
    await alice.disconnect()
    await pat.disconnect()


async def test_drag_positions_beyond_the_rate_are_dropped_with_a_notice(
    board, facilitator, participant, settings
):
    settings.LIVE_LIMITS = {"ephemeral": (1, 4)}
    alice, _ = await connect(board, facilitator)
    pat, _ = await connect(board, participant.user)

    for x in range(10):
        await pat.send_json_to(
            {"type": "drag", "id": str(uuid.uuid4()), "x": x, "y": 0}
        )

    def the_burst(messages):
        return sum(len(m["drags"]) for m in messages) >= 4

    # The burst arrives; then a moment for anything past it to show up.
    messages = await collect(alice, "drag", until=the_burst)
    messages += [m for m in await drain(alice) if m["type"] == "drag"]
    delivered = [d for m in messages for d in m["drags"]]
    assert [d["x"] for d in delivered] == [0, 1, 2, 3]
    notices = [m for m in await drain(pat) if m["type"] == "error"]
    assert [n["code"] for n in notices] == ["rate_limited"]
    await alice.disconnect()
    await pat.disconnect()


async def test_presence_lists_who_is_here_and_forgets_who_left(
    board, facilitator, participant
):
    alice, _ = await connect(board, facilitator)
    pat, pat_welcome = await connect(board, participant.user)

    update = await receive(alice, "presence")
    while len(update["members"]) < 2:
        update = await receive(alice, "presence")
    names = {row["name"]: row for row in update["members"]}
    assert set(names) == {"facilitator", "pat"}
    assert names["pat"]["color"] != names["facilitator"]["color"]
    assert names["pat"]["color"] == pat_welcome["me"]["color"]

    await pat.disconnect()

    update = await receive(alice, "presence")
    assert [row["name"] for row in update["members"]] == ["facilitator"]
    await alice.disconnect()


async def test_two_tabs_of_one_person_count_as_one_member(board, facilitator):
    first, _ = await connect(board, facilitator)
    second, _ = await connect(board, facilitator)

    update = await receive(first, "presence")
    while update["members"][0]["connections"] < 2:
        update = await receive(first, "presence")
    assert len(update["members"]) == 1
    await second.disconnect()
    update = await receive(first, "presence")
    assert update["members"][0]["connections"] == 1
    await first.disconnect()


# -- delivery: gaps, heartbeats, slow readers ----------------------------------


async def test_a_lost_delivery_is_filled_from_the_log_before_later_events(
    board, facilitator, monkeypatch
):
    socket, _ = await connect(board, facilitator)
    lead = await sync_to_async(board.members.get)(role=Role.FACILITATOR)
    deliver = live.deliver_committed
    lost = []

    def lossy(parts):
        if not lost:
            lost.extend(message for _, batch in parts for message in batch)
            return
        deliver(parts)

    monkeypatch.setattr(live, "deliver_committed", lossy)
    for text in ("First", "Second"):
        await sync_to_async(services.execute)(
            board.pk, lead, "sticky.create", new_sticky(text)
        )

    # The gap is filled before the event after it, maybe in one frame.
    first, second = await receive_events(socket, 2)
    assert [first["seq"], second["seq"]] == [1, 2]
    assert [first["data"]["text"], second["data"]["text"]] == ["First", "Second"]
    assert [m["seq"] for m in lost] == [1]
    await socket.disconnect()


async def test_events_committed_while_joining_are_neither_lost_nor_doubled(
    board, facilitator
):
    lead = await sync_to_async(board.members.get)(role=Role.FACILITATOR)

    async def write():
        for number in range(15):
            await sync_to_async(services.execute)(
                board.pk, lead, "sticky.create", new_sticky(f"S{number}")
            )

    writer = asyncio.ensure_future(write())
    sockets = []
    for _ in range(4):
        sockets.append(await connect(board, facilitator))
        await asyncio.sleep(0.01)
    await writer

    for socket, welcome in sockets:
        seen = list(range(1, welcome["seq"] + 1))
        if len(seen) < 15:
            seen += [e["seq"] for e in await receive_events(socket, 15 - len(seen))]
        assert seen == list(range(1, 16))
        await socket.disconnect()


async def test_pings_are_answered_and_a_silent_client_is_closed(
    board, facilitator, monkeypatch
):
    monkeypatch.setattr(live, "PING_INTERVAL", 0.05)
    monkeypatch.setattr(live, "PONG_TIMEOUT", 0.5)
    alice, _ = await connect(board, facilitator)
    silent, _ = await connect(board, facilitator)

    async def answer_pings(socket, seconds):
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            ping = await receive(socket, "ping", timeout=2)
            await socket.send_json_to({"type": "pong", "nonce": ping["nonce"]})

    await answer_pings(alice, 2.0)

    closed = await silent.receive_output(2)
    while closed["type"] != "websocket.close":
        closed = await silent.receive_output(2)
    assert closed["code"] == 4408
    update = await receive(alice, "presence")
    assert update["members"][0]["connections"] == 1
    await alice.disconnect()


async def test_a_client_that_stops_reading_is_closed_before_memory_grows(
    board, facilitator, participant, monkeypatch
):
    monkeypatch.setattr(live, "MAX_UNCONFIRMED_BYTES", 20_000)
    monkeypatch.setattr(live, "PING_INTERVAL", 0.05)
    monkeypatch.setattr(live, "HOUSEKEEPING", 0.02)
    reader, _ = await connect(board, facilitator)
    sleeper, _ = await connect(board, participant.user)
    room = live.hub().rooms[str(board.pk)]
    sleeper_connection = next(
        c for c in room.connections.values() if c.member == str(participant.pk)
    )

    for _ in range(60):
        await command(reader, "sticky.create", new_sticky("x" * 400))
        await receive(reader, "ack")
        for message in await drain(reader):
            if message["type"] == "ping":
                await reader.send_json_to({"type": "pong", "nonce": message["nonce"]})

    assert sleeper_connection.closed
    assert sleeper_connection.id not in room.connections
    assert sleeper_connection.sent_bytes < 20_000 + 2_000
    output = await sleeper.receive_output(1)
    while output["type"] == "websocket.send":
        output = await sleeper.receive_output(1)
    assert output == {"type": "websocket.close", "code": 4408}
    assert str(board.pk) in live.hub().rooms
    await reader.disconnect()


async def test_when_the_last_socket_times_out_the_room_ends_with_it(
    board, facilitator, monkeypatch
):
    monkeypatch.setattr(live, "PING_INTERVAL", 0.02)
    monkeypatch.setattr(live, "PONG_TIMEOUT", 0.2)
    monkeypatch.setattr(live, "HOUSEKEEPING", 0.02)
    silent, _ = await connect(board, facilitator)
    hub = live.hub()
    room = hub.rooms[str(board.pk)]

    closed = await silent.receive_output(2)
    while closed["type"] != "websocket.close":
        closed = await silent.receive_output(2)
    await until_true(lambda: room.stopped and all(t.done() for t in room._tasks))

    assert closed["code"] == 4408
    assert str(board.pk) not in hub.rooms
    assert room.stopped and all(task.done() for task in room._tasks)


async def test_a_pong_confirms_what_was_read(board, facilitator):
    socket, _ = await connect(board, facilitator)
    room = live.hub().rooms[str(board.pk)]
    [connection] = room.connections.values()

    await connection.ping()
    ping = await receive(socket, "ping")
    await socket.send_json_to({"type": "pong", "nonce": "made-up"})
    await socket.send_json_to({"type": "pong", "nonce": ping["nonce"]})
    await until_true(lambda: connection.pings == {})

    assert connection.pings == {}
    assert connection.confirmed_bytes == connection.sent_bytes - len(
        json.dumps(ping, separators=(",", ":"))
    )
    await socket.disconnect()


async def test_the_room_closes_with_its_last_socket(board, facilitator):
    first, _ = await connect(board, facilitator)
    second, _ = await connect(board, facilitator)
    hub = live.hub()

    await first.disconnect()
    assert str(board.pk) in hub.rooms
    await second.disconnect()

    assert str(board.pk) not in hub.rooms


# -- several processes ------------------------------------------------------------


async def test_other_processes_traffic_reaches_this_processs_sockets(
    board, facilitator, redis_layer
):
    group = live.group_name(board.pk)
    listener = await redis_layer.new_channel()
    await redis_layer.group_add(group, listener)
    socket, welcome = await connect(board, facilitator)
    await drain(socket)
    lead = await sync_to_async(board.members.get)(role=Role.FACILITATOR)

    # Another process's person arrives, drags a sticky and makes a change.
    remote = {
        "connection": "c-remote",
        "member": "m-remote",
        "name": "Remy",
        "role": "participant",
        "color": "#1971c2",
    }
    await redis_layer.group_send(
        group, {"type": "board.presence", "origin": "elsewhere", "entries": [remote]}
    )
    update = await receive(socket, "presence")
    assert {row["name"] for row in update["members"]} == {"facilitator", "Remy"}
    drag = {"member": "m-remote", "id": str(uuid.uuid4()), "x": 3, "y": 4, "n": 1}
    await redis_layer.group_send(
        group,
        {
            "type": "board.ephemeral",
            "origin": "elsewhere",
            "cursors": [],
            "drags": [drag],
        },
    )
    assert (await receive(socket, "drag"))["drags"] == [drag]
    monkey_applied = await sync_to_async(services.execute)(
        board.pk, lead, "sticky.create", new_sticky("From elsewhere")
    )
    assert (await receive(socket, "event"))["seq"] == monkey_applied.seq

    # This process tells the others about its own people and movements.
    await socket.send_json_to({"type": "cursor", "x": 1, "y": 2})
    seen = set()
    async with asyncio.timeout(3):
        while not {"board.ephemeral", "board.events", "board.presence"} <= seen:
            message = await redis_layer.receive(listener)
            if message.get("origin") == live.ORIGIN:
                seen.add(message["type"])
    await redis_layer.group_discard(group, listener)
    await socket.disconnect()
    assert welcome["me"]["member"] == str(lead.pk)
