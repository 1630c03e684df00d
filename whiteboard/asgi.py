"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "whiteboard.settings")
# Load Django (apps, models) before anything imports a consumer.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from storming.routing import websocket_urlpatterns  # noqa: E402
from storming.ws_auth import TokenAuthMiddleware  # noqa: E402


class SiteOriginValidator(OriginValidator):
    """Channels' AllowedHostsOriginValidator, plus the scheme: behind TLS
    (DJANGO_HTTPS=1) only an https:// page of the site may open a socket; a
    page served over plain http (downgraded, or injected on the way) may not.

    Reads the settings per connection, as Django reads ALLOWED_HOSTS per
    request."""

    def __init__(self, application):
        super().__init__(application, allowed_origins=())

    def valid_origin(self, parsed_origin):
        if getattr(settings, "HTTPS", False) and (
            parsed_origin is None or parsed_origin.scheme != "https"
        ):
            return False
        self.allowed_origins = settings.ALLOWED_HOSTS
        return super().valid_origin(parsed_origin)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SiteOriginValidator(
            AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
