"""Group commit: several senders' commands written in one transaction, each
accepted or refused on its own (`services.execute_each`, `committer`), and
the board's state kept in memory between transactions (`state_cache`)."""

import asyncio
import uuid

import pytest

from storming import committer, services, state, state_cache
from storming.errors import CommandError
from storming.models import Board, BoardEvent
from storming.projector import load_snapshot
from storming.services import Request
from storming.vocabulary import Role

pytestmark = pytest.mark.django_db


def create(member, text, x=0, command_id=None):
    data = {"id": str(uuid.uuid4()), "kind": "event", "text": text, "x": x, "y": 0}
    return Request(member.board_id, member, "sticky.create", data, command_id)


def move(member, sticky_id, x, command_id=None):
    data = {"id": sticky_id, "x": x, "y": 0}
    return Request(member.board_id, member, "sticky.move", data, command_id)


def ask(member, name, data, command_id=None):
    return Request(member.board_id, member, name, data, command_id)


def tables(board):
    return state.from_snapshot(load_snapshot(Board.objects.get(pk=board.pk)))


def test_each_command_is_accepted_or_refused_on_its_own_in_order(
    board, lead, member_of
):
    pat = member_of(Role.PARTICIPANT, "pat")
    viewer = member_of(Role.VIEWER, "vic")
    first = create(lead, "Order placed", command_id="a")
    requests = [
        first,
        move(pat, first.data["id"], 300, "b"),  # decided after the creation
        move(pat, str(uuid.uuid4()), 10, "c"),  # no such sticky
        create(viewer, "Not mine to write", command_id="d"),
        create(pat, "Order paid", 200, "e"),
    ]

    outcomes = services.execute_each(requests)

    assert [getattr(o, "code", None) for o in outcomes] == [
        None,
        None,
        "not_found",
        "forbidden",
        None,
    ]
    assert [o.seq for o in outcomes if not isinstance(o, CommandError)] == [1, 2, 3]
    events = BoardEvent.objects.filter(board=board).order_by("seq")
    assert [(e.seq, e.name, e.command_id, e.actor) for e in events] == [
        (1, "sticky.created", "a", lead.pk),
        (2, "sticky.moved", "b", pat.pk),
        (3, "sticky.created", "e", pat.pk),
    ]
    assert all(e.group is None for e in events)
    assert Board.objects.get(pk=board.pk).head_seq == 3
    assert tables(board) == state.fold((e.name, e.data) for e in events)


def test_a_command_sent_again_is_answered_with_what_it_did(board, lead, member_of):
    pat = member_of(Role.PARTICIPANT, "pat")
    earlier = services.execute(
        board.pk, lead, "sticky.create", {"kind": "event", "x": 0, "y": 0}, "x"
    )
    again = create(pat, "Twice", command_id="t")

    outcomes = services.execute_each(
        [
            ask(
                lead, "sticky.create", {"kind": "event", "x": 0, "y": 0}, "x"
            ),  # logged
            again,
            again,  # twice in one group
            ask(lead, "sticky.create", {"kind": "event", "x": 0, "y": 0}, "t"),  # pat's
        ],
    )

    assert outcomes[0].replayed and outcomes[0].seq == earlier.seq
    assert (outcomes[1].seq, outcomes[1].replayed) == (2, False)
    assert (outcomes[2].seq, outcomes[2].replayed) == (2, True)
    assert outcomes[3].code == "conflict"
    assert BoardEvent.objects.filter(board=board).count() == 2


def test_a_removed_member_and_a_taken_id_are_refused_alone(
    board, lead, member_of, facilitator
):
    pat = member_of(Role.PARTICIPANT, "pat")
    elsewhere = services.create_board(facilitator, "Another board")
    taken = services.execute(
        elsewhere.pk,
        elsewhere.members.get(),
        "sticky.create",
        {"kind": "event", "x": 0, "y": 0},
    ).event["data"]["id"]
    gone = member_of(Role.PARTICIPANT, "gus")
    services.remove_member(board, lead, gone)
    clash = ask(
        lead, "sticky.create", {"id": taken, "kind": "event", "x": 0, "y": 0}, "c1"
    )

    outcomes = services.execute_each(
        [
            clash,
            move(lead, taken, 50, "c2"),  # the sticky never came to be here
            create(gone, "Too late", command_id="g"),
            create(pat, "Still here", command_id="p"),
        ],
    )

    assert [getattr(o, "code", None) for o in outcomes] == [
        "conflict",
        "not_found",
        "forbidden",
        None,
    ]
    assert "already exists" in outcomes[0].message
    assert list(BoardEvent.objects.filter(board=board).values_list("command_id")) == [
        ("p",)
    ]


def test_one_group_writes_to_several_boards_each_in_its_own_seqs(
    board, lead, facilitator
):
    other = services.create_board(facilitator, "Another board")
    them = other.members.get()
    requests = [
        create(lead, "Here", command_id="same-id"),
        create(them, "There", command_id="same-id"),  # ids are per board
        create(lead, "Here again"),
        Request(uuid.uuid4(), lead, "sticky.create", {"kind": "event"}, "x"),
        Request("not-a-board", lead, "sticky.create", {"kind": "event"}, "y"),
        create(them, "There again"),
    ]

    outcomes = services.execute_each(requests)

    assert [o.code if isinstance(o, CommandError) else o.seq for o in outcomes] == [
        1, 1, 2, "not_found", "not_found", 2
    ]  # fmt: skip
    for each, texts in (
        (board, ["Here", "Here again"]),
        (other, ["There", "There again"]),
    ):
        log = BoardEvent.objects.filter(board=each).order_by("seq")
        assert [e.data["text"] for e in log] == texts
        assert Board.objects.get(pk=each.pk).head_seq == 2
        assert tables(each) == state.fold((e.name, e.data) for e in log)


def test_batch_and_undo_run_alone_between_the_plain_commands(board, lead):
    one = create(lead, "One", command_id="1")
    two = create(lead, "Two", command_id="2")
    batch = ask(
        lead,
        "batch",
        {
            "commands": [
                {"name": "sticky.move", "data": {"id": one.data["id"], "x": 9, "y": 9}},
                {"name": "sticky.move", "data": {"id": two.data["id"], "x": 8, "y": 8}},
            ]
        },
        "3",
    )
    outcomes = services.execute_each(
        [one, two, batch, ask(lead, "undo", {}, "4"), create(lead, "5")]
    )

    assert [o.seq for o in outcomes] == [1, 2, 4, 6, 7]
    assert (outcomes[2].first, outcomes[3].first) == (3, 5)
    now = tables(board)
    assert (now["stickies"][one.data["id"]]["x"], len(now["stickies"])) == (0, 3)


@pytest.mark.django_db(transaction=True)
def test_the_state_kept_between_transactions_is_the_board_in_its_tables(
    board, lead, member_of
):
    """Every write path leaves the kept state equal to the tables, so that the
    next group decides against the board as it is."""
    pat = member_of(Role.PARTICIPANT, "pat")
    ids = [
        services.execute(
            board.pk, lead, "sticky.create", {"kind": "event", "x": n, "y": 0}
        ).event["data"]["id"]
        for n in range(3)
    ]

    def kept():
        head = Board.objects.get(pk=board.pk).head_seq
        current = state_cache.take(board.pk, head)
        assert current is not None, "no state kept at the head"
        state_cache.give_back(board.pk, head, current)
        return current

    services.execute_each([move(pat, ids[0], 100), create(pat, "New")])
    assert kept() == tables(board)
    services.execute(board.pk, pat, "link.create", {"from": ids[0], "to": ids[1]})
    assert kept() == tables(board)
    services.execute(board.pk, pat, "batch", {"commands": [
        {"name": "sticky.delete", "data": {"id": ids[1]}},
        {"name": "sticky.move", "data": {"id": ids[2], "x": 7, "y": 7}},
    ]})  # fmt: skip
    assert kept() == tables(board)
    services.execute(board.pk, pat, "undo", {})
    assert kept() == tables(board)
    services.execute(board.pk, lead, "board.restore", {"seq": 3})
    assert kept() == tables(board)
    # A refused group keeps nothing half-done.
    with pytest.raises(CommandError):
        services.execute(board.pk, pat, "batch", {"commands": [
            {"name": "sticky.move", "data": {"id": ids[0], "x": 1, "y": 1}},
            {"name": "sticky.move", "data": {"id": str(uuid.uuid4()), "x": 1, "y": 1}},
        ]})  # fmt: skip
    assert tables(board)["stickies"][ids[0]]["x"] != 1
    services.execute_each([move(pat, ids[0], 5)])
    assert kept() == tables(board)


def test_a_kept_state_at_another_seq_is_never_used():
    board_id = uuid.uuid4()
    state_cache.give_back(board_id, 5, {"seq": 5})
    state_cache.give_back(board_id, 4, {"seq": 4})  # older: not kept over 5
    assert state_cache.take(board_id, 6) is None  # someone else wrote 6
    assert state_cache.take(board_id, 5) is None  # taken out (and dropped) above
    state_cache.give_back(board_id, 7, {"seq": 7})
    assert state_cache.take(board_id, 7) == {"seq": 7}
    assert state_cache.take(board_id, 7) is None  # one transaction at a time


@pytest.mark.django_db(transaction=True)
def test_commands_sent_at_once_by_many_sockets_are_all_answered_in_order(
    board, lead, member_of
):
    people = [lead] + [member_of(Role.PARTICIPANT, f"p{n}") for n in range(4)]
    sticky = services.execute(
        board.pk, lead, "sticky.create", {"kind": "event", "x": 0, "y": 0}
    )
    sticky_id = sticky.event["data"]["id"]

    async def everyone():
        sends = [
            committer.run(
                board.pk,
                people[n % 5],
                "sticky.move",
                {"id": sticky_id, "x": n, "y": 0},
                f"op-{n}",
            )
            for n in range(40)
        ]
        sends.append(
            committer.run(board.pk, lead, "sticky.move", {"id": "nope"}, "op-bad")
        )
        return await asyncio.gather(*sends, return_exceptions=True)

    outcomes = asyncio.run(everyone())

    assert [o.seq for o in outcomes[:40]] == list(range(2, 42))
    assert isinstance(outcomes[40], CommandError)
    assert outcomes[40].code == "invalid"
    log = BoardEvent.objects.filter(board=board, seq__gt=1).order_by("seq")
    assert [e.command_id for e in log] == [f"op-{n}" for n in range(40)]
    assert tables(board)["stickies"][sticky_id]["x"] == 39
    assert committer._queues == {}
