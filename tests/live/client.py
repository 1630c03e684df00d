"""A client of the live board protocol (docs/protocol.md) for tests that
talk to a real daphne process.

It keeps the board the way a browser does: the welcome's `state` (or its
`events` after `since`), then every `event` folded in `seq` order with the
server's own `storming.state.apply`. It records what a test wants to check:
the seqs it applied, duplicates and gaps, acks and errors, presence, and the
close code when the server closed it.
"""

import asyncio
import json
import time
import uuid
from urllib.parse import urlencode

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from storming import state as board_state


class Pieces:
    """Joins the `chunk` frames of a message too large for one frame."""

    def __init__(self):
        self.parts = {}
        self.chunked = 0

    def message(self, raw):
        """The message `raw` completes, or None while pieces are missing."""
        message = json.loads(raw)
        if message["type"] != "chunk":
            return message
        parts = self.parts.setdefault(message["id"], [])
        assert message["n"] == len(parts), (message["n"], len(parts))
        parts.append(message["data"])
        if len(parts) < message["of"]:
            return None
        del self.parts[message["id"]]
        self.chunked += 1
        return json.loads("".join(parts))


async def receive(ws, pieces, timeout=10.0):
    """The next whole message from `ws`."""
    while True:
        message = pieces.message(await asyncio.wait_for(ws.recv(), timeout))
        if message is not None:
            return message


def op_id():
    return uuid.uuid4().hex


def encode(message):
    return json.dumps(message, separators=(",", ":"))


async def wait_until(predicate, timeout=10.0, what="condition"):
    """Poll `predicate` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)


class LiveClient:
    """One person on a board: token (account holder) or invite (guest)."""

    def __init__(
        self,
        server,
        board_id,
        *,
        token=None,
        invite=None,
        name=None,
        label=None,
        answer_pings=True,
    ):
        self.server = server
        self.board_id = str(board_id)
        self.token = token
        self.invite = invite
        self.name = name
        self.label = label or name or "client"
        self.answer_pings = answer_pings
        self.ws = None
        self._reader = None
        self.state = None
        self.seq = None
        self.me = None
        self.welcomes = []
        # Every seq this client folded in, in the order it did.
        self.applied = []
        self.events = {}
        self.duplicates = []
        self.gaps = []
        self.resyncs = 0
        self.pending = {}
        # Replies no pending command was waiting for (frame errors, retries).
        self.inbox = asyncio.Queue()
        self.replies = []
        self.presence = None
        self.presence_log = []
        self.pings = 0
        self.frames = 0
        self.close_code = None
        self.closes = []

    # -- connecting -----------------------------------------------------------

    def url(self, since=None):
        query = {}
        guest_key = (getattr(self, "me", None) or {}).get("guest_key")
        if guest_key is not None:
            # Back as the same guest, as the welcome's key allows (an outside
            # client without the page's session cookie).
            query["guest"] = guest_key
        elif self.invite is not None:
            query["invite"] = self.invite
            query["name"] = self.name or self.label
        if since is not None:
            query["since"] = since
        path = f"{self.server.ws_url}/ws/boards/{self.board_id}/"
        return f"{path}?{urlencode(query)}" if query else path

    def headers(self):
        headers = {"Origin": self.server.url}
        if self.token is not None:
            headers["Authorization"] = f"Token {self.token}"
        return headers

    @property
    def connected(self):
        return self._reader is not None and not self._reader.done()

    async def connect(self, since=None, timeout=10.0):
        """Open the socket, read the welcome, then read on in the background."""
        self.ws = await connect(
            self.url(since),
            additional_headers=self.headers(),
            max_size=None,
            open_timeout=timeout,
            ping_interval=None,
            close_timeout=2,
        )
        self.pieces = Pieces()
        first = await receive(self.ws, self.pieces, timeout)
        assert first["type"] == "welcome", f"{self.label}: first frame {first}"
        self._welcome(first, since)
        self.close_code = None
        self._reader = asyncio.create_task(self._read(self.ws))
        return first

    async def resume(self, timeout=10.0):
        """Reconnect from the last seq applied, as a client does after a drop."""
        return await self.connect(since=self.seq, timeout=timeout)

    def _welcome(self, welcome, since):
        self.welcomes.append(welcome)
        self.me = welcome["me"]
        self.presence = welcome["presence"]
        if "state" in welcome:
            if since is not None:
                self.resyncs += 1
            self.state = board_state.from_snapshot(welcome["state"])
            self.seq = welcome["seq"]
        else:
            assert since is not None, f"{self.label}: events without since"
            assert self.seq == since, (self.label, self.seq, since)
            for event in welcome["events"]:
                self._apply(event)
            assert self.seq == welcome["seq"], (self.label, self.seq, welcome["seq"])

    def _apply(self, event):
        """Fold one event in; False when it shows that events were missed."""
        seq = event["seq"]
        if seq <= self.seq:
            self.duplicates.append(seq)
            return True
        if seq > self.seq + 1:
            self.gaps.append((self.seq, seq))
            return False
        board_state.apply(self.state, event["name"], event["data"])
        self.seq = seq
        self.applied.append(seq)
        self.events[seq] = event
        return True

    async def _read(self, ws):
        try:
            async for raw in ws:
                self.frames += 1
                if isinstance(raw, bytes):
                    raise AssertionError(f"{self.label}: binary frame from server")
                message = self.pieces.message(raw)
                if message is None:
                    continue
                kind = message["type"]
                if kind == "ping":
                    self.pings += 1
                    if self.answer_pings:
                        await ws.send(
                            encode({"type": "pong", "nonce": message["nonce"]})
                        )
                elif kind in ("event", "events"):
                    # A group's events come in one `events` frame.
                    events = message["events"] if kind == "events" else [message]
                    if not all(self._apply(event) for event in events):
                        # Missed something: drop the socket; the owner resumes.
                        ws.transport.abort()
                        return
                elif kind in ("ack", "error"):
                    self.replies.append(message)
                    future = self.pending.pop(message.get("id"), None)
                    if future is not None and not future.done():
                        future.set_result(message)
                    else:
                        self.inbox.put_nowait(message)
                elif kind == "presence":
                    self.presence = message["members"]
                    self.presence_log.append(message["members"])
                elif kind == "welcome":
                    raise AssertionError(f"{self.label}: a second welcome")
        except ConnectionClosed:
            pass
        finally:
            self.close_code = ws.close_code
            self.closes.append(ws.close_code)
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"{self.label} closed"))
            self.pending.clear()

    # -- sending --------------------------------------------------------------

    async def send_raw(self, frame):
        await self.ws.send(frame)

    async def send_command(self, name, data=None, command_id=None):
        """Send a command; returns its op id and a future for its reply."""
        command_id = command_id or op_id()
        future = asyncio.get_running_loop().create_future()
        # A reply nobody awaits (the socket dropped) must not warn.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.pending[command_id] = future
        message = {"type": "command", "id": command_id, "name": name}
        if data is not None:
            message["data"] = data
        await self.ws.send(encode(message))
        return command_id, future

    async def command(self, name, data=None, command_id=None, timeout=10.0):
        """Send a command and wait for its `ack` or `error`."""
        _, future = await self.send_command(name, data, command_id)
        return await asyncio.wait_for(future, timeout)

    async def next_reply(self, timeout=5.0):
        """The next reply that no command of `command` was waiting for."""
        return await asyncio.wait_for(self.inbox.get(), timeout)

    async def wait_seq(self, seq, timeout=10.0):
        await wait_until(
            lambda: self.seq is not None and self.seq >= seq,
            timeout,
            f"{self.label} to reach seq {seq} (at {self.seq})",
        )

    # -- leaving --------------------------------------------------------------

    async def abort(self):
        """Drop the TCP connection without a close frame."""
        if self.ws is not None:
            self.ws.transport.abort()
        if self._reader is not None:
            await asyncio.wait_for(asyncio.shield(self._reader), 5)

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.wait_for(asyncio.shield(self._reader), 5)

    async def wait_closed(self, timeout=10.0):
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        return self.close_code

    def snapshot(self):
        return board_state.snapshot(self.state)


async def close_all(clients):
    for client in clients:
        if client.connected:
            await client.close()
