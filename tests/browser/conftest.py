"""Browser tests: the real board page in Chromium against a real daphne.

Chromium is the system one (/usr/bin/chromium). Without it the tests are
skipped, except in CI (CI=true), where a missing browser is a failure.
"""

import os
from pathlib import Path

import pytest
from django.test import Client

from storming.models import Member
from storming.vocabulary import Role
from tests import needs

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
VIEWPORT = {"width": 1400, "height": 860}


@pytest.fixture
def browser(transactional_db, monkeypatch):
    """Chromium, driven by Playwright's sync API.

    That API keeps an asyncio loop running in this thread, and Django refuses
    ORM calls where a loop runs; the tests' own ORM calls (fixtures, checks)
    are plain synchronous code, so the check is lifted for this test only.
    """
    executable = needs.program(CHROMIUM, "the browser tests")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def participant(board, make_user):
    user = make_user("pat")
    return Member.objects.create(
        board=board, user=user, display_name="Pat", role=Role.PARTICIPANT
    )


@pytest.fixture
def viewer(board, make_user):
    user = make_user("vic")
    return Member.objects.create(
        board=board, user=user, display_name="Vic", role=Role.VIEWER
    )


@pytest.fixture
def signed_in(browser, daphne_server):
    """A new browser context signed in as `user` (by session cookie)."""
    contexts = []

    def open_as(user):
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport=VIEWPORT)
        cookie = client.cookies["sessionid"]
        context.add_cookies(
            [{"name": "sessionid", "value": cookie.value, "url": daphne_server.url}]
        )
        contexts.append(context)
        return context

    yield open_as
    for context in contexts:
        context.close()
