import re

import pytest

from whiteboard.csp import header_for

# A script element that runs code from the page itself: not from a file, and
# not a JSON data block (json_script), which the browser never runs.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE
)


def test_the_policy_admits_only_this_sites_scripts_and_styles():
    policy = dict(part.split(" ", 1) for part in header_for("/").split("; "))

    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    # The site and its own websocket only: not `ws: wss:` (any host).
    assert policy["connect-src"] == "'self'"
    assert header_for("/", "board.example:8443", secure=True).count("wss:") == 1
    assert "connect-src 'self' wss://board.example:8443;" in header_for(
        "/", "board.example:8443", secure=True
    )
    assert "ws: " not in header_for("/", "localhost:8000")


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/accounts/signup/", "/admin/login/"]
)
def test_pages_carry_the_policy_and_run_no_inline_script(client, db, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == header_for(path, "testserver")
    assert (
        "connect-src 'self' ws://testserver wss://testserver;"
        in (response["Content-Security-Policy"])
    )
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_the_board_page_and_admin_run_no_inline_script(client, board, facilitator):
    facilitator.is_staff = facilitator.is_superuser = True
    facilitator.save()
    client.force_login(facilitator)

    for path in (f"/boards/{board.pk}/", "/admin/", "/admin/storming/board/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert not INLINE_SCRIPT.search(response.content.decode()), path
