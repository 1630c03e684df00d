"""Export a board, import it as a new board: the domain model hashes the same."""

import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command

from modeling.derive import derive
from modeling.model import content_hash
from storming import board_log, sample, services, transfer
from storming.models import Board

pytestmark = pytest.mark.django_db


def model_of(board):
    current = board_log.board_state(board)
    return derive(
        current["state"],
        board_id=current["board"],
        name=board.name,
        seq=current["seq"],
    )


def round_trip(board, user):
    """The board exported, through JSON text, and imported as a new board."""
    text = json.dumps(transfer.export_board(board), ensure_ascii=False)
    return transfer.import_board(json.loads(text), user)


def names_by_text(model):
    return sorted(
        (collection, item.name, item.class_name, item.func_name)
        for collection in model.COLLECTIONS
        if collection != "hotspots"
        for item in getattr(model, collection)
    )


@pytest.fixture
def importer(make_user):
    return make_user("importer")


def test_the_sample_board_round_trips_to_the_same_model_hash(importer):
    call_command("load_sample", stdout=StringIO())
    board = Board.objects.get(name=sample.SAMPLE_NAME)
    original = model_of(board)

    imported = round_trip(board, importer)

    again = model_of(imported)
    assert again.board == str(imported.pk) != original.board
    assert content_hash(again.to_dict()) == content_hash(original.to_dict())
    assert names_by_text(again) == names_by_text(original)
    # The sample's dot vote is part of the model, and came along.
    assert sum(h.votes for h in original.hotspots) == 6
    assert sorted(h.votes for h in again.hotspots) == sorted(
        h.votes for h in original.hotspots
    )


def ids_descending(count):
    """UUIDs that sort in the opposite of the order they are handed out."""
    return sorted((str(uuid.uuid4()) for _ in range(count)), reverse=True)


@pytest.fixture
def tangled_board(facilitator, make_user):
    """Chinese names, clashing names, nested, twin and crossing frames, votes.

    Ids are chosen so that what is created first sorts last: an import that
    ordered by id instead of creation would resolve the clashes differently.
    """
    board = services.create_board(facilitator, "订单系统")
    lead = board.members.get()
    guest = services.join_by_invite(board, board.invite_token, display_name="王")
    ids = iter(ids_descending(40))
    made = {}

    def run(name, data=None, member=lead):
        return services.execute(board.pk, member, name, data)

    def create(key, kind, text, x, y, **extra):
        data = {"id": next(ids), "kind": kind, "text": text, "x": x, "y": y, **extra}
        made[key] = run("sticky.create", data).event["data"]["id"]

    create("ordering", "context", "订单", 0, 0, width=2000, height=1000)
    create("payments", "context", "Payments", 2100, 0, width=1200, height=1000)
    # Twin frames: the same size at the same place; the id breaks the tie.
    create("cart", "aggregate", "购物车", 40, 40, width=900, height=500)
    create("basket", "aggregate", "Basket", 40, 40, width=900, height=500)
    # Crossing frames: reported as overlapping.
    create("order", "aggregate", "订单", 1000, 40, width=700, height=500)
    create("invoice", "aggregate", "Invoice", 1500, 300, width=700, height=500)
    create("submitted", "event", "订单已提交", 100, 100, fields=["订单号: uuid"])
    create("placed", "event", "Order placed", 300, 100, pivotal=True)
    create("placed_again", "event", "Order placed", 500, 100)
    create("placed_lower", "event", "order placed", 700, 100)
    create("paid", "event", "Payment received", 2200, 100)
    create("keyword", "event", "Class", 1100, 100, code_name="class_")
    create("submit", "command", "提交订单", 100, 300, fields=["总额: decimal"])
    create("pay", "command", "Pay", 2200, 300)
    create("customer", "actor", "客户", 100, 600)
    create("customer_again", "actor", "客户", 300, 600)
    create("when_paid", "policy", "支付后发货", 2400, 100)
    create("orders", "read_model", "订单列表", 600, 600)
    create("bank", "external_system", "银行", 2400, 500)
    create("question", "hotspot", "退款怎么办?", 2400, 700)
    for source, target in [
        ("customer", "submit"),
        ("submit", "submitted"),
        ("submitted", "orders"),
        ("orders", "customer_again"),
        ("pay", "paid"),
        ("bank", "pay"),
        ("paid", "when_paid"),
        ("when_paid", "submit"),
        ("placed", "customer"),  # an event -> actor link: a reported problem
        ("question", "paid"),
    ]:
        run("link.create", {"from": made[source], "to": made[target]})
    run("vote.cast", {"id": made["question"]})
    run("vote.cast", {"id": made["question"]}, member=guest)
    run("vote.cast", {"id": made["placed"]}, member=guest)
    run("phase.set", {"phase": "bound"})
    return board, made


def test_a_board_of_chinese_names_clashes_and_frames_round_trips(
    tangled_board, importer
):
    board, _ = tangled_board
    original = model_of(board)
    # The board is as tangled as meant: else the test proves little.
    assert original.name_collisions
    assert original.overlapping_frames
    assert original.link_problems
    assert any(
        not c.class_name.isascii() or "订单" in c.name for c in original.contexts
    )

    imported = round_trip(board, importer)

    again = model_of(imported)
    assert content_hash(again.to_dict()) == content_hash(original.to_dict())
    assert names_by_text(again) == names_by_text(original)
    assert len(again.name_collisions) == len(original.name_collisions)
    assert len(again.overlapping_frames) == len(original.overlapping_frames)


def test_the_sticky_created_first_keeps_the_plain_name_after_an_import(
    tangled_board, importer
):
    """Collisions resolve by creation order, on the old board and the new one."""
    board, made = tangled_board
    first_class = model_of(board).element(made["placed"]).class_name

    imported = round_trip(board, importer)

    again = model_of(imported)
    placed = [e for e in again.events if e.name == "Order placed"]
    assert first_class == "OrderPlaced"
    assert [e.class_name for e in placed if e.pivotal] == ["OrderPlaced"]


def test_twin_frames_hold_the_same_stickies_after_an_import(tangled_board, importer):
    board, made = tangled_board
    original = model_of(board)
    holder = original.element(made["submitted"]).aggregate
    holder_name = original.element(holder).name

    again = model_of(round_trip(board, importer))

    submitted = next(e for e in again.events if e.name == "订单已提交")
    assert again.element(submitted.aggregate).name == holder_name


def test_a_moved_and_edited_board_round_trips(facilitator, importer):
    """Only the board's last state travels, not how it got there."""
    board = services.create_board(facilitator, "Edited")
    lead = board.members.get()

    def run(name, data=None):
        return services.execute(board.pk, lead, name, data).event["data"]

    context = run("sticky.create", {"kind": "context", "text": "Sales", "x": 0, "y": 0})
    event = run("sticky.create", {"kind": "event", "text": "Sold", "x": 2000, "y": 0})
    gone = run("sticky.create", {"kind": "event", "text": "Sold", "x": 10, "y": 10})
    run("sticky.move", {"id": event["id"], "x": 100, "y": 100})
    run("sticky.update", {"id": event["id"], "text": "Item sold", "fields": ["n: int"]})
    run("sticky.delete", {"id": gone["id"]})
    run("sticky.update", {"id": context["id"], "width": 3000.5})
    original = model_of(board)

    again = model_of(round_trip(board, importer))

    assert content_hash(again.to_dict()) == content_hash(original.to_dict())
    assert [e.name for e in again.events] == ["Item sold"]
