"""A board's state as plain data, folded from its events.

`apply` is the one definition of what each event does. Replay, history (the
board at any seq) and the tests use it directly; the database projection in
`storming.projector` must agree with it, and the tests check that it does.
"""

from .commands import UNDOABLE_EVENTS, LoggedEvent


def empty():
    return {
        "board": {"phase": "find", "locked": False, "timer": None},
        "stickies": {},
        "links": {},
        "votes": {},
    }


def _vote_key(sticky, member):
    return f"{sticky}:{member}"


def _drop_sticky(state, sticky_id):
    state["stickies"].pop(sticky_id, None)
    for link_id in [
        link_id
        for link_id, link in state["links"].items()
        if sticky_id in (link["from"], link["to"])
    ]:
        del state["links"][link_id]
    for key in [
        key for key, vote in state["votes"].items() if vote["sticky"] == sticky_id
    ]:
        del state["votes"][key]


def _add_sticky(state, data):
    sticky = {k: v for k, v in data.items() if k not in ("links", "votes")}
    state["stickies"][sticky["id"]] = sticky
    for link in data.get("links", ()):
        state["links"][link["id"]] = dict(link)
    for vote in data.get("votes", ()):
        state["votes"][_vote_key(vote["sticky"], vote["member"])] = dict(vote)


def _patch_sticky(state, data):
    sticky = state["stickies"][data["id"]]
    sticky.update({k: v for k, v in data.items() if k != "id"})


def apply(state, name, data):
    """Apply one event to `state` in place."""
    board = state["board"]
    if name == "sticky.created":
        _add_sticky(state, data)
    elif name in ("sticky.updated", "sticky.moved"):
        _patch_sticky(state, data)
    elif name == "sticky.deleted":
        _drop_sticky(state, data["id"])
    elif name == "link.created":
        state["links"][data["id"]] = dict(data)
    elif name == "link.deleted":
        state["links"].pop(data["id"], None)
    elif name == "vote.cast":
        state["votes"][_vote_key(data["sticky"], data["member"])] = dict(data)
    elif name == "vote.retracted":
        state["votes"].pop(_vote_key(data["sticky"], data["member"]), None)
    elif name == "phase.changed":
        board["phase"] = data["phase"]
    elif name == "timer.started":
        board["timer"] = {"seconds": data["seconds"], "ends_at": data["ends_at"]}
    elif name == "timer.stopped":
        board["timer"] = None
    elif name == "board.locked":
        board["locked"] = True
    elif name == "board.unlocked":
        board["locked"] = False
    else:
        raise ValueError(f"unknown board event {name!r}")
    return state


def fold(events, state=None):
    """Fold (name, data) pairs into a state."""
    state = empty() if state is None else state
    for name, data in events:
        apply(state, name, data)
    return state


def snapshot(state):
    """The canonical, JSON-ready form of a state (what `/state/` returns)."""
    return {
        "board": dict(state["board"]),
        "stickies": sorted(
            state["stickies"].values(), key=lambda s: (s["created_at"], s["id"])
        ),
        "links": sorted(
            state["links"].values(), key=lambda s: (s["created_at"], s["id"])
        ),
        "votes": sorted(
            state["votes"].values(), key=lambda v: (v["sticky"], v["member"])
        ),
    }


def from_snapshot(snapshot):
    """The state that `snapshot` is the canonical form of (its inverse)."""
    return {
        "board": dict(snapshot["board"]),
        "stickies": {sticky["id"]: dict(sticky) for sticky in snapshot["stickies"]},
        "links": {link["id"]: dict(link) for link in snapshot["links"]},
        "votes": {
            _vote_key(vote["sticky"], vote["member"]): dict(vote)
            for vote in snapshot["votes"]
        },
    }


class MemoryView:
    """A `BoardView` over a folded state and its log of (actor, LoggedEvent)."""

    def __init__(self, state, log=()):
        self.state = state
        self.log = list(log)

    def sticky(self, sticky_id):
        sticky = self.state["stickies"].get(sticky_id)
        return dict(sticky) if sticky else None

    def sticky_id_taken(self, sticky_id):
        return sticky_id in self.state["stickies"]

    def link(self, link_id):
        link = self.state["links"].get(link_id)
        return dict(link) if link else None

    def link_id_taken(self, link_id):
        return link_id in self.state["links"]

    def link_between(self, source, target):
        for link in self.state["links"].values():
            if link["from"] == source and link["to"] == target:
                return dict(link)
        return None

    def links_of(self, sticky_id):
        return sorted(
            (
                dict(link)
                for link in self.state["links"].values()
                if sticky_id in (link["from"], link["to"])
            ),
            key=lambda link: link["id"],
        )

    def has_vote(self, sticky_id, member):
        return _vote_key(sticky_id, member) in self.state["votes"]

    def votes_of(self, sticky_id):
        return sorted(
            (dict(v) for v in self.state["votes"].values() if v["sticky"] == sticky_id),
            key=lambda v: v["member"],
        )

    def history(self, actor):
        return own_history(self.log, actor)


def own_history(log, actor):
    """LoggedEvents of `actor` that undo can act on, from (actor, LoggedEvent)."""
    return [
        event for who, event in log if who == actor and event.name in UNDOABLE_EVENTS
    ]


__all__ = [
    "LoggedEvent",
    "MemoryView",
    "apply",
    "empty",
    "fold",
    "from_snapshot",
    "own_history",
    "snapshot",
]
