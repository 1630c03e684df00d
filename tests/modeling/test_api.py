"""The model API: /api/boards/<id>/model/, versions, their JSON and diffs.

The same access rules as the board API: members read, facilitators freeze,
anyone else gets 404, and errors have the board API's shape.
"""

import json
import uuid

import pytest
from rest_framework import status
from rest_framework.test import APIClient

from modeling.model import content_hash
from modeling.models import ModelVersion
from storming import services as board_services
from storming.vocabulary import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(facilitator):
    """A board in the database (tests/modeling/conftest.py's is a plain dict)."""
    return board_services.create_board(facilitator, "Online shop")


def url(board, suffix=""):
    return f"/api/boards/{board.pk}/{suffix}"


def signed_in(user):
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def lead_client(facilitator):
    return signed_in(facilitator)


@pytest.fixture
def workshop(run):
    def create(kind, text, x, y):
        data = {"kind": kind, "text": text, "x": x, "y": y}
        return run("sticky.create", data).event["data"]["id"]

    ids = {
        "ordering": create("context", "Ordering", 0, 0),
        "order": create("aggregate", "Order", 40, 40),
        "place": create("command", "Place Order", 60, 100),
        "placed": create("event", "Order Placed", 300, 100),
    }
    run("link.create", {"from": ids["place"], "to": ids["placed"]})
    return ids


def error_code(response):
    body = response.json()
    assert body["type"] == "error"
    return body["code"]


def freeze(client, board, note=""):
    return client.post(url(board, "versions/"), {"note": note}, format="json")


# -- the live model ------------------------------------------------------------------


def test_a_member_reads_the_live_model_with_its_checks(board, member_of, workshop):
    client = signed_in(member_of(Role.VIEWER).user)
    response = client.get(url(board, "model/"))
    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    board.refresh_from_db()
    assert body["board"] == str(board.pk)
    assert body["seq"] == board.head_seq
    assert body["phase"] == "find"
    assert body["counts"]["events"] == 1
    assert body["counts"]["commands"] == 1
    assert body["model"]["events"][0]["class_name"] == "OrderPlaced"
    assert body["content_hash"] == content_hash(body["model"])
    assert set(body["summary"]) == {"error", "warning", "hint"}
    assert sum(body["summary"].values()) == len(body["findings"])
    for finding in body["findings"]:
        assert set(finding) == {"check", "severity", "message", "stickies"}


def test_the_live_model_explains_each_check_it_found(lead_client, board, run):
    run("sticky.create", {"kind": "event", "text": "Place Order", "x": 0, "y": 0})
    run("sticky.create", {"kind": "command", "text": "Pay", "x": 0, "y": 300})
    body = lead_client.get(url(board, "model/?phase=attribute")).json()
    found = {f["check"] for f in body["findings"]}
    assert {"N1", "G2", "G10"} <= found
    # Help for exactly the checks found, each in full.
    assert set(body["help"]) == found
    n1 = body["help"]["N1"]
    assert set(n1) == {"title", "explanation", "fix", "one", "many"}
    assert "past tense" in n1["explanation"]
    assert n1["many"] == "events not in the past tense"
    assert "actor" in body["help"]["G2"]["fix"]


def test_an_empty_board_has_no_help_to_give(lead_client, board):
    body = lead_client.get(url(board, "model/")).json()
    assert body["findings"] == []
    assert body["help"] == {}


def test_the_phase_parameter_runs_the_checks_of_another_phase(
    lead_client, board, run, workshop
):
    run("sticky.create", {"kind": "aggregate", "text": "Empty", "x": 0, "y": 2000})
    at_find = lead_client.get(url(board, "model/")).json()
    at_bound = lead_client.get(url(board, "model/?phase=bound")).json()
    assert at_bound["phase"] == "bound"
    assert "G7" in {f["check"] for f in at_bound["findings"]}
    assert "G7" not in {f["check"] for f in at_find["findings"]}
    assert at_bound["content_hash"] == at_find["content_hash"]


def test_an_unknown_phase_is_a_bad_request(lead_client, board):
    response = lead_client.get(url(board, "model/?phase=brainstorm"))
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert error_code(response) == "invalid"


def test_a_guest_reads_the_model(board, workshop):
    guest = APIClient()
    joined = guest.post(
        url(board, "join/"),
        {"invite": board.invite_token, "display_name": "Gus"},
        format="json",
    )
    assert joined.status_code == status.HTTP_201_CREATED
    assert guest.get(url(board, "model/")).status_code == status.HTTP_200_OK


@pytest.mark.parametrize(
    "suffix", ["model/", "versions/", "versions/1/", "versions/1/json/"]
)
def test_anyone_not_on_the_board_gets_404(board, make_user, lead_client, suffix):
    freeze(lead_client, board)
    for client in (signed_in(make_user("stranger")), APIClient()):
        response = client.get(url(board, suffix))
        assert response.status_code == status.HTTP_404_NOT_FOUND
        assert error_code(response) == "not_found"


def test_an_unknown_board_is_404(lead_client):
    response = lead_client.get(f"/api/boards/{uuid.uuid4()}/model/")
    assert response.status_code == status.HTTP_404_NOT_FOUND


# -- versions ------------------------------------------------------------------------


def test_a_facilitator_freezes_the_model(lead_client, board, workshop, lead):
    assert lead_client.get(url(board, "versions/")).json() == []
    response = freeze(lead_client, board, "after the workshop")
    assert response.status_code == status.HTTP_201_CREATED
    body = response.json()
    board.refresh_from_db()
    assert body["number"] == 1
    assert body["board"] == str(board.pk)
    assert body["seq"] == board.head_seq
    assert body["note"] == "after the workshop"
    assert body["author"] == lead.display_name
    assert (body["contexts"], body["aggregates"], body["events"]) == (1, 1, 1)
    assert body["errors"] == body["summary"]["error"]
    live = lead_client.get(url(board, "model/")).json()
    assert body["content_hash"] == live["content_hash"]


def test_freezing_an_unchanged_model_answers_200_with_the_latest(
    lead_client, board, workshop
):
    freeze(lead_client, board)
    response = freeze(lead_client, board, "again")
    assert response.status_code == status.HTTP_200_OK
    assert response.json()["number"] == 1
    assert response.json()["note"] == ""
    assert ModelVersion.objects.count() == 1


def test_versions_are_listed_newest_first(lead_client, board, run, workshop):
    freeze(lead_client, board)
    run("sticky.update", {"id": workshop["placed"], "text": "Order Submitted"})
    response = freeze(lead_client, board)
    assert response.status_code == status.HTTP_201_CREATED
    listed = lead_client.get(url(board, "versions/")).json()
    assert [v["number"] for v in listed] == [2, 1]
    assert "content" not in listed[0]


def test_the_body_of_a_freeze_is_optional(lead_client, board, workshop):
    response = lead_client.post(url(board, "versions/"))
    assert response.status_code == status.HTTP_201_CREATED
    assert response.json()["note"] == ""


def test_a_note_too_long_is_a_bad_request(lead_client, board):
    response = freeze(lead_client, board, "x" * 5000)
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert error_code(response) == "invalid"
    assert not ModelVersion.objects.exists()


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.VIEWER])
def test_participants_and_viewers_cannot_freeze(board, member_of, workshop, role):
    client = signed_in(member_of(role).user)
    response = freeze(client, board)
    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert error_code(response) == "forbidden"
    assert not ModelVersion.objects.exists()
    # They read the versions all the same.
    assert client.get(url(board, "versions/")).status_code == status.HTTP_200_OK


def test_strangers_cannot_freeze(board, make_user, workshop):
    response = freeze(signed_in(make_user("stranger")), board)
    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert not ModelVersion.objects.exists()


def test_a_version_in_detail_has_its_model_and_checks(lead_client, board, workshop):
    freeze(lead_client, board)
    version = ModelVersion.objects.get()
    response = lead_client.get(url(board, "versions/1/"))
    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert body["number"] == 1
    assert body["content"] == version.content
    assert body["findings"] == version.findings


def test_an_unknown_version_is_404(lead_client, board):
    response = lead_client.get(url(board, "versions/7/"))
    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert error_code(response) == "not_found"


def test_a_version_downloads_as_json(lead_client, board, workshop):
    freeze(lead_client, board)
    response = lead_client.get(url(board, "versions/1/json/"))
    assert response.status_code == status.HTTP_200_OK
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == (
        'attachment; filename="online-shop-model-v1.json"'
    )
    assert json.loads(response.content) == ModelVersion.objects.get().content


# -- diffs ---------------------------------------------------------------------------


@pytest.fixture
def two_versions(lead_client, board, run, workshop):
    freeze(lead_client, board)
    run("sticky.update", {"id": workshop["placed"], "text": "Order Submitted"})
    run("sticky.create", {"kind": "event", "text": "Order Paid", "x": 500, "y": 100})
    freeze(lead_client, board)


def test_the_diff_of_two_versions_as_data_and_text(lead_client, board, two_versions):
    response = lead_client.get(url(board, "versions/diff/?from=1&to=2"))
    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert (body["from"], body["to"], body["same"]) == (1, 2, False)
    events = body["diff"]["collections"]["events"]
    assert [e["label"] for e in events["added"]] == ["OrderPaid"]
    assert [e["label"] for e in events["renamed"]] == ["OrderSubmitted"]
    assert body["counts"]["added"] == 1
    assert "+ event OrderPaid (Ordering)" in body["text"]
    assert "~ renamed event OrderPlaced -> OrderSubmitted" in body["text"]


def test_a_diff_backwards_swaps_added_and_removed(lead_client, board, two_versions):
    body = lead_client.get(url(board, "versions/diff/?from=2&to=1")).json()
    assert "- event OrderPaid (Ordering)" in body["text"]


@pytest.mark.parametrize(
    "query", ["", "?from=1", "?to=2", "?from=one&to=2", "?from=0&to=2"]
)
def test_bad_diff_parameters_are_a_bad_request(lead_client, board, two_versions, query):
    response = lead_client.get(url(board, f"versions/diff/{query}"))
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert error_code(response) == "invalid"


def test_a_diff_with_an_unknown_version_is_404(lead_client, board, two_versions):
    response = lead_client.get(url(board, "versions/diff/?from=1&to=9"))
    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert error_code(response) == "not_found"


def test_the_schema_describes_the_model_endpoints(lead_client):
    response = lead_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == status.HTTP_200_OK
    paths = json.loads(response.content)["paths"]
    for path in (
        "/api/boards/{board_id}/model/",
        "/api/boards/{board_id}/versions/",
        "/api/boards/{board_id}/versions/{number}/",
        "/api/boards/{board_id}/versions/{number}/json/",
        "/api/boards/{board_id}/versions/diff/",
    ):
        assert path in paths
    assert "post" in paths["/api/boards/{board_id}/versions/"]
    schemas = json.loads(response.content)["components"]["schemas"]
    help_map = schemas["LiveModel"]["properties"]["help"]
    assert help_map["additionalProperties"]["$ref"].endswith("/CheckHelp")
    assert set(schemas["CheckHelp"]["required"]) == {
        "title",
        "explanation",
        "fix",
        "one",
        "many",
    }
