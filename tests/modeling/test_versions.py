"""Freezing a board's model into versions, and the diff between two models."""

import io
import itertools
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from modeling import diff, services
from modeling.model import content_hash
from modeling.models import ModelVersion
from storming import services as board_services
from storming.errors import CommandError
from storming.models import Board
from storming.sample import SAMPLE_NAME
from storming.vocabulary import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(facilitator):
    """A board in the database (tests/modeling/conftest.py's is a plain dict)."""
    return board_services.create_board(facilitator, "Online shop")


def create(run, kind, text, x, y, **extra):
    data = {"kind": kind, "text": text, "x": x, "y": y, **extra}
    return run("sticky.create", data).event["data"]["id"]


@pytest.fixture
def workshop(run):
    """Ordering: a Customer places an order, which the Order aggregate accepts."""
    ids = {
        "ordering": create(run, "context", "Ordering", 0, 0),
        "order": create(run, "aggregate", "Order", 40, 40),
        "payment": create(run, "aggregate", "Payment", 40, 1000),
        "place": create(run, "command", "Place Order", 60, 100),
        "placed": create(
            run,
            "event",
            "Order Placed",
            300,
            100,
            fields=["order_id: uuid", "total: decimal"],
        ),
        "customer": create(run, "actor", "Customer", 60, 300),
    }
    run("link.create", {"from": ids["customer"], "to": ids["place"]})
    run("link.create", {"from": ids["place"], "to": ids["placed"]})
    return ids


def freeze(board, by, note=""):
    return services.freeze(Board.objects.get(pk=board.pk), by, note)


# -- freezing ------------------------------------------------------------------------


def test_freezing_keeps_the_model_as_version_1(board, lead, facilitator, workshop):
    version, created = freeze(board, lead, "first review")
    board.refresh_from_db()
    model, findings = services.live_model(board)
    assert created
    assert version.number == 1
    assert version.seq == board.head_seq
    assert version.content == model.to_dict()
    assert version.content_hash == content_hash(model.to_dict())
    assert version.schema_version == model.schema_version
    assert (version.contexts, version.aggregates) == (1, 2)
    assert (version.events, version.commands) == (1, 1)
    assert version.findings == [f.to_dict() for f in findings]
    severities = [f.severity for f in findings]
    assert version.errors == severities.count("error")
    assert version.warnings == severities.count("warning")
    assert version.author == facilitator
    assert version.author_name == lead.display_name
    assert version.note == "first review"


def test_freezing_again_without_a_change_returns_the_latest_version(
    board, lead, workshop
):
    first, _ = freeze(board, lead)
    again, created = freeze(board, lead, "nothing new")
    assert not created
    assert again.pk == first.pk
    assert again.note == ""
    assert ModelVersion.objects.count() == 1


def test_moves_that_change_nothing_in_the_model_make_no_new_version(
    board, lead, run, workshop
):
    first, _ = freeze(board, lead)
    run("sticky.move", {"id": workshop["placed"], "x": 320, "y": 120})
    again, created = freeze(board, lead)
    assert not created
    assert again.pk == first.pk


def test_a_change_to_the_model_makes_version_2(board, lead, run, workshop):
    first, _ = freeze(board, lead)
    run("sticky.update", {"id": workshop["placed"], "text": "Order Submitted"})
    second, created = freeze(board, lead)
    assert created
    assert second.number == 2
    assert second.seq > first.seq
    assert second.content_hash != first.content_hash
    assert second.previous() == first
    assert first.previous() is None


def test_numbers_are_counted_per_board(board, lead, workshop, make_user):
    other = board_services.create_board(make_user("bob"), "Library")
    freeze(board, lead)
    version, _ = freeze(other, other.members.get())
    assert version.number == 1


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.VIEWER])
def test_only_a_facilitator_freezes(board, member_of, workshop, role):
    member = member_of(role)
    with pytest.raises(CommandError) as refused:
        freeze(board, member)
    assert refused.value.code == "forbidden"
    with pytest.raises(CommandError):
        freeze(board, member.user)
    assert not ModelVersion.objects.exists()


def test_a_facilitator_of_another_board_cannot_freeze_this_one(
    board, workshop, make_user
):
    other = board_services.create_board(make_user("bob"), "Library")
    with pytest.raises(CommandError) as refused:
        freeze(board, other.members.get())
    assert refused.value.code == "forbidden"


def test_staff_with_the_permission_freeze_any_board(board, workshop):
    root = get_user_model().objects.create_superuser("root", "r@example.com", "pw")
    version, created = freeze(board, root)
    assert created
    assert version.author == root
    assert version.author_name == "root"


def test_a_facilitator_freezes_as_a_user_too(board, workshop, facilitator, lead):
    version, _ = freeze(board, facilitator)
    assert version.author_name == lead.display_name


def test_a_long_note_is_refused(board, lead, workshop):
    with pytest.raises(CommandError) as refused:
        freeze(board, lead, "x" * (services.MAX_NOTE + 1))
    assert refused.value.code == "invalid"


def test_an_unknown_phase_for_the_checks_is_refused(board):
    with pytest.raises(CommandError) as refused:
        services.live_model(board, "brainstorm")
    assert refused.value.code == "invalid"


def test_the_checks_follow_the_phase_asked_for(board, workshop):
    _, at_find = services.live_model(board, "find")
    _, at_bound = services.live_model(board, "bound")
    assert {f.check for f in at_find} <= {f.check for f in at_bound}
    # The empty Payment aggregate matters once aggregates are drawn.
    assert "G7" in {f.check for f in at_bound}
    assert "G7" not in {f.check for f in at_find}


def test_the_sample_board_derives_a_model_without_errors(db):
    call_command("load_sample", stdout=io.StringIO())
    board = Board.objects.get(name=SAMPLE_NAME)
    model, findings = services.live_model(board)
    described = services.describe(model, findings)
    assert described["summary"]["error"] == 0
    assert described["counts"]["contexts"] >= 3
    version, created = services.freeze(board, board.created_by, "sample")
    assert created
    assert version.errors == 0


# -- the diff ------------------------------------------------------------------------


@pytest.fixture
def versions(board, lead, run, workshop):
    """Freeze, let `change(run, ids)` edit the board, freeze again: (old, new)."""

    def make(change):
        old, _ = freeze(board, lead)
        change(run, workshop)
        new, created = freeze(board, lead)
        assert created
        return old, new

    return make


def entries(result, collection, part):
    return result["diff"]["collections"][collection][part]


def test_the_diff_lists_added_elements(versions):
    def add(run, ids):
        shipped = create(run, "event", "Order Shipped", 500, 100)
        run("link.create", {"from": ids["place"], "to": shipped})

    old, new = versions(add)
    result = services.compare(old, new)
    [added] = entries(result, "events", "added")
    assert (added["label"], added["name"]) == ("OrderShipped", "Order Shipped")
    assert added["context"] == "Ordering"
    assert "+ event OrderShipped (Ordering)" in result["text"]
    # The command that now also produces it has changed.
    assert "~ command PlaceOrder: produces + OrderShipped" in result["text"]
    assert result["counts"]["added"] == 1


def test_the_diff_lists_removed_elements(versions):
    old, new = versions(lambda run, ids: run("sticky.delete", {"id": ids["place"]}))
    result = services.compare(old, new)
    [removed] = entries(result, "commands", "removed")
    assert removed["label"] == "PlaceOrder"
    assert "- command PlaceOrder (Ordering)" in result["text"]
    assert "~ event OrderPlaced: caused by - PlaceOrder" in result["text"]


def test_the_diff_tells_a_rename_by_the_sticky_id(versions):
    def rename(run, ids):
        run("sticky.update", {"id": ids["placed"], "text": "Order Submitted"})

    old, new = versions(rename)
    result = services.compare(old, new)
    assert entries(result, "events", "added") == []
    assert entries(result, "events", "removed") == []
    [renamed] = entries(result, "events", "renamed")
    assert renamed["old_label"] == "OrderPlaced"
    assert renamed["label"] == "OrderSubmitted"
    assert renamed["old"]["name"] == "Order Placed"
    assert renamed["new"]["name"] == "Order Submitted"
    assert (
        "~ renamed event OrderPlaced -> OrderSubmitted "
        "(“Order Placed” -> “Order Submitted”)"
    ) in result["text"]
    # Links hold ids, so the command that produces it has not changed.
    assert entries(result, "commands", "changed") == []


def test_the_diff_lists_changed_fields(versions):
    def edit(run, ids):
        fields = ["order_id: uuid", "total: int", "currency: str"]
        run("sticky.update", {"id": ids["placed"], "fields": fields})

    old, new = versions(edit)
    result = services.compare(old, new)
    [changed] = entries(result, "events", "changed")
    [fields] = changed["changes"]
    assert fields["attribute"] == "fields"
    assert [f["name"] for f in fields["added"]] == ["currency"]
    assert fields["removed"] == []
    assert fields["changed"] == [{"name": "total", "old": "decimal", "new": "int"}]
    assert (
        "~ event OrderPlaced: fields + currency: str, ~ total: decimal -> int"
        in result["text"]
    )


def test_the_diff_tells_an_element_moved_to_another_aggregate(versions):
    def move(run, ids):
        run("sticky.move", {"id": ids["placed"], "x": 300, "y": 1100})
        run("sticky.update", {"id": ids["placed"], "pivotal": True})

    old, new = versions(move)
    result = services.compare(old, new)
    [changed] = entries(result, "events", "changed")
    by_attribute = {c["attribute"]: c for c in changed["changes"]}
    assert by_attribute["aggregate"]["old"]["label"] == "Order"
    assert by_attribute["aggregate"]["new"]["label"] == "Payment"
    assert by_attribute["pivotal"] == {
        "attribute": "pivotal",
        "old": False,
        "new": True,
    }
    # Payment is outside the Ordering frame.
    assert by_attribute["context"]["new"] is None
    assert "~ event OrderPlaced: aggregate Order -> Payment" in result["text"]
    assert "~ event OrderPlaced: context Ordering -> (none)" in result["text"]
    assert "~ event OrderPlaced: pivotal False -> True" in result["text"]


def test_the_same_model_diffs_to_no_changes(board, lead, workshop):
    version, _ = freeze(board, lead)
    result = services.compare(version, version)
    assert result["same"]
    assert diff.is_empty(result["diff"])
    assert result["text"] == "No changes."


def model(**collections):
    return {"schema_version": 1, "phase": "find", "seq": 1, **collections}


def element(id_, name, **extra):
    return {"id": id_, "name": name, "class_name": name.replace(" ", ""), **extra}


def test_a_timeline_reordered_is_a_change_of_its_context():
    """Events joining a timeline are reported on the event; a new order on
    the context."""
    old = model(contexts=[element("c", "Sales", timeline=["a", "b"])])
    new = model(contexts=[element("c", "Sales", timeline=["b", "x", "a"])])
    data = diff.diff(old, new)
    [changed] = data["collections"]["contexts"]["changed"]
    assert changed["changes"] == [
        {
            "attribute": "timeline",
            "reordered": [{"id": "b", "label": "b"}, {"id": "a", "label": "a"}],
        }
    ]


def test_hot_spots_are_renamed_by_their_text():
    old = model(hotspots=[{"id": "h", "text": "Refunds?", "about": [], "votes": 0}])
    new = model(
        hotspots=[{"id": "h", "text": "Partial refunds?", "about": [], "votes": 2}]
    )
    data = diff.diff(old, new)
    assert diff.render(data).splitlines() == [
        "~ renamed hot spot “Refunds?” -> “Partial refunds?”",
        "~ hot spot “Partial refunds?”: votes 0 -> 2",
    ]


def test_a_changed_phase_of_the_board_is_reported():
    data = diff.diff(model(), {**model(), "phase": "bound"})
    assert data["model"] == {"phase": {"old": "find", "new": "bound"}}
    assert diff.render(data) == "~ model phase: find -> bound"


# -- concurrency ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_freezes_get_numbers_one_after_another(board, lead, workshop):
    """Writers change the board and freeze at once: every version gets its own
    number, and versions with the same content are never made twice in a row."""
    count = 6
    barrier = threading.Barrier(count)
    errors = []

    def work(index):
        try:
            barrier.wait(timeout=60)
            board_services.execute(
                board.pk,
                lead,
                "sticky.create",
                {"kind": "event", "text": f"Thing {index} Happened", "x": 0, "y": 0},
            )
            services.freeze(board, lead)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    versions = list(ModelVersion.objects.filter(board=board).order_by("number"))
    assert [v.number for v in versions] == list(range(1, len(versions) + 1))
    assert 1 <= len(versions) <= count
    hashes = [v.content_hash for v in versions]
    assert all(a != b for a, b in itertools.pairwise(hashes))
