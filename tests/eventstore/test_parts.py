"""The store's interface in parts: a recorder, snapshots, subscriptions and
the outbox. `EventStore` is all of them; code that needs one part takes only
that part, so a store with fewer parts still works with it."""

import pytest

from modeling.eventstore import (
    EventStore,
    LogHead,
    NewEvent,
    OutboxStore,
    Recorder,
    SnapshotStore,
    SubscriptionStore,
)
from modeling.eventstore.aggregate import Repository
from modeling.eventstore.relay import Relay
from modeling.eventstore.subscription import Subscription

from .test_aggregate import Account

PARTS = (LogHead, Recorder, SnapshotStore, SubscriptionStore, OutboxStore)


class OnlyARecorder(Recorder):
    """A recorder and nothing else, over a real store's log."""

    def __init__(self, store):
        self._store = store
        self.upcasters = store.upcasters

    def append(self, stream, events, expected_version, *, outbox=()):
        return self._store.append(stream, events, expected_version, outbox=outbox)

    def read_stream(self, stream, from_version=1, *, backwards=False, limit=None):
        return self._store.read_stream(
            stream, from_version, backwards=backwards, limit=limit
        )

    def stream_version(self, stream):
        return self._store.stream_version(stream)

    def read_all(self, after=0, **filters):
        return self._store.read_all(after, **filters)

    def head(self):
        return self._store.head()

    def wait_for_events(self, after, timeout):
        return self._store.wait_for_events(after, timeout)

    def archive(self, stream):
        self._store.archive(stream)

    def tombstone(self, stream):
        self._store.tombstone(stream)


def test_the_event_store_is_every_part_and_a_backend_is_an_event_store(store):
    assert all(issubclass(EventStore, part) for part in PARTS)
    assert isinstance(store, EventStore)


def test_a_part_names_only_its_own_methods():
    assert {"append", "read_all", "archive", "head"} <= Recorder.__abstractmethods__
    assert "save_snapshot" not in Recorder.__abstractmethods__
    assert SnapshotStore.__abstractmethods__ == {"save_snapshot", "load_snapshot"}
    assert "outbox_pending" not in SubscriptionStore.__abstractmethods__
    assert "process" not in OutboxStore.__abstractmethods__


def test_a_repository_over_a_recorder_alone_saves_and_loads_without_snapshots(
    store,
):
    accounts = Repository(OnlyARecorder(store), Account, snapshot_every=1)
    account = Account.open("a-1", "Ada")
    account.deposit(30)
    accounts.save(account)
    loaded = accounts.load("a-1")
    assert (loaded.owner, loaded.balance, loaded.version) == ("Ada", 30, 2)
    assert store.load_snapshot(Account.stream_name("a-1")) is None


def test_a_repository_over_a_whole_store_keeps_its_snapshots(store):
    accounts = Repository(store, Account, snapshot_every=1)
    accounts.save(Account.open("a-1", "Ada"))
    assert store.load_snapshot(Account.stream_name("a-1")).version == 1


@pytest.mark.parametrize("part", [SubscriptionStore, OutboxStore])
def test_the_runners_are_typed_against_their_part(part):
    runner = Subscription if part is SubscriptionStore else Relay
    assert runner.__init__.__annotations__["store"] == part.__name__


def test_a_subscription_and_a_relay_run_on_the_store(store):
    store.append("s", [NewEvent("A", {})], outbox=["out"])
    seen, published = [], []
    Subscription(store, "sub", lambda event, tx: seen.append(event.type)).catch_up()
    Relay(store, lambda dest, mid, event: published.append(dest)).run_once()
    assert (seen, published) == (["A"], ["out"])
