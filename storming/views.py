"""HTML pages: the board list, sign-up, the board page and its share link.

Views stay thin: they read what a page shows, and every change goes through
`storming.services`; who may do what is decided by `storming.access`.
"""

import math
from urllib.parse import urlencode

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from whiteboard import language

from . import access, ratelimit, services, vocabulary
from .errors import CommandError
from .models import Board, Member, Sticky
from .vocabulary import Kind, Phase, Role


def invite_url(request, board):
    query = urlencode({"invite": board.invite_token})
    return request.build_absolute_uri(f"{reverse('board', args=[board.pk])}?{query}")


def _member_or_404(request, board):
    member = access.member_for(board, request.user, request.session)
    if not access.can_view(member):
        raise Http404
    return member


def _count_per_board(queryset):
    """A subquery counting `queryset`'s rows of each board, 0 when none."""
    counts = (
        queryset.filter(board=OuterRef("pk"))
        .order_by()
        .values("board")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _login_url(next_url):
    return f"{reverse('login')}?{urlencode({'next': next_url})}"


def _safe_next(request, fallback):
    """The posted `next` address when it stays on this site, else `fallback`."""
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def too_many(request, refused: CommandError):
    """429, with what was refused and when to try again."""
    response = render(
        request, "too_many.html", {"message": refused.message}, status=429
    )
    response["Retry-After"] = str(math.ceil(refused.retry_after or 1))
    return response


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login locked out (AXES_LOCKOUT_CALLABLE): the
    login page's own words, with how long the pause lasts."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    response = render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


def home(request):
    if not request.user.is_authenticated:
        return render(request, "storming/landing.html")
    mine = Member.objects.filter(board=OuterRef("pk"), user=request.user)
    # Counts as subqueries: joining members and stickies would multiply rows.
    boards = (
        Board.objects.filter(Exists(mine))
        .annotate(
            my_role=Subquery(mine.values("role")[:1]),
            member_count=_count_per_board(Member.objects.all()),
            sticky_count=_count_per_board(Sticky.objects.all()),
        )
        .order_by("archived", "-updated_at")
    )
    return render(
        request,
        "storming/board_list.html",
        {
            "active": [b for b in boards if not b.archived],
            "archived": [b for b in boards if b.archived],
        },
    )


def signup(request):
    if not settings.WHITEBOARD_ALLOW_SIGNUP:
        raise Http404("sign-up is closed on this installation")
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST":
        try:
            ratelimit.SIGNUPS.check(ratelimit.client_address(request.META))
        except CommandError as refused:
            return too_many(request, refused)
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Named: axes' backend checks logins, it does not sign anyone in.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Welcome, %(name)s!") % {"name": user.get_username()}
        )
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_POST
def board_create(request):
    try:
        board = services.create_board(
            request.user,
            request.POST.get("name", ""),
            request.POST.get("description", ""),
            language=language.request_language(request),
        )
    except CommandError as error:
        messages.error(request, error.message)
        return redirect("home")
    return redirect("board", board_id=board.pk)


def board_page(request, board_id):
    board = get_object_or_404(Board, pk=board_id)
    member = access.member_for(board, request.user, request.session)
    invite = request.GET.get("invite")
    if member is None and invite:
        if not access.invite_matches(board, invite):
            return render(
                request, "storming/invite_invalid.html", {"board": board}, status=403
            )
        if request.user.is_authenticated:
            services.join_by_invite(board, invite, user=request.user)
            return redirect("board", board_id=board.pk)
        return redirect(
            f"{reverse('board-join', args=[board.pk])}?{urlencode({'invite': invite})}"
        )
    if member is None:
        if not request.user.is_authenticated:
            return redirect(_login_url(request.path))
        raise Http404
    can_manage = access.can_manage(member)
    stickies = list(board.stickies.all())
    return render(
        request,
        "storming/board.html",
        {
            "board": board,
            "member": member,
            "members": board.members.select_related("user"),
            "can_manage": can_manage,
            "can_write": access.can_write(member, board),
            # The link is the key to the board: only facilitators hand it out.
            "invite_url": invite_url(request, board) if can_manage else None,
            # The Share dialog's role selects.
            "roles": Role.choices,
            "phases": Phase.choices,
            # The palette, in the order of the keyboard shortcuts 1-9.
            "kinds_palette": list(Kind),
            "timer_choices": (3, 5, 10, 15, 25),
            # The outline: the accessible (and script-free) list of stickies,
            # which the live board keeps up to date.
            "sticky_count": len(stickies),
            "kinds": [
                (kind, [s for s in stickies if s.kind == kind.value]) for kind in Kind
            ],
            # What the board's scripts know of the workshop (vocabulary.js).
            "vocabulary": vocabulary.for_page(),
        },
    )


def board_join(request, board_id):
    board = get_object_or_404(Board, pk=board_id)
    invite = request.POST.get("invite") or request.GET.get("invite")
    if access.member_for(board, request.user, request.session) is not None:
        return redirect("board", board_id=board.pk)
    if not access.invite_matches(board, invite):
        return render(
            request, "storming/invite_invalid.html", {"board": board}, status=403
        )
    error, status = None, 200
    if request.method == "POST":
        try:
            member = services.join_by_invite(
                board,
                invite,
                user=request.user,
                display_name=request.POST.get("display_name"),
                address=ratelimit.client_address(request.META),
            )
        except CommandError as refused:
            error, status = refused.message, refused.http_status
        else:
            if member.is_guest:
                access.remember_guest(request.session, member)
            return redirect("board", board_id=board.pk)
    return render(
        request,
        "storming/join.html",
        {
            "board": board,
            "invite": invite,
            "error": error,
            "display_name": request.POST.get("display_name", ""),
            # Signing in first brings an account holder back to the same invite.
            "sign_in_url": _login_url(
                f"{reverse('board', args=[board.pk])}?{urlencode({'invite': invite})}"
            ),
        },
        status=status,
    )


def _manage(request, board_id, change):
    board = get_object_or_404(Board, pk=board_id)
    member = _member_or_404(request, board)
    try:
        change(board, member)
    except CommandError as error:
        if error.code == "forbidden":
            return HttpResponseForbidden(error.message)
        messages.error(request, error.message)
    return None


@require_POST
def board_settings(request, board_id):
    def change(board, member):
        # A field left out of the form is left alone; a name sent blank is an
        # error, not silently kept.
        archived = request.POST.get("archived")
        services.update_board(
            board,
            member,
            name=request.POST.get("name"),
            description=request.POST.get("description"),
            archived=None if archived is None else archived == "1",
            language=request.POST.get("language"),
        )
        if archived is None:
            messages.success(
                request, _("Board “%(name)s” saved.") % {"name": board.name}
            )
        elif board.archived:
            messages.success(
                request, _("Board “%(name)s” archived.") % {"name": board.name}
            )
        else:
            messages.success(
                request, _("Board “%(name)s” restored.") % {"name": board.name}
            )

    response = _manage(request, board_id, change)
    return response or redirect(_safe_next(request, reverse("board", args=[board_id])))


@require_POST
def board_phase(request, board_id):
    def change(board, member):
        services.execute(
            board.pk, member, "phase.set", {"phase": request.POST.get("phase")}
        )

    return _manage(request, board_id, change) or redirect("board", board_id=board_id)


@require_POST
def board_invite(request, board_id):
    def change(board, member):
        services.regenerate_invite(board, member)
        messages.success(
            request, _("New share link made; the old one no longer works.")
        )

    return _manage(request, board_id, change) or redirect("board", board_id=board_id)


@require_POST
def board_delete(request, board_id):
    def change(board, member):
        services.delete_board(board, member)
        messages.success(request, _("Board “%(name)s” deleted.") % {"name": board.name})

    return _manage(request, board_id, change) or redirect("home")
