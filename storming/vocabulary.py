"""The workshop's fixed vocabulary: sticky kinds, phases, roles and limits."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    EVENT = "event", _("Domain event")
    COMMAND = "command", _("Command")
    ACTOR = "actor", _("Actor")
    POLICY = "policy", _("Policy")
    EXTERNAL_SYSTEM = "external_system", _("External system")
    READ_MODEL = "read_model", _("Read model")
    HOTSPOT = "hotspot", _("Hot spot")
    AGGREGATE = "aggregate", _("Aggregate")
    CONTEXT = "context", _("Bounded context")


FRAME_KINDS = frozenset({Kind.AGGREGATE, Kind.CONTEXT})

# Conventional sizes in board units; frames are drawn large so they can hold
# the stickies that belong to them.
DEFAULT_SIZE = {
    Kind.EVENT: (160, 160),
    Kind.COMMAND: (160, 160),
    Kind.ACTOR: (160, 80),
    Kind.POLICY: (240, 160),
    Kind.EXTERNAL_SYSTEM: (240, 160),
    Kind.READ_MODEL: (160, 160),
    Kind.HOTSPOT: (160, 160),
    Kind.AGGREGATE: (640, 400),
    Kind.CONTEXT: (1280, 800),
}


class Phase(models.TextChoices):
    FIND = "find", _("Find events")
    ORDER = "order", _("Order the timeline")
    ATTRIBUTE = "attribute", _("Attribute causes")
    AGGREGATE = "aggregate", _("Find aggregates")
    BOUND = "bound", _("Draw bounded contexts")
    REVIEW = "review", _("Review the model")


# The dot vote's starting point in each phase (the page's vote dialog): how
# many dots each, and what is worth voting on. Hot spots are always in:
# "problems and opportunities" is the classic dot vote.
VOTE_DEFAULTS = {
    Phase.FIND: (3, (Kind.EVENT, Kind.HOTSPOT)),
    Phase.ORDER: (3, (Kind.EVENT, Kind.HOTSPOT)),
    Phase.ATTRIBUTE: (3, (Kind.HOTSPOT, Kind.COMMAND, Kind.POLICY)),
    Phase.AGGREGATE: (3, (Kind.HOTSPOT, Kind.AGGREGATE)),
    Phase.BOUND: (2, (Kind.HOTSPOT, Kind.CONTEXT)),
    Phase.REVIEW: (3, (Kind.HOTSPOT,)),
}


class Role(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    PARTICIPANT = "participant", _("Participant")
    VIEWER = "viewer", _("Viewer (read-only)")


MAX_TEXT = 500
MAX_DESCRIPTION = 4000
MAX_CODE_NAME = 80
# Commands in one `batch`: a 2,000-sticky move is one gesture.
MAX_BATCH = 2000
# How an event that leaves its bounded context travels in exported code:
# carrying its data (event-carried state transfer, the default) or as a
# notification (an id and a reference the consumer calls back with).
EVENT_STYLES = ("state", "notification")
MAX_FIELDS = 40
MAX_FIELD_PART = 80
MIN_SIZE = 20.0
MAX_SIZE = 20000.0
# Far beyond any real board, but keeps floats exact and layouts sane.
MAX_COORDINATE = 1e7
MAX_TIMER_SECONDS = 4 * 3600
MAX_COMMAND_ID = 64


def for_page():
    """The vocabulary as the board page's scripts read it, labels in the
    active language: rendered once into the page (json_script), read by
    static/js/board/vocabulary.js, so the scripts keep no copies of it.

    The event names and the write rule come from where the server keeps
    them (commands.py, access.py), imported here, not at the top: both
    import this module.
    """
    from .access import can_write
    from .commands import EVENT_NAMES, MAX_LANE_NAME, MAX_LANES, UNDOABLE_EVENTS
    from .models import Board, Member

    def writers(locked):
        board = Board(locked=locked)
        return [role.value for role in Role if can_write(Member(role=role), board)]

    return {
        "kinds": [
            {
                "kind": kind.value,
                "label": str(kind.label),
                "width": DEFAULT_SIZE[kind][0],
                "height": DEFAULT_SIZE[kind][1],
                "frame": kind in FRAME_KINDS,
            }
            for kind in Kind
        ],
        "phases": [
            {"phase": phase.value, "label": str(phase.label)} for phase in Phase
        ],
        "roles": [{"role": role.value, "label": str(role.label)} for role in Role],
        "events": list(EVENT_NAMES),
        "undoable": sorted(UNDOABLE_EVENTS),
        # Who may change the board: by role, on an open and on a locked board.
        "write": {"open": writers(False), "locked": writers(True)},
        "limits": {
            "text": MAX_TEXT,
            "description": MAX_DESCRIPTION,
            "code_name": MAX_CODE_NAME,
            "batch": MAX_BATCH,
            "min_size": MIN_SIZE,
            "max_size": MAX_SIZE,
            "coordinate": MAX_COORDINATE,
            "lanes": MAX_LANES,
            "lane_name": MAX_LANE_NAME,
        },
        "vote_defaults": {
            phase.value: {"votes": votes, "kinds": [kind.value for kind in kinds]}
            for phase, (votes, kinds) in VOTE_DEFAULTS.items()
        },
    }
