"""Reviewed versions of a board's domain model.

A `ModelVersion` is the model as a facilitator froze it: the canonical JSON
(`Model.to_dict()`), its content hash, the board seq it was derived at, the
check results of that moment and who froze it. Versions never change after
they are made, except for their note; `modeling.services.freeze` makes them.
The counts are copies of what the content holds, kept in columns so that the
admin lists hundreds of versions without reading their JSON.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from storming.models import Board


class ModelVersion(models.Model):
    board = models.ForeignKey(
        Board, on_delete=models.CASCADE, related_name="model_versions"
    )
    # 1, 2, ... per board, in the order they were frozen.
    number = models.PositiveIntegerField()
    # The board's head seq when the model was derived.
    seq = models.PositiveBigIntegerField()
    schema_version = models.PositiveSmallIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    # The checks as they ran when the version was frozen (`Finding.to_dict()`).
    findings = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="model_versions",
    )
    # The author's name on the board, kept when the account goes (and for guests).
    author_name = models.CharField(max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    contexts = models.PositiveIntegerField(default=0)
    aggregates = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)
    commands = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["board", "-number"]
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        constraints = [
            models.UniqueConstraint(
                fields=["board", "number"], name="one_model_version_number_per_board"
            )
        ]

    def __str__(self):
        return f"{self.board} v{self.number}"

    @property
    def label(self):
        return f"v{self.number}"

    @property
    def summary(self):
        """How many findings of each severity the version was frozen with."""
        counts = {"error": 0, "warning": 0, "hint": 0}
        for finding in self.findings:
            counts[finding["severity"]] = counts.get(finding["severity"], 0) + 1
        return counts

    def previous(self):
        """The version frozen just before this one on the same board, if any."""
        return (
            ModelVersion.objects.filter(board_id=self.board_id, number__lt=self.number)
            .order_by("-number")
            .first()
        )
