"""Guests act through their session, so their writes need CSRF protection too.

DRF only checks CSRF for authenticated session users; a guest is anonymous to
Django, so without this a third-party page could post commands as the guest.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication

from .access import GUEST_SESSION_KEY


class GuestSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        session = getattr(request._request, "session", None)
        if session is not None and session.get(GUEST_SESSION_KEY):
            self.enforce_csrf(request)
        # Never authenticates a user: guests are found per board by `access`.
        return None


class GuestSessionScheme(OpenApiAuthenticationExtension):
    """Describes the guest session in the OpenAPI document.

    Without it drf-spectacular warns on every schema build, and that warning
    makes `manage.py check --deploy --fail-level WARNING` fail.
    """

    target_class = GuestSessionAuthentication
    name = "guestSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The session of a guest who joined by invite link "
            "(POST /api/boards/{id}/join/); unsafe methods need the CSRF token.",
        }
