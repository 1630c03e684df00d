"""The API's default permission: no endpoint is public unless it says so.

`SignedInOrGuest` only asks who is calling; which board and what role is
decided per board by `storming.access`, in the views (404 to anyone not on
it). Endpoints that must be open (joining by invite, the schema) declare
`AllowAny` themselves.
"""

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from .access import GUEST_SESSION_KEY


class SignedInOrGuest(BasePermission):
    """A signed-in account (session or token), or a guest whose session holds
    a board membership from an invite link."""

    message = "sign in, or join the board through its invite link"

    def has_permission(self, request, view):
        if request.user is not None and request.user.is_authenticated:
            return True
        session = getattr(request._request, "session", None)
        if session is not None and session.get(GUEST_SESSION_KEY):
            return True
        if "board_id" in view.kwargs or "pk" in view.kwargs:
            # As the views answer anyone not on a board: whether it exists
            # is none of a stranger's business.
            raise NotFound("no such board")
        return False
