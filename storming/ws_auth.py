"""`Authorization: Token <key>` for websockets, as the REST API accepts it.

Scripts and other non-browser clients have no session cookie; they send the
same DRF token over the websocket handshake.
"""

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser


def _token_key(scope):
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "token":
                return key.strip()
            return None
    return None


@database_sync_to_async
def _user_for(key):
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class TokenAuthMiddleware(BaseMiddleware):
    """Sets `scope["user"]` from a token header; a wrong token is anonymous,
    never the session's user, so that it cannot be mistaken for success."""

    async def __call__(self, scope, receive, send):
        key = _token_key(scope)
        if key is not None:
            scope = dict(scope, user=await _user_for(key))
        return await super().__call__(scope, receive, send)
