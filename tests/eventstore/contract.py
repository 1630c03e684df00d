"""The event store's contract: one abstract test case, run against each backend.

A backend's test module subclasses `EventStoreContract` and provides:

- `make_store`: a fixture returning `make(**options)`, which opens a store on
  the test's own database (codec=, upcasters= among the options). Stores it
  makes are closed by the fixture. Two stores made in one test share data
  unless the class sets `shared_database = False` (an in-memory database).
- `handler_sql`: a fixture returning the SQL a subscriber's handler runs through
  `tx.execute` in the backend's dialect and parameter style: "create" (a table
  `contract_seen (position, type)`, IF NOT EXISTS), "insert" (two parameters:
  position, type), "select" (position, type ordered by position) and
  "delete" (every row).
- `query`: a fixture returning `fetch(store, sql) -> list of tuples`, reading
  outside any handler.

Nothing else here knows which database runs underneath.
"""

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modeling.eventstore import (
    ANY,
    NO_STREAM,
    STREAM_EXISTS,
    ConcurrencyError,
    IdempotencyConflict,
    NewEvent,
    StreamDeleted,
    Upcasters,
)


def events(*types, **data):
    return [NewEvent(name, dict(data)) for name in types]


def positions(recorded):
    return [event.position for event in recorded]


class EventStoreContract:
    shared_database = True

    @pytest.fixture
    def store(self, make_store):
        return make_store()

    # -- expected versions -----

    def test_no_stream_appends_to_a_new_stream(self, store):
        result = store.append("order-1", events("Placed", "Paid"), NO_STREAM)
        assert (result.first_version, result.last_version) == (1, 2)
        assert not result.repeated
        assert store.stream_version("order-1") == 2

    def test_no_stream_fails_once_the_stream_has_events(self, store):
        store.append("order-1", events("Placed", "Paid"))
        with pytest.raises(ConcurrencyError) as caught:
            store.append("order-1", events("Shipped"), NO_STREAM)
        assert caught.value.actual == 2
        assert "NO_STREAM" in str(caught.value) and "2" in str(caught.value)

    def test_stream_exists_fails_on_a_new_stream(self, store):
        with pytest.raises(ConcurrencyError) as caught:
            store.append("order-1", events("Placed"), STREAM_EXISTS)
        assert caught.value.actual == 0
        assert store.stream_version("order-1") == 0

    def test_stream_exists_appends_to_an_existing_stream(self, store):
        store.append("order-1", events("Placed"))
        result = store.append("order-1", events("Paid"), STREAM_EXISTS)
        assert result.first_version == 2

    def test_exact_version_appends_when_it_matches(self, store):
        store.append("order-1", events("Placed"), 0)
        result = store.append("order-1", events("Paid", "Shipped"), 1)
        assert (result.first_version, result.last_version) == (2, 3)

    def test_exact_version_mismatch_names_both_versions(self, store):
        store.append("order-1", events("A", "B", "C"))
        with pytest.raises(ConcurrencyError) as caught:
            store.append("order-1", events("D"), 7)
        error = caught.value
        assert (error.stream, error.expected, error.actual) == ("order-1", 7, 3)
        assert "7" in str(error) and "3" in str(error)
        assert store.stream_version("order-1") == 3

    def test_exact_version_zero_means_the_stream_is_empty(self, store):
        store.append("order-1", events("Placed"))
        with pytest.raises(ConcurrencyError):
            store.append("order-1", events("Placed"), 0)

    def test_any_appends_whatever_the_version(self, store):
        store.append("order-1", events("A"), ANY)
        assert store.append("order-1", events("B"), ANY).first_version == 2

    def test_a_failed_append_writes_nothing(self, store):
        store.append("order-1", events("A"))
        head = store.head()
        with pytest.raises(ConcurrencyError):
            store.append("order-1", events("B", "C"), 0)
        assert store.head() == head
        assert [e.type for e in store.read_stream("order-1")] == ["A"]

    # -- idempotency -----

    def test_repeating_a_whole_append_returns_the_original_result(self, store):
        batch = events("Placed", "Paid")
        first = store.append("order-1", batch, NO_STREAM)
        head = store.head()
        again = store.append("order-1", batch, NO_STREAM)
        assert again.repeated
        assert (again.first_position, again.last_position) == (
            first.first_position,
            first.last_position,
        )
        assert (again.first_version, again.last_version) == (1, 2)
        assert store.head() == head
        assert store.stream_version("order-1") == 2

    def test_repeating_with_an_exact_or_any_version_is_idempotent_too(self, store):
        store.append("order-1", events("Placed"))
        batch = events("Paid")
        store.append("order-1", batch, 1)
        assert store.append("order-1", batch, 1).repeated
        assert store.append("order-1", batch, ANY).repeated
        assert store.stream_version("order-1") == 2

    def test_a_partial_repeat_is_a_conflict(self, store):
        batch = events("Placed", "Paid")
        store.append("order-1", batch)
        head = store.head()
        with pytest.raises(IdempotencyConflict) as caught:
            store.append("order-1", [batch[1], *events("Shipped")])
        assert caught.value.ids == [batch[1].id]
        assert store.head() == head

    # -- positions and reading -----

    def test_positions_are_gap_free_and_in_commit_order(self, store):
        start = store.head()
        store.append("a", events("A1", "A2"))
        store.append("b", events("B1"))
        store.append("a", events("A3"))
        recorded = store.read_all(start)
        assert positions(recorded) == list(range(start + 1, start + 5))
        assert [e.type for e in recorded] == ["A1", "A2", "B1", "A3"]
        assert store.head() == start + 4

    def test_an_empty_store_has_head_zero_and_reads_nothing(self, store):
        assert store.head() == 0
        assert store.read_all() == []
        assert store.read_stream("nothing") == []
        assert store.stream_version("nothing") == 0

    def test_recorded_events_keep_what_was_appended(self, store):
        event = NewEvent(
            "Placed",
            {"total": 12.5, "lines": [{"sku": "é-1", "qty": 2}], "note": None},
            metadata={"correlation_id": "c-1", "user": "ann"},
            schema_version=1,
        )
        before = datetime.now(UTC) - timedelta(seconds=5)
        store.append("order-1", [event])
        (recorded,) = store.read_stream("order-1")
        assert recorded.id == event.id and isinstance(recorded.id, uuid.UUID)
        assert (recorded.stream, recorded.version, recorded.type) == (
            "order-1",
            1,
            "Placed",
        )
        assert recorded.data == event.data
        assert recorded.metadata == event.metadata
        assert recorded.schema_version == 1
        assert recorded.recorded_at.tzinfo is not None
        assert before <= recorded.recorded_at <= datetime.now(UTC) + timedelta(5)

    def test_lazily_built_fields_equal_the_values_recorded(self, store):
        # Reads keep the id and the time as stored until they are first read.
        event = NewEvent("Placed", {"n": 1}, id=uuid.uuid4())
        store.append("order-1", [event])
        result = store.append("order-1", events("Paid", "Shipped"))
        from_stream = store.read_stream("order-1")
        from_log = store.read_all()
        assert [e.id for e in from_stream] == [e.id for e in from_log]
        first = from_stream[0]
        assert type(first.id) is uuid.UUID
        assert first.id == event.id == uuid.UUID(str(first.id))
        assert hash(first.id) == hash(event.id) and first.id.version == 4
        moments = [e.recorded_at for e in from_log]
        assert all(
            type(m) is datetime and m.utcoffset() == timedelta(0) for m in moments
        )
        # Events of one append share their time; later appends are not earlier.
        assert moments[1] == moments[2] and moments[0] <= moments[1]
        assert first.recorded_at is first.recorded_at  # converted once
        assert store.read_all(until_time=moments[0]) == from_log[:1]
        assert store.read_all(until_time=moments[2]) == from_log
        assert from_stream == from_log and from_stream[1] != from_stream[2]
        assert from_log[2].position == result.last_position

    def test_recorded_events_are_read_only(self, store):
        store.append("order-1", events("Placed"))
        (recorded,) = store.read_stream("order-1")
        for name in ("id", "stream", "version", "position", "data", "recorded_at"):
            with pytest.raises(AttributeError):
                setattr(recorded, name, None)

    def test_read_stream_forwards_from_a_version_with_a_limit(self, store):
        store.append("s", events(*"ABCDE"))
        store.append("other", events("X"))
        assert [e.type for e in store.read_stream("s")] == list("ABCDE")
        assert [e.version for e in store.read_stream("s", 3)] == [3, 4, 5]
        assert [e.type for e in store.read_stream("s", 2, limit=2)] == ["B", "C"]

    def test_read_stream_data_gives_types_and_data_of_a_version_range(self, store):
        store.append("s", [NewEvent(t, {"n": i}) for i, t in enumerate("ABCDE")])
        store.append("other", events("X"))
        full = [(e.type, e.data) for e in store.read_stream("s")]
        assert store.read_stream_data("s") == full
        assert store.read_stream_data("s", 2, 4) == full[1:4]
        assert store.read_stream_data("s", 6) == []
        assert store.read_stream_data("missing") == []

    def test_read_stream_data_upcasts_like_read_stream(self, make_store, upcasters):
        store = make_store(upcasters=upcasters)
        store.append(
            "order-1",
            [
                NewEvent("Placed", {"amount": 2}, schema_version=1),
                NewEvent("Placed", {"cents": 400, "currency": "USD"}, schema_version=3),
            ],
        )
        assert store.read_stream_data("order-1") == [
            (e.type, e.data) for e in store.read_stream("order-1")
        ]
        assert store.read_stream_data("order-1")[0][1] == {
            "cents": 200,
            "currency": "EUR",
        }

    def test_read_stream_data_of_a_deleted_stream_raises(self, store):
        store.append("gone", events("A"))
        store.tombstone("gone")
        with pytest.raises(StreamDeleted):
            store.read_stream_data("gone")

    def test_read_stream_backwards(self, store):
        store.append("s", events(*"ABCDE"))
        latest = store.read_stream("s", 10**9, backwards=True)
        assert [e.type for e in latest] == list("EDCBA")
        assert [e.version for e in store.read_stream("s", 4, backwards=True)] == [
            4,
            3,
            2,
            1,
        ]
        last = store.read_stream("s", 10**9, backwards=True, limit=1)
        assert [e.type for e in last] == ["E"]

    def test_read_all_in_pages(self, store):
        for n in range(7):
            store.append(f"s-{n}", events(f"E{n}"))
        first = store.read_all(0, limit=3)
        second = store.read_all(first[-1].position, limit=3)
        third = store.read_all(second[-1].position, limit=3)
        assert [len(first), len(second), len(third)] == [3, 3, 1]
        assert positions(first + second + third) == list(range(1, 8))
        assert positions(store.iter_all(page=2)) == list(range(1, 8))
        assert positions(store.iter_all(4, page=2)) == [5, 6, 7]

    def test_read_all_filters_by_type_and_stream_prefix(self, store):
        store.append("order-1", events("Placed", "Paid"))
        store.append("invoice-1", events("Issued", "Paid"))
        store.append("order-2", events("Placed"))
        paid = store.read_all(types=["Paid"])
        assert [(e.stream, e.type) for e in paid] == [
            ("order-1", "Paid"),
            ("invoice-1", "Paid"),
        ]
        orders = store.read_all(stream_prefix="order-")
        assert [e.stream for e in orders] == ["order-1", "order-1", "order-2"]
        both = store.read_all(types=["Placed"], stream_prefix="order-", limit=1)
        assert [(e.stream, e.version) for e in both] == [("order-1", 1)]
        paged = list(store.iter_all(page=1, types=["Placed", "Issued"]))
        assert [e.type for e in paged] == ["Placed", "Issued", "Placed"]

    def test_read_all_as_of_a_position(self, store):
        store.append("a", events("A1", "A2"))
        store.append("b", events("B1", "B2"))
        assert positions(store.read_all(until_position=3)) == [1, 2, 3]
        assert positions(store.read_all(1, until_position=2)) == [2]

    def test_read_all_as_of_a_time(self, store):
        store.append("a", events("A1"))
        (first,) = store.read_all()
        time.sleep(0.02)
        store.append("a", events("A2"))
        past = store.read_all(until_time=first.recorded_at)
        assert [e.type for e in past] == ["A1"]
        assert len(store.read_all(until_time=datetime.now(UTC))) == 2

    # -- archive and tombstone -----

    def test_an_archived_stream_is_hidden_from_the_log_but_readable(self, store):
        store.append("old", events("A", "B"))
        store.append("new", events("C"))
        store.archive("old")
        assert [e.stream for e in store.read_all()] == ["new"]
        assert [e.type for e in store.read_stream("old")] == ["A", "B"]
        assert store.stream_version("old") == 2

    def test_every_read_of_the_log_leaves_an_archived_stream_out(self, store):
        """The same filter for every way of reading the log: by type, by
        stream prefix, as of a position or a time, page by page, and in a
        subscriber's batch."""
        store.append("order-old", events("Placed", "Paid"))
        store.append("order-new", events("Placed"))
        store.append("other", events("Placed"))
        store.archive("order-old")
        store.append("order-newer", events("Paid"))
        kept = ["order-new", "other", "order-newer"]
        assert [e.stream for e in store.read_all()] == kept
        assert [e.stream for e in store.read_all(types=["Paid"])] == ["order-newer"]
        assert [e.stream for e in store.read_all(types="Placed")] == kept[:2]
        assert [e.stream for e in store.read_all(stream_prefix="order-")] == [
            "order-new",
            "order-newer",
        ]
        assert [e.stream for e in store.read_all(until_position=4)] == kept[:2]
        assert [e.stream for e in store.read_all(until_time=datetime.now(UTC))] == (
            kept
        )
        assert [e.stream for e in store.read_all(limit=1)] == ["order-new"]
        assert [e.stream for e in store.iter_all(page=1)] == kept
        seen = []
        store.process("reader", lambda event, tx: seen.append(event.stream))
        assert seen == kept

    def test_a_failed_or_repeated_append_leaves_a_stream_archived(self, store):
        placed = NewEvent("Placed", {})
        store.append("old", [placed])
        store.append("kept", events("A"))
        store.archive("old")
        with pytest.raises(ConcurrencyError):
            store.append("old", events("Paid"), 5)
        assert store.append("old", [placed]).repeated
        assert [e.stream for e in store.read_all()] == ["kept"]

    def test_appending_to_an_archived_stream_brings_it_back(self, store):
        store.append("old", events("A"))
        store.archive("old")
        store.append("old", events("B"), 1)
        assert [e.type for e in store.read_all()] == ["A", "B"]

    def test_a_tombstoned_stream_can_never_be_read_or_written_again(self, store):
        store.append("gone", events("A", "B"))
        store.append("kept", events("C"))
        head = store.head()
        store.tombstone("gone")
        with pytest.raises(StreamDeleted):
            store.read_stream("gone")
        with pytest.raises(StreamDeleted):
            store.append("gone", events("D"))
        with pytest.raises(StreamDeleted):
            store.append("gone", events("D"), NO_STREAM)
        assert [e.stream for e in store.read_all()] == ["kept"]
        # Positions are never reused, even those of deleted events.
        assert store.append("next", events("E")).first_position > head

    def test_tombstoning_the_newest_events_does_not_reuse_positions(self, store):
        store.append("kept", events("A"))
        store.append("gone", events("B", "C"))
        store.tombstone("gone")
        assert store.append("next", events("D")).first_position == 4

    # -- snapshots -----

    def test_snapshots_keep_the_latest_per_stream(self, store):
        assert store.load_snapshot("order-1") is None
        store.save_snapshot("order-1", 5, {"total": 5})
        store.save_snapshot("order-1", 9, {"total": 9}, schema_version=2)
        store.save_snapshot("order-2", 1, {"total": 1})
        snapshot = store.load_snapshot("order-1")
        assert (snapshot.stream, snapshot.version, snapshot.state) == (
            "order-1",
            9,
            {"total": 9},
        )
        assert snapshot.schema_version == 2
        assert snapshot.recorded_at.tzinfo is not None

    def test_an_older_snapshot_does_not_replace_a_newer_one(self, store):
        store.save_snapshot("order-1", 9, {"total": 9})
        store.save_snapshot("order-1", 5, {"total": 5})
        assert store.load_snapshot("order-1").version == 9

    # -- upcasting -----

    @pytest.fixture
    def upcasters(self):
        upcasters = Upcasters()

        @upcasters.register("Placed", 1)
        def amount_to_cents(data):
            return {"cents": data["amount"] * 100}

        @upcasters.register("Placed", 2)
        def add_currency(data):
            return {**data, "currency": "EUR"}

        return upcasters

    def test_old_events_are_upcast_through_the_chain_on_every_read(
        self, make_store, upcasters
    ):
        store = make_store(upcasters=upcasters)
        store.append(
            "order-1",
            [
                NewEvent("Placed", {"amount": 2}, schema_version=1),
                NewEvent("Placed", {"cents": 300}, schema_version=2),
                NewEvent("Placed", {"cents": 400, "currency": "USD"}, schema_version=3),
                NewEvent("Paid", {"ok": True}),
            ],
        )
        expected = [
            ({"cents": 200, "currency": "EUR"}, 3),
            ({"cents": 300, "currency": "EUR"}, 3),
            ({"cents": 400, "currency": "USD"}, 3),
            ({"ok": True}, 1),
        ]
        assert [(e.data, e.schema_version) for e in store.read_stream("order-1")] == (
            expected
        )
        assert [(e.data, e.schema_version) for e in store.read_all()] == expected
        seen = []
        store.process("upcast", lambda event, tx: seen.append(event.data))
        assert seen == [data for data, _ in expected]

    # -- subscriptions -----

    def handle_into_table(self, handler_sql, fail_on=None):
        def handler(event, tx):
            tx.execute(handler_sql["create"])
            tx.execute(handler_sql["insert"], (event.position, event.type))
            if event.type == "Placed":
                tx.append(f"invoice-{event.stream}", events("InvoiceDue"))
            if event.type == fail_on:
                raise RuntimeError("the handler failed")

        return handler

    def test_process_commits_the_handlers_writes_with_the_checkpoint(
        self, store, handler_sql, query
    ):
        store.append("order-1", events("Placed", "Paid"))
        assert store.checkpoint("billing") == 0
        handled = store.process("billing", self.handle_into_table(handler_sql))
        assert handled == 2
        assert store.checkpoint("billing") == 2
        assert query(store, handler_sql["select"]) == [(1, "Placed"), (2, "Paid")]
        # The handler's append went in with its transaction: it comes next.
        assert store.process("billing", self.handle_into_table(handler_sql)) == 1
        assert query(store, handler_sql["select"])[-1] == (3, "InvoiceDue")
        assert store.read_stream("invoice-order-1")[0].type == "InvoiceDue"
        assert store.process("billing", self.handle_into_table(handler_sql)) == 0

    def test_a_failing_handler_moves_neither_its_writes_nor_the_checkpoint(
        self, store, handler_sql, query
    ):
        store.append("order-1", events("Paid", "Refunded", "Closed"))
        handler = self.handle_into_table(handler_sql, fail_on="Refunded")
        with pytest.raises(RuntimeError):
            store.process("billing", handler)
        # The event before the failure stays handled; the failing one is not.
        assert store.checkpoint("billing") == 1
        assert query(store, handler_sql["select"]) == [(1, "Paid")]
        with pytest.raises(RuntimeError):
            store.process("billing", handler)
        assert store.checkpoint("billing") == 1
        assert query(store, handler_sql["select"]) == [(1, "Paid")]
        # Once the handler is fixed, it resumes where it stopped.
        assert store.process("billing", self.handle_into_table(handler_sql)) == 2
        assert query(store, handler_sql["select"]) == [
            (1, "Paid"),
            (2, "Refunded"),
            (3, "Closed"),
        ]

    def test_a_failing_handler_append_is_rolled_back(self, store):
        store.append("order-1", events("Placed"))

        def handler(event, tx):
            tx.append("side-effect", events("Written"))
            raise RuntimeError("after writing")

        with pytest.raises(RuntimeError):
            store.process("sub", handler)
        assert store.read_stream("side-effect") == []
        assert store.head() == 1

    def test_a_handlers_append_goes_to_the_outbox_with_the_checkpoint(self, store):
        store.append("order-1", events("Placed"))

        def handler(event, tx):
            if event.type == "Placed":
                tx.append("payment-1", events("Captured"), outbox=["shipping"])

        assert store.process("payments", handler) == 1
        pending = store.outbox_pending()
        assert [(m["destination"], m["event"].type) for m in pending] == [
            ("shipping", "Captured")
        ]
        assert store.checkpoint("payments") == 1

    def test_a_failing_handler_leaves_no_outbox_message(self, store):
        store.append("order-1", events("Placed"))

        def handler(event, tx):
            tx.append("payment-1", events("Captured"), outbox=["shipping"])
            raise RuntimeError("after writing")

        with pytest.raises(RuntimeError):
            store.process("payments", handler)
        assert store.outbox_pending() == []
        assert store.checkpoint("payments") == 0

    def test_the_next_handler_reads_what_the_previous_one_appended(self, store):
        """A handler that decides from a stream sees the appends that handlers
        of earlier events in the same batch made to it."""
        store.append("order-1", events("Placed", "Placed", "Placed"))
        versions = []

        def handler(event, tx):
            if event.type == "Placed":
                version = store.stream_version("tally")
                versions.append(version)
                tx.append("tally", events("Counted"), expected_version=version)

        assert store.process("tally", handler) == 3
        assert versions == [0, 1, 2]
        assert store.process("tally", handler) == 3  # the three Counted
        assert [e.version for e in store.read_stream("tally")] == [1, 2, 3]

    def test_rewind_moves_the_checkpoint_back_with_its_reset(
        self, store, handler_sql, query
    ):
        store.append("order-1", events("Placed", "Paid"))
        store.process("billing", self.handle_into_table(handler_sql))
        store.process("billing", self.handle_into_table(handler_sql))
        assert store.checkpoint("billing") == 3

        def empty(tx):
            tx.execute(handler_sql["delete"])

        store.rewind("billing", 0, empty)
        assert store.checkpoint("billing") == 0
        assert query(store, handler_sql["select"]) == []
        store.rewind("billing", 2)
        assert store.checkpoint("billing") == 2
        with pytest.raises(ValueError, match="position"):
            store.rewind("billing", -1)

    def test_a_failing_reset_leaves_checkpoint_and_tables(
        self, store, handler_sql, query
    ):
        store.append("order-1", events("Placed"))
        store.process("billing", self.handle_into_table(handler_sql))

        def broken(tx):
            tx.execute(handler_sql["delete"])
            raise RuntimeError("halfway")

        with pytest.raises(RuntimeError):
            store.rewind("billing", 0, broken)
        assert store.checkpoint("billing") == 1
        assert query(store, handler_sql["select"]) == [(1, "Placed")]

    def test_a_subscription_catches_up_then_takes_new_events(self, store):
        for n in range(5):
            store.append(f"s-{n}", events("Old"))
        seen = []

        def handler(event, tx):
            seen.append(event.position)

        while store.process("sub", handler, limit=2):
            pass
        assert seen == [1, 2, 3, 4, 5]
        store.append("s-9", events("New", "Newer"))
        assert store.process("sub", handler) == 2
        assert seen == [1, 2, 3, 4, 5, 6, 7]
        assert store.checkpoint("sub") == 7
        assert store.checkpoint("someone-else") == 0

    def test_wait_for_events_wakes_on_an_append(self, store):
        assert not store.wait_for_events(0, 0.05)
        timer = threading.Timer(0.05, store.append, ("s", events("A")))
        started = time.monotonic()
        timer.start()
        try:
            assert store.wait_for_events(0, 5)
        finally:
            timer.join()
        assert time.monotonic() - started < 1
        assert store.wait_for_events(0, 0)  # already past

    def test_wait_for_events_sees_another_writers_appends(self, make_store):
        if not self.shared_database:
            pytest.skip("the database is private to one store")
        reader, writer = make_store(), make_store()
        woken = []
        for n in range(10):
            woke = threading.Event()
            times = {}

            def wait(after, times, woke):
                if reader.wait_for_events(after, 5):
                    times["woke"] = time.monotonic()
                woke.set()

            waiter = threading.Thread(target=wait, args=(n, times, woke))
            waiter.start()
            time.sleep(0.01)
            writer.append("s", events("A"))
            times["committed"] = time.monotonic()
            woke.wait(6)
            waiter.join()
            woken.append("woke" in times)
        # Each append woke the waiter (before its 5 s were up); how soon is
        # bench/wakeup.py's to measure.
        assert woken == [True] * 10

    # -- subscribe: a live iterator over the log -----

    def test_subscribe_yields_the_recorded_events_then_each_new_one(self, store):
        store.append("s", events("A", "B"))
        live = store.subscribe(timeout=5)
        assert [next(live).type, next(live).type] == ["A", "B"]
        timer = threading.Timer(0.1, store.append, ("s", events("C")))
        started = time.monotonic()
        timer.start()
        try:
            event = next(live)  # blocks until C commits
        finally:
            timer.join()
        assert (event.type, event.position) == ("C", 3)
        assert 0.05 < time.monotonic() - started < 2
        live.close()

    def test_subscribe_ends_when_no_event_comes_within_the_timeout(self, store):
        store.append("s", events("A"))
        started = time.monotonic()
        assert [e.type for e in store.subscribe(after=0, timeout=0.2)] == ["A"]
        assert 0.2 <= time.monotonic() - started < 2
        assert list(store.subscribe(after=store.head(), timeout=0)) == []

    def test_subscribe_reads_from_a_position_page_by_page(self, store):
        for n in range(7):
            store.append(f"s-{n}", events("A"))
        positions_seen = positions(store.subscribe(after=2, timeout=0, page=2))
        assert positions_seen == [3, 4, 5, 6, 7]

    def test_subscribe_takes_the_log_filters_and_leaves_archived_streams_out(
        self, store
    ):
        store.append("order-1", events("Placed", "Paid"))
        store.append("old", events("Paid"))
        store.archive("old")
        live = store.subscribe(timeout=0.5, types=["Paid"])
        assert [(e.stream, e.type) for e in [next(live)]] == [("order-1", "Paid")]
        # Events it leaves out do not wake it for nothing, nor end it early.
        timer = threading.Timer(0.1, store.append, ("order-2", events("Placed")))
        timer.start()
        later = threading.Timer(0.2, store.append, ("order-2", events("Paid")))
        later.start()
        try:
            event = next(live)
        finally:
            timer.join()
            later.join()
        assert (event.stream, event.type) == ("order-2", "Paid")
        live.close()

    def test_subscribe_refuses_a_negative_timeout(self, store):
        with pytest.raises(ValueError):
            next(store.subscribe(timeout=-1))

    # -- transactional outbox -----

    def test_outbox_messages_are_written_with_the_append(self, store):
        store.append("order-1", events("Placed"), outbox=["billing", "mail"])
        store.append("order-1", events("Noted"))
        pending = store.outbox_pending()
        assert [(m["destination"], m["event"].type) for m in pending] == [
            ("billing", "Placed"),
            ("mail", "Placed"),
        ]
        assert all(m["attempts"] == 0 for m in pending)
        assert pending[0]["id"] != pending[1]["id"]

    def test_no_outbox_message_without_a_commit(self, store):
        store.append("order-1", events("Placed"))
        batch = events("Paid")
        with pytest.raises(ConcurrencyError):
            store.append("order-1", batch, 0, outbox=["billing"])
        assert store.outbox_pending() == []
        store.append("order-1", batch, 1, outbox=["billing"])
        store.append("order-1", batch, 1, outbox=["billing"])  # a repeat
        assert len(store.outbox_pending()) == 1

    def test_only_one_relay_holds_the_lease_until_it_expires(self, store):
        assert store.outbox_claim("relay-a", 0.3)
        assert not store.outbox_claim("relay-b", 0.3)
        assert store.outbox_claim("relay-a", 0.3)  # renewing
        time.sleep(0.4)
        assert store.outbox_claim("relay-b", 0.3)
        assert not store.outbox_claim("relay-a", 0.3)

    def test_concurrent_claims_have_one_winner(self, store):
        results = []
        barrier = threading.Barrier(6)

        def claim(name):
            barrier.wait()
            results.append(store.outbox_claim(name, 30))

        threads = [threading.Thread(target=claim, args=(f"r{n}",)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [False] * 5 + [True]

    def test_outbox_done_failed_and_dead(self, store):
        store.append("o", events("A", "B", "C"), outbox=["billing"])
        a, b, c = store.outbox_pending()
        store.outbox_done(a["id"])
        store.outbox_failed(b["id"], "timeout", datetime.now(UTC) + timedelta(hours=1))
        store.outbox_failed(c["id"], "timeout", datetime.now(UTC) - timedelta(1))
        (due,) = store.outbox_pending()
        assert (due["id"], due["attempts"], due["event"].type) == (c["id"], 1, "C")
        store.outbox_dead(c["id"], "gave up")
        assert store.outbox_pending() == []
        (dead,) = store.dead_letters()
        assert (dead["id"], dead["destination"], dead["error"]) == (
            c["id"],
            "billing",
            "gave up",
        )
        assert dead["event"].type == "C"
        assert dead["attempts"] >= 1

    def test_pending_messages_come_in_order_up_to_the_limit(self, store):
        for n in range(5):
            store.append(f"s-{n}", events(f"E{n}"), outbox=["x"])
        pending = store.outbox_pending(limit=3)
        assert [m["event"].type for m in pending] == ["E0", "E1", "E2"]
        assert [m["id"] for m in pending] == sorted(m["id"] for m in pending)

    # -- concurrency -----

    def test_concurrent_writers_and_a_tailing_reader_miss_nothing(self, make_store):
        """8 threads append to their own streams while a reader tails the log
        (through a store of its own, where the database allows): every
        position 1..N exactly once, in order, each stream's versions intact."""
        store = make_store()
        reader_store = make_store() if self.shared_database else store
        writers, per_writer = 8, 40
        done = threading.Event()
        seen = []
        errors = []

        def write(n):
            try:
                for k in range(per_writer):
                    size = 1 + k % 3
                    store.append(f"w{n}", events(*["E"] * size), ANY)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        def tail():
            after = 0
            while True:
                finished = done.is_set()
                for event in reader_store.iter_all(after, page=17):
                    seen.append(event)
                    after = event.position
                if finished:
                    return

        reader = threading.Thread(target=tail)
        reader.start()
        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        reader.join()
        assert errors == []
        total = writers * sum(1 + k % 3 for k in range(per_writer))
        assert positions(seen) == list(range(1, total + 1))  # 0 missed, 0 twice
        assert store.head() == total
        for n in range(writers):
            versions = [e.version for e in seen if e.stream == f"w{n}"]
            assert versions == list(range(1, len(versions) + 1))

    def test_concurrent_appends_at_one_version_have_one_winner(self, store):
        store.append("contested", events("Created"))
        barrier = threading.Barrier(8)
        outcomes = []

        def append(n):
            barrier.wait()
            try:
                store.append("contested", events(f"By{n}"), 1)
                outcomes.append("ok")
            except ConcurrencyError as error:
                outcomes.append(error.actual)

        threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert outcomes.count("ok") == 1
        assert sorted(o for o in outcomes if o != "ok") == [2] * 7
        assert store.stream_version("contested") == 2

    # -- properties -----

    @settings(
        max_examples=60,
        deadline=None,
        # One database per test, shared by its examples (streams are prefixed);
        # the mixin runs under each backend's class, hence differing executors.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    @given(
        st.lists(
            st.tuples(
                st.integers(0, 2),  # which stream
                st.integers(1, 3),  # how many events
                st.sampled_from(["any", "no_stream", "exists", "exact", "repeat"]),
                st.integers(-1, 1),  # offset of an exact version from the truth
            ),
            min_size=1,
            max_size=25,
        )
    )
    def test_appends_behave_like_the_model(self, store, operations):
        prefix = uuid.uuid4().hex[:8]  # examples share one database
        model: dict[str, list] = {}
        last = {}
        start = store.head()
        for index, count, kind, offset in operations:
            stream = f"{prefix}-{index}"
            recorded = model.setdefault(stream, [])
            version = len(recorded)
            batch = [NewEvent(f"T{len(recorded) + n}", {"n": n}) for n in range(count)]
            if kind == "any":
                expected, ok = ANY, True
            elif kind == "no_stream":
                expected, ok = NO_STREAM, version == 0
            elif kind == "exists":
                expected, ok = STREAM_EXISTS, version > 0
            elif kind == "exact":
                expected = max(version + offset, 0)
                ok = expected == version
            else:
                if stream not in last:
                    continue
                batch, expected = last[stream]
                again = store.append(stream, batch, expected)
                assert again.repeated
                continue
            if ok:
                result = store.append(stream, batch, expected)
                assert not result.repeated
                assert result.first_version == version + 1
                assert result.last_version == version + count
                recorded.extend(event.id for event in batch)
                last[stream] = (batch, expected)
            else:
                with pytest.raises(ConcurrencyError) as caught:
                    store.append(stream, batch, expected)
                assert not isinstance(caught.value, IdempotencyConflict)
                assert caught.value.actual == version
        for stream, ids in model.items():
            assert [e.id for e in store.read_stream(stream)] == ids
            assert store.stream_version(stream) == len(ids)
        mine = [e for e in store.read_all(start, limit=10**6)]
        assert positions(mine) == list(range(start + 1, start + len(mine) + 1))
        assert len(mine) == sum(len(ids) for ids in model.values())
