"""The live board's websocket messages, both ways (docs/protocol.md).

Plain functions, no I/O. Client -> server: the consumer calls `parse` on
every text frame and gets either a clean message or a `CommandError` to send
back. Server -> client: every message the server sends is made by one of the
builders below (`welcome`, `event`, `ack`, `error`, ...), so that each shape
is written once; `SERVER_MESSAGES` names them all.
"""

import json
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .commands import COMMAND_NAMES, check_object, finite_number, uuid_text
from .errors import CommandError, invalid
from .text import check_members, check_text, clean
from .vocabulary import MAX_COMMAND_ID

# The protocol's version, in `welcome`: a client speaking another one stops
# and asks to be reloaded (static/js/board/protocol.js PROTOCOL_VERSION).
# Raise it with any change an older page would misread.
VERSION = 1

MAX_FRAME_BYTES = 65536
# A message too large for one frame (a batch of 2,000 moves) comes in `chunk`
# frames, up to this size and this many pieces.
MAX_MESSAGE_BYTES = 1 << 20
MAX_CHUNKS = 64

# Close codes (docs/protocol.md).
CLOSE_BAD_REQUEST = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_SLOW = 4408
# Too many: sockets of one member on one board (LIVE_MAX_SOCKETS_PER_MEMBER),
# or guests joining from one address (GUEST_JOIN_RATE).
CLOSE_TOO_MANY = 4429

MAX_NONCE = 64


@dataclass(frozen=True)
class Command:
    op_id: str
    name: str
    data: dict | None


@dataclass(frozen=True)
class Cursor:
    x: float
    y: float


@dataclass(frozen=True)
class Drag:
    sticky: str
    x: float
    y: float


@dataclass(frozen=True)
class GroupDrag:
    """Several stickies dragged together: one frame, one rate-limit token."""

    drags: tuple[Drag, ...]


MAX_GROUP_DRAG = 100


@dataclass(frozen=True)
class Pong:
    nonce: str


@dataclass(frozen=True)
class View:
    """Where someone looks: the centre of their screen and their zoom."""

    x: float
    y: float
    zoom: float


@dataclass(frozen=True)
class Signal:
    """A facilitator's call: `summon` (come to x, y at zoom), `follow` (follow
    my view from now on, `on` true; or stop, false) or `spotlight` (look at
    sticky `id`; None ends it)."""

    kind: str
    fields: dict


SIGNALS = ("summon", "follow", "spotlight")


@dataclass(frozen=True)
class Chunk:
    """A piece of a message larger than a frame (docs/protocol.md)."""

    id: str
    n: int
    of: int
    data: str


class Assembler:
    """Joins one connection's chunks: one message at a time, in order.

    A chunk of another id starts a new message (the unfinished one is
    dropped: its sender gave up on it); a piece out of order, or a message
    over `MAX_MESSAGE_BYTES`, is refused and forgotten.
    """

    def __init__(self):
        self._reset()

    def _reset(self):
        self.id, self.parts, self.size = None, [], 0

    def add(self, chunk: Chunk) -> str | None:
        """The whole message's text once its last piece is in, else None."""
        if chunk.id != self.id:
            self._reset()
            self.id = chunk.id
        if chunk.n != len(self.parts):
            self._reset()
            raise invalid(_("chunk %(n)s came out of order"), n=chunk.n)
        self.size += len(chunk.data.encode("utf-8", "surrogatepass"))
        if self.size > MAX_MESSAGE_BYTES:
            self._reset()
            raise invalid(
                _("messages are limited to %(most)s bytes"), most=MAX_MESSAGE_BYTES
            )
        self.parts.append(chunk.data)
        if len(self.parts) < chunk.of:
            return None
        text = _pair_surrogates("".join(self.parts))
        self._reset()
        return text


def _pair_surrogates(text):
    """A sender that cuts its message by UTF-16 units (as JavaScript's
    `slice` does) may split an emoji's surrogate pair between two pieces;
    joined, the halves are one character again."""
    if clean(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode(
        "utf-16-le", "surrogatepass"
    )


def too_large(text: str) -> bool:
    # Four bytes per character at most: only long frames need encoding.
    if len(text) * 4 <= MAX_FRAME_BYTES:
        return False
    return len(text.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES


def _reject_constant(name):
    # Python's json accepts NaN and Infinity, which are not JSON.
    raise ValueError(f"{name} is not valid JSON")


def _op_id(message):
    """The op id of a command frame when it has a usable one, for replies.

    Only commands: a drag's `id` is a sticky, not an operation to answer."""
    if message.get("type") != "command":
        return None
    value = message.get("id")
    if (
        isinstance(value, str)
        and 0 < len(value) <= MAX_COMMAND_ID
        and clean(value, multiline=False)
    ):
        return value
    # An id that cannot be sent back (a lone surrogate) is answered as null.
    return None


class FrameError(CommandError):
    """A frame was refused; `op_id` says which command, if any."""

    def __init__(self, error: CommandError, op_id=None):
        super().__init__(error.code, error.message, error.details)
        self.op_id = op_id


def parse(text: str, *, joined=False):
    """A client's text frame as a `Command`, `Cursor`, `Drag`, `Pong` or
    `Chunk`; with `joined`, the text of a message joined from chunks (which
    may be larger than a frame, but holds no chunk itself).

    Raises `FrameError` for anything else, with the op id when the frame
    named one, so the client can tell which command was refused.
    """
    if not joined and too_large(text):
        raise FrameError(
            invalid(_("frames are limited to %(most)s bytes"), most=MAX_FRAME_BYTES)
        )
    try:
        message = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise FrameError(invalid(_("a frame must be one JSON object"))) from None
    if not isinstance(message, dict):
        raise FrameError(invalid(_("a frame must be one JSON object")))
    reader = READERS.get(message.get("type"))
    if joined and reader is _chunk:
        reader = None
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise FrameError(
            invalid(_("unknown message type; expected one of: %(known)s"), known=known)
        )
    try:
        if reader is not _chunk:
            # A chunk's data is a piece of a message, checked once joined.
            check_members(message)
        return reader(message)
    except CommandError as error:
        raise FrameError(error, _op_id(message)) from None


def _command(message):
    check_object(
        message, _("a command"), ("type", "id", "name", "data"), ("id", "name")
    )
    op_id = message["id"]
    if not isinstance(op_id, str) or not 0 < len(op_id) <= MAX_COMMAND_ID:
        raise invalid(
            _("id must be a string of 1 to %(most)s characters"), most=MAX_COMMAND_ID
        )
    check_text(op_id, "id", multiline=False)
    name = message["name"]
    if name not in COMMAND_NAMES:
        raise invalid(_("unknown command %(name)s"), name=repr(str(name)[:80]))
    data = message.get("data")
    if data is not None and not isinstance(data, dict):
        raise invalid(_("data must be an object"))
    return Command(op_id, name, data)


def _cursor(message):
    check_object(message, _("a cursor"), ("type", "x", "y"), ("x", "y"))
    return Cursor(finite_number(message["x"], "x"), finite_number(message["y"], "y"))


def _drag(message):
    if "drags" in message:
        check_object(message, _("a group drag"), ("type", "drags"))
        items = message["drags"]
        if not isinstance(items, list) or not 0 < len(items) <= MAX_GROUP_DRAG:
            raise invalid(
                _("drags must be a list of 1 to %(most)s positions"),
                most=MAX_GROUP_DRAG,
            )
        where = _("a dragged sticky")
        return GroupDrag(tuple(_one_drag(item, where) for item in items))
    return _one_drag(message, _("a drag"), ("type",))


def _one_drag(item, where, extra=()):
    check_object(item, where, (*extra, "id", "x", "y"), ("id", "x", "y"))
    return Drag(
        uuid_text(item["id"], "id"),
        finite_number(item["x"], "x"),
        finite_number(item["y"], "y"),
    )


def _pong(message):
    check_object(message, _("a pong"), ("type", "nonce"), ("nonce",))
    nonce = message["nonce"]
    if not isinstance(nonce, str) or not 0 < len(nonce) <= MAX_NONCE:
        raise invalid(_("nonce must be the string from the ping"))
    return Pong(nonce)


def _view(message):
    check_object(message, _("a view"), ("type", "x", "y", "zoom"), ("x", "y", "zoom"))
    return View(
        finite_number(message["x"], "x"),
        finite_number(message["y"], "y"),
        finite_number(message["zoom"], "zoom", 0.01, 10),
    )


def _signal(message):
    kind = message.get("kind")
    if kind == "summon":
        check_object(
            message,
            _("a summon"),
            ("type", "kind", "x", "y", "zoom"),
            ("x", "y", "zoom"),
        )
        view = _view({"x": message["x"], "y": message["y"], "zoom": message["zoom"]})
        return Signal(kind, {"x": view.x, "y": view.y, "zoom": view.zoom})
    if kind == "follow":
        check_object(message, _("a follow"), ("type", "kind", "on"), ("on",))
        if not isinstance(message["on"], bool):
            raise invalid(_("on must be true or false"))
        return Signal(kind, {"on": message["on"]})
    if kind == "spotlight":
        check_object(message, _("a spotlight"), ("type", "kind", "id"), ("id",))
        sticky = message["id"]
        return Signal(kind, {"id": None if sticky is None else uuid_text(sticky, "id")})
    raise invalid(_("kind must be one of: %(kinds)s"), kinds=", ".join(SIGNALS))


def _chunk(message):
    check_object(
        message,
        _("a chunk"),
        ("type", "id", "n", "of", "data"),
        ("id", "n", "of", "data"),
    )
    chunk_id, n, of, data = (message[k] for k in ("id", "n", "of", "data"))
    if not isinstance(chunk_id, str | int) or isinstance(chunk_id, bool):
        raise invalid(_("a chunk's id must be a string or a number"))
    if not (type(of) is int and 2 <= of <= MAX_CHUNKS):
        raise invalid(
            _("of must be a whole number from 2 to %(most)s"), most=MAX_CHUNKS
        )
    if not (type(n) is int and 0 <= n < of):
        raise invalid(_("n must be a whole number from 0 to of - 1"))
    if not isinstance(data, str):
        raise invalid(_("a chunk's data must be a string"))
    return Chunk(str(chunk_id)[:MAX_COMMAND_ID], n, of, data)


READERS = {
    "command": _command,
    "cursor": _cursor,
    "drag": _drag,
    "pong": _pong,
    "chunk": _chunk,
    "view": _view,
    "signal": _signal,
}


# Daphne's --websocket-max-message-size limits what the server sends as well
# as what it takes, so a larger message (the welcome of a big board, a long
# catch-up) goes out in pieces that the client joins again. 16,000 characters
# are at most 64,000 bytes in UTF-8, plus the piece's own few bytes.
PIECE_CHARS = 16_000


def pieces(frame: str, chunk_id) -> list[str]:
    """`frame` as it goes out: itself, or `chunk` frames carrying its text."""
    if not too_large(frame):
        return [frame]
    parts = [
        frame[start : start + PIECE_CHARS]
        for start in range(0, len(frame), PIECE_CHARS)
    ]
    return [
        json.dumps(
            {"type": "chunk", "id": chunk_id, "n": n, "of": len(parts), "data": part},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for n, part in enumerate(parts)
    ]


def number_out(value: float):
    """Coordinates as clients sent them: 10 rather than 10.0 (the reader
    only lets finite numbers through)."""
    return int(value) if value.is_integer() else value


# -- server -> client --------------------------------------------------------------

# Every `type` the server sends (docs/protocol.md, "Server -> client").
SERVER_MESSAGES = (
    "welcome",
    "event",
    "events",
    "ack",
    "error",
    "presence",
    "cursor",
    "drag",
    "views",
    "signal",
    "membership",
    "ping",
    "status",
    "chunk",
)


def encode(message) -> str:
    """A message as its frame's text: compact JSON, text as written."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def welcome(board_id, caught_up, me, presence, limits) -> dict:
    """The first message on a socket: where the board is (`caught_up`: its
    `seq` with its `state`, or with the `events` after `since`), who the
    socket is, who is here and the limits it must keep."""
    return {
        "type": "welcome",
        "protocol": VERSION,
        "board": str(board_id),
        **caught_up,
        "me": me,
        "presence": presence,
        "limits": limits,
    }


def event(
    seq, name, data, by, op_id, at, undo_of=None, redo_of=None, group=None
) -> dict:
    """One committed event; `by` the member, `op_id` the command's id (on the
    first event of a group only), `at` when (ISO 8601)."""
    message = {
        "type": "event",
        "seq": seq,
        "name": name,
        "data": data,
        "by": by,
        "id": op_id,
        "at": at,
    }
    if undo_of is not None:
        message["undo_of"] = undo_of
    if redo_of is not None:
        message["redo_of"] = redo_of
    if group is not None:
        message["group"] = group
    return message


def events_frame(events) -> tuple[str, int]:
    """The frame of `event` messages in seq order, and its size in bytes: an
    `event` for one, an `events` frame for more."""
    if len(events) == 1:
        frame = encode(events[0])
    else:
        frame = encode({"type": "events", "events": events})
    return frame, len(frame.encode())


def ack(op_id, seq, first=None, replayed=False) -> dict:
    """The sender's answer to an applied command; a group of events has the
    consecutive seqs `first` .. `seq`."""
    message: dict = {"type": "ack", "id": op_id, "seq": seq}
    if first is not None and first != seq:
        message["first"] = first
    message["replayed"] = replayed
    return message


def error(refusal: CommandError, op_id=None) -> dict:
    """A refusal, of the command `op_id` or (None) of a frame; REST answers
    the same shape."""
    message = {
        "type": "error",
        "id": op_id,
        "code": refusal.code,
        # Put into words here, in the language active where it is sent.
        "message": str(refusal.message),
    }
    if refusal.details is not None:
        message["details"] = refusal.details
    if refusal.retry_after is not None:
        message["retry_after"] = refusal.retry_after
    return message


def presence(members) -> dict:
    return {"type": "presence", "members": members}


def ephemeral_frame(kind, key, encoded_items) -> str:
    """A tick's `cursor`, `drag` or `views` batch, from items already encoded
    (each is encoded once, whoever gets it)."""
    return f'{{"type":"{kind}","{key}":[{",".join(encoded_items)}]}}'


def signal(kind, entry, fields) -> dict:
    """A facilitator's call (`summon`, `follow`, `spotlight`), from the
    presence `entry` of whoever made it."""
    return {
        "type": "signal",
        "kind": kind,
        "member": entry["member"],
        "name": entry["name"],
        "color": entry["color"],
        **fields,
    }


def membership(member, role, can_write=False, language=None) -> dict:
    """A person's role changed; `role` None: they were removed, told so in
    `language` (their socket's; None: the default)."""
    if role is None:
        with translation.override(language or settings.LANGUAGE_CODE):
            removed = str(_("A facilitator removed you from this board."))
        return {
            "type": "membership",
            "member": member,
            "role": None,
            "message": removed,
        }
    return {
        "type": "membership",
        "member": member,
        "role": role,
        "can_write": can_write,
    }


def ping(nonce) -> dict:
    return {"type": "ping", "nonce": nonce}


def status(state) -> dict:
    """Whether this process reaches the others: "reconnecting" or "live"."""
    return {"type": "status", "status": state}
