"""Board snapshots as plain dicts, in the shape `storming.state.snapshot` serves.

A `BoardBuilder` places stickies (x, y is the top-left corner), links and
votes, and derives the model of what it holds. Ids are UUIDs from a seeded
generator, so a test can build the same board twice with fresh ids.
"""

import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta

from modeling.derive import derive

SIZES = {
    "event": (160, 160),
    "command": (160, 160),
    "actor": (160, 80),
    "policy": (240, 160),
    "external_system": (240, 160),
    "read_model": (160, 160),
    "hotspot": (160, 160),
    "aggregate": (640, 400),
    "context": (1280, 800),
}
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def field_dicts(fields):
    """`["amount: decimal", ...]` -> `[{"name": "amount", "type": "decimal"}]`."""
    result = []
    for item in fields:
        if isinstance(item, dict):
            result.append(item)
        else:
            name, _, type_ = item.partition(":")
            result.append({"name": name.strip(), "type": type_.strip()})
    return result


class BoardBuilder:
    def __init__(self, phase="find", seed=0):
        self.phase = phase
        self.stickies = {}
        self.links = {}
        self.votes = []
        self._random = random.Random(seed)
        self._tick = 0

    def _id(self):
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _now(self):
        self._tick += 1
        return (START + timedelta(seconds=self._tick)).isoformat()

    def sticky(self, kind, text="", x=0, y=0, **extra):
        width, height = SIZES[kind]
        sticky = {
            "id": extra.pop("id", None) or self._id(),
            "kind": kind,
            "text": text,
            "description": extra.pop("description", ""),
            "fields": field_dicts(extra.pop("fields", ())),
            "x": float(x),
            "y": float(y),
            "width": float(extra.pop("width", width)),
            "height": float(extra.pop("height", height)),
            "pivotal": extra.pop("pivotal", False),
            "event_style": extra.pop("event_style", "state"),
            "code_name": extra.pop("code_name", ""),
            "version": 1,
            "author": "ann",
        }
        assert not extra, f"unknown sticky attributes {extra}"
        sticky["created_at"] = sticky["updated_at"] = self._now()
        self.stickies[sticky["id"]] = sticky
        return sticky["id"]

    def event(self, text, x=0, y=0, **extra):
        return self.sticky("event", text, x, y, **extra)

    def command(self, text, x=0, y=0, **extra):
        return self.sticky("command", text, x, y, **extra)

    def actor(self, text, x=0, y=0, **extra):
        return self.sticky("actor", text, x, y, **extra)

    def policy(self, text, x=0, y=0, **extra):
        return self.sticky("policy", text, x, y, **extra)

    def system(self, text, x=0, y=0, **extra):
        return self.sticky("external_system", text, x, y, **extra)

    def read_model(self, text, x=0, y=0, **extra):
        return self.sticky("read_model", text, x, y, **extra)

    def hotspot(self, text, x=0, y=0, **extra):
        return self.sticky("hotspot", text, x, y, **extra)

    def aggregate(self, text, x, y, width=640, height=400, **extra):
        return self.sticky("aggregate", text, x, y, width=width, height=height, **extra)

    def context(self, text, x, y, width=1280, height=800, **extra):
        return self.sticky("context", text, x, y, width=width, height=height, **extra)

    def link(self, source, target):
        link_id = self._id()
        self.links[link_id] = {
            "id": link_id,
            "from": source,
            "to": target,
            "author": "ann",
            "created_at": self._now(),
        }
        return link_id

    def chain(self, *stickies):
        """Link each sticky to the next: `chain(actor, command, event)`."""
        return [self.link(a, b) for a, b in itertools.pairwise(stickies)]

    def vote(self, sticky, member):
        self.votes.append({"sticky": sticky, "member": member})

    def move(self, sticky, x, y):
        self.stickies[sticky].update(x=float(x), y=float(y))

    def update(self, sticky, **changes):
        self.stickies[sticky].update(changes)

    def snapshot(self):
        return {
            "board": {"phase": self.phase, "locked": False, "timer": None},
            "stickies": sorted(
                self.stickies.values(), key=lambda s: (s["created_at"], s["id"])
            ),
            "links": sorted(
                self.links.values(), key=lambda s: (s["created_at"], s["id"])
            ),
            "votes": sorted(self.votes, key=lambda v: (v["sticky"], v["member"])),
        }

    def derive(self, **kwargs):
        return derive(self.snapshot(), **kwargs)


def ordering_board(seed=0, phase="bound"):
    """A small finished workshop: two contexts, a correct flow across them.

    Returns the builder and a dict of the stickies by a short key.
    """
    b = BoardBuilder(phase, seed)
    s = {}
    s["ordering"] = b.context("Ordering", 0, 0, 1400, 900)
    s["payments"] = b.context("Payments", 1500, 0, 1200, 900)
    s["order"] = b.aggregate("Order", 300, 200, 700, 400)
    s["payment"] = b.aggregate("Payment", 1800, 200, 700, 400)
    s["customer"] = b.actor("Customer", 100, 250)
    s["place"] = b.command("Place Order", 340, 260, fields=["items: list[str]"])
    s["placed"] = b.event(
        "Order Placed", 560, 260, fields=["order id: uuid", "total: decimal"]
    )
    s["summary"] = b.read_model("Order Summary", 560, 700)
    s["charge_policy"] = b.policy(
        "Whenever an order is placed, then charge it", 1520, 700
    )
    s["charge"] = b.command("Charge Card", 1840, 260)
    s["charged"] = b.event("Payment Received", 2060, 260, pivotal=True)
    s["provider"] = b.system("Card Provider", 2000, 650)
    s["ship_hotspot"] = b.hotspot("Who pays for shipping?", 2300, 650)
    b.chain(s["customer"], s["place"], s["placed"], s["charge_policy"], s["charge"])
    b.link(s["charge"], s["charged"])
    b.link(s["charge"], s["provider"])
    b.link(s["placed"], s["summary"])
    b.link(s["summary"], s["customer"])
    b.link(s["charged"], s["summary"])
    b.link(s["ship_hotspot"], s["charged"])
    return b, s
