"""The shapes the model API serves and accepts."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import ModelVersion
from .services import MAX_NOTE


class FindingSerializer(serializers.Serializer):
    check = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning", "hint"])
    message = serializers.CharField()
    stickies = serializers.ListField(child=serializers.CharField())


class CheckHelpSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="The check in a few words")
    explanation = serializers.CharField(
        help_text="What it means and why it matters in the workshop"
    )
    fix = serializers.CharField(help_text="What to do on the board")
    one = serializers.CharField(help_text="What one finding counts, after the number 1")
    many = serializers.CharField(help_text="What several count, after their number")


class SummarySerializer(serializers.Serializer):
    error = serializers.IntegerField()
    warning = serializers.IntegerField()
    hint = serializers.IntegerField()


class CountsSerializer(serializers.Serializer):
    contexts = serializers.IntegerField()
    aggregates = serializers.IntegerField()
    events = serializers.IntegerField()
    commands = serializers.IntegerField()
    policies = serializers.IntegerField()
    read_models = serializers.IntegerField()
    actors = serializers.IntegerField()
    external_systems = serializers.IntegerField()
    hotspots = serializers.IntegerField()


class LiveModelSerializer(serializers.Serializer):
    """The board's model as it is now, with its checks."""

    board = serializers.UUIDField()
    seq = serializers.IntegerField()
    phase = serializers.CharField(help_text="The phase the checks ran for")
    schema_version = serializers.IntegerField()
    content_hash = serializers.CharField()
    counts = CountsSerializer()
    summary = SummarySerializer()
    findings = FindingSerializer(many=True)
    help = serializers.DictField(
        child=CheckHelpSerializer(),
        help_text="By check id, for each check among the findings",
    )
    model = serializers.JSONField(help_text="The model's canonical JSON form")


class ModelVersionSerializer(serializers.ModelSerializer):
    board = serializers.UUIDField(source="board_id", read_only=True)
    author = serializers.CharField(source="author_name", read_only=True)
    summary = serializers.SerializerMethodField()

    class Meta:
        model = ModelVersion
        fields = [
            "board",
            "number",
            "seq",
            "schema_version",
            "content_hash",
            "author",
            "note",
            "created_at",
            "contexts",
            "aggregates",
            "events",
            "commands",
            "errors",
            "warnings",
            "summary",
        ]
        read_only_fields = fields

    @extend_schema_field(SummarySerializer)
    def get_summary(self, version):
        return version.summary


class ModelVersionDetailSerializer(ModelVersionSerializer):
    findings = FindingSerializer(many=True, read_only=True)
    content = serializers.JSONField(read_only=True)

    class Meta(ModelVersionSerializer.Meta):
        fields = [*ModelVersionSerializer.Meta.fields, "findings", "content"]
        read_only_fields = fields


class FreezeSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=MAX_NOTE, required=False, allow_blank=True, default=""
    )


class DiffCountsSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    renamed = serializers.IntegerField()
    changed = serializers.IntegerField()


class DiffSerializer(serializers.Serializer):
    board = serializers.UUIDField()
    to = serializers.IntegerField()
    same = serializers.BooleanField(help_text="Both versions have the same hash")
    counts = DiffCountsSerializer()
    diff = serializers.JSONField(
        help_text="Per collection: added, removed, renamed and changed elements"
    )
    text = serializers.CharField(help_text="The diff as readable lines")

    def get_fields(self):
        # `from` is a keyword, so it cannot be a class attribute.
        fields = super().get_fields()
        fields["from"] = serializers.IntegerField()
        return fields


class ExportedFileSerializer(serializers.Serializer):
    path = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes")
    user_owned = serializers.BooleanField(
        help_text="A file for the user to edit: a re-export never replaces it"
    )
    text = serializers.CharField(allow_null=True, help_text="None for binary files")


class ExportPreviewSerializer(serializers.Serializer):
    format = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField())
    files = ExportedFileSerializer(many=True)
