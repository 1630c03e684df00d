"""Swimlanes: the timeline's horizontal bands, set all at once by `lanes.set`,
kept on the board, folded the same way by the write path and the log, and
brought back by a restore with the stickies that sat in them."""

import uuid

import pytest

from storming import services
from storming.commands import MAX_LANES
from storming.errors import CommandError
from storming.models import Board
from storming.projector import load_snapshot
from storming.state import fold
from storming.vocabulary import Role

pytestmark = pytest.mark.django_db


def lanes_of(board):
    return Board.objects.get(pk=board.pk).lanes


def test_lanes_are_kept_sorted_top_down_with_ids(board, run):
    kept = str(uuid.uuid4())
    run(
        "lanes.set",
        {
            "lanes": [
                {"name": "Refunds", "y": 400, "height": 300},
                {"id": kept, "name": "Orders", "y": -100, "height": 350.5},
            ]
        },
    )
    lanes = lanes_of(board)
    assert [(lane["name"], lane["y"], lane["height"]) for lane in lanes] == [
        ("Orders", -100, 350.5),
        ("Refunds", 400, 300),
    ]
    assert lanes[0]["id"] == kept
    uuid.UUID(lanes[1]["id"])
    assert load_snapshot(Board.objects.get(pk=board.pk))["board"]["lanes"] == lanes

    run("lanes.set", {"lanes": []})
    assert lanes_of(board) == []


@pytest.mark.parametrize(
    ("lanes", "hint"),
    [
        ("Orders", "list"),
        ([{"name": "x", "y": 0, "height": 100}] * (MAX_LANES + 1), "at most"),
        ([{"name": "x", "y": 0}], "height"),
        ([{"name": "x", "y": 0, "height": -5}], "height"),
        ([{"name": "x", "y": "top", "height": 100}], "y"),
        ([{"name": "x", "y": 0, "height": 100, "colour": "red"}], "colour"),
        ([{"name": "x" * 81, "y": 0, "height": 100}], "name"),
        (
            [{"id": "3f1c2f7e-0000-4000-8000-000000000001", "y": 0, "height": 100}] * 2,
            "same id",
        ),
    ],
)
def test_bad_lanes_are_refused_and_change_nothing(board, run, lanes, hint):
    run("lanes.set", {"lanes": [{"name": "Orders", "y": 0, "height": 300}]})
    before = lanes_of(board)
    with pytest.raises(CommandError) as refused:
        run("lanes.set", {"lanes": lanes})
    assert refused.value.code == "invalid"
    assert hint in refused.value.message
    assert lanes_of(board) == before


def test_participants_set_lanes_and_viewers_may_not(board, member_of):
    lanes = {"lanes": [{"name": "Orders", "y": 0, "height": 300}]}
    services.execute(board.pk, member_of(Role.PARTICIPANT, "pat"), "lanes.set", lanes)
    with pytest.raises(CommandError) as refused:
        services.execute(board.pk, member_of(Role.VIEWER, "vic"), "lanes.set", lanes)
    assert refused.value.code == "forbidden"


def test_lanes_are_a_setting_that_undo_passes_over(board, run):
    sticky = run("sticky.create", {"kind": "event", "x": 0, "y": 0}).event["data"]["id"]
    run("lanes.set", {"lanes": [{"name": "Orders", "y": 0, "height": 300}]})
    run("undo")
    board.refresh_from_db()
    assert [lane["name"] for lane in board.lanes] == ["Orders"]
    assert not board.stickies.filter(pk=sticky).exists()


def test_a_restore_brings_back_the_lanes_of_then(board, run):
    run("sticky.create", {"kind": "event", "x": 0, "y": 0})
    run("lanes.set", {"lanes": [{"name": "Orders", "y": 0, "height": 300}]})
    then = Board.objects.get(pk=board.pk).head_seq
    run(
        "lanes.set",
        {"lanes": [{"name": "Payments", "y": 500, "height": 200}]},
    )
    run("board.restore", {"seq": then})
    assert [lane["name"] for lane in lanes_of(board)] == ["Orders"]


def test_the_log_folds_to_the_lanes_the_board_holds(board, run):
    run("lanes.set", {"lanes": [{"name": "Orders", "y": 0, "height": 300}]})
    run("lanes.set", {"lanes": [{"name": "Refunds", "y": 10, "height": 30}]})
    events = [(e.name, e.data) for e in board.events.order_by("seq")]
    assert fold(events)["board"]["lanes"] == lanes_of(board)
