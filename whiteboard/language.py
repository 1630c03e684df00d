"""The language of the pages: the person's choice, remembered.

Django's LocaleMiddleware picks the language from the language cookie (what
the switch in the header sets for anyone, guests too), else Accept-Language,
else English. For a signed-in person the choice is also kept on the server
(`storming.models.Preference`), so that it follows them to a new browser or
a new session: `PreferredLanguageMiddleware`, right after the authentication
middleware, turns it on for each of their requests, and keeps it when they
use the switch.
"""

from django.conf import settings
from django.http import parse_cookie
from django.urls import reverse
from django.utils import translation

# The session remembers the stored choice, so that a request costs no query:
# (user id, language), the language "" when the person has chosen none. It is
# read at sign-in (`on_login`) and written by the switch; a session already
# open on another device keeps its language until it signs in again.
SESSION_KEY = "_preferred_language"


def supported(code):
    """`code` when the site speaks it, else None."""
    codes = {code for code, _ in settings.LANGUAGES}
    return code if code in codes else None


def stored(user):
    """The language `user` chose, as kept on the server; "" when none."""
    from storming.models import Preference

    chosen = Preference.objects.filter(user=user).values_list("language", flat=True)
    return chosen.first() or ""


def _keep_in_session(request, user, language):
    request.session[SESSION_KEY] = (user.pk, language)


def preferred(request):
    """The language the signed-in person chose, "" when none (or a guest)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    remembered = request.session.get(SESSION_KEY)
    if remembered and remembered[0] == user.pk:
        return remembered[1]
    language = stored(user)
    _keep_in_session(request, user, language)
    return language


def on_login(sender, request, user, **kwargs):
    """At sign-in, the person's stored language into the new session (the
    `user_logged_in` signal), so that their pages cost no query for it."""
    if request is None or not hasattr(request, "session"):
        return
    _keep_in_session(request, user, stored(user))


def remember(user, language):
    """Keep `language` as the person's choice on the server."""
    from storming.models import Preference

    Preference.objects.update_or_create(user=user, defaults={"language": language})


def request_language(request):
    """The language a request's pages speak (what a new board takes)."""
    return supported(translation.get_language()) or settings.LANGUAGE_CODE


class PreferredLanguageMiddleware:
    """Turn on a signed-in person's stored language; keep the switch's choice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = supported(preferred(request))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if self._switched(request, response):
            chosen = supported(response.cookies[settings.LANGUAGE_COOKIE_NAME].value)
            if chosen:
                remember(request.user, chosen)
                _keep_in_session(request, request.user, chosen)
        return response

    @staticmethod
    def _switched(request, response):
        """Whether this was the language switch, for a signed-in person."""
        return (
            request.method == "POST"
            and request.path == reverse("set_language")
            and request.user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME in response.cookies
        )


class _Handshake:
    """What `preferred` and Django's language choice read of a request, from
    a websocket's handshake (its ASGI scope)."""

    def __init__(self, scope):
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", ())
        }
        self.user = scope.get("user")
        self.session = scope.get("session")
        cookies = scope.get("cookies")
        self.COOKIES = (
            cookies if cookies is not None else parse_cookie(headers.get("cookie", ""))
        )
        self.META = {"HTTP_ACCEPT_LANGUAGE": headers.get("accept-language", "")}


def socket_language(scope):
    """The language a websocket speaks to its person, decided as for their
    pages: a signed-in person's stored choice, else the language cookie, else
    Accept-Language, else English. May read the session and the database:
    call it in a sync thread."""
    handshake = _Handshake(scope)
    chosen = ""
    user = handshake.user
    if handshake.session is not None:
        chosen = supported(preferred(handshake)) or ""
    elif user is not None and user.is_authenticated:
        # Signed in by a token: no session remembers the choice.
        chosen = supported(stored(user)) or ""
    if not chosen:
        chosen = translation.get_language_from_request(handshake)
    return supported(chosen) or settings.LANGUAGE_CODE
