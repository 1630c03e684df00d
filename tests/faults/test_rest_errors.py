"""REST answers every error in the API's JSON shape (storming/api_errors.py):
a database failure is 503 `unavailable` with Retry-After, a bug is 500
`internal`, in DRF views and in Django's own handler500 for /api/ paths."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from rest_framework.test import APIClient

from storming import board_log, services

pytestmark = pytest.mark.faults


@pytest.fixture
def signed_in(board, facilitator):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(facilitator)
    return client


@pytest.mark.parametrize(
    "failure", [OperationalError("server closed the connection"), InterfaceError()]
)
def test_a_database_failure_in_a_drf_view_is_503_unavailable(
    signed_in, board, monkeypatch, failure
):
    def down(*args, **kwargs):
        raise failure

    monkeypatch.setattr(board_log, "events_since", down)
    response = signed_in.get(f"/api/boards/{board.pk}/events/?since=0")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["type"] == "error" and body["code"] == "unavailable", body
    assert body["retry_after"] > 0
    assert int(response["Retry-After"]) >= 1


def test_a_bug_in_a_drf_view_is_500_internal_json(signed_in, board, monkeypatch):
    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(board_log, "events_since", bug)
    response = signed_in.get(f"/api/boards/{board.pk}/events/?since=0")
    assert response.status_code == 500
    body = response.json()
    assert body["type"] == "error" and body["code"] == "internal", body
    assert "retry_after" not in body
    assert "Retry-After" not in response
    assert "a bug" not in body["message"], "internals stay in the log"


def test_a_failed_command_over_rest_is_503_and_writes_nothing(
    signed_in, board, monkeypatch
):
    real = services.execute

    def down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "execute", down)
    command = {"id": "op-1", "name": "phase.set", "data": {"phase": "order"}}
    url = f"/api/boards/{board.pk}/commands/"
    response = signed_in.post(url, command, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert response.json()["id"] == "op-1"
    board.refresh_from_db()
    assert board.head_seq == 0

    monkeypatch.setattr(services, "execute", real)
    response = signed_in.post(url, command, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.urls("tests.faults.boom_urls")
@pytest.mark.django_db
def test_djangos_handler500_answers_api_paths_in_json():
    client = Client(raise_request_exception=False)
    response = client.get("/api/boom/database/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "unavailable"
    assert int(response["Retry-After"]) >= 1

    response = client.get("/api/boom/bug/")
    assert response.status_code == 500
    assert response.json() == {
        "type": "error",
        "id": None,
        "code": "internal",
        "message": "the server failed to run this; it has been logged",
    }

    # Pages other than the API keep Django's HTML error page.
    response = client.get("/boom/bug/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_an_unknown_api_address_is_404_json_and_a_page_stays_html():
    client = Client()
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {
        "type": "error",
        "id": None,
        "code": "not_found",
        "message": "no such address in the API",
    }
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
