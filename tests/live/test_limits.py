"""The live board's limits, against a real daphne process: frame size, bad
frames, rates, who may connect, and clients that stop reading."""

import asyncio
import json
import time
import uuid
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from storming import board_log
from storming.live import MAX_UNCONFIRMED_BYTES, PONG_TIMEOUT
from storming.models import Board, Member
from storming.vocabulary import Role

from .client import LiveClient, close_all, encode, wait_until

MAX_FRAME = 65536


def command_frame(name, data, command_id="op"):
    return encode({"type": "command", "id": command_id, "name": name, "data": data})


def head_of(board):
    return Board.objects.get(pk=board.pk).head_seq


# -- frame size -----------------------------------------------------------------


def test_a_frame_over_64_kib_is_refused_and_nothing_changes(
    daphne_server, board, lead, token_for
):
    token = token_for(lead.user)

    async def scenario():
        lead_client = LiveClient(daphne_server, board.pk, token=token, label="lead")
        sender = LiveClient(
            daphne_server, board.pk, invite=board.invite_token, name="Big"
        )
        under = LiveClient(
            daphne_server, board.pk, invite=board.invite_token, name="Under"
        )
        for client in (lead_client, sender, under):
            await client.connect()

        # Just under the limit: read, and refused for the text's length.
        data = {"kind": "event", "x": 0, "y": 0, "text": "a" * 60000}
        frame = command_frame("sticky.create", data, "under")
        assert MAX_FRAME - 6000 < len(frame.encode()) < MAX_FRAME
        await under.send_raw(frame)
        reply = await under.next_reply()
        assert (reply["type"], reply["id"], reply["code"]) == (
            "error",
            "under",
            "invalid",
        )
        assert "500" in reply["message"]

        # 17,000 characters but 68,000 bytes: the limit is in bytes.
        data = {"kind": "event", "x": 0, "y": 0, "text": "\U0001f642" * 17000}
        frame = json.dumps(
            {"type": "command", "id": "big", "name": "sticky.create", "data": data},
            ensure_ascii=False,
        )
        assert len(frame) < MAX_FRAME < len(frame.encode())
        await sender.send_raw(frame)
        code = await sender.wait_closed()
        # daphne drops the TCP connection (autobahn's failByDrop), so the
        # client sees 1006 rather than the 1009 the docs promise.
        assert (code, sender.replies) in ((1009, []), (1006, [])), code

        # Everyone else carries on, and nothing was written.
        assert lead_client.connected and under.connected
        ack = await lead_client.command(
            "sticky.create", {"kind": "event", "x": 1, "y": 1}
        )
        assert (ack["type"], ack["seq"]) == ("ack", 1)
        await under.wait_seq(1)
        assert under.applied == [1]
        await close_all([lead_client, under])
        return code

    asyncio.run(scenario())
    assert head_of(board) == 1


# -- malformed frames -------------------------------------------------------------

BAD_FRAMES = [
    ("{not json", None, "one JSON object"),
    ("", None, "one JSON object"),
    ("[1, 2]", None, "one JSON object"),
    ("[" * 30000, None, "one JSON object"),
    ('{"type": "dance"}', None, "unknown message type"),
    ('{"kind": "command"}', None, "unknown message type"),
    ('{"type": "command", "id": 5, "name": "undo"}', None, "id must be"),
    ('{"type": "command", "id": "", "name": "undo"}', None, "id must be"),
    ('{"type": "command", "id": "op-1", "name": "sticky.explode"}', "op-1", "unknown"),
    ('{"type": "command", "id": "op-2", "name": 7}', "op-2", "unknown command"),
    (
        '{"type": "command", "id": "op-3", "name": "sticky.create", "data": [1]}',
        "op-3",
        "data must be an object",
    ),
    (
        '{"type": "command", "id": "op-4", "name": "undo", "extra": true}',
        "op-4",
        "unknown key",
    ),
    (
        '{"type": "command", "id": "op-5", "name": "sticky.create",'
        ' "data": {"kind": "event", "x": NaN, "y": 0}}',
        None,
        "one JSON object",
    ),
    (
        '{"type": "command", "id": "op-6", "name": "sticky.create",'
        ' "data": {"kind": "event", "x": 1e999, "y": 0}}',
        "op-6",
        "finite",
    ),
    (
        '{"type": "command", "id": "op-7", "name": "sticky.create",'
        ' "data": {"kind": "event", "x": "1", "y": 0}}',
        "op-7",
        "x must be a number",
    ),
    ('{"type": "cursor", "x": "1", "y": 2}', None, "x must be a number"),
    ('{"type": "cursor", "x": 1}', None, "missing"),
    # The error's id is the drag's sticky id: `_op_id` reads any frame's id.
    ('{"type": "drag", "id": "nope", "x": 1, "y": 2}', None, "UUID"),
    ('{"type": "pong", "nonce": 5}', None, "nonce"),
]


def test_bad_frames_get_errors_and_the_socket_stays_open(
    daphne_server, board, token_for, participant_token
):
    token = participant_token("ann")

    async def scenario():
        client = LiveClient(daphne_server, board.pk, token=token)
        watcher = LiveClient(
            daphne_server, board.pk, invite=board.invite_token, name="W"
        )
        await client.connect()
        await watcher.connect()
        replies = []
        for frame, _, _ in BAD_FRAMES:
            await client.send_raw(frame)
            replies.append(await client.next_reply())
        await client.send_raw(b"\x00\x01binary")
        replies.append(await client.next_reply())
        # Still open and still working.
        assert client.connected
        ack = await client.command("sticky.create", {"kind": "event", "x": 0, "y": 0})
        await watcher.wait_seq(1)
        await close_all([client, watcher])
        return replies, ack, watcher

    replies, ack, watcher = asyncio.run(scenario())
    expected = [(op, hint) for _, op, hint in BAD_FRAMES] + [(None, "binary")]
    for reply, (command_id, hint) in zip(replies, expected, strict=True):
        assert reply["type"] == "error", reply
        assert reply["code"] == "invalid", reply
        assert reply["id"] == command_id, reply
        assert hint in reply["message"], (hint, reply)
    # Nothing the bad frames said was applied: the valid command is seq 1.
    assert (ack["type"], ack["seq"]) == ("ack", 1)
    assert watcher.applied == [1]
    assert head_of(board) == 1


# -- rates ----------------------------------------------------------------------


def test_a_flooding_client_is_rate_limited_and_others_keep_working(
    daphne_server, board, lead, token_for, participant_token
):
    flood_token, other_token = participant_token("flood"), token_for(lead.user)
    sent_commands = 600

    async def scenario():
        flooder = LiveClient(daphne_server, board.pk, token=flood_token, label="f")
        other = LiveClient(daphne_server, board.pk, token=other_token, label="o")
        await flooder.connect()
        await other.connect()
        sticky = str(uuid.uuid4())
        created = await other.command(
            "sticky.create", {"id": sticky, "kind": "event", "x": 0, "y": 0}
        )
        assert created["type"] == "ack"
        latencies = []
        flooding = True

        async def measure():
            n = 0
            while flooding:
                n += 1
                started = time.monotonic()
                reply = await other.command(
                    "sticky.update", {"id": sticky, "text": f"t{n}"}
                )
                latencies.append(time.monotonic() - started)
                assert reply["type"] == "ack", reply
                await asyncio.sleep(0.05)

        measuring = asyncio.create_task(measure())
        await asyncio.sleep(0.2)
        started = time.monotonic()
        futures = []
        for i in range(sent_commands):
            data = {"id": sticky, "x": i, "y": i}
            futures.append(await flooder.send_command("sticky.move", data))
            if i % 50 == 0:
                await asyncio.sleep(0)
        # Replies come as the server works through the frames: wait until
        # they stop coming (a busy machine's database takes longer), not a
        # fixed time, which would cut off acks still on their way.
        await asyncio.sleep(3.0)
        done, quiet_since = -1, time.monotonic()
        while time.monotonic() - started < 30:
            now_done = sum(future.done() for _, future in futures)
            if now_done != done:
                done, quiet_since = now_done, time.monotonic()
            elif time.monotonic() - quiet_since > 1.5:
                break
            await asyncio.sleep(0.25)
        elapsed = time.monotonic() - started
        flooding = False
        await measuring
        replies = {}
        for command_id, future in futures:
            if future.done():
                replies[command_id] = future.result()
        frame_notices = []
        while not flooder.inbox.empty():
            frame_notices.append(flooder.inbox.get_nowait())
        # Later, with the buckets refilled, the flooder may write again; a
        # frame dropped while the server still works through the flood gets
        # no reply of its own, so the client retries with the same id.
        again_id, again = f"again-{uuid.uuid4().hex}", None
        for _ in range(10):
            try:
                again = await flooder.command(
                    "sticky.move", {"id": sticky, "x": 1, "y": 2}, again_id, 1.0
                )
            except TimeoutError:
                flooder.pending.pop(again_id, None)
                continue
            if again["type"] == "ack":
                break
            await asyncio.sleep(again["retry_after"])
        assert again is not None and again["type"] == "ack", again
        await other.wait_seq(again["seq"])
        await close_all([flooder, other])
        return replies, frame_notices, latencies, elapsed, again, other

    replies, frame_notices, latencies, elapsed, again, other = asyncio.run(scenario())
    print(
        f"flood: {len(replies)} replies, {len(frame_notices)} frame notices, "
        f"latency max {max(latencies):.3f}s over {len(latencies)}, in {elapsed:.1f}s"
    )
    acks = [r for r in replies.values() if r["type"] == "ack"]
    limited = [r for r in replies.values() if r["type"] == "error"]
    assert {r["code"] for r in limited} == {"rate_limited"}
    # The burst (120) and the refill (30/s) while the frames arrived.
    assert 110 <= len(acks) <= 120 + 30 * elapsed, len(acks)
    assert len(limited) >= 1
    for reply in limited + frame_notices:
        assert reply["code"] == "rate_limited"
        assert 0 <= reply["retry_after"] <= 1.0, reply
    # Frames and commands over their buckets are dropped with one notice a
    # second at most between them (the first still waits to be answered).
    assert all(notice["id"] is None for notice in frame_notices)
    assert len(limited) + len(frame_notices) <= elapsed + 2
    assert len(acks) + len(limited) < 600
    # The other client's commands went through all along (each one acked
    # before the next; how fast is bench/realtime.py's to measure).
    assert len(latencies) >= 5
    assert again["type"] == "ack"
    # Exactly the acknowledged moves are in the log.
    log = board_log.events_between(board.pk, 0, head_of(board))
    moves = {e["id"] for e in log if e["name"] == "sticky.moved"}
    assert moves == {r["id"] for r in acks} | {again["id"]}
    assert other.applied == list(range(1, head_of(board) + 1))


# -- who may connect ----------------------------------------------------------------


async def handshake_status(server, path, headers=None):
    """101 for a socket that gets its welcome; the close code of one the board
    refuses (accepted, then closed: the code says why); the HTTP status of a
    handshake refused before the app (a foreign Origin)."""
    headers = {"Origin": server.url, **(headers or {})}
    try:
        async with connect(
            f"{server.ws_url}{path}", additional_headers=headers
        ) as socket:
            try:
                welcome = json.loads(await asyncio.wait_for(socket.recv(), 10))
            except ConnectionClosed as closed:
                return closed.rcvd.code
            assert welcome["type"] == "welcome"
            return 101
    except InvalidStatus as error:
        return error.response.status_code


def test_strangers_are_refused_with_close_codes_that_say_why(
    daphne_server, board, lead, token_for, make_user, member_of
):
    stranger_token = token_for(make_user("stranger"))
    viewer_token = token_for(member_of(Role.VIEWER, "vera").user)
    lead_token = token_for(lead.user)
    members = Member.objects.count()
    path = f"/ws/boards/{board.pk}/"
    elsewhere = f"/ws/boards/{uuid.uuid4()}/"

    async def scenario():
        return {
            "nothing": await handshake_status(daphne_server, path),
            "wrong invite": await handshake_status(
                daphne_server, f"{path}?invite=wrong&name=Eve"
            ),
            "invite without name": await handshake_status(
                daphne_server, f"{path}?invite={board.invite_token}"
            ),
            "unknown token": await handshake_status(
                daphne_server, path, {"Authorization": "Token nope"}
            ),
            "not a member": await handshake_status(
                daphne_server, path, {"Authorization": f"Token {stranger_token}"}
            ),
            "unknown board": await handshake_status(
                daphne_server, elsewhere, {"Authorization": f"Token {lead_token}"}
            ),
            "invite to another board": await handshake_status(
                daphne_server, f"{elsewhere}?invite={board.invite_token}&name=E"
            ),
            "foreign origin": await handshake_status(
                daphne_server,
                path,
                {"Authorization": f"Token {lead_token}", "Origin": "http://evil"},
            ),
            "member": await handshake_status(
                daphne_server, path, {"Authorization": f"Token {lead_token}"}
            ),
        }

    statuses = asyncio.run(scenario())
    assert statuses == {
        "nothing": 4403,
        "wrong invite": 4403,
        "invite without name": 4400,
        "unknown token": 4403,
        "not a member": 4403,
        "unknown board": 4404,
        "invite to another board": 4404,
        # Refused before the app: no board was asked about.
        "foreign origin": 403,
        "member": 101,
    }
    assert Member.objects.count() == members

    async def viewer():
        client = LiveClient(daphne_server, board.pk, token=viewer_token)
        welcome = await client.connect()
        reply = await client.command("sticky.create", {"kind": "event", "x": 0, "y": 0})
        await client.send_raw(
            encode({"type": "drag", "id": str(uuid.uuid4()), "x": 1, "y": 1})
        )
        drag = await client.next_reply()
        await client.close()
        return welcome["me"], reply, drag

    me, reply, drag = asyncio.run(viewer())
    assert (me["role"], me["can_write"]) == ("viewer", False)
    assert (reply["type"], reply["code"]) == ("error", "forbidden")
    assert (drag["type"], drag["code"]) == ("error", "forbidden")
    assert head_of(board) == 0


# -- slow readers ---------------------------------------------------------------------


def rss_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def big_sticky(n):
    return {
        "id": str(uuid.uuid4()),
        "kind": "event",
        "x": n,
        "y": n,
        "text": f"{n} " + "t" * 490,
        "description": "d" * 4000,
        "fields": [f"field_{i:02d}_{'n' * 60}: {'T' * 70}" for i in range(40)],
    }


def test_a_client_that_stops_reading_is_closed_and_the_server_stays_bounded(
    daphne_server, board, lead, token_for, participant_token
):
    writer_tokens = [participant_token(f"writer{i}") for i in range(3)]
    lead_token = token_for(lead.user)
    pid = daphne_server.process.pid

    async def scenario():
        observer = LiveClient(daphne_server, board.pk, token=lead_token, label="lead")
        writers = [
            LiveClient(daphne_server, board.pk, token=token, label=f"w{i}")
            for i, token in enumerate(writer_tokens)
        ]
        slow = LiveClient(
            daphne_server, board.pk, invite=board.invite_token, name="Slowpoke"
        )
        for client in (observer, *writers):
            await client.connect()
        welcome = await slow.connect()
        slow_member = welcome["me"]["member"]
        slow.ws.transport.pause_reading()
        await wait_until(
            lambda: slow_member in {row["member"] for row in observer.presence},
            5,
            "the slow client in presence",
        )
        rss_before = rss_bytes(pid)
        started = time.monotonic()
        sent = 0

        async def write(writer):
            nonlocal sent
            stickies = []
            while slow_member in {row["member"] for row in observer.presence}:
                if time.monotonic() - started > PONG_TIMEOUT + 10:
                    return
                data = big_sticky(sent)
                reply = await writer.command("sticky.create", data)
                if reply["type"] == "error":
                    assert reply["code"] == "rate_limited", reply
                    await asyncio.sleep(reply["retry_after"])
                    continue
                sent += len(encode(data))
                stickies.append(data["id"])
                for _ in range(5):
                    drag = {"type": "drag", "id": data["id"], "x": sent, "y": 1}
                    await writer.send_raw(encode(drag))
                # About 40 events (500 KB) a second in all: under 4 MiB per
                # 5 s ping, so readers that keep up are not cut off (see
                # test_a_client_that_reads_fast_survives_a_burst_of_traffic).
                await asyncio.sleep(0.075)

        await asyncio.gather(*(write(writer) for writer in writers))
        gone_after = time.monotonic() - started
        rss_peak = rss_bytes(pid)
        # Reading again, the client finds its socket closed.
        slow.ws.transport.resume_reading()
        slow_code = await slow.wait_closed(30)
        healthy = {c.label: (c.connected, c.close_code) for c in (observer, *writers)}
        await close_all([observer, *writers])
        return gone_after, rss_before, rss_peak, slow_code, healthy, sent, slow

    gone_after, rss_before, rss_peak, slow_code, healthy, sent, slow = asyncio.run(
        scenario()
    )
    print(
        f"slow reader: gone after {gone_after:.1f}s, sent {sent} bytes of commands, "
        f"rss {rss_before / 2**20:.0f} -> {rss_peak / 2**20:.0f} MiB, "
        f"close {slow_code}, healthy {healthy}, slow read {slow.frames} frames"
    )
    assert gone_after < PONG_TIMEOUT, gone_after
    assert slow_code in (4408, 1006), slow_code
    assert rss_peak - rss_before < 100 * 2**20
    # It went for not reading, well before 30 s of unanswered pings, and
    # after the server had written more than the budget to it.
    assert sent > MAX_UNCONFIRMED_BYTES / 2
    # Clients that read and answer pings are not mistaken for slow ones.
    assert healthy == {label: (True, None) for label in healthy}, healthy


def test_a_client_that_reads_fast_survives_a_burst_of_traffic(
    daphne_server, board, lead, token_for, participant_token
):
    """A reader that keeps up and answers every ping is not "slow", however
    much the board says between two pings."""
    writer_tokens = [participant_token(f"writer{i}") for i in range(8)]
    lead_token = token_for(lead.user)
    per_writer = 60

    async def scenario():
        observer = LiveClient(daphne_server, board.pk, token=lead_token, label="lead")
        writers = [
            LiveClient(daphne_server, board.pk, token=token, label=f"w{i}")
            for i, token in enumerate(writer_tokens)
        ]
        for client in (observer, *writers):
            await client.connect()
        started = time.monotonic()
        futures = []
        for n in range(per_writer):
            for writer in writers:
                futures.append(
                    (await writer.send_command("sticky.create", big_sticky(n)))[1]
                )
        replies = await asyncio.gather(*futures, return_exceptions=True)
        acks = [r for r in replies if isinstance(r, dict) and r["type"] == "ack"]
        head = max(r["seq"] for r in acks)
        await asyncio.wait_for(observer.wait_seq(head), 30)
        elapsed = time.monotonic() - started
        closes = {c.label: c.close_code for c in (observer, *writers)}
        await close_all([observer, *writers])
        return acks, closes, elapsed, observer

    acks, closes, elapsed, observer = asyncio.run(scenario())
    print(f"burst: {len(acks)} events in {elapsed:.1f}s, close codes {closes}")
    # Every client read every frame at once and answered every ping.
    assert closes == dict.fromkeys(closes), closes
    assert len(acks) == 8 * per_writer
    assert observer.applied == list(range(1, len(acks) + 1))
