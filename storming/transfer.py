"""A whole board as one JSON document: export it, import it as a new board.

The document (format ``event-storming-board``, version 1)::

    {
      "format": "event-storming-board",
      "version": 1,
      "exported_at": "2025-01-31T12:00:00.000000Z",
      "board": {"id": "...", "seq": 42, "name": "...", "description": "...",
                "phase": "bound", "locked": false, "language": "en"},
      "stickies": [{"id": "...", "kind": "event", "text": "Order Placed",
                    "description": "", "fields": [{"name": "order_id",
                    "type": "uuid"}], "x": 0.0, "y": 0.0, "width": 160.0,
                    "height": 160.0, "pivotal": false, "event_style": "state",
                    "code_name": ""}, ...],
      "links": [{"id": "...", "from": "<sticky id>", "to": "<sticky id>"}, ...],
      "votes": [{"sticky": "<sticky id>", "voter": "voter-1"}, ...]
    }

What it keeps and why:

- The workshop's content: every sticky with all it says (kind, text,
  description, fields, pivotal, event style, code name) and where it sits (x, y, width,
  height), every link, the phase and the lock. Stickies and links are listed
  in the order they were created, and an import creates them in list order:
  derivation gives a clashing identifier to the sticky created first, so
  collisions resolve the same way on the new board.
- Ids in the document only tie links and votes to stickies. An import gives
  every sticky and link a fresh UUID, but hands them out in the sort order of
  the document's ids, so that whatever the old board broke by id (frames of
  equal size, events at the same spot) breaks the same way on the new one.
- Votes, pseudonymously. Dot votes count in the model (a hot spot's votes),
  but they belong to members, and members do not travel: the document says
  only that "voter-2" voted for two stickies. An import casts them as votes
  of fresh voter ids who are not members of the new board, exactly like the
  votes a member leaves behind on leaving (`commands.vote_import`).
- Not kept: members, authors, timestamps, versions, the log and its undo
  history, the invite link and a running timer. They describe the session
  and its people, not the workshop's result. Whoever imports becomes the new
  board's facilitator and the author of its log.

An import goes through the board's write path as one batch
(`services.execute_many`): the same commands and rules as any client's, so
the new board's log tells how it came about, in one transaction, so a bad
document leaves nothing behind.
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .commands import check_object, iso
from .errors import CommandError, invalid
from .models import Board, Member
from .projector import load_snapshot
from .vocabulary import Kind, Phase

FORMAT = "event-storming-board"
VERSION = 1
# Far beyond a real workshop; an import is thousands of commands already.
MAX_STICKIES = 10_000
MAX_LINKS = 20_000
MAX_VOTES = 50_000
MAX_ID = 100

TOP_KEYS = frozenset(
    {"format", "version", "exported_at", "board", "stickies", "links", "votes"}
)
BOARD_KEYS = frozenset(
    {"id", "seq", "name", "description", "phase", "locked", "language"}
)
STICKY_KEYS = (
    "id",
    "kind",
    "text",
    "description",
    "fields",
    "x",
    "y",
    "width",
    "height",
    "pivotal",
    "event_style",
    "code_name",
)
LINK_KEYS = frozenset({"id", "from", "to"})
VOTE_KEYS = frozenset({"sticky", "voter"})


# -- export --------------------------------------------------------------------


def export_board(board: Board) -> dict:
    """The board's content as a versioned, JSON-ready document."""
    with transaction.atomic():
        # The row lock keeps writers out while the board is read.
        board = Board.objects.select_for_update().get(pk=board.pk)
        state = load_snapshot(board)
    # Voters in the order of their first vote; the document names no one.
    votes = sorted(
        state["votes"], key=lambda v: (v["created_at"], v["member"], v["sticky"])
    )
    voters = {}
    for vote in votes:
        voters.setdefault(vote["member"], f"voter-{len(voters) + 1}")
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso(timezone.now()),
        "board": {
            "id": str(board.pk),
            "seq": board.head_seq,
            "name": board.name,
            "description": board.description,
            "language": board.language,
            "phase": state["board"]["phase"],
            "locked": state["board"]["locked"],
        },
        # The snapshot lists both in creation order.
        "stickies": [
            {key: sticky[key] for key in STICKY_KEYS} for sticky in state["stickies"]
        ],
        "links": [
            {"id": link["id"], "from": link["from"], "to": link["to"]}
            for link in state["links"]
        ],
        "votes": [
            {"sticky": vote["sticky"], "voter": voters[vote["member"]]}
            for vote in votes
        ],
    }


# -- checking a document -------------------------------------------------------


def _list(document, key, limit, what):
    value = document.get(key, [])
    if not isinstance(value, list):
        raise invalid(_("%(key)s must be a list"), key=key)
    if len(value) > limit:
        raise invalid(
            _("the document has %(count)s %(what)s; an import takes at most %(most)s"),
            count=f"{len(value):,}",
            what=what,
            most=f"{limit:,}",
        )
    return value


def _key(value, where):
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID:
        raise invalid(
            _("%(where)s must be a string of 1 to %(most)s characters"),
            where=where,
            most=MAX_ID,
        )
    return value


def _unique_ids(items, what):
    """Document id -> position; every id given once."""
    seen = {}
    for i, item in enumerate(items):
        if "id" not in item:
            continue
        key = _key(item["id"], f"{what}[{i}].id")
        if key in seen:
            raise invalid(
                _("%(where)s: %(key)s is the id of %(other)s too"),
                where=f"{what}[{i}].id",
                key=repr(key),
                other=f"{what}[{seen[key]}]",
            )
        seen[key] = i
    return seen


def _reference(value, where, stickies):
    if not isinstance(value, str) or value not in stickies:
        raise invalid(
            _("%(where)s: no sticky with the id %(id)s in the document"),
            where=where,
            id=repr(value),
        )
    return value


def check_document(document, name=None) -> dict:
    """The document's parts, checked; raise `CommandError('invalid')` if not.

    Checks the shape and every reference. What each sticky says (lengths,
    coordinates, fields) the write path checks as it creates it, with the
    same rules and messages as for any command.
    """
    _check_format(document)
    check_object(document, _("the document"), TOP_KEYS, required=("board", "stickies"))
    board = _check_board(document["board"], name)
    stickies = _list(document, "stickies", MAX_STICKIES, _("stickies"))
    for i, sticky in enumerate(stickies):
        check_object(sticky, f"stickies[{i}]", STICKY_KEYS, ("id", "kind", "x", "y"))
        if sticky["kind"] not in Kind.values:
            raise invalid(
                _("%(where)s must be one of: %(values)s"),
                where=f"stickies[{i}].kind",
                values=", ".join(Kind.values),
            )
    sticky_ids = _unique_ids(stickies, "stickies")
    links = _list(document, "links", MAX_LINKS, _("links"))
    for i, link in enumerate(links):
        check_object(link, f"links[{i}]", LINK_KEYS, ("from", "to"))
        _reference(link["from"], f"links[{i}].from", sticky_ids)
        _reference(link["to"], f"links[{i}].to", sticky_ids)
    _unique_ids(links, "links")
    return {
        **board,
        "name": board["name"] if name is None else name,
        "stickies": stickies,
        "links": links,
        "votes": _check_votes(document, sticky_ids),
    }


def _check_format(document):
    if not isinstance(document, dict):
        raise invalid(_("the document must be a JSON object"))
    if document.get("format") != FORMAT:
        raise invalid(
            _("not a board export: format must be %(format)s, not %(given)s"),
            format=repr(FORMAT),
            given=repr(document.get("format")),
        )
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise invalid(
            _(
                "version %(version)s of %(format)s is not supported; this server "
                "reads version %(supported)s"
            ),
            version=repr(version),
            format=FORMAT,
            supported=VERSION,
        )


def _check_board(value, name):
    """The board's own settings, checked: name, description, phase, lock,
    language."""
    board = check_object(value, "board", BOARD_KEYS)
    if name is None and "name" not in board:
        raise invalid(
            _("board is missing the key(s): name (or give a name to import as)")
        )
    phase = board.get("phase", Phase.FIND)
    if phase not in Phase.values:
        raise invalid(
            _("board.phase must be one of: %(phases)s"), phases=", ".join(Phase.values)
        )
    locked = board.get("locked", False)
    if not isinstance(locked, bool):
        raise invalid(_("board.locked must be true or false"))
    languages = [code for code, _ in settings.LANGUAGES]
    language = board.get("language", settings.LANGUAGE_CODE)
    if language not in languages:
        raise invalid(
            _("board.language must be one of: %(codes)s"), codes=", ".join(languages)
        )
    return {
        "name": board.get("name"),
        "description": board.get("description", ""),
        "phase": phase,
        "locked": locked,
        "language": language,
    }


def _check_votes(document, sticky_ids):
    votes = _list(document, "votes", MAX_VOTES, _("votes"))
    ballots = set()
    for i, vote in enumerate(votes):
        check_object(vote, f"votes[{i}]", VOTE_KEYS, ("sticky", "voter"))
        _reference(vote["sticky"], f"votes[{i}].sticky", sticky_ids)
        ballot = (vote["sticky"], _key(vote["voter"], f"votes[{i}].voter"))
        if ballot in ballots:
            raise invalid(
                _("%(where)s: %(voter)s votes for %(sticky)s twice"),
                where=f"votes[{i}]",
                voter=ballot[1],
                sticky=ballot[0],
            )
        ballots.add(ballot)
    return votes


# -- import --------------------------------------------------------------------


def _fresh_ids(keys):
    """A new UUID for each key, handed out so that both sort the same way."""
    keys = sorted(set(keys))
    fresh = sorted(str(uuid.uuid4()) for _key in keys)
    return dict(zip(keys, fresh, strict=True))


def _text_field(value, where):
    # Board name and description are checked by `create_board`; say where.
    if value is not None and not isinstance(value, str):
        raise invalid(_("%(where)s must be a string"), where=where)
    return value


def _commands(plan):
    """The document's content as (where, name, data) commands of the new board."""
    stickies, links, votes = plan["stickies"], plan["links"], plan["votes"]
    sticky_ids = _fresh_ids(sticky["id"] for sticky in stickies)
    link_ids = _fresh_ids(link["id"] for link in links if "id" in link)
    voter_ids = _fresh_ids(vote["voter"] for vote in votes)
    for i, sticky in enumerate(stickies):
        data = {**sticky, "id": sticky_ids[sticky["id"]]}
        yield f"stickies[{i}] (id {sticky['id']!r})", "sticky.create", data
    for i, link in enumerate(links):
        data = {"from": sticky_ids[link["from"]], "to": sticky_ids[link["to"]]}
        if "id" in link:
            data["id"] = link_ids[link["id"]]
        yield f"links[{i}]", "link.create", data
    for i, vote in enumerate(votes):
        data = {"id": sticky_ids[vote["sticky"]], "member": voter_ids[vote["voter"]]}
        yield f"votes[{i}]", "vote.import", data
    if plan["phase"] != Phase.FIND:
        yield "board.phase", "phase.set", {"phase": plan["phase"]}
    if plan["locked"]:
        yield "board.locked", "board.lock", None


def import_board(document, user, name=None) -> Board:
    """Create a new board of `user` with the document's content.

    `name` replaces the board name the document gives. Raises
    `CommandError('invalid')` naming what is wrong; then nothing is created.
    """
    plan = check_document(document, name)
    commands = list(_commands(plan))
    with transaction.atomic():
        try:
            board = services.create_board(
                user,
                _text_field(plan["name"], "board.name"),
                _text_field(plan["description"], "board.description"),
                language=plan["language"],
            )
        except CommandError as error:
            raise invalid(
                _("%(where)s: %(reason)s"), where="board", reason=error.message
            ) from None
        member = Member.objects.get(board=board, user=user)
        try:
            services.execute_many(
                board.pk,
                member,
                [(name, data) for _where, name, data in commands],
                server=True,
            )
        except CommandError as error:
            # Whatever the write path refuses is a fault of the document.
            index = (error.details or {}).get("index")
            where = commands[index][0] if index is not None else _("the document")
            raise invalid(
                _("%(where)s: %(reason)s"), where=where, reason=error.message
            ) from None
    board.refresh_from_db()
    return board


__all__ = ["FORMAT", "VERSION", "check_document", "export_board", "import_board"]
