"""Content-Security-Policy on every page.

The app's own pages run no inline script and no inline style, so the policy
only admits files from this site: a sticky text that smuggles in markup
could not run even if it were ever rendered as HTML.
"""

from django.conf import settings

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # blob: for pictures the board page makes itself (an export's preview).
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self' ws: wss:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Swagger UI (a third-party page) sets style attributes as it renders.
RELAXED_STYLES = ("/api/docs/",)


def header_for(path):
    policy = dict(POLICY, **getattr(settings, "CONTENT_SECURITY_POLICY", {}))
    if path.startswith(RELAXED_STYLES):
        policy["style-src"] = "'self' 'unsafe-inline'"
    return "; ".join(f"{name} {value}" for name, value in policy.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", header_for(request.path))
        return response
