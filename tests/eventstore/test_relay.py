"""The transactional outbox's relay: at least once, with retries, dead letters,
one relay per store, and nothing lost when a process dies between commit and
publish (a real child process that ends with os._exit)."""

import subprocess
import sys
import threading
import time
from pathlib import Path

from modeling.eventstore import NewEvent, open_store
from modeling.eventstore.relay import Relay

ROOT = Path(__file__).resolve().parents[2]  # where `modeling` imports from
WAIT = 10.0  # the longest any test waits for something that should happen


class Broker:
    """A publisher that keeps what it was given: (destination, id, event type)."""

    def __init__(self):
        self.published = []

    def __call__(self, destination, message_id, event):
        self.published.append((destination, message_id, event.type))


def placed(total=12):
    return [NewEvent("OrderPlaced", {"total": total})]


def eventually(condition, timeout=WAIT):
    """Poll `condition` until it holds; False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def run_child(code, *args):
    """Run `code` in a fresh Python process; it must exit with os._exit(1)."""
    child = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 1, child.stderr


# -- publishing -----


def test_outbox_events_are_published_with_a_message_id_then_removed(store):
    store.append("order-1", placed(), outbox=["billing", "shipping"])
    store.append("order-2", placed(7))  # no outbox: not published
    broker = Broker()
    relay = Relay(store, broker)
    assert relay.run_once() == 2
    (billing, billing_id, billing_type), (shipping, shipping_id, _) = broker.published
    assert (billing, billing_type, shipping) == ("billing", "OrderPlaced", "shipping")
    assert billing_id != shipping_id  # one message per destination
    assert store.outbox_pending() == []
    assert relay.run_once() == 0
    assert len(broker.published) == 2


def test_the_publisher_is_given_the_recorded_event(store):
    store.append("order-1", placed(12), outbox=["billing"])
    given = []
    Relay(store, lambda destination, message_id, event: given.append(event)).run_once()
    (event,) = given
    assert (event.stream, event.version, event.position) == ("order-1", 1, 1)
    assert event.data == {"total": 12}


# -- retries and dead letters -----


class FlakyBroker(Broker):
    """Fails the first `failures` calls."""

    def __init__(self, failures):
        super().__init__()
        self.failures, self.calls = failures, 0

    def __call__(self, destination, message_id, event):
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("broker unreachable")
        super().__call__(destination, message_id, event)


def test_a_failed_publish_is_retried_after_a_backoff(store):
    store.append("order-1", placed(), outbox=["billing"])
    broker = FlakyBroker(failures=1)
    relay = Relay(store, broker, backoff=0.3)
    before = time.time_ns() // 1000
    assert relay.run_once() == 0
    ((attempts, retry_at, error),) = store.query(
        "SELECT attempts, retry_at, last_error FROM outbox"
    )
    assert attempts == 1
    assert error == "ConnectionError: broker unreachable"
    assert retry_at >= before + 300_000  # microseconds: 0.3 s on

    # Not due yet: the relay leaves it alone.
    assert store.outbox_pending() == []
    assert relay.run_once() == 0
    assert broker.calls == 1

    assert eventually(lambda: store.outbox_pending() != [])
    assert relay.run_once() == 1
    assert broker.calls == 2
    assert [message_type for _, _, message_type in broker.published] == ["OrderPlaced"]
    assert store.outbox_pending() == [] and store.dead_letters() == []


def test_the_backoff_doubles_with_each_attempt_up_to_a_maximum(store):
    relay = Relay(store, Broker(), backoff=0.5, max_backoff=3)
    assert [relay.delay(n) for n in range(1, 6)] == [0.5, 1, 2, 3, 3]


def test_after_max_attempts_a_message_goes_to_the_dead_letters(store):
    store.append("order-1", placed(), outbox=["billing"])
    store.append("order-2", placed(), outbox=["billing"])
    attempts = []

    def publish(destination, message_id, event):
        attempts.append(event.stream)
        if event.stream == "order-1":
            raise ValueError("no such customer")

    relay = Relay(store, publish, max_attempts=3, backoff=0.001)
    assert eventually(lambda: relay.run_once() is None or store.dead_letters())
    (dead,) = store.dead_letters()
    assert dead["destination"] == "billing"
    assert dead["attempts"] == 3
    assert dead["error"] == "ValueError: no such customer"
    assert (dead["event"].stream, dead["event"].type) == ("order-1", "OrderPlaced")
    # order-2 went through at once: the failing message did not hold it back.
    assert attempts == ["order-1", "order-2", "order-1", "order-1"]
    assert store.outbox_pending() == []
    assert relay.run_once() == 0 and len(attempts) == 4  # the dead stay dead


def test_run_relays_until_stopped_and_picks_up_due_retries(store):
    broker = FlakyBroker(failures=2)
    relay = Relay(store, broker, backoff=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), kwargs={"poll": 0.01})
    thread.start()
    try:
        store.append("order-1", placed(), outbox=["billing"])
        store.append("order-2", placed(), outbox=["billing"])
        assert eventually(lambda: len(broker.published) == 2)
    finally:
        stop.set()
        thread.join(WAIT)
    assert not thread.is_alive()
    assert store.outbox_pending() == []


# -- one relay per store -----


def test_only_the_lease_holder_publishes(store):
    first, second = Broker(), Broker()
    holder = Relay(store, first, name="relay-a")
    standby = Relay(store, second, name="relay-b")
    store.append("order-1", placed(), outbox=["billing"])
    assert holder.run_once() == 1
    store.append("order-2", placed(), outbox=["billing"])
    assert standby.run_once() == 0
    assert not standby.holding
    assert holder.run_once() == 1
    assert len(first.published) == 2 and second.published == []


def test_relays_get_distinct_names_so_two_never_share_the_lease(store):
    one, two = Relay(store, Broker()), Relay(store, Broker())
    assert one.name != two.name
    assert one.run_once() == 0 and one.holding
    assert two.run_once() == 0 and not two.holding


def test_two_running_relays_publish_every_message_exactly_once(path):
    messages = []
    lock = threading.Lock()

    def publisher(name):
        def publish(destination, message_id, event):
            with lock:
                messages.append((name, message_id))

        return publish

    with open_store(f"sqlite:///{path}") as one, open_store(f"sqlite:///{path}") as two:
        relays = [Relay(one, publisher("a"), name="a"), Relay(two, publisher("b"))]
        stop = threading.Event()
        threads = [
            threading.Thread(target=relay.run, args=(stop,), kwargs={"poll": 0.005})
            for relay in relays
        ]
        for thread in threads:
            thread.start()
        try:
            for n in range(50):
                (one if n % 2 else two).append(f"order-{n}", placed(), outbox=["x"])
            assert eventually(lambda: len(messages) >= 50)
            time.sleep(0.05)  # room for a duplicate to show up
        finally:
            stop.set()
            for thread in threads:
                thread.join(WAIT)
    assert not any(thread.is_alive() for thread in threads)
    ids = [message_id for _, message_id in messages]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 50
    assert len({name for name, _ in messages}) == 1  # all from the lease holder


def test_the_standby_takes_over_when_the_holder_stops_and_its_lease_ends(store):
    first, second = Broker(), Broker()
    holder = Relay(store, first, lease_seconds=0.2)
    standby = Relay(store, second, lease_seconds=0.2)
    store.append("order-1", placed(), outbox=["billing"])
    assert holder.run_once() == 1 and standby.run_once() == 0
    store.append("order-2", placed(), outbox=["billing"])
    # The holder is gone (it never runs again); the lease runs out.
    assert eventually(lambda: standby.run_once() == 1)
    assert [len(first.published), len(second.published)] == [1, 1]


# -- crash safety -----

APPEND_THEN_DIE = """
import os, sys
from modeling.eventstore import NewEvent, open_store

store = open_store("sqlite:///" + sys.argv[1])
store.append("order-1", [NewEvent("OrderPlaced", {"total": 12})], outbox=["billing"])
os._exit(1)  # committed, and dead before any relay ran
"""


def test_a_crash_between_commit_and_publish_loses_nothing(path):
    run_child(APPEND_THEN_DIE, path)
    with open_store(f"sqlite:///{path}") as store:
        broker = Broker()
        relay = Relay(store, broker)
        assert relay.run_once() == 1
        assert relay.run_once() == 0
        assert [(d, t) for d, _, t in broker.published] == [("billing", "OrderPlaced")]
        assert store.outbox_pending() == []


PUBLISH_THEN_DIE = """
import os, sys
from modeling.eventstore import open_store
from modeling.eventstore.relay import Relay

store = open_store("sqlite:///" + sys.argv[1])

def publish(destination, message_id, event):
    with open(sys.argv[2], "a") as broker:
        broker.write(f"{message_id} {event.stream}\\n")
    os._exit(1)  # published, but dead before marking it done

Relay(store, publish, lease_seconds=0.2).run_once()
"""


class Consumer:
    """Applies each message once, whatever the number of deliveries: it keeps
    the ids it has seen (in real life, in the same transaction as its work)."""

    def __init__(self):
        self.seen = set()
        self.deliveries = 0
        self.orders = []

    def receive(self, message_id, stream):
        self.deliveries += 1
        if message_id in self.seen:
            return
        self.seen.add(message_id)
        self.orders.append(stream)


def test_a_relay_that_dies_before_marking_done_publishes_again_and_the_consumer_dedups(
    path, tmp_path
):
    with open_store(f"sqlite:///{path}") as store:
        store.append("order-1", placed(), outbox=["billing"])
        store.append("order-2", placed(), outbox=["billing"])
    broker_log = tmp_path / "broker.log"
    run_child(PUBLISH_THEN_DIE, path, broker_log)
    consumer = Consumer()
    for line in broker_log.read_text().splitlines():
        message_id, stream = line.split()
        consumer.receive(int(message_id), stream)
    assert consumer.orders == ["order-1"]

    with open_store(f"sqlite:///{path}") as store:
        relay = Relay(
            store,
            lambda d, message_id, event: consumer.receive(message_id, event.stream),
        )
        # The dead relay's lease runs out, then the new one publishes both.
        assert eventually(lambda: relay.run_once() > 0)
        assert store.outbox_pending() == []
    assert consumer.deliveries == 3  # order-1 twice: at least once
    assert consumer.orders == ["order-1", "order-2"]  # each applied once


def test_an_idle_relay_renews_its_lease_only_when_half_of_it_has_passed(
    store, monkeypatch
):
    claims = []
    claim = store.outbox_claim

    def counting_claim(relay, lease_seconds):
        claims.append(relay)
        return claim(relay, lease_seconds)

    monkeypatch.setattr(store, "outbox_claim", counting_claim)
    relay = Relay(store, Broker(), lease_seconds=10)
    for _ in range(20):
        relay.run_once()
    assert len(claims) == 1  # a claim is a write: not one per pass

    short = Relay(store, Broker(), name=relay.name, lease_seconds=0.02)
    short.run_once()
    time.sleep(0.02)
    short.run_once()
    assert len(claims) == 3


def test_a_relay_whose_lease_runs_out_mid_batch_stops_publishing(store):
    store.append("order-1", placed(), outbox=["billing"])
    store.append("order-2", placed(), outbox=["billing"])
    published = []

    def slow_publish(destination, message_id, event):
        published.append(event.stream)
        time.sleep(0.06)  # longer than the lease
        # Meanwhile another relay takes the lease that ran out.
        assert store.outbox_claim("another-relay", 10)

    relay = Relay(store, slow_publish, lease_seconds=0.05)
    assert relay.run_once() == 1
    assert published == ["order-1"]
    assert not relay.holding
    assert [m["event"].stream for m in store.outbox_pending()] == ["order-2"]
