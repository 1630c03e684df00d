"""Who may do what on a board: the one place these rules live.

Used by the REST permissions, the HTML views and the websocket consumer alike.
A person acts on a board as a `Member`: an account holder's membership, or the
guest membership their session got from an invite link.
"""

import secrets

from django.core import signing
from django.utils.translation import gettext_lazy as _

from .errors import forbidden
from .models import Board, Member
from .vocabulary import Role

GUEST_SESSION_KEY = "guest_members"

# Commands that steer the workshop rather than add to it.
FACILITATOR_COMMANDS = frozenset(
    {
        "phase.set",
        "timer.start",
        "timer.stop",
        "board.lock",
        "board.unlock",
        "board.restore",
        "vote.open",
        "vote.reveal",
        "vote.close",
    }
)


def member_for(board: Board, user, session=None) -> Member | None:
    """The membership through which `user` (or this session's guest) acts."""
    if user is not None and user.is_authenticated:
        member = board.members.filter(user=user).first()
        if member is not None:
            return member
    if session is not None:
        member_id = session.get(GUEST_SESSION_KEY, {}).get(str(board.pk))
        if member_id:
            return board.members.filter(pk=member_id, user__isnull=True).first()
    return None


GUEST_KEY_SALT = "storming.guest-key"


def guest_key(member: Member) -> str:
    """A signed note of a guest's membership, for clients without a session
    (scripts): reconnecting with it is the same guest, not a new one."""
    return signing.dumps([str(member.board_id), str(member.pk)], salt=GUEST_KEY_SALT)


def member_for_guest_key(board: Board, key) -> Member | None:
    try:
        board_id, member_id = signing.loads(str(key), salt=GUEST_KEY_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if board_id != str(board.pk):
        return None
    return board.members.filter(pk=member_id, user__isnull=True).first()


def remember_guest(session, member: Member):
    guests = dict(session.get(GUEST_SESSION_KEY, {}))
    guests[str(member.board_id)] = str(member.pk)
    session[GUEST_SESSION_KEY] = guests


def invite_matches(board: Board, token) -> bool:
    return bool(token) and secrets.compare_digest(str(token), board.invite_token)


def can_view(member: Member | None) -> bool:
    return member is not None


def can_manage(member: Member | None) -> bool:
    """Rename, archive, delete, invite, members, and the workshop's settings."""
    return member is not None and member.role == Role.FACILITATOR


def can_write(member: Member | None, board: Board) -> bool:
    return (
        member is not None
        and member.role != Role.VIEWER
        and (not board.locked or member.role == Role.FACILITATOR)
    )


def check_command(member: Member, board: Board, command_name) -> None:
    """Raise `CommandError('forbidden')` unless `member` may run the command."""
    if member.role == Role.VIEWER:
        raise forbidden(_("viewers cannot change the board"))
    if command_name in FACILITATOR_COMMANDS and not can_manage(member):
        raise forbidden(
            _("only a facilitator can run %(command)s"), command=command_name
        )
    if not can_write(member, board):
        raise forbidden(_("the board is locked; only a facilitator can change it"))
