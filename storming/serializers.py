from django.urls import reverse
from rest_framework import serializers

from .commands import COMMAND_NAMES
from .models import Board, Member
from .transfer import FORMAT, VERSION
from .vocabulary import EVENT_STYLES, Kind, Phase, Role


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.SerializerMethodField()
    is_guest = serializers.BooleanField(read_only=True)

    class Meta:
        model = Member
        fields = ["id", "display_name", "role", "username", "is_guest", "joined_at"]
        read_only_fields = fields

    def get_username(self, member) -> str | None:
        return member.user.get_username() if member.user_id else None


class MemberAddSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.PARTICIPANT)


class MemberChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    display_name = serializers.CharField(max_length=80, required=False)


class BoardSerializer(serializers.ModelSerializer):
    seq = serializers.IntegerField(source="head_seq", read_only=True)
    role = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Board
        fields = [
            "id",
            "name",
            "description",
            "archived",
            "phase",
            "locked",
            "seq",
            "role",
            "page_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "phase", "locked", "seq", "created_at", "updated_at"]

    def get_role(self, board) -> str | None:
        roles = self.context.get("roles", {})
        return roles.get(board.pk)

    def get_page_url(self, board) -> str:
        return reverse("board", args=[board.pk])


class BoardCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class CommandSerializer(serializers.Serializer):
    """A board command; the same frame the websocket takes (`type` optional)."""

    type = serializers.ChoiceField(choices=["command"], required=False)
    id = serializers.CharField(
        required=False, max_length=64, help_text="Client op id; an idempotency key."
    )
    name = serializers.ChoiceField(choices=COMMAND_NAMES)
    data = serializers.JSONField(required=False, default=dict)


class EventSerializer(serializers.Serializer):
    """A board event as clients receive it (documentation only)."""

    type = serializers.CharField()
    seq = serializers.IntegerField()
    name = serializers.CharField()
    data = serializers.JSONField()
    by = serializers.UUIDField(allow_null=True)
    id = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    undo_of = serializers.IntegerField(required=False)
    redo_of = serializers.IntegerField(required=False)
    group = serializers.IntegerField(
        required=False,
        help_text="The first seq of the group the event belongs to: the events "
        "of one batch, group undo or restore, which undo takes back together.",
    )
    events = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="REST answers only: every event of a command that made several "
        "(a batch, a group undo, a restore), in order; the answer is the last.",
    )


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    seq = serializers.IntegerField(help_text="The board's latest seq.")
    next = serializers.URLField(allow_null=True)


class StateSerializer(serializers.Serializer):
    board = serializers.UUIDField()
    seq = serializers.IntegerField()
    state = serializers.JSONField()
    members = MemberSerializer(many=True)


class InviteSerializer(serializers.Serializer):
    token = serializers.CharField()
    url = serializers.URLField()


class JoinSerializer(serializers.Serializer):
    invite = serializers.CharField()
    display_name = serializers.CharField(max_length=80, required=False)


class ErrorSerializer(serializers.Serializer):
    type = serializers.CharField(default="error")
    id = serializers.CharField(allow_null=True)
    code = serializers.ChoiceField(
        choices=[
            "invalid",
            "forbidden",
            "not_found",
            "conflict",
            "rate_limited",
            "unavailable",
            "internal",
        ]
    )
    message = serializers.CharField()
    retry_after = serializers.FloatField(
        required=False,
        help_text="rate_limited, unavailable: seconds to wait before sending "
        "the same request again (also the Retry-After header).",
    )
    details = serializers.JSONField(
        required=False,
        help_text="What a client needs to recover, e.g. a conflict's current sticky.",
    )
    fields = serializers.DictField(
        required=False, help_text="Per-field messages of a rejected request body."
    )


# -- the board export document (documentation only; `storming.transfer` reads
# and writes it) ---------------------------------------------------------------


class ExportedBoardSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, help_text="The exported board's id.")
    seq = serializers.IntegerField(
        required=False, help_text="The seq of the exported board's log."
    )
    name = serializers.CharField(
        required=False, help_text="Required unless the import gives a name."
    )
    description = serializers.CharField(required=False, allow_blank=True)
    phase = serializers.ChoiceField(choices=Phase.choices, required=False)
    locked = serializers.BooleanField(required=False)


class ExportedStickySerializer(serializers.Serializer):
    id = serializers.CharField(
        help_text="Ties links and votes to the sticky; an import gives a new one."
    )
    kind = serializers.ChoiceField(choices=Kind.choices)
    text = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    fields = serializers.JSONField(
        required=False, help_text="[{name, type}] or ['name: type']"
    )
    x = serializers.FloatField()
    y = serializers.FloatField()
    width = serializers.FloatField(required=False)
    height = serializers.FloatField(required=False)
    pivotal = serializers.BooleanField(required=False)
    event_style = serializers.ChoiceField(
        choices=EVENT_STYLES,
        required=False,
        help_text="Events: how the event leaves its context in exported code.",
    )
    code_name = serializers.CharField(required=False, allow_blank=True)


# "from" is a Python keyword, hence the class made by hand.
ExportedLinkSerializer = type(
    "ExportedLinkSerializer",
    (serializers.Serializer,),
    {
        "id": serializers.CharField(required=False),
        "from": serializers.CharField(help_text="A sticky id of the document."),
        "to": serializers.CharField(help_text="A sticky id of the document."),
    },
)


class ExportedVoteSerializer(serializers.Serializer):
    sticky = serializers.CharField(help_text="A sticky id of the document.")
    voter = serializers.CharField(
        help_text="A pseudonym ('voter-1'): votes name no member."
    )


class BoardDocumentSerializer(serializers.Serializer):
    """A whole board: what the export gives and the import takes."""

    format = serializers.ChoiceField(choices=[FORMAT])
    version = serializers.ChoiceField(choices=[VERSION])
    exported_at = serializers.CharField(required=False)
    board = ExportedBoardSerializer()
    stickies = ExportedStickySerializer(
        many=True, help_text="In the order they were created."
    )
    links = ExportedLinkSerializer(many=True, required=False)
    votes = ExportedVoteSerializer(many=True, required=False)
