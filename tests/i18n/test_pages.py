"""The pages speak English or Simplified Chinese: Accept-Language by default,
the switch in the header when used, remembered for a signed-in person."""

import pytest
from django.test import Client
from django.urls import reverse

from storming.models import Preference

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
PASSWORD = "a-long-password-1"


def sign_in(client, username="facilitator", **headers):
    """Through the sign-in form, as a person does (a new session)."""
    response = client.post(
        reverse("login"), {"username": username, "password": PASSWORD}, **headers
    )
    assert response.status_code == 302


def page(client, name, **headers):
    response = client.get(reverse(name), **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_landing_page_is_in_chinese_for_a_chinese_browser(client):
    html = page(client, "home", **CHINESE)

    assert '<html lang="zh-hans">' in html
    assert "一起为你的领域做事件风暴" in html
    assert "五个引导阶段" in html
    assert "Five guided phases" not in html


@pytest.mark.django_db
def test_landing_page_is_in_english_without_accept_language(client):
    html = page(client, "home")

    assert '<html lang="en">' in html
    assert "Five guided phases" in html
    assert "五个引导阶段" not in html


@pytest.mark.django_db
def test_sign_in_and_sign_up_pages_are_in_chinese_for_a_chinese_browser(client):
    login = page(client, "login", **CHINESE)
    signup = page(client, "signup", **CHINESE)

    assert '<html lang="zh-hans">' in login
    assert "用户名" in login and "密码" in login
    assert "创建账户" in signup
    # Django's own form texts come in Chinese too.
    assert "Username" not in login


@pytest.mark.django_db
def test_sign_in_page_is_in_english_without_accept_language(client):
    html = page(client, "login")

    assert "Username" in html and "Password" in html
    assert "用户名" not in html


def test_board_list_is_in_chinese_for_a_chinese_browser(client, facilitator, board):
    client.force_login(facilitator)

    html = page(client, "home", **CHINESE)

    assert '<html lang="zh-hans">' in html
    assert "我的白板" in html
    assert "新建白板" in html
    assert "发现：找出领域事件" in html  # the board's phase  # noqa: RUF001
    assert "Your boards" not in html


def test_board_list_is_in_english_without_accept_language(client, facilitator, board):
    client.force_login(facilitator)

    html = page(client, "home")

    assert "Your boards" in html and "Find events" in html
    assert "我的白板" not in html


@pytest.mark.django_db
def test_the_header_has_a_language_switch_posting_to_set_language(client):
    html = page(client, "home")

    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language" value="zh-hans"' in html


@pytest.mark.django_db
def test_a_guest_switch_is_kept_in_the_cookie(client):
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    assert '<html lang="zh-hans">' in page(client, "home")


def test_a_signed_in_persons_switch_follows_them_to_a_new_session(client, facilitator):
    sign_in(client)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    assert Preference.objects.get(user=facilitator).language == "zh-hans"

    # Another browser: no cookie, an English Accept-Language.
    other = Client()
    sign_in(other, HTTP_ACCEPT_LANGUAGE="en")
    html = page(other, "home", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="zh-hans">' in html
    assert "我的白板" in html


def test_switching_back_to_english_is_remembered_too(client, facilitator):
    Preference.objects.create(user=facilitator, language="zh-hans")
    sign_in(client)
    assert "我的白板" in page(client, "home")

    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    assert Preference.objects.get(user=facilitator).language == "en"
    other = Client()
    sign_in(other)
    assert "Your boards" in page(other, "home", **CHINESE)


def test_a_person_without_a_stored_choice_gets_their_browsers_language(
    client, facilitator
):
    client.force_login(facilitator)

    assert "我的白板" in page(client, "home", **CHINESE)
    assert "Your boards" in page(client, "home")


def test_a_board_made_from_a_chinese_page_speaks_chinese(client, facilitator):
    client.force_login(facilitator)

    client.post(reverse("board-create"), {"name": "订单流程"}, **CHINESE)
    client.post(reverse("board-create"), {"name": "Orders"})

    assert facilitator.created_boards.get(name="订单流程").language == "zh-hans"
    assert facilitator.created_boards.get(name="Orders").language == "en"


def test_messages_of_the_board_list_are_translated(client, facilitator, board):
    client.force_login(facilitator)

    response = client.post(
        reverse("board-settings", args=[board.pk]),
        {"archived": "1", "next": reverse("home")},
        follow=True,
        **CHINESE,
    )

    assert "白板“Online shop”已归档。" in response.content.decode()


def test_a_facilitator_sets_the_boards_language_in_its_settings(
    client, facilitator, board
):
    client.force_login(facilitator)
    html = page(client, "home")
    assert 'name="language"' in html and 'value="zh-hans"' in html

    client.post(
        reverse("board-settings", args=[board.pk]),
        {"name": board.name, "description": "", "language": "zh-hans"},
    )

    board.refresh_from_db()
    assert board.language == "zh-hans"


def test_an_unknown_board_language_is_refused(client, facilitator, board):
    client.force_login(facilitator)

    response = client.post(
        reverse("board-settings", args=[board.pk]),
        {"name": board.name, "language": "xx"},
        follow=True,
    )

    board.refresh_from_db()
    assert board.language == "en"
    assert "the language must be one of: en, zh-hans" in response.content.decode()


def test_only_a_facilitator_changes_the_boards_language(client, board, member_of):
    participant = member_of("participant")
    client.force_login(participant.user)

    client.post(
        reverse("board-settings", args=[board.pk]),
        {"name": board.name, "language": "zh-hans"},
    )

    board.refresh_from_db()
    assert board.language == "en"
