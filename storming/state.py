"""A board's state as plain data, folded from its events.

`apply` is the one definition of what each event does. Replay, history (the
board at any seq) and the tests use it directly; the database projection in
`storming.projector` must agree with it, and the tests check that it does.
"""

from .commands import UNDOABLE_EVENTS, LoggedEvent


def empty():
    return {
        "board": {
            "phase": "find",
            "locked": False,
            "timer": None,
            "voting": None,
            "lanes": [],
        },
        "stickies": {},
        "links": {},
        "votes": {},
    }


def _vote_key(sticky, member):
    return f"{sticky}:{member}"


def _drop_sticky(state, sticky_id, index=None):
    state["stickies"].pop(sticky_id, None)
    links, votes = state["links"], state["votes"]
    if index is None:
        # Every link and vote, for a lone `apply`; `fold` keeps an index.
        link_ids, keys = links, votes
    else:
        link_ids, keys = index.pop(sticky_id)
    for link_id in [
        link_id
        for link_id in link_ids
        if link_id in links
        and sticky_id in (links[link_id]["from"], links[link_id]["to"])
    ]:
        del links[link_id]
    for key in [
        key for key in keys if key in votes and votes[key]["sticky"] == sticky_id
    ]:
        del votes[key]


class _Index:
    """The ids of the links and votes that have touched each sticky.

    A superset (entries are checked when used), so that `fold` drops a
    sticky's links and votes without scanning every link and vote.
    """

    def __init__(self, state):
        self.links, self.votes = {}, {}
        for link in state["links"].values():
            self.link(link)
        for vote in state["votes"].values():
            self.vote(vote)

    def link(self, link):
        for end in (link["from"], link["to"]):
            self.links.setdefault(end, set()).add(link["id"])

    def vote(self, vote):
        key = _vote_key(vote["sticky"], vote["member"])
        self.votes.setdefault(vote["sticky"], set()).add(key)

    def pop(self, sticky_id):
        return self.links.pop(sticky_id, ()), self.votes.pop(sticky_id, ())


def _add_sticky(state, data):
    sticky = {k: v for k, v in data.items() if k not in ("links", "votes")}
    # Logged before events had a style: the column's default.
    sticky.setdefault("event_style", "state")
    state["stickies"][sticky["id"]] = sticky
    for link in data.get("links", ()):
        state["links"][link["id"]] = dict(link)
    for vote in data.get("votes", ()):
        state["votes"][_vote_key(vote["sticky"], vote["member"])] = dict(vote)


def _patch_sticky(state, data):
    sticky = state["stickies"][data["id"]]
    sticky.update({k: v for k, v in data.items() if k != "id"})


def _indexed_sticky(index, data):
    for link in data.get("links", ()):
        index.link(link)
    for vote in data.get("votes", ()):
        index.vote(vote)


# What each event tells the `_Index` of `fold`: the links and votes it adds.
INDEXERS = {
    "sticky.created": _indexed_sticky,
    "link.created": lambda index, data: index.link(data),
    "vote.cast": lambda index, data: index.vote(data),
}


def _set(key, value):
    """An applier setting board setting `key` to `value(data, board)`."""

    def apply_setting(state, data, index):
        state["board"][key] = value(data, state["board"])

    return apply_setting


def _link_created(state, data, index):
    state["links"][data["id"]] = dict(data)


def _link_deleted(state, data, index):
    state["links"].pop(data["id"], None)


def _vote_cast(state, data, index):
    state["votes"][_vote_key(data["sticky"], data["member"])] = dict(data)


def _vote_retracted(state, data, index):
    state["votes"].pop(_vote_key(data["sticky"], data["member"]), None)


# What each board event does to a state: one applier per event name
# (tests/storming/test_dispatch.py: exactly the names the write path appends).
APPLIERS = {
    "sticky.created": lambda state, data, index: _add_sticky(state, data),
    "sticky.updated": lambda state, data, index: _patch_sticky(state, data),
    "sticky.moved": lambda state, data, index: _patch_sticky(state, data),
    "sticky.deleted": lambda state, data, index: _drop_sticky(state, data["id"], index),
    "link.created": _link_created,
    "link.deleted": _link_deleted,
    "vote.cast": _vote_cast,
    "vote.retracted": _vote_retracted,
    "phase.changed": _set("phase", lambda data, board: data["phase"]),
    "timer.started": _set(
        "timer",
        lambda data, board: {"seconds": data["seconds"], "ends_at": data["ends_at"]},
    ),
    "timer.stopped": _set("timer", lambda data, board: None),
    "board.locked": _set("locked", lambda data, board: True),
    "board.unlocked": _set("locked", lambda data, board: False),
    "voting.opened": _set("voting", lambda data, board: dict(data, revealed=False)),
    "voting.revealed": _set(
        "voting", lambda data, board: dict(board.get("voting") or {}, revealed=True)
    ),
    "voting.closed": _set("voting", lambda data, board: None),
    "lanes.changed": _set(
        "lanes", lambda data, board: [dict(lane) for lane in data["lanes"]]
    ),
}


def apply(state, name, data, index=None):
    """Apply one event to `state` in place (`index`: see `fold`)."""
    applier = APPLIERS.get(name)
    if applier is None:
        raise ValueError(f"unknown board event {name!r}")
    if index is not None and name in INDEXERS:
        INDEXERS[name](index, data)
    applier(state, data, index)
    return state


def fold(events, state=None):
    """Fold (name, data) pairs into a state."""
    state = empty() if state is None else state
    index = _Index(state)
    for name, data in events:
        apply(state, name, data, index)
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

    def votes_by(self, member):
        return sorted(
            (dict(v) for v in self.state["votes"].values() if v["member"] == member),
            key=lambda v: v["created_at"],
        )

    def history(self, actor):
        return own_history(self.log, actor)

    def unit(self, actor, key):
        return [event for event in self.history(actor) if event.unit == key]

    def applied(self, change):
        """Take a decided change into the state, for the next decision."""
        apply(self.state, change.name, change.data)


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
