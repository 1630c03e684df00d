"""Exports over REST: /api/boards/<id>/export/, .../versions/<n>/export/ and
the preview the board page shows. Any member may export; errors have the
board API's shape."""

import io
import json
import zipfile

import pytest
from rest_framework import status
from rest_framework.test import APIClient

from modeling import services
from storming import services as board_services
from storming.sample import load_sample
from storming.vocabulary import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(facilitator):
    board, _ = load_sample(facilitator)
    return board


def client_of(user):
    client = APIClient()
    client.force_login(user)
    return client


def url(board, suffix):
    return f"/api/boards/{board.pk}/{suffix}"


def unzip(response):
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_member_downloads_the_package_as_a_zip_of_its_project_folder(
    shop, facilitator
):
    response = client_of(facilitator).get(url(shop, "export/?format=python"))

    assert response.status_code == status.HTTP_200_OK
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        'attachment; filename="sample_online_shop.zip"'
    )
    files = unzip(response)
    assert "sample_online_shop/pyproject.toml" in files
    assert "sample_online_shop/sample_online_shop/payments/_generated/events.py" in (
        files
    )
    assert b"the live board at seq" in files["sample_online_shop/README.md"]


def test_the_package_can_be_named(shop, facilitator):
    response = client_of(facilitator).get(
        url(shop, "export/?format=python&package=shop")
    )
    assert "shop/shop/app.py" in unzip(response)


def test_a_bad_package_name_is_refused(shop, facilitator):
    response = client_of(facilitator).get(
        url(shop, "export/?format=python&package=my-shop")
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["code"] == "invalid"
    assert "my-shop" in response.json()["message"]


@pytest.mark.parametrize(
    ("format", "inside"),
    [
        ("asyncapi", "sample-online-shop-asyncapi/asyncapi/payments.yaml"),
        ("mermaid", "sample-online-shop-mermaid/model.mmd"),
        ("markdown", "sample-online-shop-markdown/GLOSSARY.md"),
    ],
)
def test_documents_come_as_a_zip(shop, facilitator, format, inside):
    response = client_of(facilitator).get(url(shop, f"export/?format={format}"))
    assert response.status_code == status.HTTP_200_OK
    assert inside in unzip(response)


def test_the_picture_of_the_board_comes_as_an_svg_file(shop, facilitator, make_user):
    viewer = make_user("vic")
    lead = shop.members.get(user=facilitator)
    board_services.add_member(shop, lead, viewer, Role.VIEWER)
    response = client_of(viewer).get(url(shop, "export/?format=svg"))

    assert response.status_code == status.HTTP_200_OK
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="sample-online-shop.svg"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"<svg") or b"<svg" in response.content[:200]


def test_without_a_format_the_board_comes_as_its_json_document(shop, facilitator):
    response = client_of(facilitator).get(url(shop, "export/"))
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["format"] == "event-storming-board"


def test_a_frozen_version_exports_as_it_was(shop, facilitator):
    version, _ = services.freeze(shop, facilitator)
    client = client_of(facilitator)

    package = unzip(
        client.get(url(shop, f"versions/{version.number}/export/?format=python"))
    )
    readme = package["sample_online_shop/README.md"].decode()
    assert f"version {version.number} (seq {version.seq})" in readme

    model = client.get(url(shop, f"versions/{version.number}/export/?format=json"))
    assert json.loads(model.content)["schema_version"] == 1
    assert "-model-v1.json" in model["Content-Disposition"]


def test_an_unknown_format_or_version_is_refused(shop, facilitator):
    client = client_of(facilitator)
    response = client.get(url(shop, "export/?format=pdf"))
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {
        "type": "error",
        "id": None,
        "code": "invalid",
        "message": "format must be one of: python, asyncapi, mermaid, markdown, svg,"
        " json",
    }
    missing = client.get(url(shop, "versions/9/export/?format=python"))
    assert missing.status_code == status.HTTP_404_NOT_FOUND


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_only_members_export(shop, make_user, who):
    client = client_of(make_user("olga")) if who == "outsider" else APIClient()
    for suffix in ("export/?format=python", "export/preview/?format=python"):
        assert client.get(url(shop, suffix)).status_code == status.HTTP_404_NOT_FOUND


def test_the_preview_lists_the_files_with_their_text(shop, facilitator):
    response = client_of(facilitator).get(url(shop, "export/preview/?format=python"))

    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert body["format"] == "python" and body["version"] is None
    files = {f["path"]: f for f in body["files"]}
    events = files["sample_online_shop/ordering/_generated/events.py"]
    assert "class OrderPlaced(messages.DomainEvent):" in events["text"]
    assert events["size"] == len(events["text"].encode())
    assert files["sample_online_shop/ordering/aggregates.py"]["user_owned"] is True
    assert events["user_owned"] is False


def test_the_preview_of_a_version_and_of_a_diagram(shop, facilitator):
    version, _ = services.freeze(shop, facilitator)
    client = client_of(facilitator)
    body = client.get(
        url(shop, f"export/preview/?format=mermaid&version={version.number}")
    ).json()
    assert body["version"] == version.number
    (diagram,) = [f for f in body["files"] if f["path"] == "model.mmd"]
    assert diagram["text"].startswith("---") or "flowchart" in diagram["text"]
    bad = client.get(url(shop, "export/preview/?format=mermaid&version=x"))
    assert bad.status_code == status.HTTP_400_BAD_REQUEST


def test_the_export_endpoints_are_in_the_openapi_document(client):
    schema = client.get("/api/schema/?format=json").json()
    operations = {
        operation["operationId"]
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert {"boards_export", "boards_versions_export", "boards_export_preview"} <= (
        operations
    )
