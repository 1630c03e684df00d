"""The write path: every command's effect, its refusals, retries and undo."""

import uuid

import pytest
from asgiref.sync import async_to_sync

from storming import board_log, services
from storming.broadcast import group_name
from storming.errors import CommandError
from storming.models import Board, BoardEvent, Link, Sticky, Vote
from storming.projector import load_snapshot
from storming.vocabulary import MAX_TEXT, Role

pytestmark = pytest.mark.django_db


def board_now(board):
    board = Board.objects.get(pk=board.pk)
    return (
        board.head_seq,
        BoardEvent.objects.filter(board=board).count(),
        load_snapshot(board),
    )


@pytest.fixture
def refused(board, run):
    """Run a command that must be refused; assert it changed nothing."""

    def check(code, name, data=None, member=None, command_id=None):
        before = board_now(board)
        with pytest.raises(CommandError) as caught:
            run(name, data, member=member, command_id=command_id)
        assert caught.value.code == code, caught.value.message
        assert board_now(board) == before
        return caught.value

    return check


@pytest.fixture
def sticky(run):
    def make(kind="event", text="Order placed", x=0, y=0, **extra):
        data = {"kind": kind, "text": text, "x": x, "y": y, **extra}
        return run("sticky.create", data).event["data"]

    return make


# -- happy paths ----------------------------------------------------------------


def test_sticky_create_appends_an_event_and_projects_the_whole_sticky(board, run, lead):
    sticky_id = str(uuid.uuid4())
    applied = run(
        "sticky.create",
        {
            "id": sticky_id,
            "kind": "command",
            "text": "Place order",
            "x": 10,
            "y": 20.5,
            "fields": ["order_id: uuid", {"name": "total", "type": "decimal"}],
        },
    )
    assert applied.event["seq"] == 1
    assert applied.event["name"] == "sticky.created"
    assert applied.event["by"] == str(lead.pk)
    data = applied.event["data"]
    assert data["id"] == sticky_id
    assert data["fields"] == [
        {"name": "order_id", "type": "uuid"},
        {"name": "total", "type": "decimal"},
    ]
    row = Sticky.objects.get(pk=sticky_id)
    assert (row.kind, row.text, row.x, row.y, row.version) == (
        "command",
        "Place order",
        10.0,
        20.5,
        1,
    )
    assert (row.width, row.height) == (160.0, 160.0)
    assert row.author == lead.pk
    board.refresh_from_db()
    assert board.head_seq == 1


def test_sticky_create_without_an_id_gets_one_from_the_server(run):
    data = run("sticky.create", {"kind": "hotspot", "x": 0, "y": 0}).event["data"]
    assert Sticky.objects.filter(pk=data["id"], kind="hotspot").exists()


def test_sticky_update_changes_only_the_given_fields_and_bumps_the_version(run, sticky):
    created = sticky()
    event = run(
        "sticky.update",
        {"id": created["id"], "text": "Order submitted", "pivotal": True},
    ).event
    assert event["name"] == "sticky.updated"
    assert event["data"]["text"] == "Order submitted"
    assert event["data"]["version"] == 2
    row = Sticky.objects.get(pk=created["id"])
    assert (row.text, row.pivotal, row.version, row.kind) == (
        "Order submitted",
        True,
        2,
        "event",
    )


def test_sticky_update_of_kind_clears_pivotal_for_non_events(run, sticky):
    created = sticky(pivotal=True)
    run("sticky.update", {"id": created["id"], "kind": "command"})
    row = Sticky.objects.get(pk=created["id"])
    assert (row.kind, row.pivotal) == ("command", False)


def test_sticky_update_with_a_stale_version_keeps_size_changes(run, sticky):
    created = sticky()
    run("sticky.update", {"id": created["id"], "text": "Order placed!"})
    run("sticky.update", {"id": created["id"], "width": 300, "version": 1})
    assert Sticky.objects.get(pk=created["id"]).width == 300


def test_sticky_update_sets_code_name_and_description(run, sticky):
    created = sticky()
    run(
        "sticky.update",
        {"id": created["id"], "code_name": "OrderPlacedV2", "description": "why"},
    )
    row = Sticky.objects.get(pk=created["id"])
    assert (row.code_name, row.description) == ("OrderPlacedV2", "why")


def test_an_event_can_leave_its_context_as_a_notification(run, sticky):
    created = sticky()
    assert created["event_style"] == "state"
    event = run("sticky.update", {"id": created["id"], "event_style": "notification"})
    assert event.event["data"]["event_style"] == "notification"
    assert Sticky.objects.get(pk=created["id"]).event_style == "notification"


def test_an_event_turned_into_another_kind_loses_its_style(run, sticky):
    created = sticky()
    run("sticky.update", {"id": created["id"], "event_style": "notification"})
    run("sticky.update", {"id": created["id"], "kind": "command"})
    assert Sticky.objects.get(pk=created["id"]).event_style == "state"


def test_undo_brings_back_the_events_style(run, sticky):
    created = sticky()
    run("sticky.update", {"id": created["id"], "event_style": "notification"})
    run("undo")
    assert Sticky.objects.get(pk=created["id"]).event_style == "state"


def test_sticky_move_sets_the_position(run, sticky):
    created = sticky()
    event = run("sticky.move", {"id": created["id"], "x": -40, "y": 1e6}).event
    assert event["name"] == "sticky.moved"
    row = Sticky.objects.get(pk=created["id"])
    assert (row.x, row.y, row.version) == (-40.0, 1e6, 2)


def test_sticky_delete_takes_its_links_and_votes_along(run, sticky):
    event, command = sticky(), sticky("command", "Place order")
    link = run("link.create", {"from": command["id"], "to": event["id"]}).event["data"]
    run("vote.cast", {"id": event["id"]})
    deleted = run("sticky.delete", {"id": event["id"]}).event
    assert deleted["name"] == "sticky.deleted"
    assert deleted["data"]["links"] == [link["id"]]
    assert not Sticky.objects.filter(pk=event["id"]).exists()
    assert not Link.objects.exists()
    assert not Vote.objects.exists()


def test_link_create_and_delete(run, sticky):
    actor, command = sticky("actor", "Customer"), sticky("command", "Place order")
    link = run("link.create", {"from": actor["id"], "to": command["id"]}).event["data"]
    assert (link["from"], link["to"]) == (actor["id"], command["id"])
    assert Link.objects.filter(pk=link["id"]).exists()
    assert run("link.delete", {"id": link["id"]}).event["name"] == "link.deleted"
    assert not Link.objects.exists()


def test_votes_are_cast_and_retracted_per_member(run, sticky, member_of):
    hotspot = sticky("hotspot", "Who pays the fees?")
    other = member_of(Role.PARTICIPANT)
    run("vote.cast", {"id": hotspot["id"]})
    run("vote.cast", {"id": hotspot["id"]}, member=other)
    assert Vote.objects.filter(sticky_id=hotspot["id"]).count() == 2
    event = run("vote.retract", {"id": hotspot["id"]}, member=other).event
    assert event["name"] == "vote.retracted"
    assert list(Vote.objects.values_list("member", flat=True)) != [other.pk]
    assert Vote.objects.count() == 1


def test_phase_timer_and_lock_are_board_settings(board, run):
    assert run("phase.set", {"phase": "order"}).event["name"] == "phase.changed"
    timer = run("timer.start", {"seconds": 600}).event
    assert timer["name"] == "timer.started"
    assert timer["data"]["seconds"] == 600
    run("board.lock")
    board.refresh_from_db()
    assert (board.phase, board.locked, board.timer_seconds) == ("order", True, 600)
    assert board.timer_ends_at is not None
    run("timer.stop")
    run("board.unlock")
    board.refresh_from_db()
    assert (board.locked, board.timer_seconds, board.timer_ends_at) == (
        False,
        None,
        None,
    )


def test_a_facilitator_may_write_on_a_locked_board(run):
    run("board.lock")
    assert run("sticky.create", {"kind": "event", "x": 0, "y": 0}).event["seq"] == 2


# -- idempotency ------------------------------------------------------------------


def test_a_retried_command_id_is_applied_once_and_answers_the_first_result(board, run):
    data = {"kind": "event", "text": "Order placed", "x": 0, "y": 0}
    first = run("sticky.create", data, command_id="op-1")
    again = run("sticky.create", data, command_id="op-1")
    assert not first.replayed and again.replayed
    assert again.event == first.event
    assert BoardEvent.objects.filter(board=board).count() == 1
    assert Sticky.objects.count() == 1


def test_a_command_id_of_another_member_is_a_conflict(run, refused, member_of):
    run("sticky.create", {"kind": "event", "x": 0, "y": 0}, command_id="op-1")
    other = member_of(Role.PARTICIPANT)
    refused(
        "conflict", "sticky.create", {"kind": "event", "x": 1, "y": 1}, other, "op-1"
    )


def test_a_refused_command_can_be_retried_with_the_same_id(run, refused, sticky):
    refused("invalid", "sticky.create", {"kind": "nope", "x": 0, "y": 0}, None, "op-9")
    applied = run("sticky.create", {"kind": "event", "x": 0, "y": 0}, command_id="op-9")
    assert not applied.replayed


# -- refusals change nothing ------------------------------------------------------

BAD_CREATES = [
    ({"kind": "event", "x": 0}, "missing"),
    ({"kind": "story", "x": 0, "y": 0}, "kind"),
    ({"kind": "event", "text": "x" * (MAX_TEXT + 1), "x": 0, "y": 0}, "limit"),
    ({"kind": "event", "x": float("nan"), "y": 0}, "finite"),
    ({"kind": "event", "x": float("inf"), "y": 0}, "finite"),
    ({"kind": "event", "x": "10", "y": 0}, "number"),
    ({"kind": "event", "x": True, "y": 0}, "number"),
    ({"kind": "event", "x": 1e300, "y": 0}, "between"),
    ({"kind": "event", "x": 0, "y": 0, "width": 0}, "between"),
    ({"kind": "event", "x": 0, "y": 0, "id": "not-a-uuid"}, "UUID"),
    ({"kind": "event", "x": 0, "y": 0, "colour": "red"}, "unknown"),
    ({"kind": "event", "x": 0, "y": 0, "fields": "id: uuid"}, "list"),
    ({"kind": "event", "x": 0, "y": 0, "fields": [": uuid"]}, "name"),
    ({"kind": "event", "x": 0, "y": 0, "fields": [42]}, "field"),
    ({"kind": "event", "x": 0, "y": 0, "text": 7}, "string"),
    ({"kind": "event", "x": 0, "y": 0, "text": "a\x00b"}, "NUL"),
    ({"kind": "command", "x": 0, "y": 0, "pivotal": True}, "pivotal"),
    ({"kind": "event", "x": 0, "y": 0, "code_name": "not valid"}, "identifier"),
    ({"kind": "event", "x": 0, "y": 0, "event_style": "rumour"}, "event_style"),
    ({"kind": "command", "x": 0, "y": 0, "event_style": "notification"}, "events"),
]


@pytest.mark.parametrize(("data", "hint"), BAD_CREATES)
def test_bad_sticky_create_is_invalid_and_changes_nothing(refused, data, hint):
    error = refused("invalid", "sticky.create", data)
    assert hint in error.message


def test_unknown_command_is_invalid(refused):
    error = refused("invalid", "sticky.paint", {"id": str(uuid.uuid4())})
    assert "unknown command" in error.message


@pytest.mark.parametrize("data", [[], "text", 42])
def test_data_that_is_not_an_object_is_invalid(refused, data):
    refused("invalid", "sticky.create", data)


@pytest.mark.parametrize("command_id", ["", "x" * 65, 42])
def test_a_malformed_command_id_is_invalid(refused, command_id):
    refused(
        "invalid", "sticky.create", {"kind": "event", "x": 0, "y": 0}, None, command_id
    )


def test_sticky_create_with_a_taken_id_is_a_conflict(refused, sticky):
    created = sticky()
    refused(
        "conflict",
        "sticky.create",
        {"id": created["id"], "kind": "event", "x": 0, "y": 0},
    )


def test_commands_on_a_missing_sticky_are_not_found(refused):
    missing = str(uuid.uuid4())
    refused("not_found", "sticky.update", {"id": missing, "text": "x"})
    refused("not_found", "sticky.move", {"id": missing, "x": 0, "y": 0})
    refused("not_found", "sticky.delete", {"id": missing})
    refused("not_found", "vote.cast", {"id": missing})
    refused("not_found", "link.delete", {"id": missing})


def test_sticky_update_refusals(refused, sticky):
    created = sticky()
    refused("invalid", "sticky.update", {"id": created["id"]})
    refused(
        "invalid", "sticky.update", {"id": created["id"], "version": "1", "text": "a"}
    )
    refused("invalid", "sticky.update", {"id": created["id"], "height": -5})
    refused("invalid", "sticky.update", {"id": created["id"], "pivotal": "yes"})


def test_a_stale_text_edit_is_a_conflict_that_shows_the_current_text(
    run, refused, sticky
):
    created = sticky()
    run("sticky.update", {"id": created["id"], "text": "Order confirmed"})
    error = refused(
        "conflict", "sticky.update", {"id": created["id"], "text": "Mine", "version": 1}
    )
    assert error.details["sticky"]["text"] == "Order confirmed"


def test_a_link_to_a_sticky_of_another_board_is_not_found(refused, sticky, facilitator):
    mine = sticky()
    other_board = services.create_board(facilitator, "Another board")
    other_lead = other_board.members.get()
    theirs = services.execute(
        other_board.pk, other_lead, "sticky.create", {"kind": "event", "x": 0, "y": 0}
    ).event["data"]
    refused("not_found", "link.create", {"from": mine["id"], "to": theirs["id"]})


def test_link_refusals(run, refused, sticky):
    a, b = sticky(), sticky("policy", "Whenever paid then ship")
    refused("invalid", "link.create", {"from": a["id"], "to": a["id"]})
    refused("invalid", "link.create", {"from": a["id"]})
    run("link.create", {"from": a["id"], "to": b["id"]})
    refused("conflict", "link.create", {"from": a["id"], "to": b["id"]})


def test_vote_refusals(run, refused, sticky):
    hotspot = sticky("hotspot", "?")
    refused("not_found", "vote.retract", {"id": hotspot["id"]})
    run("vote.cast", {"id": hotspot["id"]})
    refused("conflict", "vote.cast", {"id": hotspot["id"]})


def test_setting_refusals(refused):
    refused("invalid", "phase.set", {"phase": "dance"})
    refused("invalid", "timer.start", {"seconds": 0})
    refused("invalid", "timer.start", {"seconds": 1.5})
    refused("invalid", "timer.start", {"seconds": 10**9})
    refused("invalid", "board.lock", {"now": True})


def test_a_viewer_cannot_write(refused, member_of, sticky):
    viewer = member_of(Role.VIEWER)
    created = sticky()
    refused("forbidden", "sticky.create", {"kind": "event", "x": 0, "y": 0}, viewer)
    refused("forbidden", "vote.cast", {"id": created["id"]}, viewer)
    refused("forbidden", "undo", None, viewer)


def test_a_locked_board_refuses_participants(run, refused, member_of):
    participant = member_of(Role.PARTICIPANT)
    run("board.lock")
    refused(
        "forbidden", "sticky.create", {"kind": "event", "x": 0, "y": 0}, participant
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("phase.set", {"phase": "order"}),
        ("timer.start", {"seconds": 60}),
        ("timer.stop", None),
        ("board.lock", None),
        ("board.unlock", None),
    ],
)
def test_only_a_facilitator_steers_the_workshop(refused, member_of, name, data):
    refused("forbidden", name, data, member_of(Role.PARTICIPANT))


def test_a_removed_member_cannot_write(refused, member_of):
    participant = member_of(Role.PARTICIPANT)
    participant.delete()
    refused(
        "forbidden", "sticky.create", {"kind": "event", "x": 0, "y": 0}, participant
    )


def test_a_missing_board_is_not_found(lead):
    with pytest.raises(CommandError) as caught:
        services.execute(uuid.uuid4(), lead, "undo")
    assert caught.value.code == "not_found"


# -- undo and redo ------------------------------------------------------------------


def test_undo_reverts_my_last_change_and_redo_brings_it_back(run, sticky):
    created = sticky()
    run("sticky.update", {"id": created["id"], "text": "Order submitted"})
    undone = run("undo").event
    assert undone["name"] == "sticky.updated"
    assert undone["undo_of"] == 2
    assert Sticky.objects.get(pk=created["id"]).text == "Order placed"
    redone = run("redo").event
    assert redone["redo_of"] == undone["seq"]
    assert Sticky.objects.get(pk=created["id"]).text == "Order submitted"


def test_undo_walks_back_through_my_changes(run, sticky):
    created = sticky()
    run("sticky.move", {"id": created["id"], "x": 100, "y": 0})
    run("undo")
    run("undo")
    assert not Sticky.objects.exists()
    run("redo")
    assert Sticky.objects.get(pk=created["id"]).x == 0
    run("redo")
    assert Sticky.objects.get(pk=created["id"]).x == 100


def test_undo_of_a_delete_restores_the_sticky_with_its_links_and_votes(run, sticky):
    event, policy = sticky(), sticky("policy", "Whenever placed then reserve")
    run("link.create", {"from": event["id"], "to": policy["id"]})
    run("vote.cast", {"id": event["id"]})
    run("sticky.delete", {"id": event["id"]})
    restored = run("undo").event
    assert restored["name"] == "sticky.created"
    assert Sticky.objects.filter(pk=event["id"]).exists()
    assert Link.objects.count() == 1
    assert Vote.objects.count() == 1


def test_undo_never_touches_someone_elses_changes(run, refused, sticky, member_of):
    other = member_of(Role.PARTICIPANT)
    mine = sticky()
    theirs = run("sticky.create", {"kind": "event", "x": 5, "y": 5}, member=other)
    run("undo")
    assert not Sticky.objects.filter(pk=mine["id"]).exists()
    assert Sticky.objects.filter(pk=theirs.event["data"]["id"]).exists()
    refused("not_found", "undo")


def test_undo_refuses_to_overwrite_what_someone_changed_since(
    run, refused, sticky, member_of
):
    created = sticky()
    run("sticky.update", {"id": created["id"], "text": "Mine"})
    other = member_of(Role.PARTICIPANT)
    run("sticky.update", {"id": created["id"], "text": "Theirs"}, member=other)
    error = refused("conflict", "undo")
    assert error.details["sticky"]["text"] == "Theirs"


def test_a_fresh_change_clears_redo(run, refused, sticky):
    created = sticky()
    run("sticky.move", {"id": created["id"], "x": 1, "y": 1})
    run("undo")
    run("sticky.move", {"id": created["id"], "x": 2, "y": 2})
    refused("not_found", "redo")


def test_nothing_to_undo_or_redo_is_not_found(refused):
    refused("not_found", "undo")
    refused("not_found", "redo")
    refused("invalid", "undo", {"steps": 2})


def test_settings_are_not_undone(run, refused):
    run("phase.set", {"phase": "order"})
    refused("not_found", "undo")


# -- reading the log --------------------------------------------------------------


def test_events_since_and_state_at_any_seq(board, run, sticky):
    created = sticky()
    run("sticky.update", {"id": created["id"], "text": "Order shipped"})
    board.refresh_from_db()
    events = board_log.events_since(board, 0)
    assert [e["seq"] for e in events] == [1, 2]
    assert board_log.events_since(board, 1)[0]["name"] == "sticky.updated"
    assert board_log.state_at(board, 1)["stickies"][0]["text"] == "Order placed"
    assert board_log.state_at(board, 0)["stickies"] == []
    assert board_log.state_at(board) == board_log.board_state(board)["state"]


def test_replay_rebuilds_a_damaged_projection(board, run, sticky):
    created = sticky()
    run("sticky.update", {"id": created["id"], "text": "Order shipped"})
    run("phase.set", {"phase": "attribute"})
    expected = load_snapshot(Board.objects.get(pk=board.pk))
    Sticky.objects.all().delete()
    Board.objects.filter(pk=board.pk).update(phase="find")
    services.replay_board(board.pk)
    assert load_snapshot(Board.objects.get(pk=board.pk)) == expected


# -- many commands as one change -------------------------------------------------


def a_workshop(ids):
    """Commands that touch every kind of content, for the batch tests."""
    a, b, c, link = ids
    return [
        ("sticky.create", {"id": a, "kind": "event", "text": "Paid", "x": 0, "y": 0}),
        ("sticky.create", {"id": b, "kind": "policy", "x": 200, "y": 0}),
        ("sticky.create", {"id": c, "kind": "command", "x": 400, "y": 0}),
        ("sticky.update", {"id": a, "text": "Order paid", "pivotal": True}),
        ("sticky.move", {"id": b, "x": 210, "y": 5}),
        ("link.create", {"id": link, "from": a, "to": b}),
        ("link.create", {"from": b, "to": c}),
        ("vote.cast", {"id": c}),
        ("sticky.delete", {"id": c}),
        ("phase.set", {"phase": "order"}),
        ("board.lock", None),
        ("sticky.create", {"kind": "hotspot", "x": 0, "y": 300}),
    ]


def without_ids(snapshot):
    drop = ("id", "author", "created_at", "updated_at", "from", "to")
    return {
        "board": snapshot["board"],
        "stickies": [
            {k: v for k, v in s.items() if k not in drop} for s in snapshot["stickies"]
        ],
        "links": len(snapshot["links"]),
        "votes": len(snapshot["votes"]),
    }


def new_ids(count=4):
    return [str(uuid.uuid4()) for _ in range(count)]


def test_a_batch_does_what_its_commands_do_one_by_one(board, lead, facilitator):
    other = services.create_board(facilitator, "The same, one by one")
    other_lead = other.members.get()
    for name, data in a_workshop(new_ids()):
        services.execute(other.pk, other_lead, name, data)

    applied = services.execute_many(board.pk, lead, a_workshop(new_ids()))

    assert [a.seq for a in applied] == list(range(1, 13))
    batch = Board.objects.get(pk=board.pk)
    one_by_one = Board.objects.get(pk=other.pk)
    assert batch.head_seq == one_by_one.head_seq == 12
    assert list(batch.events.values_list("name", flat=True)) == list(
        one_by_one.events.values_list("name", flat=True)
    )
    assert without_ids(load_snapshot(batch)) == without_ids(load_snapshot(one_by_one))
    assert board_log.state_at(batch) == load_snapshot(batch)
    # Undo works on batched changes as on any other.
    services.execute(board.pk, lead, "undo")
    assert Sticky.objects.filter(board=board, kind="hotspot").count() == 0


def test_a_batch_gives_each_command_its_own_moment(board, lead):
    commands = [("sticky.create", {"kind": "event", "x": i, "y": 0}) for i in range(50)]

    services.execute_many(board.pk, lead, commands)

    created = [s["created_at"] for s in load_snapshot(board)["stickies"]]
    assert len(set(created)) == 50
    assert [s["x"] for s in load_snapshot(board)["stickies"]] == list(range(50))


def test_a_refused_command_leaves_nothing_of_its_batch(board, lead):
    before = board_now(board)
    commands = [
        ("sticky.create", {"kind": "event", "x": 0, "y": 0}),
        ("phase.set", {"phase": "order"}),
        ("sticky.create", {"kind": "event", "x": 0, "y": 0, "text": "x" * 501}),
    ]

    with pytest.raises(CommandError) as refused:
        services.execute_many(board.pk, lead, commands)

    assert refused.value.code == "invalid"
    assert refused.value.details == {"index": 2}
    assert board_now(board) == before


@pytest.mark.parametrize("name", ["undo", "redo"])
def test_undo_and_redo_cannot_be_batched(board, lead, name):
    commands = [("sticky.create", {"kind": "event", "x": 0, "y": 0}), (name, None)]

    with pytest.raises(CommandError) as refused:
        services.execute_many(board.pk, lead, commands)

    assert refused.value.code == "invalid"
    assert refused.value.details == {"index": 1}
    assert not board.events.exists()


def test_a_batch_refuses_an_id_taken_on_another_board(board, lead, facilitator, run):
    other = services.create_board(facilitator, "Elsewhere")
    taken = services.execute(
        other.pk,
        other.members.get(),
        "sticky.create",
        {"kind": "event", "x": 0, "y": 0},
    ).event["data"]["id"]
    commands = [
        ("sticky.create", {"kind": "event", "x": 0, "y": 0}),
        ("sticky.create", {"id": taken, "kind": "event", "x": 0, "y": 0}),
    ]

    with pytest.raises(CommandError) as refused:
        services.execute_many(board.pk, lead, commands)

    assert refused.value.code == "conflict"
    assert refused.value.message == f"a sticky with id {taken} already exists"
    assert refused.value.details == {"index": 1}
    assert not board.events.exists()


def test_a_batch_keeps_the_access_rules(board, member_of):
    viewer = member_of(Role.VIEWER)
    participant = member_of(Role.PARTICIPANT)

    with pytest.raises(CommandError) as refused:
        services.execute_many(
            board.pk, viewer, [("sticky.create", {"kind": "event", "x": 0, "y": 0})]
        )
    assert refused.value.code == "forbidden"
    with pytest.raises(CommandError) as refused:
        services.execute_many(
            board.pk, participant, [("phase.set", {"phase": "bound"})]
        )
    assert refused.value.code == "forbidden"
    assert not board.events.exists()


def test_the_servers_own_commands_need_the_server_flag(board, lead, run):
    hotspot = run("sticky.create", {"kind": "hotspot", "x": 0, "y": 0}).event["data"]
    voter = str(uuid.uuid4())
    commands = [("vote.import", {"id": hotspot["id"], "member": voter})]

    with pytest.raises(CommandError) as refused:
        services.execute_many(board.pk, lead, commands)
    assert refused.value.code == "invalid"

    services.execute_many(board.pk, lead, commands, server=True)
    assert list(Vote.objects.values_list("member", flat=True)) == [uuid.UUID(voter)]
    with pytest.raises(CommandError) as refused:
        services.execute_many(board.pk, lead, commands, server=True)
    assert refused.value.code == "conflict"


def test_a_batch_is_broadcast_in_order_once_committed(
    board, lead, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(services.broadcast, "publish_boards", sent.extend)

    with django_capture_on_commit_callbacks(execute=True):
        services.execute_many(board.pk, lead, a_workshop(new_ids()))

    [(board_id, messages)] = sent
    assert board_id == board.pk
    assert [m["seq"] for m in messages] == list(range(1, 13))
    assert all(m["type"] == "event" and m["by"] == str(lead.pk) for m in messages)


def test_a_refused_or_failed_command_publishes_nothing(
    board, lead, monkeypatch, django_capture_on_commit_callbacks
):
    """Only what commits is broadcast: a refusal writes nothing, and a write
    that fails halfway rolls back with its broadcast unsent."""
    sent = []
    monkeypatch.setattr(services.broadcast, "publish_boards", sent.extend)
    sticky = {"kind": "event", "text": "Paid", "x": 0, "y": 0}

    with django_capture_on_commit_callbacks(execute=True):
        services.execute(board.pk, lead, "sticky.create", sticky)
    assert len(sent) == 1

    missing = {"id": str(uuid.uuid4()), "x": 1, "y": 1}
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(CommandError),
    ):
        services.execute(board.pk, lead, "sticky.move", missing)
    assert callbacks == [] and len(sent) == 1

    def project_then_fail(parts):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "project_boards", project_then_fail)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        services.execute(board.pk, lead, "sticky.create", sticky)
    assert callbacks == [] and len(sent) == 1
    assert board.events.count() == 1


def test_an_empty_batch_changes_nothing(board, lead):
    assert services.execute_many(board.pk, lead, []) == []
    assert not board.events.exists()


def test_a_batch_reaches_other_processes_as_one_layer_message(board, redis_layer):
    channel = async_to_sync(redis_layer.new_channel)()
    async_to_sync(redis_layer.group_add)(group_name(board.pk), channel)
    messages = [{"type": "event", "seq": seq} for seq in (1, 2, 3)]

    services.broadcast.publish_boards([(board.pk, messages)])

    received = async_to_sync(redis_layer.receive)(channel)
    assert received["type"] == "board.events"
    assert [m["seq"] for m in received["messages"]] == [1, 2, 3]
    async_to_sync(redis_layer.group_discard)(group_name(board.pk), channel)
