"""Guests act through their session, so their writes need CSRF protection too.

DRF only checks CSRF for authenticated session users; a guest is anonymous to
Django, so without this a third-party page could post commands as the guest.
"""

from rest_framework.authentication import SessionAuthentication

from .access import GUEST_SESSION_KEY


class GuestSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        session = getattr(request._request, "session", None)
        if session is not None and session.get(GUEST_SESSION_KEY):
            self.enforce_csrf(request)
        # Never authenticates a user: guests are found per board by `access`.
        return None
