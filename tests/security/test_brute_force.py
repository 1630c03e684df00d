"""Brute force: wrong passwords (django-axes), sign-ups and guest joins per
client address. Each is refused with 429 and says why and for how long."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from asgiref.sync import sync_to_async
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from storming.models import Member
from tests.storming.test_consumer import communicator

PASSWORD = "a-long-password-1"


@pytest.fixture(autouse=True)
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def sign_in(client, username, password, path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password})


def signed_in(client):
    return "_auth_user_id" in client.session


# -- wrong passwords ---------------------------------------------------------------


@pytest.mark.django_db
def test_past_the_limit_even_the_right_password_is_refused(make_user):
    make_user("ann", PASSWORD)
    client = Client()
    for _ in range(4):
        wrong = sign_in(client, "ann", "guess")
        assert wrong.status_code == HTTPStatus.OK
        assert "match" in wrong.content.decode()
    # The fifth wrong one reaches the limit: refused, and says so.
    assert sign_in(client, "ann", "guess").status_code == 429

    refused = sign_in(client, "ann", PASSWORD)

    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    page = refused.content.decode()
    assert "Sign-in paused" in page and "15 minutes" in page
    assert "even with the right password" in page
    assert int(refused["Retry-After"]) == 15 * 60
    assert not signed_in(client)


@pytest.mark.django_db
def test_the_lockout_is_per_username_and_address(make_user):
    make_user("ann", PASSWORD)
    make_user("bob", PASSWORD)
    client = Client()
    for _ in range(5):
        sign_in(client, "ann", "guess")

    # Another account from the same address, and the same account from
    # another address, are not held back by the attacker's guesses.
    bob = Client()
    assert sign_in(bob, "bob", PASSWORD).status_code == HTTPStatus.FOUND
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert sign_in(elsewhere, "ann", PASSWORD).status_code == HTTPStatus.FOUND
    assert signed_in(bob) and signed_in(elsewhere)


@pytest.mark.django_db
def test_after_the_cool_off_the_right_password_works_again(make_user):
    make_user("ann", PASSWORD)
    client = Client()
    for _ in range(5):
        sign_in(client, "ann", "guess")
    assert sign_in(client, "ann", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert sign_in(client, "ann", PASSWORD).status_code == HTTPStatus.FOUND
    assert signed_in(client)


@pytest.mark.django_db
def test_the_admin_login_is_locked_out_too(make_user):
    root = get_user_model().objects.create_superuser(
        "root", "root@example.com", PASSWORD
    )
    client = Client()
    for _ in range(4):
        wrong = sign_in(client, "root", "guess", "/admin/login/")
        assert wrong.status_code == HTTPStatus.OK
    assert sign_in(client, "root", "guess", "/admin/login/").status_code == 429

    refused = sign_in(client, "root", PASSWORD, "/admin/login/")

    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Sign-in paused" in refused.content.decode()
    assert not signed_in(client)
    assert root.is_active


@pytest.mark.django_db
def test_a_right_password_before_the_limit_starts_the_count_over(make_user):
    make_user("ann", PASSWORD)
    client = Client()
    for _ in range(4):
        sign_in(client, "ann", "typo")
    assert sign_in(client, "ann", PASSWORD).status_code == HTTPStatus.FOUND
    client.logout()
    for _ in range(4):
        sign_in(client, "ann", "typo")
    assert sign_in(client, "ann", PASSWORD).status_code == HTTPStatus.FOUND


@pytest.mark.django_db
def test_a_proxy_header_that_is_no_address_is_counted_not_stored(make_user, settings):
    """PostgreSQL's inet column refuses what is not an address: a junk header
    must not turn a wrong password into a 500."""
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    make_user("ann", PASSWORD)
    client = Client(HTTP_X_REAL_IP="not an address")
    assert sign_in(client, "ann", "guess").status_code == HTTPStatus.OK
    assert sign_in(client, "ann", PASSWORD).status_code == HTTPStatus.FOUND


# -- sign-ups ----------------------------------------------------------------------


def sign_up(client, username):
    return client.post(
        "/accounts/signup/",
        {"username": username, "password1": PASSWORD, "password2": PASSWORD},
    )


@pytest.mark.django_db
def test_sign_ups_past_the_limit_from_one_address_are_refused(settings):
    settings.SIGNUP_RATE = "3/hour"
    for number in range(3):
        assert sign_up(Client(), f"user{number}").status_code == HTTPStatus.FOUND

    refused = sign_up(Client(), "user3")

    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many sign-ups from your network" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 3600
    users = get_user_model().objects.values_list("username", flat=True)
    assert sorted(users) == ["user0", "user1", "user2"]
    # Another address signs up as usual.
    other = sign_up(Client(REMOTE_ADDR="10.9.8.7"), "user3")
    assert other.status_code == HTTPStatus.FOUND


@pytest.mark.django_db
def test_behind_a_proxy_the_configured_header_is_the_address(settings):
    settings.SIGNUP_RATE = "1/hour"
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    first = Client(HTTP_X_REAL_IP="203.0.113.1")
    second = Client(HTTP_X_REAL_IP="203.0.113.2")
    assert sign_up(first, "one").status_code == HTTPStatus.FOUND
    assert sign_up(second, "two").status_code == HTTPStatus.FOUND
    assert sign_up(Client(HTTP_X_REAL_IP="203.0.113.1"), "three").status_code == 429


# -- guest joins ---------------------------------------------------------------------


def join_page(client, board, name):
    return client.post(
        f"/boards/{board.pk}/join/",
        {"invite": board.invite_token, "display_name": name},
    )


def join_api(client, board, name=None):
    body = {"invite": board.invite_token}
    if name is not None:
        body["display_name"] = name
    return client.post(f"/api/boards/{board.pk}/join/", body, format="json")


@pytest.mark.django_db
def test_guest_joins_past_the_limit_are_refused_on_the_page_and_the_api(
    board, settings
):
    settings.GUEST_JOIN_RATE = "2/hour"
    assert join_page(Client(), board, "Gus").status_code == HTTPStatus.FOUND
    assert join_api(APIClient(), board, "Gia").status_code == HTTPStatus.CREATED

    page = join_page(Client(), board, "Eve")
    api = join_api(APIClient(), board, "Mal")

    assert page.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many guests joining from your network" in page.content.decode()
    assert api.status_code == HTTPStatus.TOO_MANY_REQUESTS
    body = api.json()
    assert body["code"] == "rate_limited" and body["retry_after"] >= 1
    assert "too many guests joining" in body["message"]
    assert int(api["Retry-After"]) >= 1
    guests = board.members.filter(user__isnull=True)
    assert sorted(guests.values_list("display_name", flat=True)) == ["Gia", "Gus"]


@pytest.mark.django_db
def test_account_holders_joining_by_invite_are_not_counted(board, settings, make_user):
    settings.GUEST_JOIN_RATE = "1/hour"
    for number in range(3):
        client = APIClient()
        client.force_login(make_user(f"member{number}"))
        assert join_api(client, board).status_code == HTTPStatus.CREATED
    assert join_api(APIClient(), board, "Gus").status_code == HTTPStatus.CREATED


@pytest.mark.django_db(transaction=True)
async def test_guest_joins_over_the_socket_past_the_limit_are_refused(board, settings):
    settings.GUEST_JOIN_RATE = "1/hour"
    query = f"invite={board.invite_token}&name="
    first = await communicator(board, query=query + "Gus")
    assert (await first.connect())[0]
    assert (await first.receive_json_from())["type"] == "welcome"

    second = await communicator(board, query=query + "Eve")
    connected, _ = await second.connect()
    assert connected
    error = await second.receive_json_from()
    assert error["code"] == "rate_limited" and error["retry_after"] >= 1
    assert "too many guests joining" in error["message"]
    assert await second.receive_output(2) == {"type": "websocket.close", "code": 4429}
    names = await sync_to_async(
        lambda: sorted(
            Member.objects.filter(board=board, user__isnull=True).values_list(
                "display_name", flat=True
            )
        )
    )()
    assert names == ["Gus"]
    await first.disconnect()
