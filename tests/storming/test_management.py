"""The management commands: replay_board, load_sample, drf_create_token."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token

from storming import board_log, sample, services
from storming.models import Board, BoardEvent, Link, Sticky, Vote
from storming.projector import load_snapshot
from storming.vocabulary import Kind, Phase


def command(*args, **options):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def content(run):
    """A small board: two linked stickies, a vote, a phase and a lock."""
    first = run(
        "sticky.create", {"kind": "event", "text": "Order Placed", "x": 0, "y": 0}
    )
    second = run(
        "sticky.create", {"kind": "policy", "text": "Whenever...", "x": 200, "y": 0}
    )
    ids = [first.event["data"]["id"], second.event["data"]["id"]]
    run("link.create", {"from": ids[0], "to": ids[1]})
    run("vote.cast", {"id": ids[0]})
    run("sticky.move", {"id": ids[1], "x": 240, "y": 10})
    run("phase.set", {"phase": "order"})
    run("board.lock")
    return ids


def projection(board):
    board.refresh_from_db()
    return load_snapshot(board)


class TestReplayBoard:
    def test_replay_brings_back_a_sticky_deleted_behind_the_logs_back(
        self, board, content
    ):
        healthy = projection(board)
        Sticky.objects.filter(pk=content[0]).delete()  # its link and vote go too
        assert not Link.objects.exists() and not Vote.objects.exists()

        out = command("replay_board", str(board.pk))

        assert projection(board) == healthy == board_log.state_at(board)
        assert "Replayed 7 events" in out
        assert "2 stickies, 1 links, 1 votes" in out
        assert " s:" in out  # the time it took

    def test_replay_restores_changed_rows_and_board_settings(self, board, content):
        healthy = projection(board)
        Sticky.objects.filter(pk=content[1]).update(text="tampered", x=-1)
        Sticky.objects.create(
            board=board,
            kind="event",
            x=0,
            y=0,
            width=1,
            height=1,
            created_at=board.created_at,
            updated_at=board.created_at,
        )
        Board.objects.filter(pk=board.pk).update(phase=Phase.REVIEW, locked=False)

        command("replay_board", str(board.pk))

        assert projection(board) == healthy

    def test_a_board_can_be_named_by_its_exact_name(self, board, content):
        Sticky.objects.filter(pk=content[0]).delete()
        out = command("replay_board", "Online shop")
        assert Sticky.objects.filter(pk=content[0]).exists()
        assert str(board.pk) in out

    def test_check_passes_on_a_healthy_board(self, board, content):
        out = command("replay_board", str(board.pk), "--check")
        assert "matches its log of 7 events" in out

    def test_check_fails_on_a_tampered_board_and_changes_nothing(self, board, content):
        Sticky.objects.filter(pk=content[0]).delete()
        Board.objects.filter(pk=board.pk).update(phase=Phase.FIND)

        with pytest.raises(CommandError) as error:
            command("replay_board", str(board.pk), "--check")

        message = str(error.value)
        assert f"stickies: missing from the projection: {content[0]}" in message
        assert "links: missing from the projection" in message
        assert "votes: missing from the projection" in message
        assert "board settings" in message
        # From the command line, a CommandError exits with status 1.
        assert error.value.returncode == 1
        assert not Sticky.objects.filter(pk=content[0]).exists()

    def test_check_names_the_fields_that_differ(self, board, content):
        Sticky.objects.filter(pk=content[1]).update(text="tampered")
        with pytest.raises(CommandError) as error:
            command("replay_board", str(board.pk), "--check")
        assert "text: 'Whenever...' != 'tampered'" in str(error.value)

    def test_check_fails_when_the_head_is_not_the_logs_last_seq(self, board, content):
        Board.objects.filter(pk=board.pk).update(head_seq=3)
        with pytest.raises(CommandError) as error:
            command("replay_board", str(board.pk), "--check")
        assert "head_seq is 3, its log ends at seq 7" in str(error.value)

    def test_replay_repairs_a_head_behind_the_log_so_writes_work_again(
        self, board, content
    ):
        Board.objects.filter(pk=board.pk).update(head_seq=3)
        command("replay_board", str(board.pk))
        lead = board.members.get(role="facilitator")
        applied = services.execute(board.pk, lead, "phase.set", {"phase": "order"})
        assert applied.seq == 8
        command("replay_board", str(board.pk), "--check")

    def test_check_fails_when_the_log_has_a_gap(self, board, content):
        board.events.filter(seq=4).delete()
        with pytest.raises(CommandError, match="seqs are missing"):
            command("replay_board", str(board.pk), "--check")

    def test_check_passes_after_replay(self, board, content):
        Sticky.objects.filter(pk=content[0]).delete()
        command("replay_board", str(board.pk))
        command("replay_board", str(board.pk), "--check")

    @pytest.mark.parametrize(
        "reference", ["No such board", "00000000-0000-0000-0000-000000000000"]
    )
    def test_an_unknown_board_is_a_command_error(self, board, reference):
        with pytest.raises(CommandError, match="no board with the id or name"):
            command("replay_board", reference)

    def test_a_name_shared_by_two_boards_asks_for_an_id(self, board, facilitator):
        twin = services.create_board(facilitator, board.name)
        with pytest.raises(CommandError, match="2 boards are named") as error:
            command("replay_board", board.name)
        assert str(twin.pk) in str(error.value)


@pytest.fixture
def sample_board(db):
    out = command("load_sample")
    return Board.objects.get(name=sample.SAMPLE_NAME), out


def _centre(sticky):
    return sticky["x"] + sticky["width"] / 2, sticky["y"] + sticky["height"] / 2


def _inside(frame, x, y):
    return (
        frame["x"] <= x <= frame["x"] + frame["width"]
        and frame["y"] <= y <= frame["y"] + frame["height"]
    )


def _containing(frames, sticky):
    """The texts of the frames holding both the sticky's centre and its corner."""
    return {
        frame["text"]
        for frame in frames
        if _inside(frame, *_centre(sticky)) and _inside(frame, sticky["x"], sticky["y"])
    }


class TestLoadSample:
    def test_creates_a_board_whose_projection_is_its_replayed_log(self, sample_board):
        board, _ = sample_board
        assert load_snapshot(board) == board_log.state_at(board)
        command("replay_board", str(board.pk), "--check")

    def test_the_board_has_every_kind_links_and_votes(self, sample_board):
        board, _ = sample_board
        kinds = set(board.stickies.values_list("kind", flat=True))
        assert kinds == set(Kind.values)
        assert board.links.count() == len(sample.LINKS)
        assert board.votes.exists()
        assert board.members.count() == 1 + len(sample.GUESTS)

    def test_the_log_tells_the_workshop_phase_by_phase(self, sample_board):
        board, _ = sample_board
        phases = [
            data["phase"]
            for data in board.events.filter(name="phase.changed")
            .order_by("seq")
            .values_list("data", flat=True)
        ]
        assert phases == ["order", "attribute", "aggregate", "bound", "review"]
        assert board.phase == Phase.REVIEW
        names = set(board.events.values_list("name", flat=True))
        assert {"sticky.moved", "sticky.deleted", "sticky.updated"} <= names
        # Several people took part.
        assert board.events.values("actor").distinct().count() == 3

    def test_links_follow_the_grammar(self, sample_board):
        board, _ = sample_board
        allowed = {
            (Kind.ACTOR, Kind.COMMAND),
            (Kind.COMMAND, Kind.EVENT),
            (Kind.COMMAND, Kind.EXTERNAL_SYSTEM),
            (Kind.EXTERNAL_SYSTEM, Kind.EVENT),
            (Kind.EVENT, Kind.POLICY),
            (Kind.POLICY, Kind.COMMAND),
            (Kind.EVENT, Kind.READ_MODEL),
            (Kind.READ_MODEL, Kind.ACTOR),
        }
        pairs = set(board.links.values_list("source__kind", "target__kind"))
        assert pairs <= allowed
        assert (Kind.EVENT, Kind.POLICY) in pairs
        assert (Kind.READ_MODEL, Kind.ACTOR) in pairs

    def test_events_are_past_tense_with_fields_and_a_few_pivotal(self, sample_board):
        board, _ = sample_board
        events = board.stickies.filter(kind=Kind.EVENT)
        assert 2 <= events.filter(pivotal=True).count() <= 4
        assert not board.stickies.exclude(kind=Kind.EVENT).filter(pivotal=True)
        for event in events:
            assert event.fields, event.text
            words = event.text.split()
            assert any(word.endswith("ed") for word in words[1:]), event.text
        commands = board.stickies.filter(kind=Kind.COMMAND)
        assert all(command.fields for command in commands)
        assert {"name": "total", "type": "decimal"} in events.get(
            text="Order Placed"
        ).fields

    def test_each_sticky_sits_in_its_aggregate_and_context(self, sample_board):
        board, _ = sample_board
        state = load_snapshot(board)
        stickies = state["stickies"]
        aggregates = [s for s in stickies if s["kind"] == Kind.AGGREGATE]
        contexts = [s for s in stickies if s["kind"] == Kind.CONTEXT]
        assert len(contexts) == len(sample.CONTEXTS) >= 2
        assert len(aggregates) == len(sample.AGGREGATES)

        for note in sample.NOTES:
            [sticky] = [
                s
                for s in stickies
                if (s["kind"], s["text"], s["x"], s["y"])
                == (note.kind, note.text, note.x, note.y)
            ]
            frame = sample.FRAMES[note.frame]
            if frame.kind == Kind.AGGREGATE:
                aggregate, context = {frame.text}, sample.FRAMES[frame.parent].text
            else:
                aggregate, context = set(), frame.text
            assert _containing(aggregates, sticky) == aggregate, note.text
            assert _containing(contexts, sticky) == {context}, note.text

        for aggregate in aggregates:
            [frame] = [f for f in sample.AGGREGATES if f.text == aggregate["text"]]
            corners = [
                (aggregate["x"], aggregate["y"]),
                (
                    aggregate["x"] + aggregate["width"],
                    aggregate["y"] + aggregate["height"],
                ),
            ]
            holders = [
                c["text"]
                for c in contexts
                if all(_inside(c, *corner) for corner in corners)
            ]
            assert holders == [sample.FRAMES[frame.parent].text]

        # Every sticky but the contexts is in exactly one context.
        for sticky in stickies:
            if sticky["kind"] != Kind.CONTEXT:
                assert len(_containing(contexts, sticky)) == 1, sticky["text"]

    def test_events_run_left_to_right_in_time(self, sample_board):
        board, _ = sample_board
        events = board.stickies.filter(kind=Kind.EVENT).order_by("x", "y")
        assert [e.text for e in events] == [note.text for note in sample.EVENTS]
        xs = [note.x for note in sample.EVENTS]
        assert xs == sorted(xs)

    def test_prints_the_board_path_and_how_to_see_it(self, sample_board):
        board, out = sample_board
        assert reverse("board", args=[board.pk]) in out
        assert f"?invite={board.invite_token}" in out
        assert "createsuperuser" in out

    def test_the_default_owner_cannot_sign_in(self, sample_board):
        board, _ = sample_board
        owner = board.created_by
        assert owner.username == sample.SAMPLE_USERNAME
        assert not owner.has_usable_password()
        assert board.members.get(user=owner).role == "facilitator"

    def test_running_twice_does_not_duplicate(self, sample_board):
        board, _ = sample_board
        events = BoardEvent.objects.count()
        out = command("load_sample")
        assert Board.objects.filter(name=sample.SAMPLE_NAME).count() == 1
        assert BoardEvent.objects.count() == events
        assert "exists already" in out
        assert reverse("board", args=[board.pk]) in out

    def test_replace_recreates_the_board(self, sample_board):
        board, _ = sample_board
        Sticky.objects.filter(board=board).delete()
        command("load_sample", "--replace")
        [again] = Board.objects.filter(name=sample.SAMPLE_NAME)
        assert again.pk != board.pk
        assert again.stickies.count() == len(sample.NOTES) + len(sample.FRAMES)
        assert load_snapshot(again) == board_log.state_at(again)

    def test_user_option_gives_the_board_to_an_existing_account(self, make_user):
        owner = make_user("olga")
        out = command("load_sample", "--user", "olga")
        board = Board.objects.get(name=sample.SAMPLE_NAME)
        assert board.created_by == owner
        assert board.members.get(user=owner).role == "facilitator"
        assert not get_user_model().objects.filter(username="sample").exists()
        assert reverse("board", args=[board.pk]) in out

    def test_an_unknown_user_is_a_command_error(self, db):
        with pytest.raises(CommandError, match="no user named 'nobody'"):
            command("load_sample", "--user", "nobody")
        assert not Board.objects.exists()


def test_drf_create_token_creates_an_api_token(make_user):
    user = make_user("scripter")
    out = command("drf_create_token", "scripter")
    token = Token.objects.get(user=user)
    assert token.key in out
