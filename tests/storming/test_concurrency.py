"""Concurrent writers on one board: the log stays gapless and the projection exact.

Every thread has its own database connection (Django's are per thread), so
these tests need real transactions: `django_db(transaction=True)`. They run on
the configured database (SQLite by default: a file, with BEGIN IMMEDIATE);
those marked `postgres` add the heavier runs that need the row lock.
"""

import contextlib
import logging
import threading
import uuid
from collections import Counter

import pytest
from django.db import connection

from storming import board_log, services
from storming.errors import CommandError
from storming.models import Board, BoardEvent, Member
from storming.projector import load_snapshot
from storming.vocabulary import Role

pytestmark = pytest.mark.django_db(transaction=True)

JOIN_TIMEOUT = 120


def in_threads(count, work):
    """Run `work(index, barrier)` in `count` threads that start together.

    Each thread closes its own connection at the end; the first error raised
    in any thread is raised here.
    """
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            results[index] = work(index, barrier)
        except BaseException as error:
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    if errors:
        raise errors[0]
    return results


def add_members(board, count):
    return [
        Member.objects.create(
            board=board, display_name=f"writer {i}", role=Role.PARTICIPANT
        )
        for i in range(count)
    ]


def plan(index, shared):
    """25 commands of one writer: its own stickies, and the shared ones."""
    own = [str(uuid.uuid4()) for _ in range(5)]
    commands = [
        ("sticky.create", {"id": own[k], "kind": "event", "x": k * 200, "y": index})
        for k in range(5)
    ]
    commands += [
        ("link.create", {"from": own[0], "to": own[1]}),
        ("link.create", {"from": own[1], "to": own[2]}),
        ("vote.cast", {"id": shared[0]}),
        ("vote.cast", {"id": own[0]}),
    ]
    for k in range(10):
        if k % 3 == 0:
            commands.append(("sticky.move", {"id": own[k % 5], "x": k, "y": index}))
        elif k % 3 == 1:
            commands.append(("sticky.move", {"id": shared[k % 2], "x": index, "y": k}))
        else:
            commands.append(("sticky.update", {"id": own[k % 5], "text": f"{k}"}))
    # Takes the link own1 -> own2 with it.
    commands.append(("sticky.delete", {"id": own[2]}))
    for k in range(5):
        text = f"writer {index} says {k}"
        commands.append(("sticky.update", {"id": shared[1], "text": text}))
    assert len(commands) == 25
    return commands


def check_log(board, sent):
    """The log is 1..N, one event per command, and the projection is its fold.

    `sent` maps each command id to the seq its caller was given.
    """
    seqs = list(board.events.order_by("seq").values_list("seq", flat=True))
    total = len(seqs)
    assert seqs == list(range(1, total + 1)), "gap or duplicate in the log"
    board.refresh_from_db()
    assert board.head_seq == total

    per_command = Counter(
        board.events.exclude(command_id=None).values_list("command_id", flat=True)
    )
    assert set(per_command) >= set(sent)
    assert {cid for cid, n in per_command.items() if n != 1} == set()
    logged = dict(
        board.events.filter(command_id__in=list(sent)).values_list("command_id", "seq")
    )
    assert logged == sent, "a caller was told a seq that is not its event's"
    assert len(set(sent.values())) == len(sent)

    folded = board_log.state_at(board)
    projected = load_snapshot(board)
    assert projected == folded, first_difference(projected, folded)
    return total, folded


def first_difference(projected, folded):
    for part in ("board", "stickies", "links", "votes"):
        mine, theirs = projected[part], folded[part]
        if part == "board":
            mine, theirs = [mine], [theirs]
        if len(mine) != len(theirs):
            return f"{part}: {len(mine)} projected, {len(theirs)} folded"
        for row, expected in zip(mine, theirs, strict=True):
            if row != expected:
                wrong = {k: (row.get(k), expected.get(k)) for k in expected}
                wrong = {k: v for k, v in wrong.items() if v[0] != v[1]}
                return f"{part} {expected.get('id', '')}: (projected, folded) {wrong}"
    return "projection and fold differ"


def concurrent_appends(board, lead, writers):
    shared = [
        services.execute(
            board.pk, lead, "sticky.create", {"kind": "hotspot", "x": x, "y": 0}
        )
        for x in (0, 1)
    ]
    shared = [applied.event["data"]["id"] for applied in shared]
    members = add_members(board, writers)
    plans = [plan(i, shared) for i in range(writers)]

    def work(index, barrier):
        member, told = members[index], {}
        for number, (name, data) in enumerate(plans[index]):
            command_id = f"w{index}-{number}"
            applied = services.execute(board.pk, member, name, data, command_id)
            assert not applied.replayed
            assert applied.event["id"] == command_id
            told[command_id] = applied.seq
        return told

    sent = {}
    for told in in_threads(writers, work):
        sent.update(told)
    assert len(sent) == writers * 25

    total, folded = check_log(board, sent)
    assert total == 2 + writers * 25
    # Each writer: 5 stickies, one deleted; 2 links, one gone with it; 2 votes.
    assert len(folded["stickies"]) == 2 + writers * 4
    assert len(folded["links"]) == writers
    assert len(folded["votes"]) == writers * 2
    # Replaying the log rebuilds the same projection.
    assert services.replay_board(board.pk) == folded
    assert load_snapshot(Board.objects.get(pk=board.pk)) == folded


def same_command_retried(board, lead, callers, rounds):
    """`callers` threads send the same command id at once, `rounds` times."""

    def work(index, barrier):
        outcomes = []
        for round_ in range(rounds):
            barrier.wait(timeout=JOIN_TIMEOUT)
            # No sticky id: a second append would make a second sticky.
            data = {"kind": "event", "x": round_, "y": 0, "text": f"round {round_}"}
            applied = services.execute(
                board.pk, lead, "sticky.create", data, f"same-{round_}"
            )
            outcomes.append(applied)
        return outcomes

    results = in_threads(callers, work)
    for round_ in range(rounds):
        command_id = f"same-{round_}"
        outcomes = [per_thread[round_] for per_thread in results]
        events = list(board.events.filter(command_id=command_id))
        assert len(events) == 1, f"{command_id} appended {len(events)} events"
        assert {applied.seq for applied in outcomes} == {events[0].seq}
        assert {applied.event["data"]["id"] for applied in outcomes} == {
            events[0].data["id"]
        }
        assert sum(not applied.replayed for applied in outcomes) == 1
    total, folded = check_log(board, {})
    assert total == rounds
    assert len(folded["stickies"]) == rounds


def retry_log(caplog):
    return [r for r in caplog.records if "retrying board command" in r.getMessage()]


# -- on the configured database (SQLite by default) ---------------------------


def test_concurrent_appends_keep_the_log_gapless(board, lead):
    concurrent_appends(board, lead, writers=8)


def test_concurrent_retries_of_one_command_append_once(board, lead):
    same_command_retried(board, lead, callers=8, rounds=10)


def test_one_command_id_raced_by_different_members(board, lead):
    """The first member's command wins; the others are told it is not theirs."""
    members = add_members(board, 6)

    def work(index, barrier):
        try:
            data = {"kind": "event", "x": index, "y": 0}
            return services.execute(
                board.pk, members[index], "sticky.create", data, "contested"
            )
        except CommandError as error:
            return error

    outcomes = in_threads(len(members), work)
    won = [o for o in outcomes if not isinstance(o, CommandError)]
    refused = [o for o in outcomes if isinstance(o, CommandError)]
    assert len(won) == 1
    assert not won[0].replayed
    assert {error.code for error in refused} == {"conflict"}
    assert list(board.events.values_list("seq", "command_id")) == [(1, "contested")]
    check_log(board, {"contested": 1})


def test_a_writer_waits_for_the_board_lock(board, lead):
    """A writer queues behind a transaction that holds the board, then appends."""
    from django.db import transaction

    locked, release = threading.Event(), threading.Event()

    def work(index, barrier):
        if index == 0:
            with transaction.atomic():
                Board.objects.select_for_update().get(pk=board.pk)
                locked.set()
                assert release.wait(JOIN_TIMEOUT)
            return None
        assert locked.wait(JOIN_TIMEOUT)
        return services.execute(
            board.pk, lead, "sticky.create", {"kind": "event", "x": 0, "y": 0}, "c1"
        )

    finished = []

    def run():
        finished.append(in_threads(2, work))

    runner = threading.Thread(target=run)
    runner.start()
    assert locked.wait(JOIN_TIMEOUT)
    runner.join(0.5)
    assert not finished, "the writer did not wait for the lock"
    assert BoardEvent.objects.filter(board=board).count() == 0
    release.set()
    runner.join(JOIN_TIMEOUT)
    assert finished[0][1].seq == 1
    check_log(board, {"c1": 1})


# -- PostgreSQL: the row lock alone must serialise the writers ----------------


@pytest.mark.postgres
def test_postgres_many_writers_queue_on_the_row_lock(board, lead, caplog):
    assert connection.vendor == "postgresql"
    caplog.set_level(logging.INFO, logger="storming.services")
    concurrent_appends(board, lead, writers=16)
    # SELECT ... FOR UPDATE orders them: no unique-key race, no retry.
    assert retry_log(caplog) == []


@pytest.mark.postgres
def test_postgres_retries_of_one_command_append_once(board, lead, caplog):
    assert connection.vendor == "postgresql"
    caplog.set_level(logging.INFO, logger="storming.services")
    same_command_retried(board, lead, callers=16, rounds=20)
    assert retry_log(caplog) == []


# -- the board keeps a facilitator under concurrent role changes ---------------


def demote(board, by, member):
    services.set_role(board, by, member, Role.PARTICIPANT)


def leave(board, by, member):
    services.remove_member(board, by, by)


@pytest.mark.parametrize("change", [demote, leave], ids=["demote", "leave"])
def test_two_facilitators_cannot_both_step_down_at_once(
    board, lead, change, monkeypatch
):
    """Each checks that the other is still a facilitator, then both step down.

    The check and the change must be atomic with respect to each other: once
    both checks have passed, neither may commit blindly. The wrapper holds
    each writer for up to a second right after its check, so that the two
    checks overlap whenever nothing serialises them.
    """
    other = Member.objects.create(
        board=board, display_name="co-facilitator", role=Role.FACILITATOR
    )
    ids = [lead.pk, other.pk]
    checked = threading.Barrier(2)
    check = services._change_membership

    def check_then_wait(*args, **kwargs):
        check(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            checked.wait(timeout=1)

    monkeypatch.setattr(services, "_change_membership", check_then_wait)

    def work(index, barrier):
        me = Member.objects.get(pk=ids[index])
        them = Member.objects.get(pk=ids[1 - index])
        try:
            change(Board.objects.get(pk=board.pk), me, them)
        except CommandError as error:
            return error.code
        return "done"

    outcomes = in_threads(2, work)
    assert board.members.filter(role=Role.FACILITATOR).exists(), (
        f"no facilitator left; outcomes {outcomes}"
    )
    # The second is refused: it would leave no facilitator, or (demoted by
    # the first) its author is no longer one.
    assert outcomes.count("done") == 1
    assert set(outcomes) - {"done"} <= {"conflict", "forbidden"}
