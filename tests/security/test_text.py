"""Hostile text: lone UTF-16 surrogates, NUL and other control characters.

JSON carries them (`"\\ud800"`, `"\\u0000"`) though no database stores them
alike: every text input is refused with `invalid`, naming the field, before
anything is written, on SQLite and PostgreSQL the same way.
"""

import json

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from storming import services
from storming.errors import CommandError
from storming.models import Board, BoardEvent, Member
from storming.text import check_strings, check_text
from tests.storming.test_consumer import command, connect, receive

SURROGATE = "\ud800"
STICKY = {"kind": "event", "text": "Order placed", "x": 0, "y": 0}


def raw_json(value) -> str:
    # ensure_ascii escapes a lone surrogate as \ud800: valid JSON, valid UTF-8.
    return json.dumps(value, ensure_ascii=True)


# -- the one check -------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad, what",
    [
        (SURROGATE, "surrogate"),
        ("\udfff", "surrogate"),
        ("\x00", "NUL"),
        ("\x07", "U+0007"),
        ("\x1b", "U+001B"),
        ("\x7f", "U+007F"),
    ],
)
def test_bad_characters_are_refused_naming_the_field(bad, what):
    with pytest.raises(CommandError) as refused:
        check_text(f"Order {bad}placed", "text")
    assert refused.value.code == "invalid"
    assert refused.value.message.startswith("text must not contain")
    assert what in refused.value.message


def test_tabs_and_line_breaks_only_where_text_has_lines():
    assert check_text("one\ttwo\r\nthree\n", "text") == "one\ttwo\r\nthree\n"
    assert check_text("Ünïcödé 🎉 漢字", "name", multiline=False) == "Ünïcödé 🎉 漢字"
    for line_break in ("\n", "\t", "\r"):
        with pytest.raises(CommandError):
            check_text(f"a{line_break}b", "name", multiline=False)


def test_every_string_of_a_value_is_checked_and_the_bad_one_named():
    check_strings({"fields": [{"name": "id", "type": "UUID"}]}, "data")
    with pytest.raises(CommandError) as refused:
        check_strings({"fields": [{"name": "i\x00d", "type": "UUID"}]}, "data")
    assert "data.fields[0].name" in refused.value.message
    with pytest.raises(CommandError) as refused:
        check_strings({f"k{SURROGATE}": 1}, "data")
    assert "a key of data" in refused.value.message


# -- over the websocket ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_lone_surrogate_op_id_is_refused_and_the_socket_keeps_working(
    board, facilitator
):
    socket, _ = await connect(board, facilitator)
    frame = {"type": "command", "id": f"op-{SURROGATE}", "name": "sticky.create"}
    await socket.send_to(text_data=raw_json({**frame, "data": STICKY}))

    error = await receive(socket, "error")
    assert error["code"] == "invalid"
    # The id cannot be sent back (it is no UTF-8): null, as for no id.
    assert error["id"] is None
    assert "id must not contain a lone UTF-16 surrogate" in error["message"]

    op_id = await command(socket, "sticky.create", STICKY)
    ack = await receive(socket, "ack")
    assert ack["id"] == op_id and ack["seq"] == 1
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "data, field",
    [
        ({**STICKY, "text": f"Order {SURROGATE}"}, "data.text"),
        ({**STICKY, "text": "Order\x00"}, "data.text"),
        ({**STICKY, "fields": ["id\x00: UUID"]}, "data.fields[0]"),
        ({**STICKY, "description": "\x1b[31mred"}, "data.description"),
    ],
)
async def test_bad_text_in_a_command_is_refused_and_the_next_is_answered(
    board, facilitator, data, field
):
    socket, _ = await connect(board, facilitator)
    op_id = "bad-text"
    await socket.send_to(
        text_data=raw_json(
            {"type": "command", "id": op_id, "name": "sticky.create", "data": data}
        )
    )

    error = await receive(socket, "error")
    assert (error["id"], error["code"]) == (op_id, "invalid")
    assert error["message"].startswith(f"{field} must not contain")

    good = await command(socket, "sticky.create", STICKY)
    assert (await receive(socket, "ack"))["id"] == good
    await socket.disconnect()
    assert await sync_to_async(BoardEvent.objects.filter(board=board).count)() == 1


@pytest.mark.django_db(transaction=True)
async def test_a_surrogate_inside_a_batch_is_refused(board, facilitator):
    socket, _ = await connect(board, facilitator)
    inner = {"name": "sticky.create", "data": {**STICKY, "text": SURROGATE}}
    await socket.send_to(
        text_data=raw_json(
            {
                "type": "command",
                "id": "batch-1",
                "name": "batch",
                "data": {"commands": [inner]},
            }
        )
    )
    error = await receive(socket, "error")
    assert (error["id"], error["code"]) == ("batch-1", "invalid")
    assert "data.commands[0].data.text" in error["message"]
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_emoji_cut_between_two_chunks_is_one_character_again(
    board, facilitator
):
    """JavaScript's slice cuts by UTF-16 units: a piece may end on half a
    surrogate pair, which joined again is the emoji, not two lone halves."""
    socket, _ = await connect(board, facilitator)
    message = json.dumps(
        {"type": "command", "id": "c1", "name": "sticky.create", "data": STICKY}
    )
    message = message.replace("Order placed", "Order 🎉 placed")
    units = message.encode("utf-16-le")
    cut = message.index("🎉") * 2 + 2  # after the high surrogate
    halves = [
        units[:cut].decode("utf-16-le", "surrogatepass"),
        units[cut:].decode("utf-16-le", "surrogatepass"),
    ]
    assert halves[0].endswith("\ud83c")
    for n, half in enumerate(halves):
        await socket.send_to(
            text_data=raw_json(
                {"type": "chunk", "id": "m1", "n": n, "of": 2, "data": half}
            )
        )
    ack = await receive(socket, "ack")
    assert ack["id"] == "c1"
    await socket.disconnect()
    sticky = await sync_to_async(board.stickies.get)()
    assert sticky.text == "Order 🎉 placed"


# -- over REST -------------------------------------------------------------------------


def post_raw(client, url, body):
    return client.post(url, raw_json(body), content_type="application/json")


def commands_url(board):
    return f"/api/boards/{board.pk}/commands/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({"id": f"op{SURROGATE}", "name": "sticky.create", "data": STICKY}, "id"),
        ({"id": "op\x00", "name": "sticky.create", "data": STICKY}, "id"),
        ({"name": "sticky.create", "data": {**STICKY, "text": SURROGATE}}, "data.text"),
        ({"name": "sticky.create", "data": {**STICKY, "text": "a\x00"}}, "data.text"),
        ({"name": f"sticky.{SURROGATE}", "data": STICKY}, "name"),
        (
            {"name": "sticky.create", "data": {**STICKY, "fields": ["a\x00: b"]}},
            "data.fields[0]",
        ),
        (
            {"name": "sticky.create", "data": {**STICKY, f"x{SURROGATE}": 1}},
            "a key of data",
        ),
    ],
)
def test_rest_commands_with_bad_text_are_400_and_write_nothing(
    board, facilitator, body, field
):
    client = APIClient()
    client.force_login(facilitator)

    response = post_raw(client, commands_url(board), body)

    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    assert field in error["message"]
    assert error["id"] in (None, body.get("id"))
    assert not BoardEvent.objects.filter(board=board).exists()
    board.refresh_from_db()
    assert board.head_seq == 0


@pytest.mark.django_db
def test_nul_in_fields_is_refused_by_the_write_path_itself(board, lead):
    """Not only frames and REST bodies: imports and server commands too."""
    with pytest.raises(CommandError) as refused:
        services.execute(
            board.pk, lead, "sticky.create", {**STICKY, "fields": ["id: U\x00"]}
        )
    assert refused.value.code == "invalid"
    assert not BoardEvent.objects.filter(board=board).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Gus\x00", f"Gus{SURROGATE}", "Gus\x1b", "G\nus"])
def test_a_guest_display_name_with_bad_text_is_refused(board, name):
    guest = APIClient()
    response = post_raw(
        guest,
        f"/api/boards/{board.pk}/join/",
        {"invite": board.invite_token, "display_name": name},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not board.members.filter(user__isnull=True).exists()


@pytest.mark.django_db
def test_a_guest_display_name_with_nul_is_refused_on_the_join_page(board):
    response = Client().post(
        f"/boards/{board.pk}/join/",
        {"invite": board.invite_token, "display_name": "Gus\x00"},
    )
    assert response.status_code == 400
    assert b"must not contain a NUL character" in response.content
    assert not board.members.filter(user__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
async def test_a_guest_display_name_with_nul_is_refused_on_the_socket(board):
    from tests.storming.test_consumer import communicator

    socket = await communicator(board, query=f"invite={board.invite_token}&name=Gus%00")
    connected, _ = await socket.connect()
    if connected:
        closed = await socket.receive_output()
        assert closed["type"] == "websocket.close"
    assert not await sync_to_async(board.members.filter(user__isnull=True).exists)()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"name": "Shop\x00"},
        {"name": f"Shop{SURROGATE}"},
        {"name": "Shop\x07"},
        {"description": "Orders\x00"},
    ],
)
def test_board_names_and_descriptions_with_bad_text_are_refused(
    board, facilitator, change
):
    client = APIClient()
    client.force_login(facilitator)

    response = client.patch(
        f"/api/boards/{board.pk}/", raw_json(change), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    board.refresh_from_db()
    assert (board.name, board.description) == ("Online shop", "Orders and payments")


@pytest.mark.django_db
def test_services_refuse_bad_names_whatever_the_caller(board, lead, facilitator):
    for call in (
        lambda: services.create_board(facilitator, "Shop\x00"),
        lambda: services.update_board(board, lead, description="a\x00"),
        lambda: services.rename_member(lead, f"Lead{SURROGATE}"),
        lambda: services.join_by_invite(
            board, board.invite_token, display_name="Gus\x00"
        ),
    ):
        with pytest.raises(CommandError) as refused:
            call()
        assert refused.value.code == "invalid"
    assert Board.objects.count() == 1
    lead.refresh_from_db()
    assert lead.display_name == "facilitator"
    assert Member.objects.count() == 1


@pytest.mark.django_db
def test_a_member_rename_with_bad_text_is_refused(board, facilitator, lead):
    client = APIClient()
    client.force_login(facilitator)
    response = client.patch(
        f"/api/boards/{board.pk}/members/{lead.pk}/",
        raw_json({"display_name": "Lead\x1b"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    lead.refresh_from_db()
    assert lead.display_name == "facilitator"


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_nul_is_refused_as_on_sqlite(board, facilitator):
    """PostgreSQL cannot store NUL in text or jsonb: the refusal must come
    before the database, so both databases answer the same 400."""
    assert connection.vendor == "postgresql"
    client = APIClient()
    client.force_login(facilitator)
    fields = post_raw(
        client,
        commands_url(board),
        {"name": "sticky.create", "data": {**STICKY, "fields": ["id: U\x00"]}},
    )
    guest = post_raw(
        APIClient(),
        f"/api/boards/{board.pk}/join/",
        {"invite": board.invite_token, "display_name": "Gus\x00"},
    )
    surrogate = post_raw(
        client,
        commands_url(board),
        {"id": f"x{SURROGATE}", "name": "sticky.create", "data": STICKY},
    )
    assert [r.status_code for r in (fields, guest, surrogate)] == [400, 400, 400]
    assert not BoardEvent.objects.filter(board=board).exists()
    assert not board.members.filter(user__isnull=True).exists()
