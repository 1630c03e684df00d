"""Subscriptions: catch up from the checkpoint, then follow the log live; the
handler's writes and the checkpoint commit together (exactly once inside the
database). Every wait is bounded, so a failure cannot hang the run.

The live latency test prints its figures: run with `-s` to see them.
"""

import statistics
import threading
import time

import pytest

from modeling.eventstore import NewEvent, open_store
from modeling.eventstore.subscription import Subscription

WAIT = 10.0  # the longest any test waits for something that should happen


def order(stream, total):
    return [NewEvent("OrderPlaced", {"total": total})]


class Seen:
    """A handler that keeps the positions it was given, and can be awaited."""

    def __init__(self):
        self.positions = []
        self.changed = threading.Condition()

    def __call__(self, event, tx):
        with self.changed:
            self.positions.append(event.position)
            self.changed.notify_all()

    def wait_for(self, count, timeout=WAIT):
        with self.changed:
            return self.changed.wait_for(lambda: len(self.positions) >= count, timeout)


class Running:
    """`Subscription.run` in a thread, stopped (and joined) on leaving."""

    def __init__(self, subscription, wait=0.05):
        self.subscription, self.wait = subscription, wait
        self.stop = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            self.subscription.run(self.stop, wait=self.wait)
        except Exception as error:
            self.error = error

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the subscription did not stop"


# -- catch-up, then live -----


def test_a_new_subscriber_catches_up_on_the_log_then_takes_live_events(store):
    for n in range(1, 6):
        store.append(f"order-{n}", order(n, 10 * n))
    seen = Seen()
    with Running(Subscription(store, "billing", seen, batch=2)):
        assert seen.wait_for(5)
        assert seen.positions == [1, 2, 3, 4, 5]
        store.append("order-6", order(6, 60))
        store.append("order-7", order(7, 70))
        assert seen.wait_for(7)
    assert seen.positions == [1, 2, 3, 4, 5, 6, 7]
    assert store.checkpoint("billing") == 7


def test_catch_up_processes_everything_in_batches_and_reports_how_many(store):
    store.append("order-1", [NewEvent("OrderPlaced", {}) for _ in range(7)])
    seen = Seen()
    subscription = Subscription(store, "billing", seen, batch=3)
    assert subscription.catch_up() == 7
    assert subscription.catch_up() == 0
    assert seen.positions == list(range(1, 8))


def test_live_events_written_by_another_store_on_the_same_file_arrive(path, store):
    seen = Seen()
    with (
        Running(Subscription(store, "billing", seen)),
        open_store(f"sqlite:///{path}") as other_process,
    ):
        other_process.append("order-1", order(1, 10))
        assert seen.wait_for(1)
    assert seen.positions == [1]


def test_an_archived_stream_at_the_end_of_the_log_does_not_keep_the_run_busy(
    store, monkeypatch
):
    """The checkpoint stays behind the head when the last events are hidden;
    the run must still wait for new commits instead of spinning."""
    store.append("order-1", order(1, 10))
    store.append("order-2", order(2, 20))
    store.archive("order-2")
    seen = Seen()
    subscription = Subscription(store, "billing", seen)
    passes = []
    catch_up = subscription.catch_up

    def counting_catch_up():
        passes.append(1)
        return catch_up()

    monkeypatch.setattr(subscription, "catch_up", counting_catch_up)
    with Running(subscription, wait=0.05):
        assert seen.wait_for(1)
        time.sleep(0.3)
        assert len(passes) < 30  # about one pass per wait, not thousands
        store.append("order-3", order(3, 30))
        assert seen.wait_for(2)
    assert seen.positions == [1, 3]


# -- checkpoints -----


def test_a_restarted_subscriber_resumes_from_its_checkpoint(path):
    first = Seen()
    with open_store(f"sqlite:///{path}") as store:
        for n in range(1, 4):
            store.append(f"order-{n}", order(n, n))
        with Running(Subscription(store, "billing", first)):
            assert first.wait_for(3)
        store.append("order-4", order(4, 4))  # while the subscriber is down

    again = Seen()
    with open_store(f"sqlite:///{path}") as store:
        assert store.checkpoint("billing") == 3
        with Running(Subscription(store, "billing", again)):
            assert again.wait_for(1)
            store.append("order-5", order(5, 5))
            assert again.wait_for(2)
    assert first.positions == [1, 2, 3]
    assert again.positions == [4, 5]  # nothing processed twice


def totals(event, tx):
    """A read model: each customer's total, in the subscriber's own table."""
    tx.execute(
        "CREATE TABLE IF NOT EXISTS customer_totals"
        " (customer TEXT PRIMARY KEY, total INTEGER NOT NULL)"
    )
    tx.execute(
        "INSERT INTO customer_totals VALUES (?, ?) ON CONFLICT (customer)"
        " DO UPDATE SET total = total + excluded.total",
        (event.data["customer"], event.data["total"]),
    )
    if event.data["total"] < 0:
        raise ValueError("a negative total")


def placed_by(customer, total):
    return [NewEvent("OrderPlaced", {"customer": customer, "total": total})]


def test_the_handler_writes_its_own_table_with_the_checkpoint(store):
    store.append("order-1", placed_by("ada", 10))
    store.append("order-2", placed_by("bob", 5))
    store.append("order-3", placed_by("ada", 7))
    assert Subscription(store, "totals", totals).catch_up() == 3
    assert store.query("SELECT * FROM customer_totals ORDER BY customer") == [
        ("ada", 17),
        ("bob", 5),
    ]
    assert store.checkpoint("totals") == 3


def test_rebuild_empties_the_table_and_replays_to_the_same_rows(store):
    store.append("order-1", placed_by("ada", 10))
    store.append("order-2", placed_by("bob", 5))
    totals_sub = Subscription(store, "totals", totals)
    totals_sub.catch_up()
    before = store.query("SELECT * FROM customer_totals ORDER BY customer")
    rebuilt = totals_sub.rebuild(lambda tx: tx.execute("DELETE FROM customer_totals"))
    assert rebuilt == 2
    assert store.query("SELECT * FROM customer_totals ORDER BY customer") == before
    assert store.checkpoint("totals") == 2


def test_a_failing_handler_leaves_neither_its_write_nor_the_checkpoint(store):
    store.append("order-1", placed_by("ada", 10))
    store.append("order-2", placed_by("ada", -1))
    store.append("order-3", placed_by("ada", 5))
    subscription = Subscription(store, "totals", totals)
    with pytest.raises(ValueError, match="negative"):
        subscription.catch_up()
    # order-1 is done; order-2's insert was undone and its checkpoint not moved.
    assert store.checkpoint("totals") == 1
    assert store.query("SELECT * FROM customer_totals") == [("ada", 10)]

    # Run live, it stops on the error too, at the same place.
    with Running(subscription) as running:
        running.thread.join(WAIT)
    assert isinstance(running.error, ValueError)
    assert store.checkpoint("totals") == 1
    assert store.query("SELECT * FROM customer_totals") == [("ada", 10)]


# -- live latency (measured, not asserted) -----


def live_latencies(subscriber_store, writer_store, count=200):
    """Append `count` events one by one, each after the last was handled;
    the time from the end of each commit (append returned) to its handler,
    and from the start of the append call to its handler."""
    handled = {}
    changed = threading.Condition()

    def handler(event, tx):
        now = time.perf_counter()
        with changed:
            handled[event.position] = now
            changed.notify_all()

    subscription = Subscription(subscriber_store, "latency", handler)
    after_commit, after_call = [], []
    with Running(subscription):
        time.sleep(0.02)  # let the run reach its wait
        for n in range(count):
            called = time.perf_counter()
            result = writer_store.append("ticks", [NewEvent("Tick", {"n": n})])
            committed = time.perf_counter()
            with changed:
                assert changed.wait_for(
                    lambda position=result.last_position: position in handled, WAIT
                )
            at = handled[result.last_position]
            # In one process the handler may finish before append() returns.
            after_commit.append(max(0.0, at - committed))
            after_call.append(at - called)
    return after_commit, after_call


def percentiles(latencies):
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def test_live_notification_latency_on_sqlite(path, store):
    """Prints p50/p99 from commit to handler; the benchmark owns the claims."""
    with open_store(f"sqlite:///{path}") as other:
        cases = {
            "same store object (in-process wake-up)": (store, store),
            "another store object (polled head, like another process)": (
                other,
                store,
            ),
        }
        print()
        for label, (subscriber, writer) in cases.items():
            after_commit, after_call = live_latencies(subscriber, writer)
            p50, p99 = percentiles(after_commit)
            call50, call99 = percentiles(after_call)
            print(
                f"SQLite live latency, {label}, {len(after_commit)} events:"
                f" commit->handler p50 {p50:.2f} ms, p99 {p99:.2f} ms;"
                f" append call->handler p50 {call50:.2f} ms, p99 {call99:.2f} ms"
            )
            assert len(after_commit) == 200
