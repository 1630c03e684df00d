"""Django admin: boards and their members, and a read-only view of each board's
log and projection.

The log is append-only and the projection (stickies, links, votes, the board's
phase, lock and timer) changes only through `storming.services.execute`, so
the admin shows those and never writes them. What it may edit is what lives
outside the log: a board's name, description and archived flag, and a
member's role and display name.

A board's log can hold 100,000 events and its projection thousands of
stickies, so the board page shows a bounded slice of each (`LimitedFormSet`)
and links to the full changelist, filtered to the board.
"""

import json
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .commands import EVENT_NAMES
from .errors import CommandError
from .models import Board, BoardEvent, Link, Member, Sticky, Vote
from .vocabulary import Role

STICKY_ROWS = 200
EVENT_ROWS = 50
MEMBER_ROWS = 200
# How many boards the board filter offers besides the one selected.
RECENT_BOARDS = 20


def _count_per_board(model):
    """A subquery counting `model`'s rows of each board, 0 when none.

    Subqueries rather than `Count` over joins: joining members and stickies
    would multiply the rows of a board with many of both.
    """
    counts = (
        model.objects.filter(board=OuterRef("pk"))
        .order_by()
        .values("board")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _actor_name():
    """The display name of an event's actor (a member id, not a foreign key)."""
    return Subquery(
        Member.objects.filter(pk=OuterRef("actor")).values("display_name")[:1]
    )


def _changelist_url(model, **params):
    query = "&".join(f"{name}={value}" for name, value in params.items())
    url = reverse(f"admin:storming_{model._meta.model_name}_changelist")
    return f"{url}?{query}" if query else url


def _pretty_json(value):
    if value is None:
        return "-"
    return format_html(
        "<pre style='margin:0'>{}</pre>",
        json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True),
    )


class ReadOnlyAdminMixin:
    """View-only: these rows change only through the board's write path."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BoardListFilter(admin.SimpleListFilter):
    """Filter by board without listing every board there is.

    Offers the recently active boards and the one selected, so that the
    board page's "see all" links (`?board=<id>`) show which board is chosen.
    """

    title = gettext_lazy("board")
    parameter_name = "board"

    def _selected(self):
        value = self.value()
        if value is None:
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            raise IncorrectLookupParameters(f"not a board id: {value!r}") from None

    def lookups(self, request, model_admin):
        boards = Board.objects.order_by("-updated_at").values_list("pk", "name")
        choices = list(boards[:RECENT_BOARDS])
        selected = self._selected()
        if selected is not None and selected not in {pk for pk, _name in choices}:
            choices += list(Board.objects.filter(pk=selected).values_list("pk", "name"))
        return [(str(pk), name) for pk, name in choices]

    def queryset(self, request, queryset):
        selected = self._selected()
        if selected is None:
            return queryset
        return queryset.filter(board_id=selected)


class EventNameFilter(admin.SimpleListFilter):
    """The known event names, rather than a DISTINCT over the whole log."""

    title = gettext_lazy("event")
    parameter_name = "name"

    def lookups(self, request, model_admin):
        return [(name, name) for name in EVENT_NAMES]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(name=self.value())


# -- the board page's inlines ---------------------------------------------------


class LimitedFormSet(BaseInlineFormSet):
    """An inline formset over the first `limit` rows of its queryset only.

    Slicing happens here, after the formset has filtered the rows to the
    board: Django filters the inline's queryset, so it cannot come sliced.
    """

    limit = 50

    def get_queryset(self):
        if not hasattr(self, "_limited"):
            self._limited = list(super().get_queryset()[: self.limit])
        return self._limited


class StickyFormSet(LimitedFormSet):
    limit = STICKY_ROWS


class EventFormSet(LimitedFormSet):
    limit = EVENT_ROWS


class MemberFormSet(LimitedFormSet):
    limit = MEMBER_ROWS


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    max_num = 0
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class MemberInline(ReadOnlyInline):
    model = Member
    formset = MemberFormSet
    fields = ("display_name", "user", "role", "joined_at")
    verbose_name_plural = format_lazy(
        gettext_lazy("members (the first {rows}; edit one to change it)"),
        rows=MEMBER_ROWS,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class StickyInline(ReadOnlyInline):
    model = Sticky
    formset = StickyFormSet
    fields = ("kind", "short_text", "pivotal", "x", "y", "version", "updated_at")
    verbose_name_plural = format_lazy(
        gettext_lazy("stickies (the first {rows})"), rows=STICKY_ROWS
    )

    @admin.display(description=gettext_lazy("text"))
    def short_text(self, sticky):
        return Truncator(sticky.text).chars(60)


class EventInline(ReadOnlyInline):
    model = BoardEvent
    formset = EventFormSet
    fields = ("seq", "name", "actor_display", "command_id", "created_at", "summary")
    ordering = ("-seq",)
    verbose_name_plural = format_lazy(
        gettext_lazy("event log (the latest {rows} events)"), rows=EVENT_ROWS
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(actor_name=_actor_name())

    @admin.display(description=gettext_lazy("actor"))
    def actor_display(self, event):
        return event.actor_name or event.actor or "-"

    @admin.display(description=gettext_lazy("data"))
    def summary(self, event):
        return Truncator(json.dumps(event.data, ensure_ascii=False)).chars(100)


# -- boards -----------------------------------------------------------------------


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "created_by",
        "phase",
        "locked",
        "archived",
        "head_seq",
        "member_count",
        "sticky_count",
        "created_at",
        "updated_at",
    )
    list_select_related = ("created_by",)
    search_fields = (
        "name",
        "description",
        "members__display_name",
        "created_by__username",
    )
    list_filter = ("phase", "archived", "locked", "language", "created_at")
    # Only what lives outside the log is editable here.
    editable_fields = ("name", "description", "archived")
    fieldsets = (
        (None, {"fields": ("name", "description", "archived", "board_page")}),
        (
            gettext_lazy(
                "Log and projection (changed only through the board's commands)"
            ),
            {
                "fields": (
                    "head_seq",
                    "all_events",
                    "sticky_count",
                    "all_stickies",
                    "member_count",
                    "all_members",
                    "phase",
                    "locked",
                    "timer_seconds",
                    "timer_ends_at",
                )
            },
        ),
        (
            gettext_lazy("Details"),
            {
                "fields": (
                    "id",
                    "created_by",
                    "created_at",
                    "updated_at",
                    "invite_token",
                ),
                "classes": ("collapse",),
            },
        ),
    )
    readonly_fields = (
        "board_page",
        "head_seq",
        "all_events",
        "sticky_count",
        "all_stickies",
        "member_count",
        "all_members",
        "phase",
        "locked",
        "timer_seconds",
        "timer_ends_at",
        "id",
        "created_by",
        "created_at",
        "updated_at",
        "invite_token",
    )
    inlines = (MemberInline, StickyInline, EventInline)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .annotate(
                member_count=_count_per_board(Member),
                sticky_count=_count_per_board(Sticky),
            )
        )

    def get_inline_instances(self, request, obj=None):
        # The inlines are read-only, so a save has nothing to take from them;
        # skipping them spares rebuilding hundreds of rows on every POST.
        if request.method == "POST":
            return []
        return super().get_inline_instances(request, obj)

    def has_add_permission(self, request):
        # A board starts with its facilitator's membership: create it in the app
        # (or `manage.py load_sample`), where `services.create_board` does both.
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting cascades through the whole log, which the confirmation page
        # would list row by row; facilitators delete boards in the app, and
        # here a board can be archived.
        return False

    def save_model(self, request, obj, form, change):
        # Never a full save: it would write back a `head_seq` or `phase` read
        # before a concurrent command, and break the log's next append.
        fields = [name for name in form.changed_data if name in self.editable_fields]
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])

    @admin.display(description=gettext_lazy("members"), ordering="member_count")
    def member_count(self, board):
        return board.member_count

    @admin.display(description=gettext_lazy("stickies"), ordering="sticky_count")
    def sticky_count(self, board):
        return board.sticky_count

    @admin.display(description=gettext_lazy("board page"))
    def board_page(self, board):
        url = reverse("board", args=[board.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description=gettext_lazy("event log"))
    def all_events(self, board):
        return format_html(
            '<a href="{}">{}</a> {}',
            _changelist_url(BoardEvent, board=board.pk),
            _("all %(count)s events") % {"count": board.head_seq},
            _("(the latest %(rows)s are listed below)") % {"rows": EVENT_ROWS},
        )

    @admin.display(description=gettext_lazy("all stickies"))
    def all_stickies(self, board):
        return format_html(
            '<a href="{}">{}</a> {}',
            _changelist_url(Sticky, board=board.pk),
            _("all %(count)s stickies") % {"count": board.sticky_count},
            _("(the first %(rows)s are listed below)") % {"rows": STICKY_ROWS},
        )

    @admin.display(description=gettext_lazy("all members"))
    def all_members(self, board):
        return format_html(
            '<a href="{}">{}</a>',
            _changelist_url(Member, board=board.pk),
            _("all %(count)s members") % {"count": board.member_count},
        )


# -- members ----------------------------------------------------------------------


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ("display_name", "role")

    def clean_role(self):
        role = self.cleaned_data["role"]
        member = self.instance
        if member.role == Role.FACILITATOR and role != Role.FACILITATOR:
            # The same rule as `services.set_role`: a board keeps a facilitator.
            others = Member.objects.filter(
                board_id=member.board_id, role=Role.FACILITATOR
            ).exclude(pk=member.pk)
            if not others.exists():
                raise ValidationError(_("A board needs at least one facilitator."))
        return role


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    form = MemberForm
    list_display = ("display_name", "board", "user", "role", "joined_at")
    list_select_related = ("board", "user")
    list_filter = ("role", BoardListFilter)
    search_fields = ("display_name", "user__username", "board__name")
    fields = ("display_name", "role", "board", "user", "joined_at", "id")
    readonly_fields = ("board", "user", "joined_at", "id")

    def has_add_permission(self, request):
        # People join through the board's share link or its settings page.
        return False

    def get_actions(self, request):
        # One by one, through the services, which may refuse any of them.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # Changes go through the services, as the app's own do: under the board's
    # lock (the form's check above can be outrun by a concurrent change),
    # keeping a facilitator, and told to the open sockets.

    def save_model(self, request, obj, form, change):
        try:
            with transaction.atomic():
                if "display_name" in form.changed_data:
                    services.rename_member(obj, obj.display_name)
                if "role" in form.changed_data:
                    services.set_role(obj.board, None, obj, form.cleaned_data["role"])
        except CommandError as error:
            self._refused(request, error)

    def delete_model(self, request, obj):
        try:
            # The admin's log says "deleted" only if it was.
            with transaction.atomic():
                super().log_deletions(request, [obj])
                services.remove_member(obj.board, None, obj)
        except CommandError as error:
            self._refused(request, error)

    def log_deletions(self, request, queryset):
        pass  # in delete_model, with the deletion itself

    def log_change(self, request, obj, message):
        if not getattr(request, "refused_by_services", False):
            return super().log_change(request, obj, message)
        return None

    def _refused(self, request, error):
        request.refused_by_services = True
        self.message_user(
            request,
            _("Not saved: %(reason)s.") % {"reason": error.message},
            messages.ERROR,
        )

    def response_change(self, request, obj):
        if getattr(request, "refused_by_services", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        if getattr(request, "refused_by_services", False):
            return HttpResponseRedirect(
                reverse("admin:storming_member_change", args=[obj_id])
            )
        return super().response_delete(request, obj_display, obj_id)


# -- the projection and the log: read-only ------------------------------------------


@admin.register(Sticky)
class StickyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "short_text",
        "kind",
        "board",
        "pivotal",
        "x",
        "y",
        "version",
        "updated_at",
    )
    list_select_related = ("board",)
    list_filter = ("kind", BoardListFilter, "pivotal")
    search_fields = ("text", "description", "code_name")
    fields = (
        "board",
        "kind",
        "text",
        "description",
        "fields",
        "code_name",
        "pivotal",
        ("x", "y"),
        ("width", "height"),
        "version",
        "author",
        "created_at",
        "updated_at",
        "links",
        "votes",
        "id",
    )
    readonly_fields = ("links", "votes")

    @admin.display(description=gettext_lazy("text"), ordering="text")
    def short_text(self, sticky):
        return Truncator(sticky.text).chars(60) or "(empty)"

    @admin.display(description="links")
    def links(self, sticky):
        links = Link.objects.filter(Q(source=sticky) | Q(target=sticky)).select_related(
            "source", "target"
        )
        rows = [
            (
                reverse("admin:storming_sticky_change", args=[other.pk]),
                "->" if link.source_id == sticky.pk else "<-",
                other,
            )
            for link in links
            for other in [link.target if link.source_id == sticky.pk else link.source]
        ]
        if not rows:
            return "-"
        return format_html_join(mark_safe("<br>"), '{1} <a href="{0}">{2}</a>', rows)

    @admin.display(description="votes")
    def votes(self, sticky):
        return sticky.votes.count()


@admin.register(Link)
class LinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("source", "target", "board", "created_at")
    list_select_related = ("source", "target", "board")
    list_filter = (BoardListFilter,)
    search_fields = ("source__text", "target__text")


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("sticky", "member_name", "board", "created_at")
    list_select_related = ("sticky", "board")
    list_filter = (BoardListFilter,)
    search_fields = ("sticky__text",)

    def get_queryset(self, request):
        member = Member.objects.filter(pk=OuterRef("member"))
        return (
            super()
            .get_queryset(request)
            .annotate(member_name=Subquery(member.values("display_name")[:1]))
        )

    @admin.display(description=gettext_lazy("member"))
    def member_name(self, vote):
        return vote.member_name or vote.member


@admin.register(BoardEvent)
class BoardEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The append-only log: nothing here can be added, changed or deleted."""

    list_display = ("seq", "board", "name", "actor_display", "command_id", "created_at")
    list_display_links = ("seq", "name")
    list_select_related = ("board",)
    list_filter = (EventNameFilter, BoardListFilter)
    search_fields = ("name", "=command_id", "board__name")
    # Newest first, in the order the rows were appended.
    ordering = ("-id",)
    # Counting a log of millions for "N total" is not worth the query.
    show_full_result_count = False
    fields = (
        "board",
        "seq",
        "name",
        "actor_display",
        "actor",
        "command_id",
        "undo_of",
        "redo_of",
        "created_at",
        "pretty_data",
        "pretty_before",
    )
    readonly_fields = ("actor_display", "pretty_data", "pretty_before")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(actor_name=_actor_name())

    @admin.display(description=gettext_lazy("actor"))
    def actor_display(self, event):
        return event.actor_name or event.actor or "-"

    @admin.display(description=gettext_lazy("data"))
    def pretty_data(self, event):
        return _pretty_json(event.data)

    @admin.display(description="before")
    def pretty_before(self, event):
        return _pretty_json(event.before)
