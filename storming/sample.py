"""The sample board: a finished workshop on a small online shop.

`load_sample` plays the workshop through `services.execute`, phase by phase,
so the board's log tells how it came about: in *find* three people post
events roughly in time (one duplicate, one in the wrong words); in *order*
the events move onto the timeline, the duplicate goes, pivotal events and hot
spots appear; *attribute* adds actors, commands, policies, external systems,
read models, the data events and commands carry, the links between them and a
dot vote on the hot spots; *aggregate* and *bound* draw the frames; the board
ends in *review*.

Coordinates are the top-left corner of each sticky in board units. The layout
keeps both that corner and the sticky's centre inside the frames it belongs to,
and events run left to right in time (a parallel outcome sits below, in the
same column).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from . import services
from .models import Board
from .vocabulary import Kind, Phase

SAMPLE_NAME = "Sample: online shop"
SAMPLE_DESCRIPTION = (
    "A finished event storming workshop on a small online shop: ordering, "
    "payments and shipping, from the first item in the cart to the parcel at "
    "the door."
)
SAMPLE_USERNAME = "sample"

# People in the room besides the owner, who facilitates. They join as guests
# through the board's share link.
GUESTS = {
    "dana": "Dana (domain expert)",
    "lee": "Lee (developer)",
}


@dataclass(frozen=True)
class Frame:
    key: str
    kind: str
    text: str
    x: float
    y: float
    width: float
    height: float
    # The frame this one sits in (an aggregate's context).
    parent: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Note:
    key: str
    kind: str
    text: str
    x: float
    y: float
    # The innermost frame the note belongs to: an aggregate, else a context.
    frame: str
    author: str = "owner"
    fields: tuple[str, ...] = ()
    pivotal: bool = False
    description: str = ""
    # For events, where it was first posted during *find* and what it said then.
    rough: tuple[float, float] | None = None
    first_text: str | None = None


CONTEXTS = (
    Frame(
        "ordering",
        Kind.CONTEXT,
        "Ordering",
        0,
        0,
        1400,
        960,
        description="Carts and orders, in the customer's words.",
    ),
    Frame(
        "payments",
        Kind.CONTEXT,
        "Payments",
        1440,
        0,
        1000,
        960,
        description="Taking the money: authorisation, capture, declines.",
    ),
    Frame(
        "shipping",
        Kind.CONTEXT,
        "Shipping",
        2480,
        0,
        1640,
        960,
        description="Shipments, parcels and carriers; the warehouse's language.",
    ),
)

AGGREGATES = (
    Frame("cart", Kind.AGGREGATE, "Cart", 220, 200, 440, 320, "ordering"),
    Frame("order", Kind.AGGREGATE, "Order", 900, 200, 440, 320, "ordering"),
    Frame("payment", Kind.AGGREGATE, "Payment", 1760, 200, 440, 480, "payments"),
    Frame("shipment", Kind.AGGREGATE, "Shipment", 2800, 200, 840, 320, "shipping"),
)
FRAMES = {frame.key: frame for frame in (*CONTEXTS, *AGGREGATES)}

# Domain events, in the order they happen.
EVENTS = (
    Note(
        "item_added",
        Kind.EVENT,
        "Item Added To Cart",
        460,
        280,
        "cart",
        author="dana",
        fields=(
            "cart_id: uuid",
            "product_id: uuid",
            "quantity: int",
            "unit_price: decimal",
        ),
        rough=(380, -520),
    ),
    Note(
        "order_placed",
        Kind.EVENT,
        "Order Placed",
        1140,
        280,
        "order",
        author="dana",
        pivotal=True,
        fields=(
            "order_id: uuid",
            "customer_id: uuid",
            "lines: list[str]",
            "total: decimal",
            "currency: str",
        ),
        description="From here on the order's lines and total are fixed.",
        rough=(900, -380),
    ),
    Note(
        "payment_captured",
        Kind.EVENT,
        "Payment Captured",
        2000,
        280,
        "payment",
        author="dana",
        pivotal=True,
        fields=(
            "payment_id: uuid",
            "order_id: uuid",
            "amount: decimal",
            "captured_at: datetime",
        ),
        rough=(1700, -560),
    ),
    Note(
        "payment_declined",
        Kind.EVENT,
        "Payment Declined",
        2000,
        480,
        "payment",
        author="dana",
        fields=("payment_id: uuid", "order_id: uuid", "reason: str"),
        # Renamed during *order*: the card gateway says "declined".
        first_text="Payment Failed",
        rough=(1880, -330),
    ),
    Note(
        "shipment_scheduled",
        Kind.EVENT,
        "Shipment Scheduled",
        3040,
        280,
        "shipment",
        author="lee",
        fields=("shipment_id: uuid", "order_id: uuid", "warehouse: str"),
        rough=(2600, -500),
    ),
    Note(
        "shipment_dispatched",
        Kind.EVENT,
        "Shipment Dispatched",
        3440,
        280,
        "shipment",
        author="owner",
        pivotal=True,
        fields=("shipment_id: uuid", "carrier: str", "tracking_number: str"),
        rough=(3000, -360),
    ),
    Note(
        "parcel_delivered",
        Kind.EVENT,
        "Parcel Delivered",
        3700,
        280,
        "shipping",
        author="lee",
        fields=("shipment_id: uuid", "delivered_at: datetime"),
        rough=(3500, -540),
    ),
)

# Posted during *find* as a duplicate of "Order Placed", removed in *order*.
DUPLICATE = Note(
    "order_submitted",
    Kind.EVENT,
    "Order Submitted",
    0,
    0,
    "ordering",
    author="lee",
    rough=(1060, -560),
)

HOTSPOTS_ORDER = (
    Note(
        "guest_checkout",
        Kind.HOTSPOT,
        "Guest checkout, or is an account required?",
        700,
        600,
        "ordering",
        author="lee",
    ),
    Note(
        "declined_hold",
        Kind.HOTSPOT,
        "Card declined: how long do we hold the order and its stock?",
        2240,
        480,
        "payments",
        author="dana",
    ),
)

# Who and what causes the events: created during *attribute*.
CAUSES = (
    Note("customer_browsing", Kind.ACTOR, "Customer", 40, 320, "ordering"),
    Note(
        "add_item",
        Kind.COMMAND,
        "Add Item To Cart",
        260,
        280,
        "cart",
        fields=("cart_id: uuid", "product_id: uuid", "quantity: int"),
    ),
    Note(
        "cart_summary",
        Kind.READ_MODEL,
        "Cart Summary",
        700,
        280,
        "ordering",
        author="lee",
        description="Lines, quantities, prices and the running total.",
    ),
    Note("customer_checkout", Kind.ACTOR, "Customer", 700, 100, "ordering"),
    Note(
        "place_order",
        Kind.COMMAND,
        "Place Order",
        940,
        280,
        "order",
        fields=(
            "cart_id: uuid",
            "shipping_address: str",
            "payment_method: str",
        ),
    ),
    Note(
        "capture_policy",
        Kind.POLICY,
        "Whenever order placed, then capture payment",
        1480,
        300,
        "payments",
        author="dana",
    ),
    Note(
        "capture_payment",
        Kind.COMMAND,
        "Capture Payment",
        1800,
        280,
        "payment",
        author="dana",
        fields=("order_id: uuid", "amount: decimal", "currency: str"),
    ),
    Note(
        "payment_provider",
        Kind.EXTERNAL_SYSTEM,
        "Payment Provider (card gateway)",
        1800,
        740,
        "payments",
        author="lee",
    ),
    Note(
        "ship_policy",
        Kind.POLICY,
        "Whenever payment captured, then ship order",
        2520,
        300,
        "shipping",
    ),
    Note(
        "ship_order",
        Kind.COMMAND,
        "Ship Order",
        2840,
        280,
        "shipment",
        author="lee",
        fields=("order_id: uuid", "address: str", "lines: list[str]"),
    ),
    Note(
        "packing_list",
        Kind.READ_MODEL,
        "Packing List",
        3040,
        600,
        "shipping",
        author="lee",
        description="What to pick and pack for each scheduled shipment.",
    ),
    Note("warehouse_clerk", Kind.ACTOR, "Warehouse Clerk", 3240, 640, "shipping"),
    Note(
        "confirm_dispatch",
        Kind.COMMAND,
        "Confirm Dispatch",
        3240,
        280,
        "shipment",
        fields=("shipment_id: uuid", "carrier: str", "tracking_number: str"),
    ),
    Note(
        "carrier",
        Kind.EXTERNAL_SYSTEM,
        "Carrier (parcel service)",
        3680,
        600,
        "shipping",
        author="lee",
    ),
    Note(
        "order_tracking",
        Kind.READ_MODEL,
        "Order Tracking",
        3920,
        280,
        "shipping",
        author="dana",
        description="Where the customer's parcel is, with the tracking link.",
    ),
    Note("customer_tracking", Kind.ACTOR, "Customer", 3920, 100, "shipping"),
)

HOTSPOTS_ATTRIBUTE = (
    Note(
        "split_shipment",
        Kind.HOTSPOT,
        "Items from two warehouses: one shipment or two?",
        2840,
        600,
        "shipping",
        author="lee",
    ),
)

# The grammar's links: actor -> command -> event -> policy -> command,
# event -> read model -> actor, command -> external system, system -> event.
LINKS = (
    ("customer_browsing", "add_item"),
    ("add_item", "item_added"),
    ("item_added", "cart_summary"),
    ("cart_summary", "customer_checkout"),
    ("customer_checkout", "place_order"),
    ("place_order", "order_placed"),
    ("order_placed", "capture_policy"),
    ("capture_policy", "capture_payment"),
    ("capture_payment", "payment_provider"),
    ("capture_payment", "payment_captured"),
    ("capture_payment", "payment_declined"),
    ("payment_captured", "ship_policy"),
    ("ship_policy", "ship_order"),
    ("ship_order", "shipment_scheduled"),
    ("shipment_scheduled", "packing_list"),
    ("packing_list", "warehouse_clerk"),
    ("warehouse_clerk", "confirm_dispatch"),
    ("confirm_dispatch", "shipment_dispatched"),
    ("shipment_dispatched", "order_tracking"),
    ("carrier", "parcel_delivered"),
    ("parcel_delivered", "order_tracking"),
    ("order_tracking", "customer_tracking"),
)

# The dot vote on problems, at the end of *attribute*: who voted for what.
VOTES = (
    ("declined_hold", ("owner", "dana", "lee")),
    ("split_shipment", ("dana", "lee")),
    ("guest_checkout", ("lee",)),
)

NOTES = (*EVENTS, *HOTSPOTS_ORDER, *CAUSES, *HOTSPOTS_ATTRIBUTE)
FIND_TIMER_SECONDS = 15 * 60


def sample_user(username=None):
    """The owner: `username`'s account, or the "sample" user by default.

    The default user gets an unusable password: nobody signs in as it.
    """
    User = get_user_model()
    if username is not None:
        try:
            return User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise LookupError(f"no user named {username!r}") from None
    user, created = User.objects.get_or_create(**{User.USERNAME_FIELD: SAMPLE_USERNAME})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def existing_samples(user):
    return Board.objects.filter(name=SAMPLE_NAME, created_by=user)


def load_sample(user, replace=False):
    """Create the sample board for `user`; return (board, created).

    An existing sample board of the user is kept (created is False), or with
    `replace` deleted and played anew. All or nothing: a failure midway
    leaves no half-told board behind.
    """
    with transaction.atomic():
        existing = existing_samples(user).order_by("created_at").first()
        if existing is not None and not replace:
            return existing, False
        if replace:
            existing_samples(user).delete()
        board = services.create_board(user, SAMPLE_NAME, SAMPLE_DESCRIPTION)
        Workshop(board).play()
    board.refresh_from_db()
    return board, True


class Workshop:
    """Plays the workshop on `board`, one command at a time."""

    def __init__(self, board):
        self.board = board
        self.members = {"owner": board.members.get(user=board.created_by)}
        for key, name in GUESTS.items():
            self.members[key] = services.join_by_invite(
                board, board.invite_token, display_name=name
            )
        self.ids = {}

    def run(self, name, data=None, by="owner"):
        return services.execute(self.board.pk, self.members[by], name, data).event

    def post(self, note, x, y, text=None, **extra):
        data = {"kind": note.kind, "text": text or note.text, "x": x, "y": y, **extra}
        event = self.run("sticky.create", data, by=note.author)
        self.ids[note.key] = event["data"]["id"]
        return event

    def post_note(self, note):
        extra = {}
        if note.fields:
            extra["fields"] = list(note.fields)
        if note.description:
            extra["description"] = note.description
        return self.post(note, note.x, note.y, **extra)

    def post_frame(self, frame, by="owner"):
        data = {
            "kind": frame.kind,
            "text": frame.text,
            "x": frame.x,
            "y": frame.y,
            "width": frame.width,
            "height": frame.height,
        }
        if frame.description:
            data["description"] = frame.description
        event = self.run("sticky.create", data, by=by)
        self.ids[frame.key] = event["data"]["id"]

    def play(self):
        self.find()
        self.order()
        self.attribute()
        self.aggregate()
        self.bound()
        self.run("phase.set", {"phase": Phase.REVIEW})

    def find(self):
        """Everyone posts events, in silence, roughly in time."""
        self.run("timer.start", {"seconds": FIND_TIMER_SECONDS})
        for note in EVENTS:
            self.post(note, *note.rough, text=note.first_text)
        self.post(DUPLICATE, *DUPLICATE.rough)
        self.run("timer.stop")

    def order(self):
        """The timeline: move, merge, rename, mark pivotal events, park arguments."""
        self.run("phase.set", {"phase": Phase.ORDER})
        for note in EVENTS:
            self.run(
                "sticky.move", {"id": self.ids[note.key], "x": note.x, "y": note.y}
            )
        # "Order Submitted" says the same as "Order Placed".
        self.run("sticky.delete", {"id": self.ids.pop(DUPLICATE.key)})
        for note in EVENTS:
            if note.first_text is not None:
                self.run(
                    "sticky.update",
                    {"id": self.ids[note.key], "text": note.text},
                    by=note.author,
                )
        for note in EVENTS:
            if note.pivotal:
                self.run("sticky.update", {"id": self.ids[note.key], "pivotal": True})
        for note in HOTSPOTS_ORDER:
            self.post_note(note)

    def attribute(self):
        """Who or what causes each event, what they look at, and what follows."""
        self.run("phase.set", {"phase": Phase.ATTRIBUTE})
        for note in CAUSES:
            self.post_note(note)
        for note in EVENTS:
            self.run(
                "sticky.update",
                {"id": self.ids[note.key], "fields": list(note.fields)},
                by=note.author,
            )
            if note.description:
                self.run(
                    "sticky.update",
                    {"id": self.ids[note.key], "description": note.description},
                    by=note.author,
                )
        for source, target in LINKS:
            self.run("link.create", {"from": self.ids[source], "to": self.ids[target]})
        for note in HOTSPOTS_ATTRIBUTE:
            self.post_note(note)
        for key, voters in VOTES:
            for voter in voters:
                self.run("vote.cast", {"id": self.ids[key]}, by=voter)

    def aggregate(self):
        self.run("phase.set", {"phase": Phase.AGGREGATE})
        for frame in AGGREGATES:
            self.post_frame(frame, by="lee")

    def bound(self):
        self.run("phase.set", {"phase": Phase.BOUND})
        for frame in CONTEXTS:
            self.post_frame(frame, by="dana")
