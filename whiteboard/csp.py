"""Content-Security-Policy on every page.

The app's own pages run no inline script and no inline style, so the policy
only admits files from this site: a sticky text that smuggles in markup
could not run even if it were ever rendered as HTML.
"""

from django.conf import settings
from django.core.exceptions import DisallowedHost

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # blob: for pictures the board page makes itself (an export's preview).
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    # The board's websocket, on this host only (`connect_src`).
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Swagger UI (a third-party page) sets style attributes as it renders.
RELAXED_STYLES = ("/api/docs/",)


def connect_src(host=None, secure=False):
    """'self' and this host's websocket: 'self' alone does not cover ws(s)
    in every browser, and `ws: wss:` would let a page talk to any host."""
    if not host:
        return "'self'"
    if secure:
        return f"'self' wss://{host}"
    return f"'self' ws://{host} wss://{host}"


def header_for(path, host=None, secure=False):
    overrides = getattr(settings, "CONTENT_SECURITY_POLICY", {})
    policy = dict(POLICY, **overrides)
    if "connect-src" not in overrides:
        policy["connect-src"] = connect_src(host, secure)
    if path.startswith(RELAXED_STYLES):
        policy["style-src"] = "'self' 'unsafe-inline'"
    return "; ".join(f"{name} {value}" for name, value in policy.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        try:
            host = request.get_host()
        except DisallowedHost:
            host = None
        response.headers.setdefault(
            "Content-Security-Policy",
            header_for(request.path, host, request.is_secure()),
        )
        return response
