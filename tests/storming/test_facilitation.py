"""The facilitator's tools on the server: a dot-vote session, roles that
reach a person's open page at once, and the room's views, summons and
spotlights."""

import uuid

import pytest
from asgiref.sync import sync_to_async

from storming import services
from storming.errors import CommandError
from storming.models import Board
from storming.vocabulary import Role

from .test_consumer import command, connect, receive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pat(member_of):
    return member_of(Role.PARTICIPANT, "pat")


def sticky(run, kind="hotspot", text="Question?"):
    data = {"kind": kind, "text": text, "x": 0, "y": 0}
    return run("sticky.create", data).event["data"]["id"]


def refused(member, board, name, data=None):
    with pytest.raises(CommandError) as error:
        services.execute(board.pk, member, name, data)
    return error.value


# -- dot voting ----------------------------------------------------------------


def test_a_vote_allows_n_votes_each_on_the_kinds_put_to_it(board, run, pat):
    questions = [sticky(run, text=f"Q{n}") for n in range(3)]
    event = sticky(run, kind="event", text="Paid")
    run("vote.open", {"votes": 2, "kinds": ["hotspot"]})
    voting = Board.objects.get(pk=board.pk).voting
    assert (voting["votes"], voting["kinds"], voting["revealed"]) == (
        2,
        ["hotspot"],
        False,
    )

    services.execute(board.pk, pat, "vote.cast", {"id": questions[0]})
    services.execute(board.pk, pat, "vote.cast", {"id": questions[1]})
    assert refused(pat, board, "vote.cast", {"id": questions[2]}).code == "conflict"
    assert "hot spot" in refused(pat, board, "vote.cast", {"id": event}).message
    # Taking one back gives the vote back.
    services.execute(board.pk, pat, "vote.retract", {"id": questions[1]})
    services.execute(board.pk, pat, "vote.cast", {"id": questions[2]})


def test_votes_from_before_the_vote_do_not_count_against_it(board, run, pat):
    questions = [sticky(run, text=f"Q{n}") for n in range(3)]
    services.execute(board.pk, pat, "vote.cast", {"id": questions[0]})
    run("vote.open", {"votes": 1, "kinds": ["hotspot"]})
    services.execute(board.pk, pat, "vote.cast", {"id": questions[1]})
    assert refused(pat, board, "vote.cast", {"id": questions[2]}).code == "conflict"


def test_once_revealed_the_votes_stand_until_the_vote_closes(board, run, pat):
    question = sticky(run)
    other = sticky(run, text="Another")
    run("vote.open", {"votes": 3, "kinds": ["hotspot"]})
    services.execute(board.pk, pat, "vote.cast", {"id": question})
    run("vote.reveal")
    assert Board.objects.get(pk=board.pk).voting["revealed"] is True
    assert refused(pat, board, "vote.cast", {"id": other}).code == "conflict"
    assert refused(pat, board, "vote.retract", {"id": question}).code == "conflict"
    run("vote.close")
    assert Board.objects.get(pk=board.pk).voting is None
    services.execute(board.pk, pat, "vote.retract", {"id": question})


def test_only_a_facilitator_runs_a_vote_and_one_at_a_time(board, run, pat):
    assert refused(
        pat, board, "vote.open", {"votes": 2, "kinds": ["hotspot"]}
    ).code == ("forbidden")
    run("vote.open", {"votes": 2, "kinds": ["hotspot", "event"]})
    with pytest.raises(CommandError, match="open already"):
        run("vote.open", {"votes": 1, "kinds": ["event"]})
    run("vote.close")
    with pytest.raises(CommandError, match="no vote is open"):
        run("vote.reveal")
    for data in (
        {"votes": 0, "kinds": ["event"]},
        {"votes": 2, "kinds": []},
        {"votes": 2, "kinds": ["poem"]},
        {"votes": "2", "kinds": ["event"]},
    ):
        with pytest.raises(CommandError) as error:
            run("vote.open", data)
        assert error.value.code == "invalid"


# -- roles reach the open page -----------------------------------------------------


async def test_a_role_change_reaches_the_persons_page_at_once(
    board, facilitator, lead, pat
):
    socket, welcome = await connect(board, pat.user)
    assert welcome["me"]["can_write"] is True

    await sync_to_async(services.set_role)(board, lead, pat, Role.VIEWER)

    notice = await receive(socket, "membership")
    assert notice == {
        "type": "membership",
        "member": str(pat.pk),
        "role": "viewer",
        "can_write": False,
    }
    # Drags are refused from now on, without reconnecting.
    await socket.send_json_to({"type": "drag", "id": str(uuid.uuid4()), "x": 1, "y": 1})
    assert (await receive(socket, "error"))["code"] == "forbidden"
    await socket.disconnect()


async def test_a_removed_member_is_told_and_disconnected(board, lead, pat):
    socket, _ = await connect(board, pat.user)
    await sync_to_async(services.remove_member)(board, lead, pat)
    notice = await receive(socket, "membership")
    assert notice["role"] is None and "removed" in notice["message"]
    closed = await socket.receive_output(2)
    assert closed == {"type": "websocket.close", "code": 4403}


# -- views, summons, spotlights ------------------------------------------------------


async def test_views_reach_the_others_for_following(board, facilitator, pat):
    ann, _ = await connect(board, facilitator)
    other, _ = await connect(board, pat.user)
    await ann.send_json_to({"type": "view", "x": 120, "y": -40.5, "zoom": 0.75})
    views = (await receive(other, "views"))["views"]
    assert views[0]["x"] == 120 and views[0]["zoom"] == 0.75
    assert views[0]["name"] == "facilitator"
    await ann.disconnect()
    await other.disconnect()


async def test_a_facilitator_summons_and_spotlights_the_room(
    board, facilitator, pat, run
):
    target = await sync_to_async(sticky)(run)
    ann, _ = await connect(board, facilitator)
    other, _ = await connect(board, pat.user)

    await ann.send_json_to(
        {"type": "signal", "kind": "summon", "x": 10, "y": 20, "zoom": 1.5}
    )
    summon = await receive(other, "signal")
    assert (summon["kind"], summon["x"], summon["zoom"]) == ("summon", 10, 1.5)
    await ann.send_json_to({"type": "signal", "kind": "spotlight", "id": target})
    assert (await receive(other, "signal"))["id"] == target
    await ann.send_json_to({"type": "signal", "kind": "follow", "on": True})
    follow = await receive(other, "signal")
    assert (follow["kind"], follow["on"]) == ("follow", True)
    assert follow["member"] == summon["member"]
    await ann.send_json_to({"type": "signal", "kind": "follow", "on": "yes"})
    assert "true or false" in (await receive(ann, "error"))["message"]

    # Participants cannot call the room; bad signals are refused.
    await other.send_json_to({"type": "signal", "kind": "spotlight", "id": None})
    assert (await receive(other, "error"))["code"] == "forbidden"
    await ann.send_json_to({"type": "signal", "kind": "dance"})
    assert (await receive(ann, "error"))["code"] == "invalid"
    await ann.disconnect()
    await other.disconnect()


async def test_a_batch_of_commands_and_a_vote_session_over_the_socket(
    board, facilitator, run
):
    """The vote's settings arrive as events everyone's store applies."""
    ann, _ = await connect(board, facilitator)
    op = await command(ann, "vote.open", {"votes": 3, "kinds": ["hotspot"]})
    assert (await receive(ann, "ack"))["id"] == op
    event = await receive(ann, "event")
    assert event["name"] == "voting.opened" and event["data"]["votes"] == 3
    await ann.disconnect()
