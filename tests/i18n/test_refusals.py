"""The server's refusals in the person's language: a REST command's error
body in the request's language, a websocket's `error` in the language of its
handshake (or the person's stored choice), whichever thread decided it."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_lazy
from rest_framework.test import APIClient

from storming import protocol, services
from storming.errors import CommandError, invalid
from storming.models import Preference
from storming.text import check_text
from storming.vocabulary import Role
from whiteboard.asgi import application

NO_STICKY = "此白板上没有便利贴"
ORIGIN = (b"origin", b"http://localhost")


def _delete(sticky_id):
    return {"name": "sticky.delete", "data": {"id": sticky_id}}


# -- REST ---------------------------------------------------------------------


@pytest.fixture
def facilitator_api(facilitator):
    client = APIClient()
    client.force_authenticate(facilitator)
    return client


def test_a_refused_rest_command_answers_in_chinese_for_accept_language_zh_hans(
    facilitator_api, board
):
    missing = str(uuid.uuid4())
    response = facilitator_api.post(
        f"/api/boards/{board.pk}/commands/",
        {"id": "op-1", **_delete(missing)},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found" and body["id"] == "op-1"
    assert body["message"] == f"{NO_STICKY} {missing}"


def test_a_refused_rest_command_answers_in_english_without_accept_language(
    facilitator_api, board
):
    missing = str(uuid.uuid4())
    response = facilitator_api.post(
        f"/api/boards/{board.pk}/commands/", _delete(missing), format="json"
    )

    assert response.status_code == 404
    assert response.json()["message"] == f"no sticky {missing} on this board"


def test_a_refusal_is_put_into_words_when_it_is_read_not_when_it_is_made():
    with translation.override("zh-hans"):
        refusal = invalid(gettext_lazy("%(name)s must be a number"), name="x")
        with pytest.raises(CommandError) as raised:
            check_text("a\x00b", gettext_lazy("a field's name"))

    assert protocol.error(refusal)["message"] == "x must be a number"
    assert str(raised.value) == "a field's name must not contain a NUL character"
    with translation.override("zh-hans"):
        assert protocol.error(refusal)["message"] == "x 必须是数字"
        # A message inside a message ("a field's name") goes along.
        assert str(raised.value) == "字段名称 不能包含NUL 字符"


# -- websocket ------------------------------------------------------------------


def _session_cookie(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def _socket(board, user, accept_language=None):
    cookie = await sync_to_async(_session_cookie)(user)
    headers = [ORIGIN, (b"cookie", f"sessionid={cookie}".encode())]
    if accept_language:
        headers.append((b"accept-language", accept_language.encode()))
    socket = WebsocketCommunicator(application, f"/ws/boards/{board.pk}/", headers)
    connected, code = await socket.connect()
    assert connected, code
    await _receive(socket, "welcome")
    return socket


async def _receive(socket, kind, timeout=3):
    async with asyncio.timeout(timeout):
        while True:
            received = await socket.receive_json_from(timeout)
            if received["type"] == kind:
                return received


async def _errors(socket, count):
    errors = [await _receive(socket, "error") for _ in range(count)]
    return {error["id"]: error for error in errors}


@pytest.mark.django_db(transaction=True)
async def test_sockets_in_two_languages_at_once_each_hear_their_own(
    board, facilitator, member_of
):
    """Commands of both sockets, sent together, are decided by the same group
    commit (one database thread); each refusal still reaches its socket in
    that socket's language."""
    participant = await sync_to_async(member_of)(Role.PARTICIPANT, "lin")
    chinese = await _socket(board, facilitator, "zh-hans,zh;q=0.9,en;q=0.5")
    english = await _socket(board, participant.user)
    missing = [str(uuid.uuid4()) for _ in range(6)]
    try:
        for index, sticky_id in enumerate(missing):
            socket = chinese if index % 2 == 0 else english
            await socket.send_json_to(
                {"type": "command", "id": f"op-{index}", **_delete(sticky_id)}
            )
        heard_in_chinese = await _errors(chinese, 3)
        heard_in_english = await _errors(english, 3)
    finally:
        await chinese.disconnect()
        await english.disconnect()

    for index, sticky_id in enumerate(missing):
        if index % 2 == 0:
            error = heard_in_chinese[f"op-{index}"]
            assert error["message"] == f"{NO_STICKY} {sticky_id}"
        else:
            error = heard_in_english[f"op-{index}"]
            assert error["message"] == f"no sticky {sticky_id} on this board"
        assert error["code"] == "not_found"


@pytest.mark.django_db(transaction=True)
async def test_a_socket_speaks_the_persons_stored_language_over_the_header(
    board, facilitator
):
    await sync_to_async(Preference.objects.create)(user=facilitator, language="zh-hans")
    socket = await _socket(board, facilitator, "en")
    try:
        await socket.send_to(bytes_data=b"\x00")
        error = await _receive(socket, "error")
        await socket.send_json_to({"type": "cursor", "x": "left", "y": 0})
        frame_error = await _receive(socket, "error")
        await socket.send_json_to({"type": "cursor", "x": 0, "y": 0, "z": 1})
        shape_error = await _receive(socket, "error")
    finally:
        await socket.disconnect()

    assert error["message"] == "不接受二进制帧；请发送 JSON 文本"  # noqa: RUF001
    assert frame_error["message"] == "x 必须是数字"
    assert shape_error["message"] == "光标消息 含有未知的键：z"  # noqa: RUF001


@pytest.mark.django_db(transaction=True)
async def test_a_removed_member_is_told_so_in_their_sockets_language(
    board, facilitator, member_of
):
    participant = await sync_to_async(member_of)(Role.PARTICIPANT, "lin")
    socket = await _socket(board, participant.user, "zh-hans")
    lead = await sync_to_async(board.members.get)(role=Role.FACILITATOR)
    try:
        await sync_to_async(services.remove_member)(board, lead, participant)
        notice = await _receive(socket, "membership")
    finally:
        await socket.disconnect()

    assert notice["role"] is None
    assert notice["message"] == "一位主持人已将你移出此白板。"
