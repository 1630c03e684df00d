"""Fan-out of a board's live traffic to the sockets this process holds.

A plain Channels design gives every socket its own channel and sends each
message through the layer once per socket: about 130 microseconds of CPU per
delivery, and messages silently dropped when a socket's channel fills up.
Here a `Room` holds one board's sockets in this process, and traffic reaches
it once per process:

- committed board events come straight from the write path when it runs in
  this process (`deliver_committed`), and through one channel-layer message
  per process otherwise; each event is encoded once and written to every
  socket in `seq` order, and a gap (a layer message lost between processes)
  is filled from the log before anything later goes out;
- cursors and drags are gathered per board and sent once per tick as one
  frame per socket (cursors coalesced to each person's latest position);
- presence is kept per process and announced to the other processes, with
  a heartbeat so that a process that died is forgotten;
- a room watches the channel layer: when Redis goes away its clients hear
  `status` "reconnecting", the room joins its group again as soon as it can
  (and every few seconds anyway: a Redis that restarted empty has forgotten
  every group), sends what it missed from the log, and says "live".

Each socket is watched for a client that stops reading (see `Connection`).
"""

import asyncio
import contextlib
import logging
import secrets
import sys
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from . import board_log, presence, protocol
from .protocol import (
    CLOSE_FORBIDDEN,
    CLOSE_TOO_SLOW,
    MAX_FRAME_BYTES,
    encode,
    events_frame,
    pieces,
)

log = logging.getLogger(__name__)

TICK = 1 / 30
# Committed events of a busy board go out at most this often (see
# Room._deliver_inbox); a quiet board's at once.
EVENTS_SPACING = 0.01
PING_INTERVAL = 5.0
PONG_TIMEOUT = 30.0
# Frames written to a socket after the last ping its client answered: past
# this, the client is not reading and daphne would buffer for it forever.
MAX_UNCONFIRMED_BYTES = 4 * 1024 * 1024
# How often pings, timeouts and presence heartbeats are looked after.
HOUSEKEEPING = 1.0
PRESENCE_HEARTBEAT = 10.0
PRESENCE_EXPIRY = 30.0
# A room adds itself to its group this often even when all looks well: group
# membership expires in channels-redis, and a Redis that restarted empty
# forgets it without any socket failing. Well within the 5 s in which
# delivery must resume once Redis is back.
REJOIN_INTERVAL = 2.0
# While the layer is down, how often a room tries to join its group again.
RETRY_INTERVAL = 0.5
# A layer call that takes longer than this counts as the layer being down.
LAYER_TIMEOUT = 2.0
# Layer messages of the write path waiting to be sent; past this (a Redis
# that hangs rather than refuses), new ones are dropped: the other processes
# catch up from the log.
MAX_OUTBOX = 10_000

# The server is going away (shutting down): clients reconnect at once.
CLOSE_GOING_AWAY = 1001
# On shutdown, how long to wait for clients to answer the close (so that it
# reaches them before the server drops its sockets).
SHUTDOWN_GRACE = 3.0

# Tells this process's own layer messages from other processes' ones.
ORIGIN = uuid.uuid4().hex


def group_name(board_id):
    return f"board.{board_id}"


def is_shared(layer) -> bool:
    """Whether other processes may hold sockets of the same board: the
    in-memory layer lives in this process only, so there is no one to tell."""
    return layer is not None and not isinstance(layer, InMemoryChannelLayer)


# What a room tells its clients about the link to the other processes.
STATUS_RECONNECTING = encode(protocol.status("reconnecting"))
STATUS_LIVE = encode(protocol.status("live"))


class Connection:
    """One socket on a board, as its room sees it.

    `send_text` writes a frame to the socket and `close` closes it; the
    consumer provides both. Until `ready` (the welcome has been sent) events
    are held back, so none is lost or doubled between the welcome's state
    and the first live event.
    """

    def __init__(self, entry, send_text, close, clock=time.monotonic, language=None):
        self.id = entry["connection"]
        # What the socket's person reads (a removal notice), None: the default.
        self.language = language
        self.entry = entry
        self._send_text = send_text
        self._close = close
        self.clock = clock
        self.seq = None
        self._held = []
        self.sent_bytes = 0
        self.confirmed_bytes = 0
        self.pings = {}
        self.last_ping = clock()
        self.drags_sent = 0
        self.closed = False
        self._asked = False
        self._chunks = 0
        # A `status` frame for after the welcome, if the room has one.
        self.notice = None
        self._gone = asyncio.Event()

    @property
    def member(self):
        return self.entry["member"]

    async def send(self, frame: str, size=None):
        """Write `frame`; `size` is its length in bytes when already known
        (a frame fanned out to many sockets is measured once)."""
        if self.closed:
            return
        self.sent_bytes += size if size is not None else len(frame.encode())
        try:
            if len(frame) * 4 <= MAX_FRAME_BYTES:
                await self._send_text(frame)
            else:
                self._chunks += 1
                for piece in pieces(frame, self._chunks):
                    await self._send_text(piece)
        except Exception:
            # The socket went away under us; its disconnect cleans up.
            log.debug("could not write to connection %s", self.id, exc_info=True)
            self.closed = True
            return
        unread = self.sent_bytes - self.confirmed_bytes
        if unread > MAX_UNCONFIRMED_BYTES:
            await self.close(CLOSE_TOO_SLOW)
        elif unread > MAX_UNCONFIRMED_BYTES // 2 and not self._asked:
            # A burst (a big import, say): ask now rather than at the next
            # ping, so that a client that does read gets to say so in time.
            self._asked = True
            await self.ping()

    async def deliver_event(self, seq, frame, size=None, events=None):
        """Send the frame of `events` (up to `seq`) unless this socket has
        them all; the part after its seq when it has some (its welcome may
        have been read between two events that go out in one frame)."""
        if self.seq is None:
            self._held.append((seq, frame, size, events))
        elif seq > self.seq:
            if events and events[0]["seq"] <= self.seq:
                frame, size = events_frame([e for e in events if e["seq"] > self.seq])
            self.seq = seq
            await self.send(frame, size)

    async def ready(self, seq):
        """The welcome carried the board up to `seq`: send what came after."""
        self.seq = seq
        # The welcome may be large; only what follows it counts as unread.
        self.confirmed_bytes = self.sent_bytes
        held, self._held = self._held, []
        for event_seq, frame, size, events in held:
            await self.deliver_event(event_seq, frame, size, events)
        notice, self.notice = self.notice, None
        if notice is not None:
            await self.send(notice)

    async def ping(self):
        nonce = secrets.token_urlsafe(12)
        now = self.clock()
        self.pings[nonce] = (now, self.sent_bytes)
        self.last_ping = now
        await self.send(encode(protocol.ping(nonce)))

    def pong(self, nonce) -> bool:
        """The client read everything up to the ping with `nonce`."""
        if nonce not in self.pings:
            return False
        _, confirmed = self.pings[nonce]
        self.confirmed_bytes = max(self.confirmed_bytes, confirmed)
        self._asked = False
        # Pings are answered in order: older ones are settled too.
        for key in list(self.pings):
            del self.pings[key]
            if key == nonce:
                break
        return True

    def overdue(self, now) -> bool:
        oldest = next(iter(self.pings.values()), None)
        return oldest is not None and now - oldest[0] > PONG_TIMEOUT

    async def close(self, code):
        if not self.closed:
            self.closed = True
            await self._close(code)

    def disconnected(self):
        """The socket is closed at both ends (the consumer says so)."""
        self.closed = True
        self._gone.set()


@dataclass(frozen=True)
class LogReader:
    """How rooms read the board's log, to fill a gap and to learn where a
    board is: blocking functions, run on the database thread. Handed to the
    hub (`hub()` hands it `storming.board_log`'s; a test may hand it its
    own): the rooms never reach into the write path that feeds them."""

    # (board id, after, upto) -> the events after < seq <= upto, as messages.
    events_between: Callable[[str, int, int], list[dict]]
    # board id -> (head seq, locked), or None for no such board.
    head: Callable[[str], tuple[int, bool] | None]


class Room:
    """One board's sockets in this process."""

    def __init__(self, hub, board_id):
        self.hub = hub
        self.board_id = str(board_id)
        self.group = group_name(self.board_id)
        self.connections = {}
        # The board's head as this room has delivered it: read by `open`
        # before anything is delivered.
        self.seq = 0
        self.locked = False
        self._inbox: asyncio.Queue[list[dict]] = asyncio.Queue()
        self._fanned_at = 0.0
        self._cursors = {}
        self._views = {}
        self._drags = []
        self._dirty = asyncio.Event()
        self._last_flush = 0.0
        self._remote = {}
        self._last_announce = 0.0
        self._tasks = []
        self._channel = None
        self._started = None
        self.stopped = False
        # Whether this room is in its layer group (always, without a shared
        # layer); `_rejoin` wakes early when something saw the layer fail.
        self.layer_ok = True
        self._rejoin_now = asyncio.Event()

    # -- joining and leaving ----------------------------------------------------

    async def join(self, connection: Connection):
        """Hold `connection` from now on; its presence counts once it is
        ready and `presence_changed` has been called."""
        self.connections[connection.id] = connection
        if not self.layer_ok:
            connection.notice = STATUS_RECONNECTING
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        await self._started

    async def leave(self, connection: Connection):
        if self.connections.pop(connection.id, None) is None:
            return
        self._cursors.pop(connection.id, None)
        await self.presence_changed()
        if not self.connections:
            await self.hub.drop(self)

    async def _start(self):
        layer = self.hub.layer
        if layer is not None and self.hub.shared_layer:
            self._channel = await layer.new_channel()
            try:
                await self._group_add()
            except Exception as error:
                # The room opens anyway, for this process's sockets;
                # `_rejoin` keeps trying.
                await self._layer_down(error)
            self._tasks.append(asyncio.ensure_future(self._listen()))
            self._tasks.append(asyncio.ensure_future(self._rejoin()))
        self.seq, self.locked = await database_sync_to_async(self.hub.log.head)(
            self.board_id
        ) or (0, False)
        self._tasks.append(asyncio.ensure_future(self._deliver_inbox()))
        self._tasks.append(asyncio.ensure_future(self._ticks()))

    async def stop(self):
        self.stopped = True
        if self._channel is not None and self.layer_ok:
            try:
                await asyncio.wait_for(
                    self.hub.layer.group_discard(self.group, self._channel),
                    LAYER_TIMEOUT,
                )
            except Exception:
                log.warning("could not leave group %s", self.group, exc_info=True)
        # The last socket may leave from inside one of the room's own tasks
        # (a heartbeat timeout): that one ends by itself, seeing `stopped`.
        current = asyncio.current_task()
        others = [task for task in self._tasks if task is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    # -- committed events ---------------------------------------------------------

    def enqueue_events(self, messages):
        self._inbox.put_nowait(messages)

    async def _deliver_inbox(self):
        while not self.stopped:
            messages = list(await self._inbox.get())
            # A busy board's events go out at most every EVENTS_SPACING, all
            # that came meanwhile in one frame: a frame to each socket per
            # event is what caps the fan-out, not the events. An event on a
            # quiet board goes at once.
            pause = self._fanned_at + EVENTS_SPACING - self.hub.clock()
            if pause > 0:
                await asyncio.sleep(pause)
            while not self._inbox.empty():
                messages += self._inbox.get_nowait()
            try:
                await self._deliver_events(messages)
            except Exception:
                # A failed catch-up must not stop later events; clients fill
                # any gap themselves from the log.
                log.exception("could not deliver events to board %s", self.board_id)
            self._fanned_at = self.hub.clock()

    async def _deliver_events(self, messages):
        messages = sorted(messages, key=lambda message: message["seq"])
        fresh = [m for m in messages if m["seq"] > self.seq]
        if not fresh:
            return
        if fresh[0]["seq"] > self.seq + 1:
            missing = await database_sync_to_async(self.hub.log.events_between)(
                self.board_id, self.seq, fresh[0]["seq"] - 1
            )
            fresh = [*missing, *fresh]
        await self._fan_out(fresh)

    async def _fan_out(self, run):
        """One frame for events in seq order: an `event`, or an `events` frame
        holding all of them (a batch, a group undo, or the events of several
        commands that came together), which a large group needs: 2,000
        frames to each of 50 sockets would be 100,000."""
        run = [m for m in run if m["seq"] > self.seq]
        if not run:
            return
        self.seq = run[-1]["seq"]
        for message in run:
            if message["name"] in ("board.locked", "board.unlocked"):
                self.locked = message["name"] == "board.locked"
        frame, size = events_frame(run)
        for connection in list(self.connections.values()):
            await connection.deliver_event(self.seq, frame, size, run)

    # -- cursors and drags --------------------------------------------------------

    def cursor(self, connection: Connection, x, y):
        entry = connection.entry
        self._cursors[connection.id] = {
            "member": entry["member"],
            "name": entry["name"],
            "color": entry["color"],
            "x": x,
            "y": y,
        }
        self._dirty.set()

    def view(self, connection: Connection, x, y, zoom):
        """Where someone looks (the centre of their screen, and its zoom):
        what following them shows. Coalesced per connection, like cursors."""
        entry = connection.entry
        self._views[connection.id] = {
            "member": entry["member"],
            "name": entry["name"],
            "color": entry["color"],
            "x": x,
            "y": y,
            "zoom": zoom,
        }
        self._dirty.set()

    async def signal(self, connection: Connection, kind, fields):
        """A facilitator's call to the room (`summon`: come to my view;
        `follow`: keep following it; `spotlight`: look at this sticky), to
        everyone else at once."""
        item = protocol.signal(kind, connection.entry, fields)
        await self._fan_out_signal(item, connection.id)
        if self.hub.shared_layer:
            await self._to_other_processes({"type": "board.signal", "item": item})

    async def _fan_out_signal(self, item, source=None):
        frame = encode(item)
        for other in list(self.connections.values()):
            if other.seq is not None and other.id != source:
                await other.send(frame)

    async def membership(self, member, role):
        """A member's role changed (or they were removed, `role` None): their
        sockets hear it at once; a removed member's are closed."""
        touched = False
        for connection in list(self.connections.values()):
            if connection.member != member:
                continue
            touched = True
            if role is None:
                removed = protocol.membership(
                    member, None, language=connection.language
                )
                await connection.send(encode(removed))
                await connection.close(CLOSE_FORBIDDEN)
                self.connections.pop(connection.id, None)
                self._cursors.pop(connection.id, None)
                self._views.pop(connection.id, None)
                continue
            connection.entry["role"] = role
            can_write = role != "viewer" and (not self.locked or role == "facilitator")
            await connection.send(encode(protocol.membership(member, role, can_write)))
        if touched:
            await self.presence_changed()
        if not self.connections:
            await self.hub.drop(self)

    def drag(self, connection: Connection, sticky, x, y):
        connection.drags_sent += 1
        item = {
            "member": connection.member,
            "id": sticky,
            "x": x,
            "y": y,
            "n": connection.drags_sent,
        }
        self._drags.append((connection.id, item))
        self._dirty.set()

    async def _ticks(self):
        while not self.stopped:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dirty.wait(), timeout=HOUSEKEEPING)
            if self._dirty.is_set():
                # Let a tick's worth of movement gather into one frame.
                wait = self._last_flush + TICK - self.hub.clock()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._dirty.clear()
                self._last_flush = self.hub.clock()
                await self._flush()
            await self._housekeeping()

    async def _flush(self):
        cursors, self._cursors = list(self._cursors.items()), {}
        views, self._views = list(self._views.items()), {}
        drags, self._drags = self._drags, []
        if not cursors and not drags and not views:
            return
        await self._fan_out_ephemeral(cursors, drags, views)
        if self.hub.shared_layer:
            await self._to_other_processes(
                {
                    "type": "board.ephemeral",
                    "cursors": [item for _, item in cursors],
                    "drags": [item for _, item in drags],
                    "views": [item for _, item in views],
                }
            )

    async def _fan_out_ephemeral(self, cursors, drags, views=()):
        batches = (
            ("cursor", "cursors", cursors),
            ("drag", "drags", drags),
            ("views", "views", views),
        )
        for kind, key, items in batches:
            if not items:
                continue
            parts = [(source, encode(item)) for source, item in items]
            sources = {source for source, _ in parts}
            shared = protocol.ephemeral_frame(kind, key, [part for _, part in parts])
            shared_size = len(shared.encode())
            for connection in list(self.connections.values()):
                if connection.seq is None:
                    continue
                if connection.id in sources:
                    # Never echo a person's own cursor or drag to them.
                    own = [part for source, part in parts if source != connection.id]
                    if own:
                        await connection.send(protocol.ephemeral_frame(kind, key, own))
                else:
                    await connection.send(shared, shared_size)

    # -- presence -----------------------------------------------------------------

    def presence(self) -> list[dict]:
        entries = [connection.entry for connection in self.connections.values()]
        for remote_entries, _ in self._remote.values():
            entries.extend(remote_entries)
        return presence.members(entries)

    def colors_in_use(self):
        return {row["color"] for row in self.presence()}

    async def presence_changed(self, announce=True, hello=False):
        frame = encode(protocol.presence(self.presence()))
        for connection in list(self.connections.values()):
            if connection.seq is not None:
                await connection.send(frame)
        if announce:
            await self._announce(hello)

    async def _announce(self, hello=False):
        # The first word of a room asks the other processes to answer with
        # their own people, so it need not wait for their heartbeats.
        hello = hello or not self._last_announce
        self._last_announce = self.hub.clock()
        if self.hub.shared_layer:
            await self._to_other_processes(
                {
                    "type": "board.presence",
                    "entries": [c.entry for c in self.connections.values()],
                    "hello": hello,
                }
            )

    # -- heartbeats -------------------------------------------------------------

    async def _housekeeping(self):
        now = self.hub.clock()
        for connection in list(self.connections.values()):
            if connection.overdue(now):
                log.info("closing connection %s: pings unanswered", connection.id)
                await connection.close(CLOSE_TOO_SLOW)
                await self.leave(connection)
            elif connection.seq is not None and (
                now - connection.last_ping >= PING_INTERVAL
            ):
                await connection.ping()
        expired = [
            origin
            for origin, (_, seen) in self._remote.items()
            if now - seen > PRESENCE_EXPIRY
        ]
        for origin in expired:
            del self._remote[origin]
        if expired:
            await self.presence_changed(announce=False)
        if now - self._last_announce >= PRESENCE_HEARTBEAT:
            await self._announce()

    # -- other processes ----------------------------------------------------------

    async def _to_other_processes(self, message):
        if not self.layer_ok:
            # Cursors, presence and signals are for now only; `_layer_up`
            # announces presence again.
            return
        message["origin"] = self.hub.origin
        try:
            await asyncio.wait_for(
                self.hub.layer.group_send(self.group, message), LAYER_TIMEOUT
            )
        except Exception as error:
            log.warning("could not reach other processes of %s", self.group)
            await self._layer_down(error)

    async def _group_add(self):
        await asyncio.wait_for(
            self.hub.layer.group_add(self.group, self._channel), LAYER_TIMEOUT
        )

    async def _rejoin(self):
        """Stay in the group: join it again every few seconds, and as soon as
        possible after the layer failed; once back, catch up and say so."""
        while not self.stopped:
            interval = REJOIN_INTERVAL if self.layer_ok else RETRY_INTERVAL
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._rejoin_now.wait(), timeout=interval)
            self._rejoin_now.clear()
            if self.stopped:
                return
            try:
                await self._group_add()
            except Exception as error:
                await self._layer_down(error)
                continue
            if not self.layer_ok:
                await self._layer_up()

    async def _layer_down(self, error):
        """Events of the other processes cannot reach this room for now."""
        self._rejoin_now.set()
        if not self.layer_ok or self.stopped:
            return
        log.warning("board %s lost the channel layer: %r", self.board_id, error)
        self.layer_ok = False
        await self._tell_status(STATUS_RECONNECTING)

    async def _layer_up(self):
        """Back in the group: send what was committed meanwhile elsewhere,
        and ask the other processes who is there."""
        log.warning("board %s has the channel layer again", self.board_id)
        self.layer_ok = True
        try:
            head = await database_sync_to_async(self.hub.log.head)(self.board_id)
            if head is not None and head[0] > self.seq:
                self.enqueue_events(
                    await database_sync_to_async(self.hub.log.events_between)(
                        self.board_id, self.seq, head[0]
                    )
                )
        except Exception:
            # The next event shows the gap and fills it; clients do too.
            log.warning("could not catch up board %s", self.board_id, exc_info=True)
        await self._tell_status(STATUS_LIVE)
        await self._announce(hello=True)

    async def _tell_status(self, frame):
        for connection in list(self.connections.values()):
            if connection.seq is None:
                connection.notice = None if frame is STATUS_LIVE else frame
            else:
                await connection.send(frame)

    async def _listen(self):
        layer = self.hub.layer
        while not self.stopped:
            try:
                message = await layer.receive(self._channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Redis went away: `_rejoin` brings the room back; until
                # then, do not spin on a receive that fails at once.
                await self._layer_down(error)
                await asyncio.sleep(RETRY_INTERVAL)
                continue
            if message.get("origin") == self.hub.origin:
                continue
            try:
                await self._from_other_process(message)
            except Exception:
                log.exception("bad message from another process: %r", message)

    async def _from_other_process(self, message):
        kind = message.get("type")
        if kind == "board.events":
            self.enqueue_events(message["messages"])
        elif kind == "board.ephemeral":
            await self._fan_out_ephemeral(
                [(None, item) for item in message.get("cursors", ())],
                [(None, item) for item in message.get("drags", ())],
                [(None, item) for item in message.get("views", ())],
            )
        elif kind == "board.signal":
            await self._fan_out_signal(message["item"])
        elif kind == "board.membership":
            await self.membership(message["member"], message["role"])
        elif kind == "board.presence":
            self._remote[message["origin"]] = (message["entries"], self.hub.clock())
            await self.presence_changed(announce=message.get("hello", False))


class Hub:
    """The rooms of one event loop (one daphne process has one loop)."""

    def __init__(self, loop, log: LogReader, layer=None, origin=None, clock=None):
        self.loop = loop
        self.log = log
        # Rooms' clock for pacing frames and ticks (time.monotonic's kind).
        self.clock = clock or time.monotonic
        self.layer = layer
        self.shared_layer = is_shared(layer)
        self.origin = origin or ORIGIN
        self.rooms: dict[str, Room] = {}
        # Layer messages of the write path, sent in order by `_send_outbox`.
        self._outbox: asyncio.Queue[tuple[str, dict, str]] | None = None
        self._sender: asyncio.Future | None = None

    async def join(self, board_id, connection: Connection) -> Room:
        board_id = str(board_id)
        room = self.rooms.get(board_id)
        if room is None:
            room = self.rooms[board_id] = Room(self, board_id)
        await room.join(connection)
        return room

    async def wait_gone(self, grace=SHUTDOWN_GRACE):
        """Wait, up to `grace` seconds, until every socket of the hub is
        closed at both ends: the server is stopping and has sent them all a
        close, which must reach the clients before it drops its sockets."""
        connections = [
            connection
            for room in list(self.rooms.values())
            for connection in list(room.connections.values())
        ]
        waits = [asyncio.ensure_future(c._gone.wait()) for c in connections]
        if waits:
            _, pending = await asyncio.wait(waits, timeout=grace)
            for wait in pending:
                wait.cancel()

    async def drop(self, room: Room):
        if self.rooms.get(room.board_id) is room and not room.connections:
            del self.rooms[room.board_id]
            await room.stop()

    def deliver(self, parts):
        """Called on the loop: hand committed events, [(board id, messages)],
        to the boards' rooms."""
        for board_id, messages in parts:
            room = self.rooms.get(str(board_id))
            if room is not None:
                room.enqueue_events(messages)

    def post(self, board_id, message, what):
        """Called on the loop: send `message` to the board's group, after
        those posted before it, without anyone waiting for it."""
        if self._outbox is None:
            self._outbox = asyncio.Queue()
        if self._outbox.qsize() >= MAX_OUTBOX:
            log.warning("not broadcasting %s to board %s: backlog", what, board_id)
            return
        self._outbox.put_nowait((str(board_id), message, what))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.ensure_future(self._send_outbox(self._outbox))

    async def _send_outbox(self, outbox):
        while True:
            board_id, message, what = await outbox.get()
            room = self.rooms.get(board_id)
            if room is not None and not room.layer_ok:
                # The other processes refill from the log once the layer
                # is back; queueing for a dead Redis would only grow.
                continue
            try:
                await asyncio.wait_for(
                    self.layer.group_send(group_name(board_id), message),
                    LAYER_TIMEOUT,
                )
            except Exception as error:
                log.warning("could not broadcast %s to board %s", what, board_id)
                if room is not None:
                    await room._layer_down(error)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = (
    weakref.WeakKeyDictionary()
)


def hub() -> Hub:
    """This event loop's hub, made on first use."""
    loop = asyncio.get_running_loop()
    current = _hubs.get(loop)
    if current is None:
        reader = LogReader(board_log.events_between, board_log.head)
        current = _hubs[loop] = Hub(loop, reader, get_channel_layer())
        _shut_down_with_server(current)
    return current


def _shut_down_with_server(hub: Hub):
    """Under daphne, close every websocket with 1001 (going away: clients
    reconnect at once, to another process) before the server stops.

    Daphne's own shutdown hook (cancel every application) fails on any
    connection that was upgraded to a websocket, and then the reactor drops
    every socket without a close frame. Twisted waits for a "before
    shutdown" trigger's Deferred before it drops connections: ours sends the
    close frames and waits for the clients to answer. Commands not yet
    acknowledged are left to the clients, which send them again with the
    same ids; those in a transaction finish on their thread.
    """
    reactor = sys.modules.get("twisted.internet.reactor")
    if reactor is None or not getattr(reactor, "running", False):
        return
    from twisted.internet import defer

    def before_shutdown():
        closed = _close_websockets(reactor)
        log.warning("shutting down: closed %d websockets with 1001", closed)
        future = asyncio.ensure_future(hub.wait_gone(), loop=hub.loop)
        return defer.Deferred.fromFuture(future)

    reactor.addSystemEventTrigger("before", "shutdown", before_shutdown)


def _close_websockets(reactor) -> int:
    from autobahn.websocket.protocol import WebSocketProtocol

    closed = 0
    for reader in reactor.getReaders():
        protocol = getattr(reader, "protocol", None)
        # Behind TLS the websocket is the wrapper's wrapped protocol.
        protocol = getattr(protocol, "wrappedProtocol", protocol)
        if (
            isinstance(protocol, WebSocketProtocol)
            and protocol.state == WebSocketProtocol.STATE_OPEN
        ):
            # Through ASGI the close code must be 1000 or 3000-4999
            # (autobahn's sendClose); 1001 is the one that says "going away".
            protocol.sendCloseFrame(code=CLOSE_GOING_AWAY, isReply=False)
            closed += 1
    return closed


def post(board_id, message, what):
    """Send a layer message of the write path from this loop (called on it
    with `call_soon_threadsafe`)."""
    hub().post(board_id, message, what)


def deliver_membership(board_id, member, role):
    """Tell this process's sockets of `member` on `board_id` their new role
    (None: removed). Called from the write path's thread after commit."""
    for current in list(_hubs.values()):
        room = current.rooms.get(str(board_id))
        if room is not None and not current.loop.is_closed():
            current.loop.call_soon_threadsafe(
                asyncio.ensure_future, room.membership(str(member), role)
            )


def deliver_committed(parts):
    """Hand committed events, [(board id, messages)], to this process's
    sockets on those boards.

    Called from the write path's thread after commit; the rooms run on their
    event loops, so the events are passed over thread-safely, in one
    hand-over to each loop for all the boards (each wakes the loop).
    """
    for current in list(_hubs.values()):
        mine = [(b, m) for b, m in parts if str(b) in current.rooms]
        if mine and not current.loop.is_closed():
            current.loop.call_soon_threadsafe(current.deliver, mine)
