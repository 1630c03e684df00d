"""The admin of model versions: the list per board, the read-only review page,
the JSON download, freezing and comparing."""

import io
import json
import zipfile
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escape

from modeling import services
from modeling.checks import HELP
from modeling.models import ModelVersion
from storming import services as board_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(facilitator):
    """A board in the database (tests/modeling/conftest.py's is a plain dict)."""
    return board_services.create_board(facilitator, "Online shop")


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser(
        username="root", password="a-long-password-1", email="root@example.com"
    )


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


def create(run, kind, text, x, y, **extra):
    data = {"kind": kind, "text": text, "x": x, "y": y, **extra}
    return run("sticky.create", data).event["data"]["id"]


@pytest.fixture
def workshop(run):
    """A context, an aggregate, actor -> command -> event -> policy -> command."""
    ids = {
        "ordering": create(run, "context", "Ordering", 0, 0),
        "order": create(run, "aggregate", "Order", 40, 40),
        "customer": create(run, "actor", "Customer", 60, 460),
        "place": create(run, "command", "Place Order", 60, 100),
        "placed": create(run, "event", "Order Placed", 300, 100),
        "policy": create(run, "policy", "Whenever placed, then invoice", 700, 100),
        "invoice": create(run, "command", "Send Invoice", 1000, 100),
        "question": create(run, "hotspot", "Refunds <b>?</b>", 300, 600),
    }
    for source, target in (
        ("customer", "place"),
        ("place", "placed"),
        ("placed", "policy"),
        ("policy", "invoice"),
    ):
        run("link.create", {"from": ids[source], "to": ids[target]})
    return ids


@pytest.fixture
def versions(board, lead, run, workshop):
    """v1, then a rename and a new event, then v2."""
    first, _ = services.freeze(board, lead, "first")
    run("sticky.update", {"id": workshop["placed"], "text": "Order Submitted"})
    create(run, "event", "Invoice Sent", 1000, 300)
    second, _ = services.freeze(board, lead, "second")
    return first, second


def url(view="changelist", *args):
    return reverse(f"admin:modeling_modelversion_{view}", args=args)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# -- the list ------------------------------------------------------------------------


def test_versions_are_listed_with_their_counts(admin_client, versions, board):
    first, second = versions
    response = admin_client.get(url())
    assert response.status_code == HTTPStatus.OK
    assert set(response.context["cl"].result_list) == {first, second}
    page = response.content.decode()
    for column in ("contexts", "aggregates", "events", "commands", "errors"):
        assert f"column-{column}" in page
    row = next(r for r in response.context["cl"].result_list if r.pk == second.pk)
    assert (row.contexts, row.aggregates, row.events, row.commands) == (1, 1, 2, 2)
    assert url("freeze") in page


def test_the_list_filters_by_board(admin_client, versions, board, make_user):
    other = board_services.create_board(make_user("bob"), "Library")
    theirs, _ = services.freeze(other, other.members.get())
    response = admin_client.get(url(), {"board": str(other.pk)})
    assert list(response.context["cl"].result_list) == [theirs]
    # The freeze button then freezes that board.
    assert url("freeze_board", other.pk) in response.content.decode()


def test_versions_cannot_be_added_or_deleted_here(admin_client, versions):
    first, _ = versions
    assert admin_client.get(url("add")).status_code == HTTPStatus.FORBIDDEN
    response = admin_client.get(url("delete", first.pk))
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_only_staff_get_in(client, facilitator, versions):
    client.force_login(facilitator)
    response = client.get(url())
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("admin:login") in response["Location"]


# -- the review page -----------------------------------------------------------------


def test_the_version_page_shows_the_model_as_a_tree(admin_client, versions):
    _, second = versions
    response = admin_client.get(url("change", second.pk))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    tree = page[page.index("Context -&gt; aggregate -&gt; command") :]
    # context -> aggregate -> command -> event -> policy -> command, in order.
    positions = [
        tree.index(label)
        for label in (
            "<strong>Ordering</strong>",
            "<strong>Order</strong>",
            "<strong>PlaceOrder</strong>",
            "<strong>OrderSubmitted</strong>",
            "<strong>WheneverPlacedThenInvoice</strong>",
            "<strong>SendInvoice</strong>",
        )
    ]
    assert positions == sorted(positions)
    assert "by Customer" in tree
    assert "<strong>Customer</strong>" in tree


def test_the_version_page_escapes_what_stickies_say(admin_client, versions):
    _, second = versions
    page = admin_client.get(url("change", second.pk)).content.decode()
    assert "Refunds &lt;b&gt;?&lt;/b&gt;" in page
    assert "Refunds <b>?</b>" not in page


def test_the_version_page_shows_the_checks(admin_client, versions):
    _, second = versions
    page = admin_client.get(url("change", second.pk)).content.decode()
    assert second.findings
    for finding in second.findings:
        assert finding["check"] in page
    assert "Open question" in page


def test_the_version_page_explains_each_finding(admin_client, versions):
    _, second = versions
    page = admin_client.get(url("change", second.pk)).content.decode()
    entry = HELP["G9"]
    assert f"<abbr title='{escape(entry.explanation)}'>G9</abbr>" in page
    assert escape(entry.fix) in page


def test_the_pages_style_themselves_without_style_attributes(admin_client, versions):
    """The site's CSP blocks `style` attributes: classes and a stylesheet."""
    first, second = versions
    pages = [
        admin_client.get(url("change", second.pk)),
        admin_client.post(
            url(),
            {"action": "compare_versions", "_selected_action": [second.pk, first.pk]},
        ),
    ]
    for response in pages:
        page = response.content.decode()
        assert "style=" not in page
        assert "<style" not in page
        assert static("css/admin-model.css") in page
    tree = pages[0].content.decode()
    assert "<ul class='model-tree'>" in tree
    assert '<pre class="model-diff">' in tree
    assert "finding-severity finding-severity--hint" in tree


def test_the_version_page_shows_the_diff_to_the_previous_version(
    admin_client, versions
):
    first, second = versions
    page = admin_client.get(url("change", second.pk)).content.decode()
    assert "+ event InvoiceSent (Ordering)" in page
    assert "~ renamed event OrderPlaced -&gt; OrderSubmitted" in page
    assert url("change", first.pk) in page
    first_page = admin_client.get(url("change", first.pk)).content.decode()
    assert "This is the board&#x27;s first version." in first_page


def test_the_version_page_links_to_the_json(admin_client, versions):
    _, second = versions
    page = admin_client.get(url("change", second.pk)).content.decode()
    assert url("json", second.pk) in page
    assert "online-shop-model-v2.json" in page


def test_only_the_note_can_be_changed(admin_client, versions):
    _, second = versions
    response = admin_client.post(
        url("change", second.pk), {"note": "reviewed", "number": 99, "seq": 1}
    )
    assert response.status_code == HTTPStatus.FOUND
    saved = ModelVersion.objects.get(pk=second.pk)
    assert saved.note == "reviewed"
    assert (saved.number, saved.seq) == (second.number, second.seq)
    assert saved.content == second.content


def test_the_json_downloads_as_a_file(admin_client, versions):
    _, second = versions
    response = admin_client.get(url("json", second.pk))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content) == second.content
    missing = admin_client.get(url("json", 123456))
    assert missing.status_code == HTTPStatus.NOT_FOUND


# -- freezing ------------------------------------------------------------------------


def test_the_freeze_page_previews_and_freezes_a_board(admin_client, board, workshop):
    page = admin_client.get(url("freeze_board", board.pk))
    assert page.status_code == HTTPStatus.OK
    assert "has no model version yet" in page.content.decode()
    response = admin_client.post(
        url("freeze_board", board.pk), {"board": str(board.pk), "note": "by staff"}
    )
    version = ModelVersion.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == url("change", version.pk)
    assert (version.number, version.note, version.author_name) == (
        1,
        "by staff",
        "root",
    )
    again = admin_client.post(url("freeze_board", board.pk), {"board": str(board.pk)})
    assert ModelVersion.objects.count() == 1
    assert any("has not changed since v1" in m for m in messages_of(again))
    preview = admin_client.get(url("freeze_board", board.pk)).content.decode()
    assert "has not changed since v1" in preview


def test_the_freeze_page_offers_a_choice_of_boards(admin_client, board, workshop):
    page = admin_client.get(url("freeze"))
    assert page.status_code == HTTPStatus.OK
    assert str(board.pk) in page.content.decode()
    admin_client.post(url("freeze"), {"board": str(board.pk)})
    assert ModelVersion.objects.filter(board=board).count() == 1


def test_staff_without_the_permission_cannot_freeze(client, board, workshop):
    clerk = get_user_model().objects.create_user("clerk", password="pw", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_modelversion"))
    client.force_login(clerk)
    response = client.post(url("freeze_board", board.pk), {"board": str(board.pk)})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert client.get(url()).status_code == HTTPStatus.OK
    assert url("freeze") not in client.get(url()).content.decode()
    assert not ModelVersion.objects.exists()


def test_the_freeze_action_freezes_the_boards_of_the_selected_versions(
    admin_client, versions, board, run
):
    _, second = versions
    create(run, "event", "Order Cancelled", 300, 300)
    response = admin_client.post(
        url(), {"action": "freeze_boards", "_selected_action": [second.pk]}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert board.model_versions.count() == 3
    assert any("Froze v3" in m for m in messages_of(response))


# -- comparing -----------------------------------------------------------------------


def test_comparing_two_versions_shows_their_diff(admin_client, versions):
    first, second = versions
    response = admin_client.post(
        url(),
        {"action": "compare_versions", "_selected_action": [second.pk, first.pk]},
    )
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "v1 -&gt; v2" in page
    assert "+ event InvoiceSent (Ordering)" in page
    assert "~ renamed event OrderPlaced -&gt; OrderSubmitted" in page


def test_comparing_needs_exactly_two_versions(admin_client, versions):
    first, _ = versions
    response = admin_client.post(
        url(), {"action": "compare_versions", "_selected_action": [first.pk]}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "Select exactly two versions to compare." in messages_of(response)


def test_comparing_needs_versions_of_one_board(admin_client, versions, make_user):
    first, _ = versions
    other = board_services.create_board(make_user("bob"), "Library")
    theirs, _ = services.freeze(other, other.members.get())
    response = admin_client.post(
        url(), {"action": "compare_versions", "_selected_action": [first.pk, theirs.pk]}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "Select two versions of the same board." in messages_of(response)


# -- exporting -----------------------------------------------------------------------


def test_the_version_page_links_to_every_export(admin_client, versions):
    _, second = versions
    page = admin_client.get(url("change", second.pk)).content.decode()
    for format in ("python", "asyncapi", "mermaid", "markdown", "svg"):
        assert url("export", second.pk, format) in page


def test_a_version_exports_as_it_was_frozen(admin_client, versions):
    first, _ = versions
    response = admin_client.get(url("export", first.pk, "python"))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        events = archive.read("online_shop/online_shop/ordering/_generated/events.py")
        readme = archive.read("online_shop/README.md").decode()
    # v1 was frozen before the rename and the new event.
    assert b'TEXT: ClassVar[str] = "Order Placed"' in events
    assert b"InvoiceSent" not in events
    assert "version 1" in readme
    assert admin_client.get(url("export", first.pk, "pdf")).status_code == 404
    assert admin_client.get(url("export", 123456, "svg")).status_code == 404


def test_the_export_action_lists_downloads_for_each_selected_version(
    admin_client, versions
):
    first, second = versions
    response = admin_client.post(
        url(), {"action": "export_versions", "_selected_action": [second.pk, first.pk]}
    )
    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert page.index(url("export", first.pk, "python")) < page.index(
        url("export", second.pk, "python")
    )
    assert "Picture of the board (SVG)" in page


def test_exports_need_the_admin(client, facilitator, versions):
    first, _ = versions
    client.force_login(facilitator)
    response = client.get(url("export", first.pk, "python"))
    assert response.status_code == HTTPStatus.FOUND  # to the admin's login
