"""Group actions: `batch` (many commands, all or nothing, one ack), undo and
redo of a whole group, and `board.restore`; through the write path, REST and
the websocket."""

import threading
import uuid

import pytest
from rest_framework import status

from storming import services
from storming.errors import CommandError
from storming.models import Board, BoardEvent, Sticky
from storming.projector import load_snapshot
from storming.vocabulary import MAX_BATCH, Role

pytestmark = pytest.mark.django_db


def board_now(board):
    board = Board.objects.get(pk=board.pk)
    return board.head_seq, load_snapshot(board)


@pytest.fixture
def stickies(run):
    ids = []
    for n in range(5):
        data = {"kind": "event", "text": f"E{n}", "x": n * 200, "y": 0}
        ids.append(run("sticky.create", data).event["data"]["id"])
    return ids


def moves(ids, x=1000, y=500):
    return [
        {"name": "sticky.move", "data": {"id": i, "x": x + n, "y": y}}
        for n, i in enumerate(ids)
    ]


def test_a_batch_appends_its_events_with_consecutive_seqs_in_one_group(
    board, run, stickies
):
    applied = run("batch", {"commands": moves(stickies)}, command_id="op-1")

    events = list(BoardEvent.objects.filter(board=board, seq__gt=5).order_by("seq"))
    assert [e.seq for e in events] == [6, 7, 8, 9, 10]
    assert {e.group for e in events} == {6}
    assert [e.command_id for e in events] == ["op-1", None, None, None, None]
    assert (applied.first, applied.seq) == (6, 10)
    assert [m["group"] for m in applied.events] == [6] * 5
    assert applied.ack("op-1") == {
        "type": "ack",
        "id": "op-1",
        "seq": 10,
        "first": 6,
        "replayed": False,
    }
    positions = {s.pk: (s.x, s.y) for s in Sticky.objects.filter(board=board)}
    assert positions[uuid.UUID(stickies[2])] == (1002, 500)


def test_a_batch_sent_again_is_acked_again_not_applied_twice(board, run, stickies):
    first = run("batch", {"commands": moves(stickies)}, command_id="op-1")
    again = run("batch", {"commands": moves(stickies, 0, 0)}, command_id="op-1")
    assert again.replayed and again.events == first.events
    assert Board.objects.get(pk=board.pk).head_seq == 10


def test_a_batch_is_all_or_nothing(board, run, stickies):
    before = board_now(board)
    bad = [*moves(stickies[:3]), {"name": "sticky.move", "data": {"id": "nope"}}]
    with pytest.raises(CommandError) as refused:
        run("batch", {"commands": bad})
    assert refused.value.code == "invalid"
    assert refused.value.details == {"index": 3}
    assert board_now(board) == before


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        ({}, "commands"),
        ({"commands": []}, "non-empty"),
        ({"commands": "x"}, "non-empty list"),
        ({"commands": [{"name": "undo"}]}, "cannot run in a batch"),
        ({"commands": [{"name": "batch", "data": {}}]}, "cannot run in a batch"),
        ({"commands": [{"data": {}}]}, "missing"),
        ({"commands": [{"name": 7}]}, "string"),
        ({"commands": [{"name": "x"}] * (MAX_BATCH + 1)}, "at most"),
    ],
)
def test_a_bad_batch_is_refused_and_changes_nothing(board, run, stickies, data, hint):
    before = board_now(board)
    with pytest.raises(CommandError) as refused:
        run("batch", data)
    assert refused.value.code == "invalid"
    assert hint in refused.value.message
    assert board_now(board) == before


def test_a_viewer_cannot_batch(board, member_of, stickies):
    viewer = member_of(Role.VIEWER, "vic")
    with pytest.raises(CommandError) as refused:
        services.execute(board.pk, viewer, "batch", {"commands": moves(stickies)})
    assert refused.value.code == "forbidden"


def test_a_facilitator_only_command_inside_a_batch_needs_a_facilitator(
    board, member_of, stickies
):
    pat = member_of(Role.PARTICIPANT, "pat")
    commands = [*moves(stickies[:1]), {"name": "board.lock"}]
    with pytest.raises(CommandError) as refused:
        services.execute(board.pk, pat, "batch", {"commands": commands})
    assert refused.value.code == "forbidden" and refused.value.details == {"index": 1}


def test_undo_takes_back_the_whole_batch_and_redo_all_of_it(board, run, stickies):
    run("batch", {"commands": moves(stickies)})
    undone = run("undo")
    assert [e["name"] for e in undone.events] == ["sticky.moved"] * 5
    assert {e["undo_of"] for e in undone.events} == {6}
    assert {(s.x, s.y) for s in Sticky.objects.filter(board=board)} == {
        (n * 200, 0) for n in range(5)
    }
    redone = run("redo")
    assert {e["redo_of"] for e in redone.events} == {undone.first}
    assert sorted(s.x for s in Sticky.objects.filter(board=board)) == list(
        range(1000, 1005)
    )
    # One more undo takes back the redo, as one step again.
    run("undo")
    assert sorted(s.x for s in Sticky.objects.filter(board=board)) == [
        0,
        200,
        400,
        600,
        800,
    ]


def test_undo_of_a_batch_is_refused_whole_when_someone_changed_part_of_it(
    board, run, member_of, stickies
):
    run("batch", {"commands": moves(stickies)})
    pat = member_of(Role.PARTICIPANT, "pat")
    services.execute(board.pk, pat, "sticky.move", {"id": stickies[3], "x": 1, "y": 1})
    before = board_now(board)
    with pytest.raises(CommandError) as refused:
        run("undo")
    assert refused.value.code == "conflict"
    assert board_now(board) == before


@pytest.mark.postgres
def test_undo_of_a_batch_racing_a_concurrent_edit_is_atomic(
    transactional_db, board, lead, member_of, stickies
):
    """An undo of a group and an edit of one of its stickies, at once: either
    the undo went first (all five back, then the edit) or the edit did (the
    undo refused, nothing taken back); never half of it."""
    services.execute(board.pk, lead, "batch", {"commands": moves(stickies)})
    pat = member_of(Role.PARTICIPANT, "pat")
    results = {}

    def undo():
        try:
            results["undo"] = services.execute(board.pk, lead, "undo")
        except CommandError as error:
            results["undo"] = error

    def edit():
        results["edit"] = services.execute(
            board.pk, pat, "sticky.update", {"id": stickies[2], "text": "Edited"}
        )

    threads = [threading.Thread(target=undo), threading.Thread(target=edit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    xs = sorted(s.x for s in Sticky.objects.filter(board=board))
    if isinstance(results["undo"], CommandError):
        assert xs == list(range(1000, 1005))
    else:
        assert xs == [0, 200, 400, 600, 800]


def test_restore_brings_the_board_back_to_a_seq_as_one_undo_step(board, run, stickies):
    then = board_now(board)[1]
    run("sticky.delete", {"id": stickies[0]})
    run("sticky.update", {"id": stickies[1], "text": "Changed"})
    run("batch", {"commands": moves(stickies[2:])})

    restored = run("board.restore", {"seq": 5})

    assert len({e["group"] for e in restored.events}) == 1
    now = board_now(board)[1]
    content = ("id", "kind", "text", "x", "y")
    assert sorted(tuple(s[k] for k in content) for s in now["stickies"]) == sorted(
        tuple(s[k] for k in content) for s in then["stickies"]
    )
    run("undo")
    texts = sorted(s["text"] for s in board_now(board)[1]["stickies"])
    assert texts == ["Changed", "E2", "E3", "E4"]


def test_undoing_a_group_that_changed_a_setting_takes_back_only_its_content(
    board, run, stickies
):
    run(
        "batch",
        {
            "commands": [
                *moves(stickies[:2]),
                {"name": "phase.set", "data": {"phase": "order"}},
            ]
        },
    )
    run("undo")
    board.refresh_from_db()
    assert board.phase == "order"
    assert sorted(board.stickies.values_list("x", flat=True)) == [0, 200, 400, 600, 800]


def test_restore_needs_a_facilitator_and_a_seq_of_the_board(
    board, run, member_of, stickies
):
    pat = member_of(Role.PARTICIPANT, "pat")
    with pytest.raises(CommandError) as refused:
        services.execute(board.pk, pat, "board.restore", {"seq": 1})
    assert refused.value.code == "forbidden"
    for data, hint in (({"seq": 99}, "between"), ({"seq": "1"}, "whole"), ({}, "seq")):
        with pytest.raises(CommandError) as refused:
            run("board.restore", data)
        assert hint in refused.value.message
    with pytest.raises(CommandError, match="nothing to restore"):
        run("board.restore", {"seq": 5})


def test_a_batch_over_rest_answers_with_all_its_events(api, board, lead, stickies):
    api.force_authenticate(lead.user)
    response = api.post(
        f"/api/boards/{board.pk}/commands/",
        {"id": "rest-1", "name": "batch", "data": {"commands": moves(stickies)}},
        format="json",
    )
    assert response.status_code == status.HTTP_201_CREATED
    body = response.json()
    assert body["seq"] == 10 and [e["seq"] for e in body["events"]] == list(
        range(6, 11)
    )
