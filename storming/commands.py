"""Board commands: validate a command against the board and decide its event.

Pure functions: they read the board through a `BoardView` and return a
`Change` (the event to append) or raise `CommandError`. They never write; the
write path in `storming.services` appends and projects what they decide, so the
same rules hold over REST, the websocket and in tests without a database.
"""

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .errors import conflict, invalid, not_found
from .text import check_text
from .vocabulary import (
    DEFAULT_SIZE,
    EVENT_STYLES,
    MAX_CODE_NAME,
    MAX_COORDINATE,
    MAX_DESCRIPTION,
    MAX_FIELD_PART,
    MAX_FIELDS,
    MAX_SIZE,
    MAX_TEXT,
    MAX_TIMER_SECONDS,
    MIN_SIZE,
    Kind,
    Phase,
)

# Fields of a sticky that hold what people wrote or decided, as opposed to
# where it sits on the board.
CONTENT_FIELDS = (
    "kind",
    "text",
    "description",
    "fields",
    "width",
    "height",
    "pivotal",
    "event_style",
    "code_name",
)
# A stale `version` on any of these would overwrite someone's words.
TEXT_FIELDS = frozenset({"text", "description", "fields", "code_name"})
# Changes a user can take back with undo: the board's content, not its settings.
UNDOABLE_EVENTS = frozenset(
    {
        "sticky.created",
        "sticky.updated",
        "sticky.moved",
        "sticky.deleted",
        "link.created",
        "link.deleted",
        "vote.cast",
        "vote.retracted",
    }
)
# Every event name the write path appends (`storming.state.apply` folds them).
EVENT_NAMES = tuple(
    sorted(
        UNDOABLE_EVENTS
        | {
            "phase.changed",
            "timer.started",
            "timer.stopped",
            "board.locked",
            "board.unlocked",
            "voting.opened",
            "voting.revealed",
            "voting.closed",
            "lanes.changed",
        }
    )
)


def iso(moment: datetime) -> str:
    """One fixed format, so that timestamps sort and compare as strings."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Change:
    """The event a command decided on: what to append to the log."""

    name: str
    data: dict
    before: dict | None = None
    undo_of: int | None = None
    redo_of: int | None = None


@dataclass(frozen=True)
class LoggedEvent:
    seq: int
    name: str
    data: dict
    before: dict | None
    undo_of: int | None
    redo_of: int | None
    # The first seq of the group (a batch, a group undo, a restore) the event
    # belongs to; None for an event that is a change of its own.
    group: int | None = None

    @property
    def unit(self):
        """What one undo takes back: the event's group, or the event."""
        return self.seq if self.group is None else self.group


class BoardView(Protocol):
    """What deciding a command may read of a board (stickies etc. as dicts)."""

    def sticky(self, sticky_id: str) -> dict | None: ...
    def sticky_id_taken(self, sticky_id: str) -> bool: ...
    def link(self, link_id: str) -> dict | None: ...
    def link_id_taken(self, link_id: str) -> bool: ...
    def link_between(self, source: str, target: str) -> dict | None: ...
    def links_of(self, sticky_id: str) -> list[dict]: ...
    def has_vote(self, sticky_id: str, member: str) -> bool: ...
    def votes_of(self, sticky_id: str) -> list[dict]: ...
    def votes_by(self, member: str) -> list[dict]: ...
    def history(self, actor: str) -> list[LoggedEvent]: ...
    def unit(self, actor: str, key: int) -> list[LoggedEvent]: ...
    def applied(self, change: "Change") -> None: ...


@dataclass(frozen=True)
class Context:
    view: BoardView
    actor: str
    now: datetime
    settings: dict = field(default_factory=dict)


# -- input validation -------------------------------------------------------


def check_object(value, where, allowed, required=()):
    """`value` is a dict with only `allowed` keys and all `required` ones.

    Shared by command data and imported board documents, so both explain a
    bad shape the same way.
    """
    if not isinstance(value, dict):
        raise invalid(_("%(where)s must be an object"), where=where)
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise invalid(
            _("%(where)s has unknown key(s): %(keys)s"),
            where=where,
            keys=", ".join(unknown),
        )
    missing = [key for key in required if key not in value]
    if missing:
        raise invalid(
            _("%(where)s is missing the key(s): %(keys)s"),
            where=where,
            keys=", ".join(missing),
        )
    return value


def _payload(data, allowed, required=()):
    return check_object({} if data is None else data, "data", allowed, required)


def uuid_text(value, name):
    if not isinstance(value, str):
        raise invalid(_("%(name)s must be a UUID string"), name=name)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise invalid(_("%(name)s must be a UUID string"), name=name) from None


def finite_number(value, name, low=-MAX_COORDINATE, high=MAX_COORDINATE):
    # bool is an int in Python, but `true` is no coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(_("%(name)s must be a number"), name=name)
    try:
        value = float(value)
    except OverflowError:
        # A JSON integer with hundreds of digits is no float at all.
        raise invalid(_("%(name)s must be a finite number"), name=name) from None
    if not math.isfinite(value):
        raise invalid(_("%(name)s must be a finite number"), name=name)
    if not low <= value <= high:
        raise invalid(
            _("%(name)s must be between %(low)s and %(high)s"),
            name=name,
            low=f"{low:g}",
            high=f"{high:g}",
        )
    return value


def _text(value, name, limit):
    if not isinstance(value, str):
        raise invalid(_("%(name)s must be a string"), name=name)
    if len(value) > limit:
        raise invalid(
            _("%(name)s is %(length)s characters long; the limit is %(limit)s"),
            name=name,
            length=len(value),
            limit=limit,
        )
    return check_text(value, name)


def _kind(value):
    if value not in Kind.values:
        raise invalid(_("kind must be one of: %(kinds)s"), kinds=", ".join(Kind.values))
    return value


def _bool(value, name):
    if not isinstance(value, bool):
        raise invalid(_("%(name)s must be true or false"), name=name)
    return value


def _code_name(value):
    value = _text(value, "code_name", MAX_CODE_NAME).strip()
    if value and not value.isidentifier():
        raise invalid(_("code_name must be a valid identifier (letters, digits, _)"))
    return value


def _event_style(value):
    if value not in EVENT_STYLES:
        raise invalid(
            _("event_style must be one of: %(styles)s"), styles=", ".join(EVENT_STYLES)
        )
    return value


def _fields(value):
    """Accept ["name: type", ...] or [{"name": ..., "type": ...}, ...]."""
    if not isinstance(value, list):
        raise invalid(_("fields must be a list of 'name: type' entries"))
    if len(value) > MAX_FIELDS:
        raise invalid(_("at most %(count)s fields"), count=MAX_FIELDS)
    result = []
    for item in value:
        name: object
        type_: object
        if isinstance(item, str):
            name, _colon, type_ = item.partition(":")
        elif isinstance(item, dict) and set(item) <= {"name", "type"}:
            name, type_ = item.get("name"), item.get("type", "")
        else:
            raise invalid(_("each field must be 'name: type' or {name, type}"))
        if not isinstance(name, str) or not isinstance(type_, str):
            raise invalid(_("field names and types must be strings"))
        name, type_ = name.strip(), type_.strip()
        check_text(name, _("a field's name"), multiline=False)
        check_text(type_, _("a field's type"), multiline=False)
        if not name:
            raise invalid(_("a field needs a name"))
        if len(name) > MAX_FIELD_PART or len(type_) > MAX_FIELD_PART:
            raise invalid(
                _("field names and types are limited to %(limit)s"),
                limit=MAX_FIELD_PART,
            )
        result.append({"name": name, "type": type_})
    return result


def _size(value, name):
    return finite_number(value, name, MIN_SIZE, MAX_SIZE)


UPDATABLE = {
    "text": lambda v: _text(v, "text", MAX_TEXT),
    "description": lambda v: _text(v, "description", MAX_DESCRIPTION),
    "fields": _fields,
    "kind": _kind,
    "width": lambda v: _size(v, "width"),
    "height": lambda v: _size(v, "height"),
    "pivotal": lambda v: _bool(v, "pivotal"),
    "event_style": _event_style,
    "code_name": _code_name,
}


def _existing_sticky(ctx, sticky_id, name="id"):
    sticky = ctx.view.sticky(uuid_text(sticky_id, name))
    if sticky is None:
        raise not_found(_("no sticky %(id)s on this board"), id=sticky_id)
    return sticky


# -- decisions, one per command --------------------------------------------


def sticky_create(ctx, data):
    data = _payload(
        data,
        {"id", "x", "y", *UPDATABLE},
        required=("kind", "x", "y"),
    )
    kind = _kind(data["kind"])
    sticky_id = uuid_text(data["id"], "id") if "id" in data else str(uuid.uuid4())
    if ctx.view.sticky_id_taken(sticky_id):
        raise conflict(_("a sticky with id %(id)s already exists"), id=sticky_id)
    width, height = DEFAULT_SIZE[kind]
    values = {name: UPDATABLE[name](data[name]) for name in UPDATABLE if name in data}
    if values.get("pivotal") and kind != Kind.EVENT:
        raise invalid(_("only events can be pivotal"))
    if values.get("event_style", "state") != "state" and kind != Kind.EVENT:
        raise invalid(_("only events have an event_style"))
    now = iso(ctx.now)
    sticky = {
        "id": sticky_id,
        "kind": kind,
        "text": values.get("text", ""),
        "description": values.get("description", ""),
        "fields": values.get("fields", []),
        "x": finite_number(data["x"], "x"),
        "y": finite_number(data["y"], "y"),
        "width": values.get("width", float(width)),
        "height": values.get("height", float(height)),
        "pivotal": values.get("pivotal", False),
        "event_style": values.get("event_style", "state"),
        "code_name": values.get("code_name", ""),
        "version": 1,
        "author": ctx.actor,
        "created_at": now,
        "updated_at": now,
    }
    return Change("sticky.created", sticky)


def sticky_update(ctx, data):
    data = _payload(data, {"id", "version", *UPDATABLE}, required=("id",))
    sticky = _existing_sticky(ctx, data["id"])
    changes = {name: UPDATABLE[name](data[name]) for name in UPDATABLE if name in data}
    if not changes:
        raise invalid(
            _("nothing to update; give any of: %(fields)s"),
            fields=", ".join(UPDATABLE),
        )
    kind = changes.get("kind", sticky["kind"])
    if changes.get("pivotal") and kind != Kind.EVENT:
        raise invalid(_("only events can be pivotal"))
    if changes.get("event_style", "state") != "state" and kind != Kind.EVENT:
        raise invalid(_("only events have an event_style"))
    if kind != Kind.EVENT and sticky["pivotal"] and "pivotal" not in changes:
        changes["pivotal"] = False
    if (
        kind != Kind.EVENT
        and sticky.get("event_style", "state") != "state"
        and "event_style" not in changes
    ):
        changes["event_style"] = "state"
    if "version" in data:
        version = data["version"]
        if isinstance(version, bool) or not isinstance(version, int):
            raise invalid(_("version must be an integer"))
        if version != sticky["version"] and TEXT_FIELDS & set(changes):
            raise conflict(
                _("someone else changed this sticky first; here is its current text"),
                details={"sticky": sticky},
            )
    return _update(ctx, sticky, changes)


_DEFAULTS = {"event_style": "state"}


def _update(ctx, sticky, changes, **marks):
    data = {
        "id": sticky["id"],
        **changes,
        "version": sticky["version"] + 1,
        "updated_at": iso(ctx.now),
    }
    # Stickies logged before a content field existed hold its default.
    before = {name: sticky.get(name, _DEFAULTS.get(name)) for name in changes}
    return Change("sticky.updated", data, before, **marks)


def sticky_move(ctx, data):
    data = _payload(data, {"id", "x", "y", "version"}, required=("id", "x", "y"))
    sticky = _existing_sticky(ctx, data["id"])
    position = {"x": finite_number(data["x"], "x"), "y": finite_number(data["y"], "y")}
    return _move(ctx, sticky, position)


def _move(ctx, sticky, position, **marks):
    data = {
        "id": sticky["id"],
        **position,
        "version": sticky["version"] + 1,
        "updated_at": iso(ctx.now),
    }
    return Change("sticky.moved", data, {"x": sticky["x"], "y": sticky["y"]}, **marks)


def sticky_delete(ctx, data):
    data = _payload(data, {"id"}, required=("id",))
    return _delete(ctx, _existing_sticky(ctx, data["id"]))


def _delete(ctx, sticky, **marks):
    links = ctx.view.links_of(sticky["id"])
    # Links and votes go with the sticky; `before` keeps them for undo.
    data = {"id": sticky["id"], "links": sorted(link["id"] for link in links)}
    before = {
        "sticky": sticky,
        "links": links,
        "votes": ctx.view.votes_of(sticky["id"]),
    }
    return Change("sticky.deleted", data, before, **marks)


def link_create(ctx, data):
    data = _payload(data, {"id", "from", "to"}, required=("from", "to"))
    source = _existing_sticky(ctx, data["from"], "from")
    target = _existing_sticky(ctx, data["to"], "to")
    if source["id"] == target["id"]:
        raise invalid(_("a sticky cannot link to itself"))
    link_id = uuid_text(data["id"], "id") if "id" in data else str(uuid.uuid4())
    if ctx.view.link_id_taken(link_id):
        raise conflict(_("a link with id %(id)s already exists"), id=link_id)
    if ctx.view.link_between(source["id"], target["id"]) is not None:
        raise conflict(_("these stickies are already linked"))
    link = {
        "id": link_id,
        "from": source["id"],
        "to": target["id"],
        "author": ctx.actor,
        "created_at": iso(ctx.now),
    }
    return Change("link.created", link)


def link_delete(ctx, data):
    data = _payload(data, {"id"}, required=("id",))
    link = ctx.view.link(uuid_text(data["id"], "id"))
    if link is None:
        raise not_found(_("no link %(id)s on this board"), id=data["id"])
    return Change("link.deleted", {"id": link["id"]}, link)


def vote_cast(ctx, data):
    data = _payload(data, {"id"}, required=("id",))
    sticky = _existing_sticky(ctx, data["id"])
    if ctx.view.has_vote(sticky["id"], ctx.actor):
        raise conflict(_("you have already voted for this sticky"))
    voting = ctx.settings.get("voting")
    if voting:
        _check_ballot(ctx, voting, sticky)
    vote = {"sticky": sticky["id"], "member": ctx.actor, "created_at": iso(ctx.now)}
    return Change("vote.cast", vote)


def vote_retract(ctx, data):
    data = _payload(data, {"id"}, required=("id",))
    sticky = _existing_sticky(ctx, data["id"])
    votes = [v for v in ctx.view.votes_of(sticky["id"]) if v["member"] == ctx.actor]
    if not votes:
        raise not_found(_("you have not voted for this sticky"))
    voting = ctx.settings.get("voting")
    if voting and voting.get("revealed"):
        raise conflict(_("the votes are counted: the vote is over"))
    return Change(
        "vote.retracted", {"sticky": sticky["id"], "member": ctx.actor}, votes[0]
    )


def _kind_names_now(kinds):
    return ", ".join(str(Kind(kind).label).lower() for kind in kinds)


# The kinds' names in the language the refusal is read in.
_kind_names = lazy(_kind_names_now, str)


def _check_ballot(ctx, voting, sticky):
    """During a dot vote: only on the kinds put to the vote, and at most the
    votes each person has (those cast since the vote opened count)."""
    if voting.get("revealed"):
        raise conflict(_("the votes are counted: the vote is over"))
    if sticky["kind"] not in voting["kinds"]:
        kinds = _kind_names(tuple(voting["kinds"]))
        raise invalid(_("this vote is on %(kinds)s only"), kinds=kinds)
    cast = [
        v
        for v in ctx.view.votes_by(ctx.actor)
        if v["created_at"] >= voting["started_at"]
    ]
    if len(cast) >= voting["votes"]:
        raise conflict(_("you have used your %(votes)s votes"), votes=voting["votes"])


MAX_VOTES_EACH = 20


def vote_open(ctx, data):
    """The facilitator opens a dot vote: `votes` each, on the `kinds` given;
    the votes stay hidden on screen until `vote.reveal`."""
    data = _payload(data, {"votes", "kinds"}, required=("votes", "kinds"))
    if ctx.settings.get("voting"):
        raise conflict(_("a vote is open already: close it first"))
    votes = data["votes"]
    if isinstance(votes, bool) or not isinstance(votes, int):
        raise invalid(_("votes must be a whole number"))
    if not 1 <= votes <= MAX_VOTES_EACH:
        raise invalid(_("votes must be between 1 and %(most)s"), most=MAX_VOTES_EACH)
    kinds = data["kinds"]
    if not isinstance(kinds, list) or not kinds:
        raise invalid(_("kinds must be a non-empty list of sticky kinds"))
    for kind in kinds:
        _kind(kind)
    started = {
        "id": str(uuid.uuid4()),
        "votes": votes,
        "kinds": sorted(set(kinds)),
        "started_at": iso(ctx.now),
    }
    return Change("voting.opened", started, {"voting": None})


def vote_reveal(ctx, data):
    _payload(data, set())
    voting = ctx.settings.get("voting")
    if not voting:
        raise not_found(_("no vote is open"))
    if voting.get("revealed"):
        raise conflict(_("the votes are shown already"))
    return Change("voting.revealed", {"id": voting["id"]}, {"voting": voting})


def vote_close(ctx, data):
    _payload(data, set())
    voting = ctx.settings.get("voting")
    if not voting:
        raise not_found(_("no vote is open"))
    return Change("voting.closed", {"id": voting["id"]}, {"voting": voting})


MAX_LANES = 30
MAX_LANE_NAME = 80


def lanes_set(ctx, data):
    """The timeline's swimlanes, all at once: [{id?, name, y, height}], each a
    horizontal band (board units) that events of one flow sit in."""
    data = _payload(data, {"lanes"}, required=("lanes",))
    lanes = data["lanes"]
    if not isinstance(lanes, list) or len(lanes) > MAX_LANES:
        raise invalid(
            _("lanes must be a list of at most %(most)s lanes"), most=MAX_LANES
        )
    clean = []
    for index, lane in enumerate(lanes):
        where = f"lanes[{index}]"
        check_object(lane, where, {"id", "name", "y", "height"}, ("y", "height"))
        new_id = str(uuid.uuid4())
        clean.append(
            {
                "id": uuid_text(lane["id"], f"{where}.id") if "id" in lane else new_id,
                "name": _text(lane.get("name", ""), f"{where}.name", MAX_LANE_NAME),
                "y": finite_number(lane["y"], f"{where}.y"),
                "height": _size(lane["height"], f"{where}.height"),
            }
        )
    if len({lane["id"] for lane in clean}) != len(clean):
        raise invalid(_("two lanes have the same id"))
    clean.sort(key=lambda lane: lane["y"])
    return Change(
        "lanes.changed", {"lanes": clean}, {"lanes": ctx.settings.get("lanes", [])}
    )


def vote_import(ctx, data):
    """A vote an import carries over, cast by a voter who is not on this board.

    Like the votes a member left behind on leaving: it counts, but no one
    here can retract it but by undo. Only the server issues it (see
    `SERVER_DECIDERS`): a client naming the voter could stuff the ballot.
    """
    data = _payload(data, {"id", "member"}, required=("id", "member"))
    sticky = _existing_sticky(ctx, data["id"])
    member = uuid_text(data["member"], "member")
    if ctx.view.has_vote(sticky["id"], member):
        raise conflict(_("this voter has already voted for this sticky"))
    vote = {"sticky": sticky["id"], "member": member, "created_at": iso(ctx.now)}
    return Change("vote.cast", vote)


def phase_set(ctx, data):
    data = _payload(data, {"phase"}, required=("phase",))
    if data["phase"] not in Phase.values:
        raise invalid(
            _("phase must be one of: %(phases)s"), phases=", ".join(Phase.values)
        )
    return Change(
        "phase.changed", {"phase": data["phase"]}, {"phase": ctx.settings.get("phase")}
    )


def timer_start(ctx, data):
    data = _payload(data, {"seconds"}, required=("seconds",))
    seconds = data["seconds"]
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise invalid(_("seconds must be a whole number"))
    if not 1 <= seconds <= MAX_TIMER_SECONDS:
        raise invalid(
            _("seconds must be between 1 and %(most)s"), most=MAX_TIMER_SECONDS
        )
    ends_at = iso(ctx.now + timedelta(seconds=seconds))
    return Change("timer.started", {"seconds": seconds, "ends_at": ends_at})


def timer_stop(ctx, data):
    _payload(data, set())
    return Change("timer.stopped", {})


def board_lock(ctx, data):
    _payload(data, set())
    return Change("board.locked", {})


def board_unlock(ctx, data):
    _payload(data, set())
    return Change("board.unlocked", {})


# -- undo and redo ------------------------------------------------------------


def stacks(history):
    """The actor's undo and redo stacks, from their own events in order.

    An entry is a unit: one event, or the group of events one action made (a
    batch, a group undo, a restore), named by its first seq. Undo pops the
    newest own change; redo takes back the newest undo, and any fresh change
    clears the redo stack, as in every editor.
    """
    undo: list[int] = []
    redo: list[int] = []
    seen = None
    for event in history:
        if event.unit == seen:
            continue  # the rest of a unit already counted
        seen = event.unit
        if event.undo_of is not None:
            if undo and undo[-1] == event.undo_of:
                undo.pop()
            redo.append(event.unit)
        elif event.redo_of is not None:
            if redo and redo[-1] == event.redo_of:
                redo.pop()
            undo.append(event.unit)
        else:
            undo.append(event.unit)
            redo.clear()
    return undo, redo


def undo(ctx, data):
    _payload(data, set())
    undo_stack, _redo_stack = stacks(ctx.view.history(ctx.actor))
    if not undo_stack:
        raise not_found(_("nothing to undo"))
    return _invert_unit(ctx, undo_stack[-1], undo_of=undo_stack[-1])


def redo(ctx, data):
    _payload(data, set())
    _undo_stack, redo_stack = stacks(ctx.view.history(ctx.actor))
    if not redo_stack:
        raise not_found(_("nothing to redo"))
    # Redoing is undoing the undo.
    return _invert_unit(ctx, redo_stack[-1], redo_of=redo_stack[-1])


def _invert_unit(ctx, key, **marks):
    """The changes that take back unit `key`, newest event first, each decided
    against the board as the ones before it leave it. One conflict refuses
    them all: a group is undone whole or not at all."""
    events = ctx.view.unit(ctx.actor, key)
    changes = []
    for event in reversed(events):
        change = invert(ctx, event, **marks)
        ctx.view.applied(change)
        changes.append(change)
    return changes


def _still(ctx, current, expected, fields):
    """Refuse to invert a change that someone has since built upon."""
    if current is None:
        raise conflict(_("that sticky has been deleted since"))
    if any(current[name] != expected[name] for name in fields):
        raise conflict(
            _("someone changed this since; undo would overwrite their work"),
            details={"sticky": current},
        )


def _invert_sticky_created(ctx, event, marks):
    current = ctx.view.sticky(event.data["id"])
    _still(ctx, current, event.data, CONTENT_FIELDS)
    return _delete(ctx, current, **marks)


def _invert_sticky_deleted(ctx, event, marks):
    view, before = ctx.view, event.before
    sticky = before["sticky"]
    if view.sticky_id_taken(sticky["id"]):
        raise conflict(_("that sticky exists again"))
    restored = dict(sticky, version=sticky["version"] + 1, updated_at=iso(ctx.now))
    # Bring back the links whose other end is still there.
    restored["links"] = [
        link
        for link in before["links"]
        if not view.link_id_taken(link["id"])
        and view.sticky(link["to"] if link["from"] == sticky["id"] else link["from"])
    ]
    restored["votes"] = before["votes"]
    return Change("sticky.created", restored, None, **marks)


def _invert_sticky_updated(ctx, event, marks):
    current = ctx.view.sticky(event.data["id"])
    _still(ctx, current, event.data, event.before)
    return _update(ctx, current, dict(event.before), **marks)


def _invert_sticky_moved(ctx, event, marks):
    current = ctx.view.sticky(event.data["id"])
    _still(ctx, current, event.data, ("x", "y"))
    return _move(ctx, current, dict(event.before), **marks)


def _invert_link_created(ctx, event, marks):
    link = ctx.view.link(event.data["id"])
    if link is None:
        raise conflict(_("that link has been deleted since"))
    return Change("link.deleted", {"id": link["id"]}, link, **marks)


def _invert_link_deleted(ctx, event, marks):
    view, link = ctx.view, event.before
    ends = (view.sticky(link["from"]), view.sticky(link["to"]))
    if None in ends or view.link_id_taken(link["id"]):
        raise conflict(_("that link cannot come back: a sticky it joined is gone"))
    if view.link_between(link["from"], link["to"]) is not None:
        raise conflict(_("these stickies are linked again already"))
    return Change("link.created", link, None, **marks)


def _invert_vote_cast(ctx, event, marks):
    data = event.data
    if not ctx.view.has_vote(data["sticky"], data["member"]):
        raise conflict(_("that vote has been retracted since"))
    return Change("vote.retracted", _vote_key(data), data, **marks)


def _invert_vote_retracted(ctx, event, marks):
    data = event.data
    if ctx.view.sticky(data["sticky"]) is None:
        raise conflict(_("that sticky has been deleted since"))
    if ctx.view.has_vote(data["sticky"], data["member"]):
        raise conflict(_("that vote is there already"))
    return Change("vote.cast", dict(event.before), None, **marks)


# How to take back each undoable event, given the board as it is now: exactly
# the UNDOABLE_EVENTS (tests/storming/test_dispatch.py).
INVERTERS = {
    "sticky.created": _invert_sticky_created,
    "sticky.deleted": _invert_sticky_deleted,
    "sticky.updated": _invert_sticky_updated,
    "sticky.moved": _invert_sticky_moved,
    "link.created": _invert_link_created,
    "link.deleted": _invert_link_deleted,
    "vote.cast": _invert_vote_cast,
    "vote.retracted": _invert_vote_retracted,
}


def invert(ctx, event, **marks):
    """The change that takes `event` back, given the board as it is now."""
    inverter = INVERTERS.get(event.name)
    if inverter is None:
        raise AssertionError(f"{event.name} is not undoable")
    return inverter(ctx, event, marks)


def _vote_key(vote):
    return {"sticky": vote["sticky"], "member": vote["member"]}


# -- restoring an earlier state ----------------------------------------------------


def restore(ctx, target):
    """The changes that bring the board's content (stickies, links, votes)
    back to `target` (a `state.fold` form), each decided against the board as
    the ones before it leave it: links that must go, then stickies, stickies
    that come back or change, then links and votes, and the swimlanes those
    stickies sat in. Settings (phase, lock, timer, a vote) stay as they are:
    a restore is about what the workshop said."""
    changes = []

    def add(change):
        ctx.view.applied(change)
        changes.append(change)

    for step in (_restore_removals, _restore_stickies, _restore_links_and_votes):
        step(ctx, target, add)
    now_lanes = ctx.view.state["board"].get("lanes", [])
    lanes = target["board"].get("lanes", [])
    if lanes != now_lanes:
        add(Change("lanes.changed", {"lanes": lanes}, {"lanes": now_lanes}))
    return changes


def _restore_removals(ctx, target, add):
    """Links, then stickies, that the target has not."""
    view, wanted_stickies = ctx.view, target["stickies"]
    for link_id, link in sorted(view.state["links"].items()):
        # Links of a sticky that goes go with it (`sticky.deleted`).
        kept_ends = link["from"] in wanted_stickies and link["to"] in wanted_stickies
        if link_id not in target["links"] and kept_ends:
            add(Change("link.deleted", {"id": link_id}, dict(link)))
    for sticky_id in sorted(view.state["stickies"]):
        if sticky_id not in wanted_stickies:
            add(_delete(ctx, view.sticky(sticky_id)))


def _restore_stickies(ctx, target, add):
    """Stickies that come back, or change back: words, then place."""
    view = ctx.view
    for sticky_id, sticky in sorted(target["stickies"].items()):
        current = view.sticky(sticky_id)
        if current is None:
            restored = dict(sticky, updated_at=iso(ctx.now))
            restored.setdefault("event_style", "state")
            add(Change("sticky.created", restored))
            continue
        changed = {
            name: sticky.get(name, _DEFAULTS.get(name))
            for name in CONTENT_FIELDS
            if current.get(name, _DEFAULTS.get(name))
            != sticky.get(name, _DEFAULTS.get(name))
        }
        if changed:
            add(_update(ctx, current, changed))
            current = view.sticky(sticky_id)
        if (current["x"], current["y"]) != (sticky["x"], sticky["y"]):
            add(_move(ctx, current, {"x": sticky["x"], "y": sticky["y"]}))


def _restore_links_and_votes(ctx, target, add):
    view = ctx.view
    for link_id, link in sorted(target["links"].items()):
        if not view.link_id_taken(link_id):
            add(Change("link.created", dict(link)))
    wanted_votes = target["votes"]
    for key, vote in sorted(view.state["votes"].items()):
        if key not in wanted_votes:
            add(Change("vote.retracted", _vote_key(vote), dict(vote)))
    for key, vote in sorted(wanted_votes.items()):
        if key not in view.state["votes"]:
            add(Change("vote.cast", dict(vote)))


DECIDERS = {
    "sticky.create": sticky_create,
    "sticky.update": sticky_update,
    "sticky.move": sticky_move,
    "sticky.delete": sticky_delete,
    "link.create": link_create,
    "link.delete": link_delete,
    "phase.set": phase_set,
    "vote.cast": vote_cast,
    "vote.retract": vote_retract,
    "vote.open": vote_open,
    "vote.reveal": vote_reveal,
    "vote.close": vote_close,
    "lanes.set": lanes_set,
    "timer.start": timer_start,
    "timer.stop": timer_stop,
    "board.lock": board_lock,
    "board.unlock": board_unlock,
    "undo": undo,
    "redo": redo,
}
# Commands the write path runs as one group of changes (storming.services):
# `batch` (many commands, all or nothing) and `board.restore` (the board's
# content as it was at a seq). Undo and redo, too, may take back a group.
GROUP_COMMANDS = ("batch", "board.restore")
COMMAND_NAMES = (*DECIDERS, *GROUP_COMMANDS)
# Commands the server issues itself (an import), never taken from a client.
SERVER_DECIDERS = {"vote.import": vote_import}


def decide(ctx, name, data, *, server=False):
    """The change command `name` makes; `server` admits `SERVER_DECIDERS` too."""
    deciders = {**DECIDERS, **SERVER_DECIDERS} if server else DECIDERS
    try:
        decider = deciders[name]
    except (KeyError, TypeError):
        raise invalid(
            _("unknown command %(name)s; known: %(known)s"),
            name=repr(name),
            known=", ".join(COMMAND_NAMES),
        ) from None
    return decider(ctx, data)
