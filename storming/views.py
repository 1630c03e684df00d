"""HTML pages: the board list, sign-up, the board page and its share link."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import access, services
from .errors import CommandError
from .models import Board
from .vocabulary import Kind


def invite_url(request, board):
    query = urlencode({"invite": board.invite_token})
    return request.build_absolute_uri(f"{reverse('board', args=[board.pk])}?{query}")


def _member_or_404(request, board):
    member = access.member_for(board, request.user, request.session)
    if not access.can_view(member):
        raise Http404
    return member


def home(request):
    if not request.user.is_authenticated:
        return render(request, "storming/landing.html")
    boards = (
        Board.objects.filter(members__user=request.user)
        .select_related("created_by")
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
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
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
            return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
        raise Http404
    stickies = board.stickies.all()
    return render(
        request,
        "storming/board.html",
        {
            "board": board,
            "member": member,
            "members": board.members.select_related("user"),
            "can_manage": access.can_manage(member),
            "can_write": access.can_write(member, board),
            "invite_url": invite_url(request, board),
            "kinds": [
                (kind, [s for s in stickies if s.kind == kind.value]) for kind in Kind
            ],
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
    error = None
    if request.method == "POST":
        try:
            member = services.join_by_invite(
                board,
                invite,
                user=request.user,
                display_name=request.POST.get("display_name"),
            )
        except CommandError as refused:
            error = refused.message
        else:
            if member.is_guest:
                access.remember_guest(request.session, member)
            return redirect("board", board_id=board.pk)
    return render(
        request,
        "storming/join.html",
        {"board": board, "invite": invite, "error": error},
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
        archived = request.POST.get("archived")
        services.update_board(
            board,
            member,
            name=request.POST.get("name") or None,
            description=request.POST.get("description"),
            archived=None if archived is None else archived == "1",
        )
        messages.success(request, "Board saved.")

    response = _manage(request, board_id, change)
    return response or redirect(
        request.POST.get("next") or reverse("board", args=[board_id])
    )


@require_POST
def board_invite(request, board_id):
    def change(board, member):
        services.regenerate_invite(board, member)
        messages.success(request, "New share link made; the old one no longer works.")

    return _manage(request, board_id, change) or redirect("board", board_id=board_id)


@require_POST
def board_delete(request, board_id):
    def change(board, member):
        services.delete_board(board, member)
        messages.success(request, f"Board “{board.name}” deleted.")

    return _manage(request, board_id, change) or redirect("home")
