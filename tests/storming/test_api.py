"""The REST API at /api/: boards, commands, the log, state, members and invites.

Every test goes through HTTP and checks the database behind the answer: a
refused request must leave the board exactly as it was.
"""

import json
import re
import uuid
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from storming import board_log, services
from storming.models import Board, BoardEvent, Member
from storming.vocabulary import MAX_TEXT, Role

pytestmark = pytest.mark.django_db


# -- helpers -------------------------------------------------------------------


def board_url(board, suffix=""):
    return f"/api/boards/{board.pk}/{suffix}"


def command_body(name, data=None, command_id=None):
    body = {"type": "command", "name": name, "data": {} if data is None else data}
    if command_id is not None:
        body["id"] = command_id
    return body


def send(client, board, name, data=None, command_id=None, **extra):
    body = command_body(name, data, command_id)
    return client.post(board_url(board, "commands/"), body, format="json", **extra)


def signed_in(user):
    client = APIClient()
    client.force_login(user)
    return client


def join_as_guest(client, board, name="Gus"):
    return client.post(
        board_url(board, "join/"),
        {"invite": board.invite_token, "display_name": name},
        format="json",
    )


def new_sticky(run, kind="event", text="Order placed", member=None):
    data = {"kind": kind, "text": text, "x": 0, "y": 0}
    return run("sticky.create", data, member=member).event["data"]["id"]


def error_code(response):
    body = response.json()
    assert body["type"] == "error"
    return body["code"]


def fingerprint(board_id):
    """What no refused request may change: the board row, members, the log."""
    board = Board.objects.filter(pk=board_id).first()
    if board is None:
        return None
    members = sorted((str(m.pk), m.role, m.display_name) for m in board.members.all())
    return (
        board.name,
        board.description,
        board.archived,
        board.invite_token,
        board.head_seq,
        members,
        BoardEvent.objects.filter(board=board).count(),
    )


STICKY = {"kind": "event", "text": "Order placed", "x": 10, "y": 20}


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Throttle counts live in the cache; no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lead_api(facilitator):
    return signed_in(facilitator)


@pytest.fixture
def client_as(board, facilitator, member_of, make_user):
    """An API client acting on `board` in the given role."""

    def make(role):
        if role == "facilitator":
            return signed_in(facilitator)
        if role in (Role.PARTICIPANT, Role.VIEWER):
            return signed_in(member_of(role).user)
        if role == "guest":
            client = APIClient()
            assert join_as_guest(client, board).status_code == status.HTTP_201_CREATED
            return client
        if role == "outsider":
            return signed_in(make_user("outsider"))
        assert role == "anonymous"
        return APIClient()

    return make


@pytest.fixture
def unchanged(board, lead_api):
    """Assert that the block changes neither the log nor the board's state."""

    @contextmanager
    def check():
        events = BoardEvent.objects.filter(board=board).count()
        before = lead_api.get(board_url(board, "state/")).json()
        yield
        assert BoardEvent.objects.filter(board=board).count() == events
        assert lead_api.get(board_url(board, "state/")).json() == before

    return check


# -- the root and board CRUD ---------------------------------------------------


def test_the_api_root_links_to_the_boards(api):
    response = api.get("/api/")

    assert response.status_code == status.HTTP_200_OK
    assert response.json()["boards"].endswith("/api/boards/")


def test_the_board_list_shows_only_my_boards(board, facilitator, make_user):
    stranger = make_user("stranger")
    services.create_board(stranger, "Not mine")

    response = signed_in(facilitator).get("/api/boards/")

    assert response.status_code == status.HTTP_200_OK
    listed = response.json()
    assert [item["id"] for item in listed] == [str(board.pk)]
    assert listed[0]["role"] == Role.FACILITATOR
    assert listed[0]["page_url"] == f"/boards/{board.pk}/"


def test_archived_boards_are_listed_only_when_asked_for(board, facilitator):
    archived = services.create_board(facilitator, "Old workshop")
    archived.archived = True
    archived.save(update_fields=["archived"])
    client = signed_in(facilitator)

    default = client.get("/api/boards/").json()
    everything = client.get("/api/boards/?archived=true").json()

    assert {item["id"] for item in default} == {str(board.pk)}
    assert {item["id"] for item in everything} == {str(board.pk), str(archived.pk)}


def test_anonymous_visitors_are_refused_the_board_list(board, api):
    response = api.get("/api/boards/")

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert response.json()["code"] == "forbidden"


def test_creating_a_board_makes_the_creator_its_facilitator(facilitator):
    response = signed_in(facilitator).post(
        "/api/boards/",
        {"name": "Payments", "description": "Refunds too"},
        format="json",
    )

    assert response.status_code == status.HTTP_201_CREATED
    body = response.json()
    assert (body["name"], body["role"], body["seq"]) == ("Payments", "facilitator", 0)
    board = Board.objects.get(pk=body["id"])
    assert (board.name, board.description) == ("Payments", "Refunds too")
    assert board.created_by == facilitator
    member = board.members.get()
    assert (member.user, member.role) == (facilitator, Role.FACILITATOR)


def test_a_board_needs_a_name(facilitator):
    response = signed_in(facilitator).post("/api/boards/", {"name": ""}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert error_code(response) == "invalid"
    assert "name" in response.json()["fields"]
    assert not Board.objects.exists()


def test_anonymous_visitors_cannot_create_boards(api):
    response = api.post("/api/boards/", {"name": "Sneaky"}, format="json")

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert error_code(response) == "forbidden"
    assert not Board.objects.exists()


def test_retrieving_a_board_shows_its_settings_and_my_role(board, member_of):
    viewer = member_of(Role.VIEWER)

    response = signed_in(viewer.user).get(board_url(board))

    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert body["id"] == str(board.pk)
    assert (body["name"], body["phase"], body["locked"]) == (
        "Online shop",
        "find",
        False,
    )
    assert body["role"] == Role.VIEWER


def test_a_facilitator_renames_describes_and_archives_a_board(board, lead_api):
    response = lead_api.patch(
        board_url(board),
        {"name": "Web shop", "description": "Checkout only", "archived": True},
        format="json",
    )

    assert response.status_code == status.HTTP_200_OK
    assert response.json()["name"] == "Web shop"
    board.refresh_from_db()
    assert (board.name, board.description, board.archived) == (
        "Web shop",
        "Checkout only",
        True,
    )


def test_patching_a_board_cannot_change_what_the_log_owns(board, lead_api):
    response = lead_api.patch(
        board_url(board), {"phase": "bound", "locked": True}, format="json"
    )

    assert response.status_code == status.HTTP_200_OK
    board.refresh_from_db()
    assert (board.phase, board.locked, board.head_seq) == ("find", False, 0)


def test_a_participant_cannot_rename_a_board(board, member_of):
    participant = member_of(Role.PARTICIPANT)
    before = fingerprint(board.pk)

    response = signed_in(participant.user).patch(
        board_url(board), {"name": "Mine"}, format="json"
    )

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert error_code(response) == "forbidden"
    assert fingerprint(board.pk) == before


def test_a_facilitator_deletes_a_board(board, lead_api):
    response = lead_api.delete(board_url(board))

    assert response.status_code == status.HTTP_204_NO_CONTENT
    assert not Board.objects.filter(pk=board.pk).exists()


def test_a_participant_cannot_delete_a_board(board, member_of):
    participant = member_of(Role.PARTICIPANT)

    response = signed_in(participant.user).delete(board_url(board))

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert error_code(response) == "forbidden"
    assert Board.objects.filter(pk=board.pk).exists()


BOARD_ENDPOINTS = [
    ("get", ""),
    ("patch", ""),
    ("put", ""),
    ("delete", ""),
    ("post", "commands/"),
    ("get", "events/"),
    ("get", "state/"),
    ("get", "members/"),
    ("post", "members/"),
    ("patch", "members/{lead}/"),
    ("delete", "members/{lead}/"),
    ("get", "invite/"),
    ("post", "invite/regenerate/"),
]
BODIES = {
    "": {"name": "Taken over", "archived": True},
    "commands/": command_body("sticky.create", STICKY),
    "members/": {"username": "outsider", "role": "facilitator"},
    "members/{lead}/": {"role": "viewer"},
}


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
@pytest.mark.parametrize(
    ("method", "suffix"), BOARD_ENDPOINTS, ids=[f"{m} {s}" for m, s in BOARD_ENDPOINTS]
)
def test_someone_not_on_the_board_gets_404_from_every_board_endpoint(
    board, lead, client_as, who, method, suffix
):
    client = client_as(who)
    before = fingerprint(board.pk)
    url = board_url(board, suffix.format(lead=lead.pk))
    body = BODIES.get(suffix)

    response = getattr(client, method)(url, body, format="json")

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert error_code(response) == "not_found"
    assert fingerprint(board.pk) == before


NOT_A_UUID = "-" * 36


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/boards/{NOT_A_UUID}/"),
        ("get", f"/api/boards/{NOT_A_UUID}/state/"),
        ("post", f"/api/boards/{NOT_A_UUID}/join/"),
        ("delete", f"/api/boards/{{board}}/members/{NOT_A_UUID}/"),
    ],
)
def test_a_malformed_board_or_member_id_is_404_not_a_crash(
    board, lead_api, method, path
):
    """The route admits 36 hex digits and dashes, which need not be a UUID."""
    response = getattr(lead_api, method)(path.format(board=board.pk))

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert error_code(response) == "not_found"
    assert board.members.count() == 1


def test_an_unknown_board_is_404(lead_api):
    response = lead_api.get(f"/api/boards/{uuid.uuid4()}/")

    assert response.status_code == status.HTTP_404_NOT_FOUND


# -- commands: one happy path each -----------------------------------------------


def _create(run):
    return dict(STICKY)


def _update(run):
    return {"id": new_sticky(run), "text": "Order submitted", "version": 1}


def _move(run):
    return {"id": new_sticky(run), "x": 300, "y": -40.5}


def _delete(run):
    return {"id": new_sticky(run)}


def _link(run):
    return {"from": new_sticky(run, "command", "Place order"), "to": new_sticky(run)}


def _unlink(run):
    return {"id": run("link.create", _link(run)).event["data"]["id"]}


def _phase(run):
    return {"phase": "order"}


def _vote(run):
    return {"id": new_sticky(run)}


def _retract(run):
    sticky = new_sticky(run)
    run("vote.cast", {"id": sticky})
    return {"id": sticky}


def _timer(run):
    return {"seconds": 300}


def _stop_timer(run):
    run("timer.start", {"seconds": 60})
    return {}


def _nothing(run):
    return {}


def _unlock(run):
    run("board.lock")
    return {}


def _undo(run):
    new_sticky(run)
    return {}


def _redo(run):
    new_sticky(run)
    run("undo")
    return {}


COMMANDS = [
    ("sticky.create", _create, "sticky.created"),
    ("sticky.update", _update, "sticky.updated"),
    ("sticky.move", _move, "sticky.moved"),
    ("sticky.delete", _delete, "sticky.deleted"),
    ("link.create", _link, "link.created"),
    ("link.delete", _unlink, "link.deleted"),
    ("phase.set", _phase, "phase.changed"),
    ("vote.cast", _vote, "vote.cast"),
    ("vote.retract", _retract, "vote.retracted"),
    ("timer.start", _timer, "timer.started"),
    ("timer.stop", _stop_timer, "timer.stopped"),
    ("board.lock", _nothing, "board.locked"),
    ("board.unlock", _unlock, "board.unlocked"),
    ("undo", _undo, "sticky.deleted"),
    ("redo", _redo, "sticky.created"),
]


@pytest.mark.parametrize(
    ("name", "prepare", "event_name"), COMMANDS, ids=[c[0] for c in COMMANDS]
)
def test_each_command_answers_201_with_the_event_it_appended(
    board, lead, lead_api, run, name, prepare, event_name
):
    data = prepare(run)
    board.refresh_from_db()
    head = board.head_seq

    response = send(lead_api, board, name, data, command_id=f"op-{name}")

    assert response.status_code == status.HTTP_201_CREATED, response.json()
    event = response.json()
    assert event["type"] == "event"
    assert event["name"] == event_name
    assert event["seq"] == head + 1
    assert event["by"] == str(lead.pk)
    assert event["id"] == f"op-{name}"
    assert isinstance(event["data"], dict)
    row = BoardEvent.objects.get(board=board, seq=event["seq"])
    assert (row.name, row.data, row.command_id, row.actor) == (
        event_name,
        event["data"],
        f"op-{name}",
        lead.pk,
    )
    board.refresh_from_db()
    assert board.head_seq == head + 1
    # The projection the API serves agrees with a replay of the log.
    state = lead_api.get(board_url(board, "state/")).json()
    assert state["state"] == board_log.state_at(board)


def test_sticky_create_answers_the_whole_sticky_with_its_id(board, lead_api):
    sticky_id = str(uuid.uuid4())

    response = send(lead_api, board, "sticky.create", {**STICKY, "id": sticky_id})

    assert response.status_code == status.HTTP_201_CREATED
    sticky = response.json()["data"]
    assert sticky["id"] == sticky_id
    assert (sticky["kind"], sticky["text"], sticky["x"], sticky["y"]) == (
        "event",
        "Order placed",
        10,
        20,
    )
    assert sticky["version"] == 1
    stored = board.stickies.get()
    assert (str(stored.pk), stored.text, stored.x) == (sticky_id, "Order placed", 10)


def test_undo_and_redo_events_name_what_they_take_back(board, lead_api):
    created = send(lead_api, board, "sticky.create", STICKY).json()

    undone = send(lead_api, board, "undo").json()
    redone = send(lead_api, board, "redo").json()

    assert undone["undo_of"] == created["seq"]
    assert redone["redo_of"] == undone["seq"]
    assert board.stickies.filter(pk=created["data"]["id"]).exists()


def test_a_command_sent_without_the_type_key_is_accepted(board, lead_api):
    response = lead_api.post(
        board_url(board, "commands/"),
        {"name": "sticky.create", "data": STICKY},
        format="json",
    )

    assert response.status_code == status.HTTP_201_CREATED


# -- commands: idempotency ---------------------------------------------------------


def test_a_retried_command_id_answers_200_with_the_first_event(board, lead_api):
    first = send(lead_api, board, "sticky.create", STICKY, command_id="op-1")
    second = send(lead_api, board, "sticky.create", STICKY, command_id="op-1")

    assert first.status_code == status.HTTP_201_CREATED
    assert second.status_code == status.HTTP_200_OK
    assert second.json()["seq"] == first.json()["seq"]
    assert second.json() == first.json()
    assert BoardEvent.objects.filter(board=board).count() == 1
    assert board.stickies.count() == 1


def test_a_command_id_used_by_someone_else_is_a_conflict(board, lead_api, member_of):
    participant = signed_in(member_of(Role.PARTICIPANT).user)
    send(lead_api, board, "sticky.create", STICKY, command_id="op-1")

    response = send(participant, board, "sticky.create", STICKY, command_id="op-1")

    assert response.status_code == status.HTTP_409_CONFLICT
    assert error_code(response) == "conflict"
    assert BoardEvent.objects.filter(board=board).count() == 1


# -- commands: bad input is refused and changes nothing ------------------------------


BAD_COMMANDS = [
    pytest.param({"name": "sticky.explode", "data": {}}, id="unknown-command"),
    pytest.param({"data": STICKY}, id="no-command-name"),
    pytest.param({"type": "cursor", "name": "sticky.create"}, id="not-a-command"),
    pytest.param(
        {"name": "sticky.create", "data": {**STICKY, "kind": "domain_event"}},
        id="wrong-kind",
    ),
    pytest.param(
        {"name": "sticky.create", "data": {**STICKY, "text": "x" * (MAX_TEXT + 1)}},
        id="text-over-the-limit",
    ),
    pytest.param(
        {"name": "sticky.create", "data": {**STICKY, "x": "10"}},
        id="coordinate-not-a-number",
    ),
    pytest.param(
        {"name": "sticky.create", "data": {**STICKY, "x": 1e12}},
        id="coordinate-off-the-board",
    ),
    pytest.param(
        {"name": "sticky.create", "data": {**STICKY, "colour": "red"}},
        id="unknown-field",
    ),
    pytest.param(
        {"name": "sticky.create", "data": {"kind": "event"}}, id="missing-field"
    ),
    pytest.param({"name": "sticky.create", "data": [STICKY]}, id="data-a-list"),
    pytest.param({"name": "sticky.create", "data": "kind=event"}, id="data-a-string"),
    pytest.param({"name": "sticky.create", "data": None}, id="data-null"),
    pytest.param(
        {"name": "sticky.update", "data": {"id": "not-a-uuid", "text": "x"}},
        id="id-not-a-uuid",
    ),
    pytest.param({"name": "phase.set", "data": {"phase": "party"}}, id="bad-phase"),
    pytest.param({"name": "timer.start", "data": {"seconds": 0}}, id="bad-timer"),
    pytest.param(
        {"name": "sticky.create", "data": STICKY, "id": "x" * 65},
        id="command-id-too-long",
    ),
]


@pytest.mark.parametrize("body", BAD_COMMANDS)
def test_a_bad_command_answers_400_invalid_and_changes_nothing(
    board, lead_api, unchanged, body
):
    with unchanged():
        response = lead_api.post(board_url(board, "commands/"), body, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert error_code(response) == "invalid"
    assert response.json()["message"]


RAW_BODIES = [
    pytest.param(
        '{"name": "sticky.create", "data": {"kind": "event", "x": NaN, "y": 0}}',
        id="NaN",
    ),
    pytest.param(
        '{"name": "sticky.create", "data": {"kind": "event", "x": Infinity, "y": 0}}',
        id="Infinity",
    ),
    pytest.param(
        '{"name": "sticky.create", "data": {"kind": "event", "x": 0, "y": -Infinity}}',
        id="-Infinity",
    ),
    # Not a constant for the parser to refuse: this literal overflows to inf.
    pytest.param(
        '{"name": "sticky.create", "data": {"kind": "event", "x": 1e999, "y": 0}}',
        id="overflowing-literal",
    ),
    pytest.param('{"name": "sticky.create", "data": ', id="truncated-json"),
    pytest.param("name=sticky.create", id="not-json"),
    pytest.param('[{"name": "sticky.create"}]', id="body-a-list"),
    pytest.param('"sticky.create"', id="body-a-string"),
    # Deep enough to exhaust the recursive JSON decoder (a RecursionError).
    pytest.param(
        '{"name": "sticky.create", "data": ' + "[" * 50_000 + "]" * 50_000 + "}",
        id="nested-past-the-recursion-limit",
    ),
    pytest.param(
        '{"name": "sticky.create", "data": ' + "[" * 100 + "]" * 100 + "}",
        id="nested-too-deeply",
    ),
]


@pytest.mark.parametrize("raw", RAW_BODIES)
def test_a_body_that_is_not_a_json_command_answers_400_and_changes_nothing(
    board, lead_api, unchanged, raw
):
    with unchanged():
        response = lead_api.post(
            board_url(board, "commands/"), raw, content_type="application/json"
        )

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert error_code(response) == "invalid"


@pytest.mark.parametrize("field", ["x", "width"])
def test_an_integer_beyond_the_float_range_is_invalid(board, lead_api, field):
    huge = "1" + "0" * 400
    data = {**STICKY, field: "HUGE"}
    raw = json.dumps(command_body("sticky.create", data)).replace('"HUGE"', huge)

    response = lead_api.post(
        board_url(board, "commands/"), raw, content_type="application/json"
    )

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert not BoardEvent.objects.filter(board=board).exists()


def test_a_body_of_an_unsupported_media_type_is_refused(board, lead_api, unchanged):
    with unchanged():
        response = lead_api.post(
            board_url(board, "commands/"),
            "sticky.create",
            content_type="text/plain",
        )

    assert response.status_code == status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    assert error_code(response) == "invalid"


def test_an_error_carries_the_command_id_it_answers(board, lead_api):
    response = send(
        lead_api, board, "sticky.create", {**STICKY, "kind": "x"}, command_id="op-9"
    )

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["id"] == "op-9"


def test_a_link_to_a_sticky_of_another_board_is_not_found(
    board, facilitator, lead_api, run, unchanged
):
    other = services.create_board(facilitator, "Elsewhere")
    other_lead = other.members.get()
    foreign = services.execute(other.pk, other_lead, "sticky.create", STICKY)
    here = new_sticky(run)

    with unchanged():
        response = send(
            lead_api,
            board,
            "link.create",
            {"from": here, "to": foreign.event["data"]["id"]},
        )

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert error_code(response) == "not_found"
    assert not other.links.exists()


def test_an_unknown_sticky_is_not_found(board, lead_api, unchanged):
    with unchanged():
        response = send(lead_api, board, "sticky.delete", {"id": str(uuid.uuid4())})

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert error_code(response) == "not_found"


def test_a_text_edit_on_a_stale_version_is_a_conflict_with_the_current_sticky(
    board, lead_api, run, unchanged
):
    sticky_id = new_sticky(run)
    run("sticky.update", {"id": sticky_id, "text": "Order submitted"})

    with unchanged():
        response = send(
            lead_api,
            board,
            "sticky.update",
            {"id": sticky_id, "text": "Order sent", "version": 1},
            command_id="op-stale",
        )

    assert response.status_code == status.HTTP_409_CONFLICT
    body = response.json()
    assert (body["code"], body["id"]) == ("conflict", "op-stale")
    assert body["details"]["sticky"]["text"] == "Order submitted"
    assert body["details"]["sticky"]["version"] == 2
    assert board.stickies.get().text == "Order submitted"


def test_a_participant_cannot_write_on_a_locked_board(board, member_of, run, unchanged):
    participant = signed_in(member_of(Role.PARTICIPANT).user)
    run("board.lock")

    with unchanged():
        response = send(participant, board, "sticky.create", STICKY)

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert error_code(response) == "forbidden"


def test_a_facilitator_still_writes_on_a_locked_board(board, lead_api, run):
    run("board.lock")

    response = send(lead_api, board, "sticky.create", STICKY)

    assert response.status_code == status.HTTP_201_CREATED


def test_a_viewer_cannot_write(board, member_of, unchanged):
    viewer = signed_in(member_of(Role.VIEWER).user)

    with unchanged():
        response = send(viewer, board, "sticky.create", STICKY)

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert error_code(response) == "forbidden"


def test_a_participant_cannot_set_the_phase(board, member_of, unchanged):
    participant = signed_in(member_of(Role.PARTICIPANT).user)

    with unchanged():
        response = send(participant, board, "phase.set", {"phase": "order"})

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert error_code(response) == "forbidden"
    board.refresh_from_db()
    assert board.phase == "find"


# -- commands: rate limit ----------------------------------------------------------


@pytest.fixture
def command_rate(settings):
    """Set the command rate through the setting, as an operator would."""

    def set_rate(rate):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"board_commands": rate},
        }

    return set_rate


def test_commands_beyond_the_rate_answer_429_rate_limited(
    board, lead_api, command_rate, unchanged
):
    command_rate("2/min")
    for _ in range(2):
        assert send(lead_api, board, "sticky.create", STICKY).status_code == (
            status.HTTP_201_CREATED
        )

    with unchanged():
        response = send(lead_api, board, "sticky.create", STICKY)

    assert response.status_code == status.HTTP_429_TOO_MANY_REQUESTS
    assert error_code(response) == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
    assert BoardEvent.objects.filter(board=board).count() == 2


def test_the_command_rate_is_counted_per_account(
    board, lead_api, member_of, command_rate
):
    command_rate("1/min")
    participant = signed_in(member_of(Role.PARTICIPANT).user)
    send(lead_api, board, "sticky.create", STICKY)

    response = send(participant, board, "sticky.create", STICKY)

    assert response.status_code == status.HTTP_201_CREATED


def test_reading_is_not_counted_against_the_command_rate(board, lead_api, command_rate):
    command_rate("1/min")
    for _ in range(3):
        lead_api.get(board_url(board, "state/"))

    response = send(lead_api, board, "sticky.create", STICKY)

    assert response.status_code == status.HTTP_201_CREATED


# -- the log -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "limit", "expected"),
    [
        (5, 2, [[1, 2], [3, 4], [5]]),
        (4, 2, [[1, 2], [3, 4]]),
        (3, 500, [[1, 2, 3]]),
        (0, 2, [[]]),
    ],
)
def test_the_log_pages_in_order_with_a_next_link_until_the_end(
    board, lead_api, run, events, limit, expected
):
    for number in range(events):
        run("sticky.create", {**STICKY, "text": f"Event {number}"})

    pages, url = [], board_url(board, f"events/?since=0&limit={limit}")
    while url:
        response = lead_api.get(url)
        assert response.status_code == status.HTTP_200_OK
        page = response.json()
        assert page["seq"] == events
        pages.append([event["seq"] for event in page["events"]])
        url = page["next"]

    assert pages == expected


def test_the_log_carries_events_as_the_socket_sends_them(board, lead, lead_api, run):
    applied = run("sticky.create", STICKY, command_id="op-1")

    page = lead_api.get(board_url(board, "events/")).json()

    assert page["events"] == [applied.event]
    assert page["events"][0]["by"] == str(lead.pk)
    assert page["next"] is None


@pytest.mark.parametrize("since", ["1", "99", "9" * 30])
def test_the_log_after_its_head_is_empty(board, lead_api, run, since):
    run("sticky.create", STICKY)

    response = lead_api.get(board_url(board, f"events/?since={since}"))

    assert response.status_code == status.HTTP_200_OK
    page = response.json()
    assert (page["events"], page["seq"], page["next"]) == ([], 1, None)


@pytest.mark.parametrize(
    "query",
    ["since=abc", "since=-1", "since=1.5", "limit=0", "limit=1001", "limit=ten"],
)
def test_a_bad_since_or_limit_answers_400(board, lead_api, query):
    response = lead_api.get(board_url(board, f"events/?{query}"))

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert error_code(response) == "invalid"


# -- state ---------------------------------------------------------------------------


def test_state_is_the_board_now_with_its_seq_and_members(
    board, lead, lead_api, run, member_of
):
    member_of(Role.VIEWER)
    sticky_id = new_sticky(run)
    run("sticky.move", {"id": sticky_id, "x": 50, "y": 60})
    run("phase.set", {"phase": "order"})

    response = lead_api.get(board_url(board, "state/"))

    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert (body["board"], body["seq"]) == (str(board.pk), 3)
    assert body["state"] == board_log.state_at(board)
    assert body["state"]["board"]["phase"] == "order"
    assert (body["members"][0]["id"], body["members"][0]["role"]) == (
        str(lead.pk),
        Role.FACILITATOR,
    )
    assert {m["role"] for m in body["members"]} == {Role.FACILITATOR, Role.VIEWER}


def test_state_at_a_seq_is_the_board_as_it_was_then(board, lead_api, run):
    sticky_id = new_sticky(run)
    run("sticky.update", {"id": sticky_id, "text": "Order submitted"})
    run("sticky.delete", {"id": sticky_id})

    at_one = lead_api.get(board_url(board, "state/?at=1")).json()
    at_two = lead_api.get(board_url(board, "state/?at=2")).json()
    at_zero = lead_api.get(board_url(board, "state/?at=0")).json()

    assert at_one["seq"] == 1
    assert at_one["state"] == board_log.state_at(board, 1)
    assert [s["text"] for s in at_one["state"]["stickies"]] == ["Order placed"]
    assert [s["text"] for s in at_two["state"]["stickies"]] == ["Order submitted"]
    assert at_zero["state"]["stickies"] == []
    assert at_one["members"] == at_two["members"]


@pytest.mark.parametrize("at", ["2", "-1", "one"])
def test_state_at_a_seq_the_board_has_not_reached_answers_400(board, lead_api, run, at):
    run("sticky.create", STICKY)

    response = lead_api.get(board_url(board, f"state/?at={at}"))

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert error_code(response) == "invalid"


# -- access by role ----------------------------------------------------------------


ROLES = ["facilitator", "participant", "viewer", "guest", "outsider", "anonymous"]
OK, MADE, GONE = status.HTTP_200_OK, status.HTTP_201_CREATED, status.HTTP_204_NO_CONTENT
NO, HIDDEN = status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND


def _target(board):
    return board.members.get(display_name="target")


ACTIONS = {
    "read the board": lambda c, b: c.get(board_url(b)),
    "read the state": lambda c, b: c.get(board_url(b, "state/")),
    "read the log": lambda c, b: c.get(board_url(b, "events/")),
    "list members": lambda c, b: c.get(board_url(b, "members/")),
    "add a sticky": lambda c, b: send(c, b, "sticky.create", STICKY),
    "set the phase": lambda c, b: send(c, b, "phase.set", {"phase": "order"}),
    "start the timer": lambda c, b: send(c, b, "timer.start", {"seconds": 60}),
    "lock the board": lambda c, b: send(c, b, "board.lock"),
    "rename the board": lambda c, b: c.patch(
        board_url(b), {"name": "Renamed"}, format="json"
    ),
    "add a member": lambda c, b: c.post(
        board_url(b, "members/"), {"username": "newcomer"}, format="json"
    ),
    "change a role": lambda c, b: c.patch(
        board_url(b, f"members/{_target(b).pk}/"), {"role": "viewer"}, format="json"
    ),
    "remove a member": lambda c, b: c.delete(board_url(b, f"members/{_target(b).pk}/")),
    "see the invite": lambda c, b: c.get(board_url(b, "invite/")),
    "regenerate the invite": lambda c, b: c.post(board_url(b, "invite/regenerate/")),
    "delete the board": lambda c, b: c.delete(board_url(b)),
}
# One row per action, one column per role in ROLES.
ACCESS = {
    "read the board": (OK, OK, OK, OK, HIDDEN, HIDDEN),
    "read the state": (OK, OK, OK, OK, HIDDEN, HIDDEN),
    "read the log": (OK, OK, OK, OK, HIDDEN, HIDDEN),
    "list members": (OK, OK, OK, OK, HIDDEN, HIDDEN),
    "add a sticky": (MADE, MADE, NO, MADE, HIDDEN, HIDDEN),
    "set the phase": (MADE, NO, NO, NO, HIDDEN, HIDDEN),
    "start the timer": (MADE, NO, NO, NO, HIDDEN, HIDDEN),
    "lock the board": (MADE, NO, NO, NO, HIDDEN, HIDDEN),
    "rename the board": (OK, NO, NO, NO, HIDDEN, HIDDEN),
    "add a member": (MADE, NO, NO, NO, HIDDEN, HIDDEN),
    "change a role": (OK, NO, NO, NO, HIDDEN, HIDDEN),
    "remove a member": (GONE, NO, NO, NO, HIDDEN, HIDDEN),
    "see the invite": (OK, NO, NO, NO, HIDDEN, HIDDEN),
    "regenerate the invite": (OK, NO, NO, NO, HIDDEN, HIDDEN),
    "delete the board": (GONE, NO, NO, NO, HIDDEN, HIDDEN),
}
ACCESS_CASES = [
    pytest.param(action, role, expected, id=f"{role} may {action}: {expected}")
    for action, row in ACCESS.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.mark.parametrize(("action", "role", "expected"), ACCESS_CASES)
def test_what_each_role_may_do_over_rest(
    board, client_as, make_user, action, role, expected
):
    make_user("newcomer")
    Member.objects.create(board=board, display_name="target", role=Role.PARTICIPANT)
    client = client_as(role)
    before = fingerprint(board.pk)

    response = ACTIONS[action](client, board)

    assert response.status_code == expected
    if expected in (NO, HIDDEN):
        assert error_code(response) == {NO: "forbidden", HIDDEN: "not_found"}[expected]
        assert fingerprint(board.pk) == before
    elif response.request["REQUEST_METHOD"] != "GET":
        assert fingerprint(board.pk) != before


# -- members -------------------------------------------------------------------------


def test_members_are_listed_with_their_roles(board, lead_api, member_of):
    member_of(Role.VIEWER, "vera")
    join_as_guest(APIClient(), board, "Gus")

    response = lead_api.get(board_url(board, "members/"))

    assert response.status_code == status.HTTP_200_OK
    listed = [
        (m["username"], m["display_name"], m["role"], m["is_guest"])
        for m in response.json()
    ]
    assert listed == [
        ("facilitator", "facilitator", Role.FACILITATOR, False),
        ("vera", "vera", Role.VIEWER, False),
        (None, "Gus", Role.PARTICIPANT, True),
    ]


def test_a_facilitator_adds_a_member_by_username(board, lead_api, make_user):
    newcomer = make_user("newcomer")

    response = lead_api.post(
        board_url(board, "members/"),
        {"username": "newcomer", "role": "viewer"},
        format="json",
    )

    assert response.status_code == status.HTTP_201_CREATED
    assert (response.json()["username"], response.json()["role"]) == (
        "newcomer",
        Role.VIEWER,
    )
    assert board.members.get(user=newcomer).role == Role.VIEWER


def test_an_added_member_is_a_participant_by_default(board, lead_api, make_user):
    newcomer = make_user("newcomer")

    lead_api.post(board_url(board, "members/"), {"username": "newcomer"}, format="json")

    assert board.members.get(user=newcomer).role == Role.PARTICIPANT


def test_adding_an_unknown_username_is_404(board, lead_api):
    before = fingerprint(board.pk)

    response = lead_api.post(
        board_url(board, "members/"), {"username": "nobody"}, format="json"
    )

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert error_code(response) == "not_found"
    assert fingerprint(board.pk) == before


def test_adding_someone_who_is_a_member_already_is_a_conflict(
    board, lead_api, member_of
):
    existing = member_of(Role.VIEWER, "vera")

    response = lead_api.post(
        board_url(board, "members/"),
        {"username": "vera", "role": "facilitator"},
        format="json",
    )

    assert response.status_code == status.HTTP_409_CONFLICT
    assert error_code(response) == "conflict"
    existing.refresh_from_db()
    assert existing.role == Role.VIEWER


def test_a_participant_cannot_probe_which_usernames_exist(board, member_of):
    participant = signed_in(member_of(Role.PARTICIPANT).user)

    unknown = participant.post(
        board_url(board, "members/"), {"username": "nobody"}, format="json"
    )
    known = participant.post(
        board_url(board, "members/"), {"username": "facilitator"}, format="json"
    )

    assert unknown.status_code == known.status_code == status.HTTP_403_FORBIDDEN


def test_a_facilitator_changes_a_members_role(board, lead_api, member_of):
    participant = member_of(Role.PARTICIPANT)

    response = lead_api.patch(
        board_url(board, f"members/{participant.pk}/"),
        {"role": "facilitator"},
        format="json",
    )

    assert response.status_code == status.HTTP_200_OK
    assert response.json()["role"] == Role.FACILITATOR
    participant.refresh_from_db()
    assert participant.role == Role.FACILITATOR


def test_a_facilitator_removes_a_member(board, lead_api, member_of, run):
    participant = member_of(Role.PARTICIPANT)
    run("sticky.create", STICKY, member=participant)

    response = lead_api.delete(board_url(board, f"members/{participant.pk}/"))

    assert response.status_code == status.HTTP_204_NO_CONTENT
    assert not Member.objects.filter(pk=participant.pk).exists()
    # History keeps what they did.
    assert BoardEvent.objects.get(board=board).actor == participant.pk


def test_the_last_facilitator_cannot_be_removed(board, lead, lead_api):
    response = lead_api.delete(board_url(board, f"members/{lead.pk}/"))

    assert response.status_code == status.HTTP_409_CONFLICT
    assert error_code(response) == "conflict"
    assert Member.objects.filter(pk=lead.pk).exists()


def test_the_last_facilitator_cannot_be_demoted(board, lead, lead_api):
    response = lead_api.patch(
        board_url(board, f"members/{lead.pk}/"), {"role": "participant"}, format="json"
    )

    assert response.status_code == status.HTTP_409_CONFLICT
    assert error_code(response) == "conflict"
    lead.refresh_from_db()
    assert lead.role == Role.FACILITATOR


def test_a_refused_demotion_keeps_the_old_display_name_too(board, lead, lead_api):
    response = lead_api.patch(
        board_url(board, f"members/{lead.pk}/"),
        {"display_name": "Former lead", "role": "participant"},
        format="json",
    )

    assert response.status_code == status.HTTP_409_CONFLICT
    lead.refresh_from_db()
    assert (lead.display_name, lead.role) == ("facilitator", Role.FACILITATOR)


def test_a_facilitator_may_step_down_when_another_remains(
    board, lead, lead_api, member_of
):
    member_of(Role.FACILITATOR, "co-lead")

    response = lead_api.patch(
        board_url(board, f"members/{lead.pk}/"), {"role": "participant"}, format="json"
    )

    assert response.status_code == status.HTTP_200_OK
    lead.refresh_from_db()
    assert lead.role == Role.PARTICIPANT


def test_a_participant_may_leave_the_board(board, member_of):
    participant = member_of(Role.PARTICIPANT)
    client = signed_in(participant.user)

    response = client.delete(board_url(board, f"members/{participant.pk}/"))

    assert response.status_code == status.HTTP_204_NO_CONTENT
    assert not Member.objects.filter(pk=participant.pk).exists()
    assert client.get(board_url(board)).status_code == status.HTTP_404_NOT_FOUND


def test_a_participant_renames_themselves_but_not_others(board, lead, member_of):
    participant = member_of(Role.PARTICIPANT)
    client = signed_in(participant.user)

    mine = client.patch(
        board_url(board, f"members/{participant.pk}/"),
        {"display_name": "Pat"},
        format="json",
    )
    theirs = client.patch(
        board_url(board, f"members/{lead.pk}/"), {"display_name": "Boss"}, format="json"
    )

    assert mine.status_code == status.HTTP_200_OK
    assert theirs.status_code == status.HTTP_403_FORBIDDEN
    participant.refresh_from_db()
    lead.refresh_from_db()
    assert (participant.display_name, lead.display_name) == ("Pat", "facilitator")


def test_an_unknown_member_is_404(board, lead_api):
    response = lead_api.delete(board_url(board, f"members/{uuid.uuid4()}/"))

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert error_code(response) == "not_found"


# -- invite and join ----------------------------------------------------------------


def test_a_facilitator_sees_the_share_link(board, lead_api):
    response = lead_api.get(board_url(board, "invite/"))

    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert body["token"] == board.invite_token
    assert body["url"] == (
        f"http://testserver/boards/{board.pk}/?invite={board.invite_token}"
    )


def test_regenerating_the_invite_retires_the_old_link(board, lead_api):
    old = board.invite_token

    response = lead_api.post(board_url(board, "invite/regenerate/"))

    assert response.status_code == status.HTTP_200_OK
    board.refresh_from_db()
    assert board.invite_token != old
    assert response.json()["token"] == board.invite_token
    stale = APIClient().post(
        board_url(board, "join/"),
        {"invite": old, "display_name": "Late"},
        format="json",
    )
    assert stale.status_code == status.HTTP_403_FORBIDDEN
    assert error_code(stale) == "forbidden"
    assert not board.members.filter(display_name="Late").exists()
    assert join_as_guest(APIClient(), board).status_code == status.HTTP_201_CREATED


def test_a_guest_joins_with_a_name_and_the_session_remembers_them(board):
    guest = APIClient()

    response = join_as_guest(guest, board, "Gus")

    assert response.status_code == status.HTTP_201_CREATED
    body = response.json()
    member = Member.objects.get(pk=body["id"])
    assert (member.board, member.user, member.display_name, member.role) == (
        board,
        None,
        "Gus",
        Role.PARTICIPANT,
    )
    assert body["is_guest"] is True
    seen = guest.get(board_url(board))
    assert seen.status_code == status.HTTP_200_OK
    assert seen.json()["role"] == Role.PARTICIPANT
    assert [item["id"] for item in guest.get("/api/boards/").json()] == [str(board.pk)]
    written = send(guest, board, "sticky.create", STICKY)
    assert written.status_code == status.HTTP_201_CREATED
    assert written.json()["by"] == str(member.pk)


def test_joining_twice_keeps_one_membership(board):
    guest = APIClient()
    first = join_as_guest(guest, board)

    again = join_as_guest(guest, board)

    assert again.status_code == status.HTTP_200_OK
    assert again.json()["id"] == first.json()["id"]
    assert board.members.filter(user__isnull=True).count() == 1


def test_a_signed_in_user_joins_with_their_account(board, make_user):
    user = make_user("newcomer")

    response = signed_in(user).post(
        board_url(board, "join/"), {"invite": board.invite_token}, format="json"
    )

    assert response.status_code == status.HTTP_201_CREATED
    assert board.members.get(user=user).role == Role.PARTICIPANT


def test_a_guest_needs_a_display_name(board):
    response = APIClient().post(
        board_url(board, "join/"), {"invite": board.invite_token}, format="json"
    )

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert error_code(response) == "invalid"
    assert board.members.count() == 1


def test_a_wrong_invite_token_does_not_join(board):
    response = APIClient().post(
        board_url(board, "join/"),
        {"invite": "guessed", "display_name": "Mallory"},
        format="json",
    )

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert board.members.count() == 1


def test_joining_a_board_that_does_not_exist_is_404(db):
    response = APIClient().post(
        f"/api/boards/{uuid.uuid4()}/join/",
        {"invite": "anything", "display_name": "Gus"},
        format="json",
    )

    assert response.status_code == status.HTTP_404_NOT_FOUND


def test_a_guest_write_needs_the_csrf_token(board):
    guest = APIClient(enforce_csrf_checks=True)
    assert join_as_guest(guest, board).status_code == status.HTTP_201_CREATED
    # Joining hands the guest the CSRF cookie its later writes must echo.
    token = guest.cookies["csrftoken"].value

    refused = send(guest, board, "sticky.create", STICKY)

    assert refused.status_code == status.HTTP_403_FORBIDDEN
    assert error_code(refused) == "forbidden"
    assert "CSRF" in refused.json()["message"]
    assert not BoardEvent.objects.filter(board=board).exists()

    accepted = send(guest, board, "sticky.create", STICKY, HTTP_X_CSRFTOKEN=token)

    assert accepted.status_code == status.HTTP_201_CREATED
    assert BoardEvent.objects.filter(board=board).count() == 1


def test_a_guest_reads_without_a_csrf_token(board):
    guest = APIClient(enforce_csrf_checks=True)
    join_as_guest(guest, board)

    assert guest.get(board_url(board, "state/")).status_code == status.HTTP_200_OK


def test_a_signed_in_session_write_needs_the_csrf_token(board, facilitator):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(facilitator)

    response = send(client, board, "sticky.create", STICKY)

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert not BoardEvent.objects.filter(board=board).exists()


# -- token authentication --------------------------------------------------------------


def test_a_script_authenticates_with_a_token(board, facilitator, lead):
    token = Token.objects.create(user=facilitator)
    # Token requests carry no session, so they need no CSRF token either.
    script = APIClient(enforce_csrf_checks=True)
    script.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    listed = script.get("/api/boards/")
    written = send(script, board, "sticky.create", STICKY)

    assert listed.status_code == status.HTTP_200_OK
    assert [item["id"] for item in listed.json()] == [str(board.pk)]
    assert written.status_code == status.HTTP_201_CREATED
    assert written.json()["by"] == str(lead.pk)


def test_a_wrong_token_is_refused(board, facilitator):
    Token.objects.create(user=facilitator)
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION="Token not-the-key")

    response = script.get(board_url(board))

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert error_code(response) == "forbidden"


# -- the OpenAPI document and its viewer ---------------------------------------------


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("?format=json", {}),
        ("", {"HTTP_ACCEPT": "application/vnd.oai.openapi+json"}),
    ],
    ids=["format-param", "accept-header"],
)
def test_the_schema_is_an_openapi_3_document_with_the_commands(api, query, headers):
    response = api.get(f"/api/schema/{query}", **headers)

    assert response.status_code == status.HTTP_200_OK
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "post" in paths["/api/boards/{id}/commands/"]
    assert "get" in paths["/api/boards/{id}/events/"]
    assert "/api/boards/{id}/state/" in paths


def test_the_schema_documents_the_command_names(api):
    document = api.get("/api/schema/?format=json").json()

    names = document["components"]["schemas"]["NameEnum"]["enum"]
    assert "sticky.create" in names
    assert "redo" in names


def test_the_api_docs_use_only_local_static_files(api):
    response = api.get("/api/docs/")

    assert response.status_code == status.HTTP_200_OK
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert not re.search(r"https?://", html)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        # The page's own script comes from the view, so the CSP needs no
        # inline script.
        assert asset.startswith(("/static/", "/api/docs/?script")), asset
        assert api.get(asset).status_code == status.HTTP_200_OK, asset
    assert "<script>" not in html
