"""The board page in Firefox (Debian's firefox-esr, driven over Marionette).

Playwright drives Firefox only in its own patched build, which cannot be
downloaded here, so this test speaks Marionette, the remote protocol stock
Firefox ships. It checks what Chromium-only code would break: the page runs
without errors, keyboard creation and in-place editing work, and a change
made by someone else arrives live.
"""

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.test import Client

from tests import needs
from tests.live.client import LiveClient

FIREFOX = os.environ.get("FIREFOX", "/usr/bin/firefox-esr")
ENTER = "\ue007"


def _free_port():
    from tests.live_server import free_port

    return free_port()


@pytest.fixture
def firefox(transactional_db):
    from marionette_driver.marionette import Marionette

    executable = needs.program(FIREFOX, "the Firefox test")
    port = _free_port()
    profile = tempfile.mkdtemp(prefix="ff-profile-")
    Path(profile, "user.js").write_text(f'user_pref("marionette.port", {port});\n')
    process = subprocess.Popen(
        [executable, "--headless", "--marionette", "-no-remote", "-profile", profile],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = Marionette(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 60
    while True:
        try:
            client.start_session()
            break
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.2)
    client.set_window_rect(width=1400, height=860)
    yield client
    try:
        client.delete_session()
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


def run(client, script):
    # In the page's own context: Marionette's default sandbox does not see
    # what the page's scripts put on `window`.
    return client.execute_script(script, sandbox=None)


def wait_for(client, script, timeout=15):
    deadline = time.monotonic() + timeout
    while not run(client, script):
        if time.monotonic() > deadline:
            state = run(
                client,
                "return [location.href, typeof window.boardApp,"
                " window.boardApp && window.boardApp.connection.status,"
                " document.title]",
            )
            raise AssertionError(f"timed out waiting for: {script}; page: {state}")
        time.sleep(0.05)


def test_the_board_works_in_firefox(
    firefox, daphne_server, board, facilitator, lead, artifacts
):
    from marionette_driver.by import By
    from rest_framework.authtoken.models import Token

    session = Client()
    session.force_login(facilitator)
    firefox.navigate(f"{daphne_server.url}/accounts/login/")
    firefox.add_cookie(
        {"name": "sessionid", "value": session.cookies["sessionid"].value, "path": "/"}
    )
    firefox.navigate(f"{daphne_server.url}/boards/{board.pk}/")
    wait_for(
        firefox,
        "return window.boardApp && window.boardApp.connection.status === 'live'",
    )

    canvas = firefox.find_element(By.ID, "board-canvas")
    canvas.click()
    canvas.send_keys("1")
    firefox.get_active_element().send_keys(f"Order placed in Firefox{ENTER}")
    wait_for(
        firefox,
        "return [...window.boardApp.store.stickies.values()]"
        ".some(s => s.text === 'Order placed in Firefox')",
    )
    assert board.stickies.filter(text="Order placed in Firefox").exists()

    token = Token.objects.create(user=lead.user)

    async def from_elsewhere():
        other = LiveClient(daphne_server, board.pk, token=token.key, label="other")
        await other.connect()
        reply = await other.command(
            "sticky.create",
            {"kind": "command", "text": "<b>Pay</b> order", "x": 300, "y": 0},
        )
        await other.close()
        return reply

    assert asyncio.run(from_elsewhere())["type"] == "ack"
    wait_for(
        firefox,
        "return [...window.boardApp.store.stickies.values()]"
        ".some(s => s.text === '<b>Pay</b> order')",
    )
    assert run(firefox, "return document.querySelectorAll('b').length") == 0
    Path(artifacts, "board-firefox.png").write_bytes(
        firefox.screenshot(format="binary")
    )
    shown = run(
        firefox,
        "return [...document.querySelectorAll('.toast--error')]"
        ".map(t => t.textContent)",
    )
    assert shown == []
    assert run(firefox, "return window.boardApp.connection.status") == "live"
