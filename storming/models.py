"""Boards, their members, the board's event log and its projection tables.

`BoardEvent` is the source of truth. `Sticky`, `Link`, `Vote` and the board's
settings columns (phase, lock, timer) are a projection of the log, written only
by `storming.services` in the transaction that appends the event. Who did what
is kept as member ids (UUIDs, not foreign keys) so that removing a member never
rewrites history or the projection.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .vocabulary import Kind, Phase, Role


def new_invite_token():
    return secrets.token_urlsafe(24)


class Board(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="created_boards",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived = models.BooleanField(_("archived"), default=False)
    # The language the board's checks and exports speak (its README, glossary),
    # set from its creator's language when it is made.
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        default="en",
    )
    invite_token = models.CharField(
        max_length=64, unique=True, default=new_invite_token
    )
    # The log's head: the seq of the last appended event.
    head_seq = models.PositiveBigIntegerField(default=0)
    # Board settings, projected from the log like the stickies.
    phase = models.CharField(
        _("phase"), max_length=16, choices=Phase.choices, default=Phase.FIND
    )
    locked = models.BooleanField(default=False)
    timer_seconds = models.PositiveIntegerField(null=True, blank=True)
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    # The dot vote in progress, if any: {"id", "votes", "kinds", "revealed",
    # "started_at"} (see `storming.commands.vote_open`).
    voting = models.JSONField(null=True, blank=True)
    # Horizontal swimlanes of the timeline: [{"id", "name", "y", "height"}].
    lanes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("board")
        verbose_name_plural = _("boards")

    def __str__(self):
        return self.name


class Member(models.Model):
    """Someone on a board: an account holder, or a guest who came by invite."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    display_name = models.CharField(_("display name"), max_length=80)
    role = models.CharField(
        _("role"), max_length=16, choices=Role.choices, default=Role.PARTICIPANT
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["board", "user"],
                condition=Q(user__isnull=False),
                name="one_membership_per_user",
            )
        ]

    def __str__(self):
        return f"{self.display_name} ({self.role})"

    @property
    def is_guest(self):
        return self.user_id is None


class Sticky(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="stickies")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("text"), blank=True)
    description = models.TextField(_("description"), blank=True)
    # [{"name": "order_id", "type": "uuid"}, ...]: the data an event or a
    # command carries, used by code generation.
    fields = models.JSONField(default=list, blank=True)
    x = models.FloatField()
    y = models.FloatField()
    width = models.FloatField()
    height = models.FloatField()
    pivotal = models.BooleanField(default=False)
    # Events only: "state" (event-carried state transfer) or "notification".
    event_style = models.CharField(max_length=16, default="state")
    code_name = models.CharField(max_length=80, blank=True)
    version = models.PositiveIntegerField(default=1)
    author = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sticky")
        verbose_name_plural = _("stickies")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.kind}: {self.text[:40]}"


class Link(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="links")
    source = models.ForeignKey(Sticky, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Sticky, on_delete=models.CASCADE, related_name="+")
    author = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("link")
        verbose_name_plural = _("links")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target"], name="one_link_per_pair"
            )
        ]

    def __str__(self):
        return f"{self.source_id} -> {self.target_id}"


class Vote(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="votes")
    sticky = models.ForeignKey(Sticky, on_delete=models.CASCADE, related_name="votes")
    member = models.UUIDField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["sticky", "member"], name="one_vote_per_member"
            )
        ]

    def __str__(self):
        return f"vote of {self.member} for {self.sticky_id}"


class BoardEvent(models.Model):
    """One entry of a board's append-only log."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    name = models.CharField(max_length=40)
    # What changed, as sent to clients: enough to apply without asking back.
    data = models.JSONField()
    # What it replaced, so that undo can append the inverse event.
    before = models.JSONField(null=True, blank=True)
    actor = models.UUIDField(null=True, blank=True)
    # NULL, not "", for commands sent without an id: the unique key skips NULLs.
    command_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    undo_of = models.PositiveBigIntegerField(null=True, blank=True)
    redo_of = models.PositiveBigIntegerField(null=True, blank=True)
    # The first seq of the group this event belongs to: the events one action
    # made (a batch, a group undo, a restore), which undo takes back together.
    group = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["board", "seq"]
        verbose_name = _("board event")
        verbose_name_plural = _("board events")
        constraints = [
            models.UniqueConstraint(fields=["board", "seq"], name="unique_board_seq"),
            models.UniqueConstraint(
                fields=["board", "command_id"],
                condition=Q(command_id__isnull=False),
                name="unique_board_command_id",
            ),
        ]
        indexes = [
            models.Index(fields=["board", "actor", "seq"], name="board_actor_seq")
        ]

    def __str__(self):
        return f"#{self.seq} {self.name}"


class Preference(models.Model):
    """What a signed-in person chose for themselves, kept across sessions and
    devices: so far the language of the pages ("" for the browser's)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="preference",
    )
    language = models.CharField(
        _("language"), max_length=16, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")

    def __str__(self):
        return f"{self.user_id}: {self.language or '-'}"
