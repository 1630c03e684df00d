"""Everything that changes a board, and the single write path of its log
(reading it back is `board_log`'s).

`execute` is the board's write path: it locks the board, checks access, lets
`storming.commands` decide the event, appends it with the next seq, projects
it, and broadcasts it once the transaction has committed. REST views and the
websocket consumer call it; nothing else writes board content.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import access, broadcast, protocol, ratelimit, state, state_cache
from .board_log import event_message, state_at
from .commands import Context, check_object, decide, restore
from .errors import CommandError, conflict, forbidden, invalid, not_found
from .models import Board, BoardEvent, Link, Member, Sticky, new_invite_token
from .projector import (
    DatabaseView,
    board_settings,
    insert_events,
    load_snapshot,
    project_boards,
    replace_projection,
    update_heads,
)
from .text import check_text
from .vocabulary import MAX_BATCH, MAX_COMMAND_ID, MAX_DESCRIPTION, Role

# Commands a batch cannot hold: each is a group of its own.
UNBATCHED = frozenset({"undo", "redo", "batch", "board.restore"})
# Commands decided in memory, as a group of changes: see `_execute_group`.
GROUPED = frozenset({"undo", "redo", "batch", "board.restore"})

log = logging.getLogger(__name__)

# Writers of one board queue on its row lock; these retries only cover the
# rare races the lock cannot (SQLite busy timeouts, a lost unique-key race).
APPEND_ATTEMPTS = 5


@dataclass(frozen=True)
class Applied:
    """The outcome of a command: its event (the last, for a group) as sent to
    clients, and all its events."""

    event: dict
    # True when the command id had been applied before: nothing new was written.
    replayed: bool = False
    events: tuple = ()

    @property
    def seq(self):
        return self.event["seq"]

    @property
    def first(self):
        return self.events[0]["seq"] if self.events else self.seq

    def ack(self, op_id):
        """The protocol's `ack`: a group's events have consecutive seqs,
        `first` to `seq`."""
        first = self.first if len(self.events) > 1 else None
        return protocol.ack(op_id, self.seq, first, self.replayed)


def _check_command_id(command_id):
    if command_id is None:
        return None
    if not isinstance(command_id, str) or not 0 < len(command_id) <= MAX_COMMAND_ID:
        raise invalid(
            _("a command id must be a string of 1 to %(most)s characters"),
            most=MAX_COMMAND_ID,
        )
    return command_id


def _lock_board(board_id):
    try:
        return Board.objects.select_for_update().get(pk=board_id)
    except (Board.DoesNotExist, ValueError):
        raise not_found(_("no such board")) from None


def execute(
    board_id, member: Member, name, data=None, command_id=None, *, server=False
) -> Applied:
    """Run one board command for `member`; raise `CommandError` if refused.

    `server` also admits the commands only the server issues
    (`commands.SERVER_DECIDERS`, such as the votes an import carries over);
    never set it for a command that came from a client.
    """
    command_id = _check_command_id(command_id)
    return _in_transaction(_execute, board_id, member, name, data, command_id, server)


def _in_transaction(write, *args):
    """`write(*args)` in a transaction, tried again a few times on the rare
    races the board's lock cannot cover (SQLite busy timeouts, a lost
    unique-key race)."""
    for attempt in range(APPEND_ATTEMPTS):
        try:
            with transaction.atomic():
                return write(*args)
        except (IntegrityError, OperationalError) as error:
            if attempt == APPEND_ATTEMPTS - 1:
                raise
            log.info("retrying a board write after %s", error)
            time.sleep(0.005 * 2**attempt)
    raise AssertionError("unreachable")


def _execute(board_id, member, name, data, command_id, server=False):
    board = _lock_board(board_id)
    if command_id is not None:
        earlier = board.events.filter(command_id=command_id).first()
        if earlier is not None:
            if earlier.actor != member.pk:
                raise conflict(_("this command id was used by someone else"))
            return _replay(board, earlier)
    # The role as it is now, not as it was when the socket connected.
    member = board.members.filter(pk=member.pk).first()
    if member is None:
        raise forbidden(_("you are no longer a member of this board"))
    access.check_command(member, board, name)
    if name in GROUPED:
        return _execute_group(board, member, name, data, command_id)
    now = timezone.now()
    ctx = Context(DatabaseView(board), str(member.pk), now, board_settings(board))
    change = decide(ctx, name, data, server=server)
    # A state kept in memory goes on with the change (not read again later).
    current = state_cache.take(board.pk, board.head_seq)
    applied = _append(board, member, [change], [now], command_id)[0]
    if current is not None:
        state.apply(current, change.name, change.data)
        _keep_state(board, current)
    return applied


def _replay(board, earlier):
    """A command sent again: what it did the first time, nothing new."""
    if earlier.group is None:
        return Applied(event_message(earlier), replayed=True)
    group = board.events.filter(group=earlier.group).order_by("seq")
    messages = tuple(event_message(event) for event in group)
    return Applied(messages[-1], replayed=True, events=messages)


def _execute_group(board, member, name, data, command_id):
    """Decide a group of changes in memory, against the board as the changes
    before each leave it, then append them as one group: all or nothing."""
    current = _current_state(board)
    view = _BatchView(current, history=DatabaseView(board))
    actor = str(member.pk)
    if name == "batch":
        changes, moments = _decide_many(
            board, member, view, current, batch_commands(data)
        )
    else:
        now = timezone.now()
        ctx = Context(view, actor, now, dict(current["board"]))
        if name == "board.restore":
            changes = restore(ctx, _restore_target(board, data))
            if not changes:
                raise invalid(_("nothing to restore: the board is as it was then"))
        else:
            # Undo and redo take their changes into the view as they decide.
            changes = decide(ctx, name, data)
        moments = [now] * len(changes)
    _check_ids_elsewhere(board, changes)
    applied = _append(board, member, changes, moments, command_id, grouped=True)
    _keep_state(board, current)
    messages = tuple(a.event for a in applied)
    return Applied(messages[-1], events=messages)


def batch_commands(data):
    """The (name, data) pairs of a `batch` command's data."""
    check_object(data, "data", {"commands"}, ("commands",))
    commands = data["commands"]
    if not isinstance(commands, list) or not commands:
        raise invalid(_("commands must be a non-empty list"))
    if len(commands) > MAX_BATCH:
        raise invalid(_("a batch holds at most %(most)s commands"), most=MAX_BATCH)
    pairs = []
    for index, command in enumerate(commands):
        try:
            check_object(command, f"commands[{index}]", {"name", "data"}, ("name",))
        except CommandError as error:
            raise _in_batch(error, index) from None
        if not isinstance(command["name"], str):
            refusal = invalid(
                _("%(name)s must be a string"), name=f"commands[{index}].name"
            )
            raise _in_batch(refusal, index)
        pairs.append((command["name"], command.get("data")))
    return pairs


def _restore_target(board, data):
    check_object(data, "data", {"seq"}, ("seq",))
    seq = data["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise invalid(_("seq must be a whole number"))
    if not 0 <= seq <= board.head_seq:
        raise invalid(_("seq must be between 0 and %(head)s"), head=board.head_seq)
    events = board.events.filter(seq__lte=seq).order_by("seq")
    return state.fold(events.values_list("name", "data").iterator(chunk_size=2000))


def _append(board, member, changes, moments, command_id=None, grouped=False):
    """Append one sender's decided changes (see `_write`). `grouped`: the
    changes are one action's (undo takes them back together); the command
    id marks the first of them."""
    group = board.head_seq + 1 if grouped and len(changes) > 1 else None
    return _write(
        board,
        [
            (change, member.pk, command_id if index == 0 else None, moments[index])
            for index, change in enumerate(changes)
        ],
        group,
    )


def _write(board, rows, group=None):
    """Append one board's decided changes (see `_write_boards`)."""
    return _write_boards([(board, rows, group)])[0]


def _write_boards(parts):
    """Append decided changes, (board, rows, group) with (change, actor,
    command id, moment) rows, with each board's next seqs, project them, and
    broadcast them once the transaction commits: the one place that writes
    the log. All boards' events go in one statement run, their projection and
    heads in as few as their kinds allow. Returns each part's `Applied`s."""
    events = []
    for board, rows, group in parts:
        first = board.head_seq + 1
        events.append(
            [
                BoardEvent(
                    board=board,
                    seq=first + index,
                    name=change.name,
                    data=change.data,
                    before=change.before,
                    actor=actor,
                    command_id=command_id,
                    undo_of=change.undo_of,
                    redo_of=change.redo_of,
                    group=group,
                    created_at=moment,
                )
                for index, (change, actor, command_id, moment) in enumerate(rows)
            ]
        )
    insert_events([event for board_events in events for event in board_events])
    changed = project_boards(
        [(board, [row[0] for row in rows]) for board, rows, _ in parts]
    )
    heads_only = []
    for board, rows, _group in parts:
        board.head_seq += len(rows)
        columns = changed.get(board.pk)
        if columns:
            board.save(update_fields=["head_seq", "updated_at", *sorted(columns)])
        else:
            heads_only.append(board)
    update_heads(heads_only)
    applied, published = [], []
    for (board, _rows, _group), board_events in zip(parts, events, strict=True):
        messages = [event_message(event) for event in board_events]
        published.append((board.pk, messages))
        applied.append([Applied(message) for message in messages])
    transaction.on_commit(partial(broadcast.publish_boards, published))
    return applied


def _current_state(board):
    """The board's state at its head, to decide in memory and change: the one
    kept since the last commit (see `state_cache`), or read from the tables."""
    current = state_cache.take(board.pk, board.head_seq)
    if current is None:
        current = state.from_snapshot(load_snapshot(board))
    return current


def _keep_state(board, current):
    """Keep `current`, the board as the changes just appended leave it, once
    (and only if) they commit."""
    board_id, seq = board.pk, board.head_seq
    transaction.on_commit(lambda: state_cache.give_back(board_id, seq, current))


# -- many commands as one change -------------------------------------------------


class _BatchView(state.MemoryView):
    """The board in memory as a batch changes it, with links found by their ends.

    `MemoryView` scans every link to find one between two stickies; a batch
    of thousands of links needs an index. Entries go stale when links go, so
    a hit is checked against the state.
    """

    def __init__(self, current, history=None):
        super().__init__(current)
        self.pairs = {}
        for link in current["links"].values():
            self.added(link)
        # Where undo reads the sender's own past (the log in the database).
        self.past = history

    def added(self, link):
        self.pairs[(link["from"], link["to"])] = link["id"]

    def applied(self, change):
        super().applied(change)
        if change.name == "link.created":
            self.added(change.data)

    def history(self, actor):
        return self.past.history(actor) if self.past else super().history(actor)

    def unit(self, actor, key):
        return self.past.unit(actor, key) if self.past else super().unit(actor, key)

    def link_between(self, source, target):
        link = self.state["links"].get(self.pairs.get((source, target)))
        if link is None or (link["from"], link["to"]) != (source, target):
            return None
        return dict(link)


def _next_moment(previous):
    """Now, but at least a microsecond after `previous`.

    Each command of a batch gets its own moment, so that the order things
    were created in survives in their `created_at` (and in what sorts by it).
    """
    now = timezone.now()
    if previous is not None and now <= previous:
        return previous + timedelta(microseconds=1)
    return now


def _taken_elsewhere(board, changes):
    """The index of the first change creating a sticky or link whose id is taken.

    Ids are global primary keys; the batch's in-memory view only knows this
    board, so the rest of the database is asked once, for all of them.
    """
    wanted: dict[type[Sticky | Link], dict[str, int]] = {Sticky: {}, Link: {}}
    for index, change in enumerate(changes):
        if change.name == "sticky.created":
            wanted[Sticky].setdefault(change.data["id"], index)
        elif change.name == "link.created":
            wanted[Link].setdefault(change.data["id"], index)
    found = [
        (ids[key], model)
        for model, ids in wanted.items()
        for key in _existing(model, ids)
    ]
    return min(found, key=lambda item: item[0]) if found else None


def _existing(model, ids):
    """Which of `ids` (as text) are keys of `model` rows, on any board: a
    query per 500."""
    keys = list(ids)
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        rows = model.objects.filter(pk__in=keys[start : start + 500])
        found.update(str(pk) for pk in rows.values_list("pk", flat=True))
    return found


def _in_batch(error: CommandError, index):
    error.details = {**(error.details or {}), "index": index}
    return error


def execute_many(board_id, member: Member, commands, *, server=False) -> list:
    """Run `commands`, (name, data) pairs, in order, as one change.

    For bulk work such as an import. All or nothing: one lock, one membership
    check, one transaction; see `_decide_many`. The events are no group (an
    import is not one step to undo) and carry no command id. `server` admits
    the server's own commands, as in `execute`.
    """
    commands = list(commands)
    if not commands:
        return []
    with transaction.atomic():
        board = _lock_board(board_id)
        member = board.members.filter(pk=member.pk).first()
        if member is None:
            raise forbidden(_("you are no longer a member of this board"))
        current = _current_state(board)
        view = _BatchView(current)
        changes, moments = _decide_many(
            board, member, view, current, commands, server=server
        )
        _check_ids_elsewhere(board, changes)
        applied = _append(board, member, changes, moments)
        _keep_state(board, current)
        return applied


@dataclass(frozen=True)
class Request:
    """One sender's command on one board, for `execute_each`."""

    board_id: object
    member: Member
    name: str
    data: object
    command_id: str | None = None


def execute_each(requests) -> list:
    """Run several senders' commands, on one board or several, in the order
    given, each accepted or refused on its own as `execute` would; but write
    a run of plain commands in one transaction (group commit).

    Returns, per request, its `Applied` or the `CommandError` that refused
    it. A command that is a group of changes itself (batch, undo, redo,
    restore) runs alone, between the runs around it.
    """
    outcomes = []
    run = []
    for request in requests:
        if request.name not in GROUPED:
            run.append(request)
            continue
        outcomes += _execute_run(run)
        run = []
        try:
            outcomes.append(
                execute(
                    request.board_id,
                    request.member,
                    request.name,
                    request.data,
                    request.command_id,
                )
            )
        except CommandError as error:
            outcomes.append(error)
    return outcomes + _execute_run(run)


def _execute_run(requests):
    if not requests:
        return []
    return _in_transaction(_run_together, requests)


class _Desk:
    """One board's part of a group: the board locked, its state in memory,
    the changes decided so far."""

    def __init__(self, board):
        self.board = board
        self.current = _current_state(board)
        self.view = _BatchView(self.current, history=DatabaseView(board))
        self.rows = []
        self.moment = None


def _run_together(requests):
    """Decide plain commands one by one against their boards in memory, as
    each leaves its board, and write the accepted ones: a handful of queries
    for the whole group and three per board, not a dozen per command."""
    board_ids = sorted({str(r.board_id) for r in requests})
    # Locked in one order, so that two groups never wait on each other.
    locked = Board.objects.select_for_update().filter(pk__in=_uuids(board_ids))
    desks = {str(board.pk): _Desk(board) for board in locked.order_by("pk")}
    ids = {r.command_id for r in requests if isinstance(r.command_id, str)}
    earlier = {
        (str(e.board_id), e.command_id): e
        for e in BoardEvent.objects.filter(board_id__in=desks, command_id__in=ids)
    }
    members = {
        (str(m.board_id), m.pk): m
        for m in Member.objects.filter(pk__in={r.member.pk for r in requests})
    }
    taken = _taken_ids(requests)
    outcomes = []
    # Op ids seen in this group: (board, id) -> (sender, index of its outcome).
    seen: dict[tuple[str, str], tuple[object, int]] = {}
    for request in requests:
        desk = desks.get(str(request.board_id))
        try:
            if desk is None:
                raise not_found(_("no such board"))
            outcomes.append(_decide_one(desk, request, earlier, members, taken, seen))
        except CommandError as error:
            outcomes.append(error)
            continue
        if isinstance(outcomes[-1], int) and request.command_id is not None:
            seen[(str(desk.board.pk), request.command_id)] = (
                request.member.pk,
                len(outcomes) - 1,
            )
    writing = [desk for desk in desks.values() if desk.rows]
    written = _write_boards([(desk.board, desk.rows, None) for desk in writing])
    applied = {str(d.board.pk): a for d, a in zip(writing, written, strict=True)}
    for desk in desks.values():
        if desk.rows:
            _keep_state(desk.board, desk.current)
        else:
            state_cache.give_back(desk.board.pk, desk.board.head_seq, desk.current)
    return [
        _outcome(outcome, applied.get(str(request.board_id)), outcomes)
        for request, outcome in zip(requests, outcomes, strict=True)
    ]


def _decide_one(desk, request, earlier, members, taken, seen):
    """Decide one request at its board's desk: the index of its row, a
    replay, or ("again", index) for an id seen earlier in the group."""
    board = desk.board
    command_id = _check_command_id(request.command_id)
    before = earlier.get((str(board.pk), command_id))
    if before is not None:
        if before.actor != request.member.pk:
            raise conflict(_("this command id was used by someone else"))
        return _replay(board, before)
    if (str(board.pk), command_id) in seen:
        sender, index = seen[(str(board.pk), command_id)]
        if sender != request.member.pk:
            raise conflict(_("this command id was used by someone else"))
        return ("again", index)
    member = members.get((str(board.pk), request.member.pk))
    if member is None:
        raise forbidden(_("you are no longer a member of this board"))
    board.locked = desk.current["board"]["locked"]
    access.check_command(member, board, request.name)
    desk.moment = _next_moment(desk.moment)
    ctx = Context(desk.view, str(member.pk), desk.moment, dict(desk.current["board"]))
    change = decide(ctx, request.name, request.data)
    created = change.name in ("sticky.created", "link.created")
    if created and change.data["id"] in taken:
        raise _taken(change.name == "sticky.created", change.data["id"])
    desk.view.applied(change)
    desk.rows.append((change, member.pk, command_id, desk.moment))
    return len(desk.rows) - 1


def _uuids(values):
    return [key for key in (_as_uuid(value) for value in values) if key]


def _outcome(outcome, applied, outcomes):
    if isinstance(outcome, int):
        return applied[outcome]
    if isinstance(outcome, tuple):
        first = _outcome(outcomes[outcome[1]], applied, outcomes)
        return Applied(first.event, replayed=True)
    return outcome


_CREATES: dict[str, type[Sticky | Link]] = {
    "sticky.create": Sticky,
    "link.create": Link,
}


def _taken_ids(requests):
    """The sticky and link ids that creations in `requests` ask for and that
    are taken already, on any board (ids are global keys): one query each."""
    wanted: dict[type[Sticky | Link], set[str]] = {Sticky: set(), Link: set()}
    for request in requests:
        data = request.data if isinstance(request.data, dict) else {}
        model = _CREATES.get(request.name)
        key = _as_uuid(data.get("id"))
        if model is not None and key is not None:
            wanted[model].add(key)
    return set().union(*(_existing(model, ids) for model, ids in wanted.items()))


def _as_uuid(value):
    # Anything else the deciders refuse, with a clear message.
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _decide_many(board, member, view, current, commands, server=False):
    """Decide (name, data) commands in order, each by the same rules as in
    `execute`, against the board as the commands before it left it (held in
    memory, so that a batch costs two queries per command, not a dozen). A
    refused command raises its `CommandError` with `details["index"]` saying
    which one."""
    actor = str(member.pk)
    changes, moments, moment = [], [], None
    for index, (name, data) in enumerate(commands):
        try:
            if name in UNBATCHED:
                raise invalid(_("%(name)s cannot run in a batch"), name=name)
            # What the board will be by then: a batch may lock it.
            board.locked = current["board"]["locked"]
            access.check_command(member, board, name)
            moment = _next_moment(moment)
            ctx = Context(view, actor, moment, dict(current["board"]))
            change = decide(ctx, name, data, server=server)
        except CommandError as error:
            raise _in_batch(error, index) from None
        view.applied(change)
        changes.append(change)
        moments.append(moment)
    return changes, moments


def _check_ids_elsewhere(board, changes):
    taken = _taken_elsewhere(board, changes)
    if taken is not None:
        index, model = taken
        sticky_or_link = changes[index].data["id"]
        raise _in_batch(_taken(model is Sticky, sticky_or_link), index)


def _taken(sticky, object_id):
    """The conflict of an id taken already, by a sticky or a link."""
    if sticky:
        return conflict(_("a sticky with id %(id)s already exists"), id=object_id)
    return conflict(_("a link with id %(id)s already exists"), id=object_id)


# -- who a socket acts as ---------------------------------------------------------


def member_for_socket(
    board_id, user, session=None, invite=None, name=None, guest_key=None, address=None
):
    """The board and the member a websocket acts as, joining by invite when
    it carries one (a guest's join counted against `address`, the client's);
    `CommandError` when it may not be on the board."""
    try:
        board = Board.objects.get(pk=board_id)
    except (Board.DoesNotExist, ValueError):
        raise not_found(_("no such board")) from None
    member = access.member_for(board, user, session)
    if member is None and guest_key:
        member = access.member_for_guest_key(board, guest_key)
    if member is None and invite:
        member = join_by_invite(
            board, invite, user=user, display_name=name, address=address
        )
        if member.user_id is None and session is not None and session.session_key:
            access.remember_guest(session, member)
            session.save()
    if not access.can_view(member):
        raise forbidden(_("you are not a member of this board"))
    return board, member


def replay_board(board_id) -> dict:
    """Rebuild a board's projection from its log; return the state it rebuilt."""
    with transaction.atomic():
        board = _lock_board(board_id)
        state_cache.forget(board.pk)
        snapshot = state_at(board)
        replace_projection(board, snapshot)
        # The log, not the head column, says where the board is.
        last = board.events.order_by("-seq").values_list("seq", flat=True).first()
        board.head_seq = last or 0
        board.save(
            update_fields=[
                "head_seq",
                "phase",
                "locked",
                "timer_seconds",
                "timer_ends_at",
            ]
        )
        return snapshot


# -- boards, members and invites -----------------------------------------------


def _require_manager(member):
    if not access.can_manage(member):
        raise forbidden(_("only a facilitator can do this"))


# What a name is called in a refusal: "a name is required", "the name ...".
NAMES = {
    "name": (_("a name is required"), _("the name")),
    "display name": (_("a display name is required"), _("the display name")),
}


def _clean_name(value, what="name", limit=200):
    required, called = NAMES[what]
    if not isinstance(value, str) or not value.strip():
        raise invalid(required)
    value = value.strip()
    if len(value) > limit:
        raise invalid(
            _("%(name)s is limited to %(limit)s characters"), name=called, limit=limit
        )
    return check_text(value, called, multiline=False)


def _clean_description(value):
    value = (value or "").strip()
    if len(value) > MAX_DESCRIPTION:
        raise invalid(
            _("%(name)s is limited to %(limit)s characters"),
            name=_("the description"),
            limit=MAX_DESCRIPTION,
        )
    return check_text(value, _("the description"))


def create_board(user, name, description="", language=None) -> Board:
    """`language`: what the board's checks and exports speak (default English)."""
    with transaction.atomic():
        board = Board.objects.create(
            name=_clean_name(name),
            description=_clean_description(description),
            created_by=user,
            language=language or "en",
        )
        Member.objects.create(
            board=board,
            user=user,
            display_name=display_name_of(user),
            role=Role.FACILITATOR,
        )
    return board


def display_name_of(user):
    return (user.get_full_name() or user.get_username())[:80]


def update_board(
    board: Board, member, *, name=None, description=None, archived=None, language=None
):
    _require_manager(member)
    fields = []
    if language is not None:
        # What the board's checks and exports speak (Board.language).
        codes = [code for code, _label in settings.LANGUAGES]
        if language not in codes:
            raise invalid(
                _("the language must be one of: %(codes)s"), codes=", ".join(codes)
            )
        board.language = language
        fields.append("language")
    if name is not None:
        board.name = _clean_name(name)
        fields.append("name")
    if description is not None:
        board.description = _clean_description(description)
        fields.append("description")
    if archived is not None:
        board.archived = bool(archived)
        fields.append("archived")
    if fields:
        board.save(update_fields=[*fields, "updated_at"])
    return board


def delete_board(board: Board, member):
    _require_manager(member)
    board.delete()


def regenerate_invite(board: Board, member) -> str:
    """Issue a new share link; the old one stops working at once."""
    _require_manager(member)
    board.invite_token = new_invite_token()
    board.save(update_fields=["invite_token", "updated_at"])
    return board.invite_token


def join_by_invite(
    board: Board, token, *, user=None, display_name=None, address=None
) -> Member:
    """Join `board` as a participant through its share link. A guest's join
    counts against `address` (the client's, when a request made it): one
    address cannot make guests without end (`ratelimit.GUEST_JOINS`)."""
    if not access.invite_matches(board, token):
        raise forbidden(_("this invite link is not valid (it may have been replaced)"))
    if user is not None and user.is_authenticated:
        member, _created = Member.objects.get_or_create(
            board=board,
            user=user,
            defaults={"display_name": display_name_of(user), "role": Role.PARTICIPANT},
        )
        return member
    if address is not None:
        ratelimit.GUEST_JOINS.check(address)
    name = _clean_name(display_name, "display name", 80)
    return Member.objects.create(board=board, display_name=name, role=Role.PARTICIPANT)


def _check_role(role):
    if role not in Role.values:
        raise invalid(_("role must be one of: %(roles)s"), roles=", ".join(Role.values))
    return role


def add_member(board: Board, by, user, role=Role.PARTICIPANT) -> Member:
    _require_manager(by)
    role = _check_role(role)
    member, created = Member.objects.get_or_create(
        board=board,
        user=user,
        defaults={"display_name": display_name_of(user), "role": role},
    )
    if not created:
        raise conflict(_("%(user)s is a member already"), user=user.get_username())
    return member


def _change_membership(board, by, member, new_role=None):
    """Check, under the board's row lock, that `by` may change `member`'s
    membership and that the board keeps a facilitator.

    Roles are read again after the lock: two facilitators demoting each other
    at once must not leave the board with none, nor act on a stale role.
    """
    _lock_board(board.pk)
    try:
        if by is not None:
            by.refresh_from_db(fields=["role"])
        member.refresh_from_db(fields=["role"])
    except Member.DoesNotExist:
        raise not_found(_("that membership no longer exists")) from None
    if by is not None and (by.pk != member.pk or new_role is not None):
        _require_manager(by)
    if member.role != Role.FACILITATOR or new_role == Role.FACILITATOR:
        return
    others = board.members.filter(role=Role.FACILITATOR).exclude(pk=member.pk)
    if not others.exists():
        raise conflict(_("a board needs at least one facilitator"))


def set_role(board: Board, by, member: Member, role) -> Member:
    """`by` None: the site's administrators (Django admin), who need not be on
    the board but keep its rules: a board keeps a facilitator."""
    if by is not None:
        _require_manager(by)
    role = _check_role(role)
    with transaction.atomic():
        _change_membership(board, by, member, role)
        member.role = role
        member.save(update_fields=["role"])
        transaction.on_commit(lambda: broadcast.membership(board.pk, member.pk, role))
    return member


def rename_member(member: Member, display_name) -> Member:
    member.display_name = _clean_name(display_name, "display name", 80)
    member.save(update_fields=["display_name"])
    return member


def remove_member(board: Board, by, member: Member):
    """A facilitator removes someone, or anyone leaves (`by` None: the site's
    administrators, as for `set_role`)."""
    if by is not None and by.pk != member.pk:
        _require_manager(by)
    member_id = member.pk
    with transaction.atomic():
        _change_membership(board, by, member)
        member.delete()
        transaction.on_commit(lambda: broadcast.membership(board.pk, member_id, None))


__all__ = ["Applied", "CommandError", "execute", "execute_many"]
