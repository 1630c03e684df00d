"""Board snapshot -> domain model. Pure: no database, no Django models.

Input is the snapshot `storming` serves (`/state/`): stickies with their
kind, text, fields and geometry (x, y is the top-left corner), and links.
Membership is geometric (the innermost frame holding a sticky's centre);
triggers come only from links, read by the grammar in `GRAMMAR`.
"""

import math
from collections import defaultdict

from . import identifiers
from .fields import Field, parse_fields
from .model import (
    Actor,
    Aggregate,
    Command,
    Context,
    Event,
    ExternalSystem,
    FieldProblem,
    Hotspot,
    LinkProblem,
    Model,
    NameCollision,
    Policy,
    ReadModel,
)

FRAMES = ("aggregate", "context")
# Actors and external systems are roles: every sticky of one name is the same.
ROLE_KINDS = ("actor", "external_system")
GLOBAL_KINDS = ("context", *ROLE_KINDS)
# (from kind, to kind) -> what the link means. Anything else is reported.
GRAMMAR = {
    ("actor", "command"): "issues",
    ("actor", "policy"): "manages",
    ("external_system", "command"): "triggers",
    ("external_system", "event"): "triggers",
    ("external_system", "policy"): "triggers",
    ("command", "event"): "produces",
    ("command", "external_system"): "invoked on",
    ("command", "aggregate"): "invoked on",
    ("aggregate", "event"): "produces",
    ("event", "policy"): "activates",
    ("event", "read_model"): "updates",
    ("event", "event"): "leads to",
    ("policy", "command"): "issues",
    ("read_model", "actor"): "informs",
    ("read_model", "command"): "informs",
    ("read_model", "policy"): "informs",
}
# Why a link outside the grammar makes no sense, where there is a usual reason.
MISSING_STEP = {
    ("event", "command"): "an event does not issue commands: put a policy between them",
    ("actor", "event"): "an actor causes events through a command: add the command",
    ("policy", "event"): "a policy causes events through a command: add the command",
    ("command", "read_model"): "a command changes read models through an event",
    ("event", "actor"): "events reach people through a read model",
    ("command", "command"): "a command leads to another through an event and a policy",
}
# How far (board units, centre to centre) a hot spot looks for what it is about.
HOTSPOT_REACH = 400.0


def centre(sticky):
    return sticky["x"] + sticky["width"] / 2, sticky["y"] + sticky["height"] / 2


def _boxes(frames):
    """Frames as (area, id, x1, y1, x2, y2), smallest first (ties by id)."""
    return sorted(
        (
            f["width"] * f["height"],
            f["id"],
            f["x"],
            f["y"],
            f["x"] + f["width"],
            f["y"] + f["height"],
        )
        for f in frames
    )


def _innermost(boxes, point):
    """The id of the smallest frame holding the point, or None."""
    x, y = point
    for _, frame_id, x1, y1, x2, y2 in boxes:
        if x1 <= x <= x2 and y1 <= y <= y2:
            return frame_id
    return None


def _overlap(a, b):
    """Frames that cross without one holding the other."""
    ax2, ay2 = a["x"] + a["width"], a["y"] + a["height"]
    bx2, by2 = b["x"] + b["width"], b["y"] + b["height"]
    if min(ax2, bx2) <= max(a["x"], b["x"]) or min(ay2, by2) <= max(a["y"], b["y"]):
        return False

    def inside(inner, outer):
        return (
            outer["x"] <= inner["x"]
            and outer["y"] <= inner["y"]
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
        )

    return not inside(a, b) and not inside(b, a)


def _timeline_key(sticky):
    return (sticky["x"], sticky["y"], sticky["id"])


class _Board:
    """The snapshot, indexed for derivation."""

    def __init__(self, snapshot):
        self.stickies = {s["id"]: s for s in snapshot.get("stickies", ())}
        self.centres = {s["id"]: centre(s) for s in self.stickies.values()}
        self.by_kind = defaultdict(list)
        for sticky in sorted(self.stickies.values(), key=_timeline_key):
            self.by_kind[sticky["kind"]].append(sticky)
        self.links = [
            link
            for link in snapshot.get("links", ())
            if link["from"] in self.stickies and link["to"] in self.stickies
        ]
        self.votes = defaultdict(int)
        for vote in snapshot.get("votes", ()):
            self.votes[vote["sticky"]] += 1

    def kind(self, sticky_id):
        return self.stickies[sticky_id]["kind"]


def _membership(board):
    """sticky id -> (aggregate id, context id), and overlapping frame pairs."""
    aggregates, contexts = board.by_kind["aggregate"], board.by_kind["context"]
    aggregate_boxes, context_boxes = _boxes(aggregates), _boxes(contexts)
    aggregate_context = {
        a["id"]: _innermost(context_boxes, board.centres[a["id"]]) for a in aggregates
    }
    member = {}
    for sticky in board.stickies.values():
        point = board.centres[sticky["id"]]
        if sticky["kind"] == "context":
            member[sticky["id"]] = (None, None)
        elif sticky["kind"] == "aggregate":
            member[sticky["id"]] = (None, aggregate_context[sticky["id"]])
        else:
            aggregate = _innermost(aggregate_boxes, point)
            # What an aggregate owns lives in the aggregate's context, even
            # where the frame crosses a border (reported as an overlap).
            if aggregate is None:
                context = _innermost(context_boxes, point)
            else:
                context = aggregate_context[aggregate]
            member[sticky["id"]] = (aggregate, context)
    overlaps = []
    for frames in (aggregates, contexts):
        for i, a in enumerate(frames):
            for b in frames[i + 1 :]:
                if _overlap(a, b):
                    overlaps.append(tuple(sorted((a["id"], b["id"]))))
    # An aggregate drawn across a context border spans two languages.
    overlaps.extend(
        (a["id"], c["id"]) for a in aggregates for c in contexts if _overlap(a, c)
    )
    return member, tuple(sorted(overlaps))


def _names(board, member):
    """sticky id -> (class name, func name), unique per context."""
    fallback = {kind: identifiers.class_name(kind) for kind in board.by_kind}
    names_of = identifiers.names
    order = sorted(
        board.stickies.values(),
        key=lambda s: (not s.get("code_name"), s.get("created_at", ""), s["id"]),
    )
    class_names, func_names = defaultdict(list), defaultdict(list)
    # Actors and systems: one role however many stickies show it.
    first_of_role, same_role = {}, {}
    for sticky in order:
        if sticky["kind"] == "hotspot":
            continue
        if sticky["kind"] in ROLE_KINDS:
            key = (sticky["kind"], identifiers.class_name(sticky["text"], "Role"))
            if key in first_of_role:
                same_role[sticky["id"]] = first_of_role[key]
                continue
            first_of_role[key] = sticky["id"]
        scope = "" if sticky["kind"] in GLOBAL_KINDS else member[sticky["id"]][1]
        code_name = sticky.get("code_name")
        if code_name:
            cls = identifiers.from_code_name(code_name, "class")
            func = identifiers.from_code_name(code_name, "func")
        else:
            kind = sticky["kind"]
            cls, func = names_of(sticky["text"], fallback[kind], kind)
        class_names[scope].append((sticky["id"], cls))
        func_names[scope].append((sticky["id"], func))
    names, collisions = {}, []
    for scope, entries in class_names.items():
        unique_classes = identifiers.unique(entries)
        unique_funcs = identifiers.unique(func_names[scope])
        wanted_funcs = dict(func_names[scope])
        for sticky_id, wanted in entries:
            given = (unique_classes[sticky_id], unique_funcs[sticky_id])
            names[sticky_id] = given
            if given[0] != wanted:
                collisions.append(NameCollision(sticky_id, wanted, given[0]))
            elif given[1] != wanted_funcs[sticky_id]:
                collisions.append(
                    NameCollision(sticky_id, wanted_funcs[sticky_id], given[1])
                )
    for sticky_id, first in same_role.items():
        names[sticky_id] = names[first]
    return names, tuple(collisions)


def _links(board):
    """Links by meaning, plus the ones outside the grammar."""
    outgoing, incoming = defaultdict(list), defaultdict(list)
    problems = []
    for link in sorted(board.links, key=lambda link: link["id"]):
        source, target = link["from"], link["to"]
        kinds = (board.kind(source), board.kind(target))
        if "hotspot" in kinds:
            continue  # hot spots annotate; they are not flow
        if kinds in GRAMMAR:
            outgoing[source].append(target)
            incoming[target].append(source)
            continue
        reason = MISSING_STEP.get(
            kinds, f"a link from {kinds[0]} to {kinds[1]} is outside the grammar"
        )
        problems.append(LinkProblem(link["id"], source, target, reason))
    return outgoing, incoming, tuple(problems)


def _default_fields(aggregate_func):
    name = f"{aggregate_func}_id" if aggregate_func else "id"
    return (Field(name, "uuid"),)


def derive(snapshot, *, board_id="", name="", seq=0) -> Model:
    """The domain model of a board snapshot (`storming.state.snapshot` form)."""
    board = _Board(snapshot)
    derivation = _Derivation(board)
    events = derivation.events()
    commands = derivation.commands()
    aggregates = derivation.aggregates(commands, events)
    return Model(
        board=str(board_id),
        name=name,
        seq=seq,
        phase=snapshot.get("board", {}).get("phase", "find"),
        contexts=derivation.contexts(aggregates),
        aggregates=aggregates,
        events=events,
        commands=commands,
        policies=derivation.policies(commands, events),
        read_models=derivation.read_models(),
        actors=derivation.actors(),
        external_systems=derivation.systems(),
        hotspots=_hotspots(board),
        link_problems=derivation.link_problems,
        field_problems=tuple(derivation.field_problems),
        overlapping_frames=derivation.overlaps,
        name_collisions=derivation.collisions,
    )


class _Derivation:
    """What the model's elements are made from: the board, where each sticky
    sits (aggregate, context), its code names and its links either way; one
    method per kind of element."""

    def __init__(self, board):
        self.board = board
        self.member, self.overlaps = _membership(board)
        self.names, self.collisions = _names(board, self.member)
        self.outgoing, self.incoming, self.link_problems = _links(board)
        self.field_problems = []
        self.timelines, self.phase_of, self.phases = self._timelines()

    def of_kind(self, ids, *kinds):
        return tuple(i for i in ids if self.board.kind(i) in kinds)

    def base(self, sticky):
        cls, func = self.names[sticky["id"]]
        return {
            "id": sticky["id"],
            "name": sticky["text"],
            "class_name": cls,
            "func_name": func,
            "context": self.member[sticky["id"]][1],
            "description": sticky.get("description", ""),
        }

    def fields_of(self, sticky, aggregate):
        fields, problems = parse_fields(sticky.get("fields"))
        self.field_problems.extend(
            FieldProblem(sticky["id"], f, m) for f, m in problems
        )
        if fields or sticky["kind"] == "read_model":
            return fields
        return _default_fields(aggregate and self.names[aggregate][1])

    def _timelines(self):
        """Events in each context's timeline; pivotal events close a phase."""
        timelines, phase_of, phases_by_context = defaultdict(list), {}, {}
        for sticky in self.board.by_kind["event"]:
            timelines[self.member[sticky["id"]][1]].append(sticky)
        for context_id, stickies in timelines.items():
            phases, current = [], []
            for sticky in stickies:
                current.append(sticky["id"])
                phase_of[sticky["id"]] = len(phases)
                if sticky.get("pivotal"):
                    phases.append(tuple(current))
                    current = []
            if current:
                phases.append(tuple(current))
            phases_by_context[context_id] = tuple(phases)
        return timelines, phase_of, phases_by_context

    def _aggregate_of(self, sticky, linked_ids):
        """The aggregate whose frame holds the sticky, else one it is linked
        with (drawn outside the frame, but linked)."""
        aggregate = self.member[sticky["id"]][0]
        if aggregate is None:
            linked = self.of_kind(linked_ids, "aggregate")
            aggregate = linked[0] if linked else None
        return aggregate

    def events(self):
        events = []
        for s in self.board.by_kind["event"]:
            causes = self.incoming[s["id"]]
            aggregate = self._aggregate_of(s, causes)
            events.append(
                Event(
                    **self.base(s),
                    aggregate=aggregate,
                    fields=self.fields_of(s, aggregate),
                    pivotal=bool(s.get("pivotal")),
                    style=s.get("event_style") or "state",
                    phase=self.phase_of[s["id"]],
                    caused_by=self.of_kind(
                        causes, "command", "external_system", "event", "aggregate"
                    ),
                )
            )
        return tuple(events)

    def commands(self):
        commands = []
        for s in self.board.by_kind["command"]:
            targets = self.outgoing[s["id"]]
            aggregate = self._aggregate_of(s, targets)
            commands.append(
                Command(
                    **self.base(s),
                    aggregate=aggregate,
                    fields=self.fields_of(s, aggregate),
                    produces=self.of_kind(targets, "event"),
                    triggered_by=self.of_kind(
                        self.incoming[s["id"]],
                        "actor",
                        "external_system",
                        "policy",
                        "read_model",
                    ),
                    targets=self.of_kind(targets, "external_system"),
                )
            )
        return tuple(commands)

    def policies(self, commands, events):
        command_context = {c.id: c.context for c in commands}
        event_context = {e.id: e.context for e in events}
        policies = []
        for s in self.board.by_kind["policy"]:
            incoming = self.incoming[s["id"]]
            when = self.of_kind(incoming, "event")
            then = self.of_kind(self.outgoing[s["id"]], "command")
            sources = {event_context[e] for e in when} - {None}
            destinations = {command_context[c] for c in then} - {None}
            policies.append(
                Policy(
                    **self.base(s),
                    when=when,
                    then=then,
                    managed_by=self.of_kind(incoming, "actor", "external_system"),
                    consults=self.of_kind(incoming, "read_model"),
                    integration=bool(
                        sources and destinations and sources != destinations
                    ),
                )
            )
        return tuple(policies)

    def read_models(self):
        return tuple(
            ReadModel(
                **self.base(s),
                fields=self.fields_of(s, None),
                fed_by=self.of_kind(self.incoming[s["id"]], "event"),
                used_by=self.of_kind(
                    self.outgoing[s["id"]], "actor", "command", "policy"
                ),
            )
            for s in self.board.by_kind["read_model"]
        )

    def actors(self):
        return tuple(
            Actor(
                **self.base(s), issues=self.of_kind(self.outgoing[s["id"]], "command")
            )
            for s in self.board.by_kind["actor"]
        )

    def systems(self):
        return tuple(
            ExternalSystem(
                **self.base(s),
                triggers=self.of_kind(
                    self.outgoing[s["id"]], "command", "event", "policy"
                ),
            )
            for s in self.board.by_kind["external_system"]
        )

    def aggregates(self, commands, events):
        owned = defaultdict(lambda: ([], []))
        for command in commands:
            owned[command.aggregate][0].append(command.id)
        for event in events:
            owned[event.aggregate][1].append(event.id)
        return tuple(
            Aggregate(
                **self.base(s),
                commands=tuple(owned[s["id"]][0]),
                events=tuple(owned[s["id"]][1]),
            )
            for s in self.board.by_kind["aggregate"]
        )

    def contexts(self, aggregates):
        held = defaultdict(list)
        for aggregate in aggregates:
            held[aggregate.context].append(aggregate.id)
        return tuple(
            Context(
                **self.base(s),
                aggregates=tuple(held[s["id"]]),
                timeline=tuple(e["id"] for e in self.timelines.get(s["id"], ())),
                phases=self.phases.get(s["id"], ()),
            )
            for s in self.board.by_kind["context"]
        )


def _hotspots(board):
    """Hot spots with what they are about: their links, else their neighbour."""
    linked = defaultdict(set)
    for link in board.links:
        source, target = link["from"], link["to"]
        if board.kind(source) == "hotspot" and board.kind(target) != "hotspot":
            linked[source].add(target)
        if board.kind(target) == "hotspot" and board.kind(source) != "hotspot":
            linked[target].add(source)
    # Neighbours within reach sit in the same or an adjacent cell of this grid.
    grid = defaultdict(list)
    for sticky in board.stickies.values():
        if sticky["kind"] not in ("hotspot", *FRAMES):
            x, y = board.centres[sticky["id"]]
            cell = (math.floor(x / HOTSPOT_REACH), math.floor(y / HOTSPOT_REACH))
            grid[cell].append((x, y, sticky["id"]))
    hotspots = []
    for sticky in board.by_kind["hotspot"]:
        about = tuple(sorted(linked[sticky["id"]]))
        if not about:
            about = _nearest(grid, board.centres[sticky["id"]])
        hotspots.append(
            Hotspot(sticky["id"], sticky["text"], about, board.votes[sticky["id"]])
        )
    return tuple(hotspots)


def _nearest(grid, point):
    """The nearest sticky within reach, centre to centre (ties by id)."""
    cx, cy = point
    column, row = math.floor(cx / HOTSPOT_REACH), math.floor(cy / HOTSPOT_REACH)
    best = (HOTSPOT_REACH**2, None)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for x, y, sticky_id in grid.get((column + dx, row + dy), ()):
                candidate = ((x - cx) ** 2 + (y - cy) ** 2, sticky_id)
                if candidate[0] < best[0] or (
                    candidate[0] == best[0] and (best[1] is None or sticky_id < best[1])
                ):
                    best = candidate
    return () if best[1] is None else (best[1],)
