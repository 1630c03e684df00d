"""The export dialog on the board page: every format previewed, the Mermaid
diagram drawn by the vendored mermaid, the package's files and code, a frozen
version chosen, and the downloads (a zip, the SVG, a PNG made in the page)."""

import io
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from modeling import services
from storming.models import Member
from storming.sample import load_sample
from storming.vocabulary import Role

from .board_page import BoardPage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(facilitator):
    board, _ = load_sample(facilitator)
    return board


def open_dialog(person):
    person.page.click("#export-open")
    person.page.locator("#export-dialog").wait_for(state="visible")


def choose(person, format):
    person.page.check(f"#export-dialog input[name=format][value={format}]")
    person.page.wait_for_function(
        "(format) => document.getElementById('export-dialog').dataset.preview"
        " === format",
        arg=format,
        timeout=20000,
    )


def test_the_package_preview_shows_its_files_and_their_code(
    signed_in, daphne_server, facilitator, shop, artifacts
):
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, shop).open()
    open_dialog(ann)
    choose(ann, "python")
    page = ann.page

    assert "README.md" in page.inner_text("#export-path")
    assert "python -m sample_online_shop demo" in page.inner_text("#export-code")
    policies = "sample_online_shop/payments/_generated/policies.py"
    page.click(f'#export-tree button[data-path="{policies}"]')
    code = page.inner_text("#export-code")
    assert "class WheneverOrderPlacedThenCapturePayment(policies.Policy):" in code
    yours = page.locator(
        '#export-tree button[data-path="sample_online_shop/ordering/aggregates.py"]'
    )
    assert "yours" in yours.inner_text()
    assert page.get_attribute("#export-download", "href").endswith(
        "/export/?format=python"
    )
    ann.save(artifacts, "export-python.png")

    page.fill("#export-package", "shop")
    page.wait_for_function(
        "() => document.getElementById('export-download').href.includes('package=shop')"
    )
    page.wait_for_selector('#export-tree button[data-path="shop/app.py"]')
    with page.expect_download() as download:
        page.click("#export-download")
    with zipfile.ZipFile(download.value.path()) as archive:
        assert "shop/shop/app.py" in archive.namelist()
    assert ann.errors == []


def test_the_mermaid_diagram_is_drawn_in_the_page(
    signed_in, daphne_server, facilitator, shop, artifacts
):
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, shop).open()
    requests = []
    ann.page.on("request", lambda r: requests.append(r.url))
    open_dialog(ann)
    choose(ann, "mermaid")
    page = ann.page

    page.wait_for_function(
        "() => document.getElementById('export-image').naturalWidth > 200"
    )
    assert not page.is_hidden("#export-picture")
    assert page.inner_text("#export-code").lstrip().startswith(("---", "flowchart"))
    # mermaid came from this server, nothing from anywhere else.
    assert any(
        url.endswith("/static/vendor/mermaid/mermaid.min.js") for url in requests
    )
    assert all(
        url.startswith((daphne_server.url, "blob:", "data:")) for url in requests
    )
    ann.save(artifacts, "export-mermaid.png")
    assert ann.errors == []


def test_asyncapi_and_the_glossary_show_their_text(
    signed_in, daphne_server, facilitator, shop
):
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, shop).open()
    open_dialog(ann)
    choose(ann, "asyncapi")
    page = ann.page
    assert 'asyncapi: "3.0.0"' in page.inner_text("#export-code")
    assert page.locator("#export-tree button").count() == 3
    choose(ann, "markdown")
    assert "Sample: online shop" in page.inner_text("#export-code")


def test_the_picture_of_the_board_downloads_as_svg_and_png(
    signed_in, daphne_server, facilitator, shop, artifacts
):
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, shop).open()
    open_dialog(ann)
    page = ann.page
    choose(ann, "svg")
    page.wait_for_function(
        "() => document.getElementById('export-image').naturalWidth > 1000"
    )
    with page.expect_download() as svg:
        page.click("#export-download")
    assert svg.value.suggested_filename == "sample-online-shop.svg"
    assert b"<svg" in Path(svg.value.path()).read_bytes()[:500]

    choose(ann, "png")
    with page.expect_download() as png:
        page.click("#export-download")
    data = Path(png.value.path()).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert png.value.suggested_filename == "sample-online-shop.png"
    made = ann.evaluate("() => window.boardApp.exportDialog.lastPNG")
    assert made["width"] > 2000
    ann.save(artifacts, "export-svg.png")
    assert ann.errors == []


def test_a_frozen_version_can_be_exported_instead_of_the_board(
    signed_in, daphne_server, facilitator, shop
):
    version, _ = services.freeze(shop, facilitator, "after the review")
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, shop).open()
    open_dialog(ann)
    page = ann.page
    choose(ann, "python")
    page.wait_for_selector(
        f'#export-source option[value="{version.number}"]', state="attached"
    )
    page.select_option("#export-source", str(version.number))
    page.wait_for_function(
        "() => document.getElementById('export-code').textContent"
        ".includes('exported from version')"
    )
    href = page.get_attribute("#export-download", "href")
    assert f"/versions/{version.number}/export/?format=python" in href


def test_a_model_with_errors_says_so_before_the_download(
    signed_in, daphne_server, facilitator, board, run
):
    for text in ("Paid", "paid"):
        run("sticky.create", {"kind": "event", "text": text, "x": 0, "y": 0})
    ann = BoardPage(signed_in(facilitator).new_page(), daphne_server, board).open()
    open_dialog(ann)
    choose(ann, "python")
    assert "error(s)" in ann.page.inner_text("#export-notes")


def test_a_participant_exports_too(browser, daphne_server, shop, make_user):
    """Not only facilitators: the preview and the download answer members."""
    user = make_user("pat")
    Member.objects.create(
        board=shop, user=user, display_name="Pat", role=Role.PARTICIPANT
    )
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": daphne_server.url,
            }
        ]
    )
    pat = BoardPage(context.new_page(), daphne_server, shop).open()
    open_dialog(pat)
    choose(pat, "markdown")
    response = pat.page.request.get(
        f"{daphne_server.url}/api/boards/{shop.pk}/export/?format=mermaid"
    )
    assert response.status == 200
    with zipfile.ZipFile(io.BytesIO(response.body())) as archive:
        assert any(name.endswith("model.mmd") for name in archive.namelist())
    context.close()
