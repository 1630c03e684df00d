"""The board's websocket: `/ws/boards/<id>/` (docs/protocol.md).

Thin on purpose: who may connect is `services.member_for_socket`, a
command goes to `committer.run` (written with the process's other commands
by `services.execute_each`), reading frames is `protocol.parse`,
limits are `ratelimit.Limits`, and fan-out to everyone else is the board's
`live.Room`.
"""

import asyncio
import logging
import math
import uuid
from urllib.parse import parse_qs

from channels.consumer import AsyncConsumer
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from whiteboard.language import socket_language

from . import access, board_log, committer, live, protocol, services
from .errors import CommandError, for_exception, forbidden, invalid
from .errors import message as refusal_text
from .presence import pick_color
from .protocol import (
    Assembler,
    Chunk,
    Command,
    Cursor,
    Drag,
    FrameError,
    GroupDrag,
    Pong,
    Signal,
    View,
    encode,
    number_out,
)
from .ratelimit import Limits, command_cost, scope_address
from .vocabulary import Role

log = logging.getLogger(__name__)


def _query(scope):
    values = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return {key: items[-1] for key, items in values.items()}


def _since(value):
    if value is None:
        return None
    try:
        since = int(value)
    except ValueError:
        raise invalid(_("since must be a whole number")) from None
    if since < 0:
        raise invalid(_("since must be 0 or more"))
    return since


CLOSE_CODES = {
    "invalid": protocol.CLOSE_BAD_REQUEST,
    "not_found": protocol.CLOSE_NOT_FOUND,
    "rate_limited": protocol.CLOSE_TOO_MANY,
}


class BoardConsumer(AsyncConsumer):
    # The board's room, not each socket, listens to the channel layer.
    channel_layer_alias = None

    async def dispatch(self, message):
        # AsyncConsumer.dispatch closes old database connections on every
        # message, a thread hop per cursor; database_sync_to_async already
        # does that around each database call.
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is not None:
            await handler(message)

    # -- connecting ---------------------------------------------------------------

    async def websocket_connect(self, message):
        # The person's language, for the socket's life: what its refusals and
        # notices say (see `_error`).
        self.language = await database_sync_to_async(socket_language)(self.scope)
        self.connection = None
        self.room = None
        self._worker = None
        self._commands = asyncio.Queue()
        query = _query(self.scope)
        board_id = self.scope["url_route"]["kwargs"]["board_id"]
        try:
            since = _since(query.get("since"))
            self.board, self.member = await database_sync_to_async(
                services.member_for_socket
            )(
                board_id,
                self.scope.get("user"),
                self.scope.get("session"),
                query.get("invite"),
                query.get("name"),
                query.get("guest"),
                scope_address(self.scope),
            )
        except CommandError as error:
            # Accepted first: a close before the accept is an HTTP 403 to the
            # client, whatever the reason; after it, the code says which.
            await self.send({"type": "websocket.accept"})
            if error.code == "rate_limited":
                # Not final like the others: say when to try again.
                await self._send_text(encode(self._error(error)))
            code = CLOSE_CODES.get(error.code, protocol.CLOSE_FORBIDDEN)
            await self.send({"type": "websocket.close", "code": code})
            return
        await self.send({"type": "websocket.accept"})
        self.limits = Limits(getattr(settings, "LIVE_LIMITS", None))
        self.chunks = Assembler()
        self.hub = live.hub()
        entry = {
            "connection": uuid.uuid4().hex,
            "member": str(self.member.pk),
            "name": self.member.display_name,
            "role": self.member.role,
            "color": None,
        }
        self.connection = live.Connection(
            entry, self._send_text, self._close, language=self.language
        )
        if self._sockets_of_member() >= settings.LIVE_MAX_SOCKETS_PER_MEMBER:
            await self.send(
                {"type": "websocket.close", "code": protocol.CLOSE_TOO_MANY}
            )
            return
        # The room must hold the socket before the welcome is read, so that
        # no event falls between the two.
        self.room = await self.hub.join(self.board.pk, self.connection)
        try:
            await self._welcome(entry, since)
        except Exception:
            # Not a word of the welcome went out: leave no ghost in the room.
            await self._leave()
            raise

    async def _welcome(self, entry, since):
        entry["color"] = pick_color(entry["member"], self.room.colors_in_use())
        welcome = await database_sync_to_async(board_log.catch_up)(self.board, since)
        me = {
            "member": entry["member"],
            "name": entry["name"],
            "role": entry["role"],
            "color": entry["color"],
            "can_write": access.can_write(self.member, self.board),
            "connection": entry["connection"],
            **self._guest_key(),
        }
        limits = {
            "commands_per_second": self.limits.commands.rate,
            "max_frame_bytes": protocol.MAX_FRAME_BYTES,
            "max_message_bytes": protocol.MAX_MESSAGE_BYTES,
        }
        await self.connection.send(
            encode(
                protocol.welcome(
                    self.board.pk, welcome, me, self.room.presence(), limits
                )
            ),
        )
        await self.connection.ready(welcome["seq"])
        await self.room.presence_changed()

    def _sockets_of_member(self):
        """This member's sockets on the board in this process. Counted and
        joined with no await between, so two at once cannot both slip in."""
        room = self.hub.rooms.get(str(self.board.pk))
        if room is None:
            return 0
        me = str(self.member.pk)
        return sum(1 for c in room.connections.values() if c.member == me)

    def _guest_key(self):
        if self.member.user_id is not None:
            return {}
        return {"guest_key": access.guest_key(self.member)}

    async def websocket_disconnect(self, message):
        if getattr(self, "connection", None) is not None:
            # A server shutting down waits for this (live.Hub.wait_gone).
            self.connection.disconnected()
        await self._leave()
        raise StopConsumer()

    async def _leave(self):
        if self._worker is not None:
            # Commands not yet run are dropped: the client re-sends what was
            # not acknowledged, under the same ids, when it reconnects.
            self._worker.cancel()
            self._worker = None
        if self.room is not None:
            room, self.room = self.room, None
            await room.leave(self.connection)

    async def _send_text(self, text):
        await self.send({"type": "websocket.send", "text": text})

    async def _close(self, code):
        await self.send({"type": "websocket.close", "code": code})
        await self._leave()

    async def _reply(self, message):
        if self.connection is not None:
            await self.connection.send(encode(message))

    def _error(self, refusal: CommandError, op_id=None) -> dict:
        """The `error` message of `refusal`, in the socket's language.

        A refusal's message is lazy (`errors.message`): it may have been made
        on the group commit's database thread, which decides the commands of
        many sockets at once, each speaking its own language. It is put into
        words here, for this socket only; `override` changes nothing beyond
        this call (no await inside)."""
        with translation.override(self.language):
            return protocol.error(refusal, op_id)

    # -- frames from the client -----------------------------------------------

    async def websocket_receive(self, message):
        if self.room is None:
            return
        if not self.limits.frames.take():
            await self._refuse(None, self.limits.frames)
            return
        text = message.get("text")
        if text is None:
            await self._reply(
                self._error(
                    invalid(_("binary frames are not accepted; send JSON text"))
                )
            )
            return
        await self._frame(text)

    async def _frame(self, text, joined=False):
        try:
            frame = protocol.parse(text, joined=joined)
        except FrameError as error:
            await self._reply(self._error(error, error.op_id))
            return
        if isinstance(frame, Chunk):
            try:
                whole = self.chunks.add(frame)
            except CommandError as error:
                await self._reply(self._error(error))
                return
            if whole is not None:
                await self._frame(whole, joined=True)
        elif isinstance(frame, Command):
            await self._queue_command(frame)
        elif isinstance(frame, Pong):
            self.connection.pong(frame.nonce)
        else:
            await self._ephemeral(frame)

    async def _refuse(self, op_id, bucket, cost=1.0):
        # One notice a second at most, for commands too: the replies must not
        # become a flood of their own, and the client re-sends every
        # unacknowledged command after one (docs/protocol.md).
        if not self.limits.should_notify():
            return
        error = CommandError(
            "rate_limited", refusal_text(_("too many messages; slow down"))
        )
        reply = self._error(error, op_id)
        # Whole milliseconds, never 0: "now" would invite an instant retry.
        wait = bucket.retry_after(cost)
        reply["retry_after"] = max(0.001, math.ceil(wait * 1000) / 1000)
        await self._reply(reply)

    async def _queue_command(self, command: Command):
        cost = command_cost(command)
        if cost > self.limits.commands.burst:
            # More than the bucket ever holds: it could never pass.
            refusal = invalid(_("this batch is more than the rate limit ever allows"))
            await self._reply(self._error(refusal, command.op_id))
            return
        if not self.limits.commands.take(cost):
            await self._refuse(command.op_id, self.limits.commands, cost)
            return
        # Commands run one after another, in the order sent, but beside the
        # reading of frames: a pong or a cursor need not wait for the
        # database, and a busy writer is not taken for a client that
        # stopped reading.
        if self._worker is None:
            self._worker = asyncio.ensure_future(self._run_commands())
        self._commands.put_nowait(command)

    async def _run_commands(self):
        while True:
            command = await self._commands.get()
            try:
                await self._command(command)
            except Exception as failure:
                # Not the command's fault: `unavailable` (the database or
                # the layer is out of reach) is retried by the client with
                # the same id; `internal` is a bug. The worker goes on.
                error = for_exception(failure)
                if error.code == "unavailable":
                    log.warning("command %s: unavailable: %r", command.name, failure)
                else:
                    log.exception("command %s failed", command.name)
                await self._reply(self._error(error, command.op_id))

    async def _command(self, command: Command):
        try:
            applied = await committer.run(
                self.board.pk, self.member, command.name, command.data, command.op_id
            )
        except CommandError as error:
            await self._reply(self._error(error, command.op_id))
            return
        await self._reply(applied.ack(command.op_id))

    def _may_move(self):
        # The role and the lock as of now: the room hears of both (a role
        # change reaches the entry; commands check afresh in the write path).
        self.board.locked = self.room.locked
        self.member.role = self.connection.entry["role"]
        return access.can_write(self.member, self.board)

    async def _ephemeral(self, frame):
        if not self.limits.ephemeral.take():
            await self._refuse(None, self.limits.ephemeral)
            return
        if isinstance(frame, Cursor):
            self.room.cursor(self.connection, number_out(frame.x), number_out(frame.y))
        elif isinstance(frame, View):
            x, y = number_out(frame.x), number_out(frame.y)
            self.room.view(self.connection, x, y, frame.zoom)
        elif isinstance(frame, Signal):
            if self.connection.entry["role"] != Role.FACILITATOR:
                refusal = forbidden(
                    _("only a facilitator can %(kind)s the room"), kind=frame.kind
                )
                await self._reply(self._error(refusal))
                return
            await self.room.signal(self.connection, frame.kind, frame.fields)
        elif isinstance(frame, Drag | GroupDrag):
            if not self._may_move():
                refusal = forbidden(_("you cannot move stickies"))
                await self._reply(self._error(refusal))
                return
            drags = frame.drags if isinstance(frame, GroupDrag) else (frame,)
            for drag in drags:
                self.room.drag(
                    self.connection, drag.sticky, number_out(drag.x), number_out(drag.y)
                )
