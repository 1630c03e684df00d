"""Aggregates and their repository, told with a bank account.

Construct (open an account), evolve (deposit, withdraw: each command checks
the rules, then records an event), query (the balance), then save and load it
through the store: optimistic concurrency, snapshots, upcasting and history.
"""

import pytest

from modeling.eventstore import (
    ConcurrencyError,
    NewEvent,
    Upcasters,
    open_store,
)
from modeling.eventstore.aggregate import (
    Aggregate,
    Repository,
    UnhandledEvent,
    handler_name,
)


class InsufficientFunds(Exception):
    pass


class Account(Aggregate):
    def __init__(self, account_id):
        super().__init__(account_id)
        self.owner = None
        self.currency = None
        self.balance = 0
        self.closed = False

    # -- commands: check the rules, then record -----

    @classmethod
    def open(cls, account_id, owner, currency="EUR"):
        account = cls(account_id)
        account.record("AccountOpened", owner=owner, currency=currency)
        return account

    def deposit(self, amount):
        self._check_open()
        if amount <= 0:
            raise ValueError("a deposit is a positive amount")
        self.record("MoneyDeposited", amount=amount)

    def withdraw(self, amount):
        self._check_open()
        if amount > self.balance:
            raise InsufficientFunds(f"{amount} asked, {self.balance} available")
        self.record("MoneyWithdrawn", amount=amount)

    def close(self):
        self._check_open()
        if self.balance:
            raise ValueError("only an empty account can be closed")
        self.record("AccountClosed")

    def _check_open(self):
        if self.closed:
            raise ValueError("the account is closed")

    # -- evolving: the same code for new and replayed events -----

    def when_account_opened(self, owner, currency):
        self.owner, self.currency = owner, currency

    def when_money_deposited(self, amount):
        self.balance += amount

    def when_money_withdrawn(self, amount):
        self.balance -= amount

    def when_account_closed(self):
        self.closed = True


@pytest.fixture
def store(tmp_path):
    with open_store(f"sqlite:///{tmp_path}/bank.db") as store:
        yield store


@pytest.fixture
def accounts(store):
    return Repository(store, Account, snapshot_every=10)


def count_events_read(store, monkeypatch):
    """Count the events the repository reads from the store (by version)."""
    read = []
    read_stream_data = store.read_stream_data

    def counting(stream, from_version=1, until_version=None):
        pairs = read_stream_data(stream, from_version, until_version)
        read.extend(range(from_version, from_version + len(pairs)))
        return pairs

    monkeypatch.setattr(store, "read_stream_data", counting)
    return read


# -- the aggregate on its own -----


def test_commands_record_events_and_evolve_the_state():
    account = Account.open("a1", "Ada")
    account.deposit(100)
    account.withdraw(30)
    assert (account.owner, account.balance, account.version) == ("Ada", 70, 3)
    assert [(e.type, e.data) for e in account.pending()] == [
        ("AccountOpened", {"owner": "Ada", "currency": "EUR"}),
        ("MoneyDeposited", {"amount": 100}),
        ("MoneyWithdrawn", {"amount": 30}),
    ]


def test_a_command_that_breaks_a_rule_records_nothing():
    account = Account.open("a1", "Ada")
    account.deposit(10)
    with pytest.raises(InsufficientFunds):
        account.withdraw(11)
    with pytest.raises(ValueError):
        account.close()
    assert (account.balance, account.version, len(account.pending())) == (10, 2, 2)


def test_event_types_map_to_when_methods():
    assert handler_name("MoneyDeposited") == "when_money_deposited"
    assert handler_name("Opened") == "when_opened"


def test_recording_an_event_without_a_handler_fails_naming_class_and_type():
    account = Account.open("a1", "Ada")
    with pytest.raises(UnhandledEvent) as raised:
        account.record("MoneyFrozen", amount=5)
    message = str(raised.value)
    assert "Account" in message and "'MoneyFrozen'" in message
    assert "when_money_frozen" in message
    assert (raised.value.aggregate_class, raised.value.event_type) == (
        Account,
        "MoneyFrozen",
    )
    # Nothing half done: the event is not pending and the version stays.
    assert (account.version, len(account.pending())) == (1, 1)


def test_loading_a_stream_with_an_event_the_aggregate_cannot_handle_fails(
    store, accounts
):
    accounts.save(Account.open("a1", "Ada"))
    store.append(Account.stream_name("a1"), [NewEvent("MoneyFrozen", {})])
    with pytest.raises(UnhandledEvent, match="Account has no handler for"):
        accounts.load("a1")


def test_an_overridden_apply_also_fails_on_an_unhandled_event(store):
    class Audited(Account):
        def apply(self, event_type, data):
            super().apply(event_type, data)

    audited = Repository(store, Audited)
    audited.save(Audited.open("a1", "Ada"))
    store.append(Audited.stream_name("a1"), [NewEvent("MoneyFrozen", {})])
    with pytest.raises(UnhandledEvent, match="Audited has no handler"):
        audited.load("a1")


def test_handlers_that_are_not_plain_methods_still_handle_their_events():
    class Noted(Account):
        notes: list = []

        @staticmethod
        def when_note_added(text):
            Noted.notes.append(text)

    account = Noted.open("a1", "Ada")
    account.record("NoteAdded", text="hello")
    account.when_money_frozen = lambda **data: None  # set on the instance
    account.record("MoneyFrozen")
    assert (Noted.notes, account.version) == (["hello"], 3)


# -- save and load -----


def test_a_saved_account_loads_with_the_same_state(store, accounts):
    account = Account.open("a1", "Ada")
    account.deposit(100)
    account.withdraw(40)
    result = accounts.save(account)
    assert (result.first_version, result.last_version) == (1, 3)
    assert account.pending() == []
    assert accounts.save(account) is None  # nothing new to save

    loaded = accounts.load("a1")
    assert (loaded.id, loaded.owner, loaded.balance, loaded.version) == (
        "a1",
        "Ada",
        60,
        3,
    )
    assert loaded.pending() == []
    assert [e.type for e in store.read_stream("Account-a1")] == [
        "AccountOpened",
        "MoneyDeposited",
        "MoneyWithdrawn",
    ]


def test_a_loaded_account_takes_new_commands_and_saves_them_after_its_events(
    accounts,
):
    accounts.save(Account.open("a1", "Ada"))
    account = accounts.load("a1")
    account.deposit(5)
    account.deposit(7)
    result = accounts.save(account)
    assert (result.first_version, result.last_version) == (2, 3)
    assert accounts.load("a1").balance == 12


def test_loading_an_account_that_was_never_saved_gives_none(accounts):
    assert accounts.load("nobody") is None


def test_saving_with_an_outbox_hands_the_events_to_the_relay(store, accounts):
    account = Account.open("a1", "Ada")
    account.deposit(100)
    accounts.save(account, outbox=["ledger"])
    assert [(m["destination"], m["event"].type) for m in store.outbox_pending()] == [
        ("ledger", "AccountOpened"),
        ("ledger", "MoneyDeposited"),
    ]


# -- optimistic concurrency -----


def test_the_second_of_two_concurrent_saves_fails_naming_both_versions(accounts):
    opened = Account.open("a1", "Ada")
    opened.deposit(100)
    accounts.save(opened)

    teller, atm = accounts.load("a1"), accounts.load("a1")
    teller.withdraw(80)
    atm.withdraw(80)
    accounts.save(teller)
    with pytest.raises(ConcurrencyError) as caught:
        accounts.save(atm)
    error = caught.value
    assert (error.stream, error.expected, error.actual) == ("Account-a1", 2, 3)
    assert "expected version 2" in str(error) and "at 3" in str(error)

    # The loser reloads, and the rule now says no.
    atm = accounts.load("a1")
    assert atm.balance == 20
    with pytest.raises(InsufficientFunds):
        atm.withdraw(80)


def test_opening_the_same_account_twice_fails(accounts):
    accounts.save(Account.open("a1", "Ada"))
    with pytest.raises(ConcurrencyError) as caught:
        accounts.save(Account.open("a1", "Bob"))
    assert caught.value.actual == 1
    assert accounts.load("a1").owner == "Ada"


# -- snapshots -----


def test_a_snapshot_is_taken_every_n_events(store, accounts):
    account = Account.open("a1", "Ada")
    accounts.save(account)
    for _ in range(8):
        account.deposit(1)
        accounts.save(account)
    assert store.load_snapshot("Account-a1") is None  # 9 events: none yet
    account.deposit(1)
    accounts.save(account)
    snapshot = store.load_snapshot("Account-a1")
    assert (snapshot.version, snapshot.schema_version) == (10, 1)
    assert snapshot.state == {
        "owner": "Ada",
        "currency": "EUR",
        "balance": 9,
        "closed": False,
    }
    for _ in range(10):
        account.deposit(1)
        accounts.save(account)
    assert store.load_snapshot("Account-a1").version == 20


def test_a_save_that_crosses_a_multiple_of_n_snapshots_at_its_last_version(
    store, accounts
):
    account = Account.open("a1", "Ada")
    for _ in range(7):
        account.deposit(1)
    accounts.save(account)  # versions 1..8
    for _ in range(5):
        account.deposit(1)
    accounts.save(account)  # versions 9..13: passes 10
    assert store.load_snapshot("Account-a1").version == 13


def test_snapshots_are_off_when_snapshot_every_is_zero(store):
    accounts = Repository(store, Account, snapshot_every=0)
    account = Account.open("a1", "Ada")
    for _ in range(30):
        account.deposit(1)
    accounts.save(account)
    assert store.load_snapshot("Account-a1") is None


def test_loading_starts_from_the_snapshot_and_reads_only_later_events(
    store, accounts, monkeypatch
):
    account = Account.open("a1", "Ada")
    for _ in range(24):
        account.deposit(2)
        accounts.save(account)
    assert store.load_snapshot("Account-a1").version == 20

    read = count_events_read(store, monkeypatch)
    loaded = accounts.load("a1")
    assert read == [21, 22, 23, 24, 25]
    assert (loaded.balance, loaded.version, loaded.owner) == (48, 25, "Ada")


class CentsAccount(Account):
    """The next release of Account: its snapshots keep the balance under
    another key, so they declare a new snapshot_version."""

    snapshot_version = 2

    @classmethod
    def stream_name(cls, aggregate_id):
        return Account.stream_name(aggregate_id)  # the same streams

    def snapshot_state(self):
        return {"owner": self.owner, "currency": self.currency, "cents": self.balance}

    def restore(self, state):
        self.owner, self.currency = state["owner"], state["currency"]
        self.balance = state["cents"]


def test_a_snapshot_of_an_older_shape_is_ignored_and_the_stream_replayed(
    store, accounts, monkeypatch
):
    account = Account.open("a1", "Ada")
    for _ in range(11):
        account.deposit(3)
    accounts.save(account)
    old = store.load_snapshot("Account-a1")
    assert (old.version, old.schema_version) == (12, 1)
    assert "cents" not in old.state  # restore() would fail on it

    read = count_events_read(store, monkeypatch)
    upgraded = Repository(store, CentsAccount, snapshot_every=10)
    loaded = upgraded.load("a1")
    assert read == list(range(1, 13))  # every event, not the stale snapshot
    assert (loaded.balance, loaded.version) == (33, 12)

    # The next save past a multiple of N writes a snapshot of the new shape.
    for _ in range(8):
        loaded.deposit(1)
    upgraded.save(loaded)
    new = store.load_snapshot("Account-a1")
    assert (new.version, new.schema_version) == (20, 2)
    assert new.state["cents"] == 41
    assert upgraded.load("a1").balance == 41


# -- upcasting -----


def bank_upcasters():
    """AccountOpened's schema grew twice: v1 called the owner "name", v2
    renamed it, v3 added the currency."""
    upcasters = Upcasters()

    @upcasters.register("AccountOpened", 1)
    def rename_name_to_owner(data):
        return {"owner": data["name"]}

    @upcasters.register("AccountOpened", 2)
    def add_currency(data):
        return {**data, "currency": "EUR"}

    return upcasters


def test_events_stored_at_an_old_schema_are_upcast_when_loaded(tmp_path):
    path = tmp_path / "bank.db"
    with open_store(f"sqlite:///{path}") as old_release:
        old_release.append(
            "Account-a1",
            [
                NewEvent("AccountOpened", {"name": "Ada"}, schema_version=1),
                NewEvent("MoneyDeposited", {"amount": 50}),
            ],
        )
        old_release.append(
            "Account-a2",
            [NewEvent("AccountOpened", {"owner": "Bob"}, schema_version=2)],
        )
    with open_store(f"sqlite:///{path}", upcasters=bank_upcasters()) as store:
        accounts = Repository(store, Account)
        ada, bob = accounts.load("a1"), accounts.load("a2")
        assert (ada.owner, ada.currency, ada.balance) == ("Ada", "EUR", 50)
        assert (bob.owner, bob.currency) == ("Bob", "EUR")
        # Upcasting is on read: what was stored stays as it was.
        assert store.query(
            "SELECT schema_version, data FROM events WHERE position = 1"
        ) == [(1, '{"name":"Ada"}')]


def test_new_events_are_saved_at_the_current_schema_and_not_upcast_again(
    tmp_path,
):
    with open_store(f"sqlite:///{tmp_path}/bank.db", upcasters=bank_upcasters()) as (
        store
    ):
        accounts = Repository(store, Account)
        accounts.save(Account.open("a3", "Cy", currency="GBP"))
        (opened,) = store.read_stream("Account-a3")
        assert opened.schema_version == 3
        assert opened.data == {"owner": "Cy", "currency": "GBP"}
        assert accounts.load("a3").currency == "GBP"


# -- history -----


def test_loading_at_a_version_gives_the_account_as_it_was_then(accounts):
    account = Account.open("a1", "Ada")
    for amount in (10, 20, 30):
        account.deposit(amount)
    account.withdraw(60)
    account.close()
    accounts.save(account)

    assert accounts.load("a1", at_version=0) is None
    assert accounts.load("a1", at_version=1).balance == 0
    then = accounts.load("a1", at_version=3)
    assert (then.balance, then.version, then.closed) == (30, 3, False)
    assert accounts.load("a1", at_version=6).closed
    assert accounts.load("a1", at_version=99).version == 6  # past the end: now


def test_loading_at_a_version_uses_a_snapshot_only_if_it_is_not_later(
    store, accounts, monkeypatch
):
    account = Account.open("a1", "Ada")
    for _ in range(24):
        account.deposit(1)
        accounts.save(account)
    assert store.load_snapshot("Account-a1").version == 20

    read = count_events_read(store, monkeypatch)
    assert accounts.load("a1", at_version=23).balance == 22
    assert read == [21, 22, 23]  # from the snapshot, and no further than asked

    read.clear()
    assert accounts.load("a1", at_version=20).balance == 19
    assert read == []  # the snapshot is exactly that version

    read.clear()
    assert accounts.load("a1", at_version=4).balance == 3
    assert read == [1, 2, 3, 4]  # the snapshot is later: replay from the start


# -- a long stream -----


def test_an_account_with_ten_thousand_events_loads(store):
    store.append(
        "Account-big",
        [NewEvent("AccountOpened", {"owner": "Ada", "currency": "EUR"})],
    )
    for _ in range(10):
        batch = [NewEvent("MoneyDeposited", {"amount": 1}) for _ in range(1000)]
        store.append("Account-big", batch)
    store.append("Account-big", [NewEvent("MoneyWithdrawn", {"amount": 1})])

    account = Repository(store, Account, snapshot_every=0).load("big")
    assert (account.balance, account.version) == (9_999, 10_002)
