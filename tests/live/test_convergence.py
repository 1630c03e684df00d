"""Clients of a real daphne process end up with the same board as the server.

Like tldraw's sync fuzz test: seeded random clients send valid and invalid
commands, drop their TCP connections and resume with `since`; in the end
every client's board, folded from the events it got, equals the others' and
the server's (its log folded, and its projection tables).
"""

import asyncio
import json
import random
import uuid

import pytest
from websockets.asyncio.client import connect

from storming import board_log, services
from storming.models import Board
from storming.vocabulary import Kind, Phase, Role

from .client import (
    LiveClient,
    Pieces,
    close_all,
    encode,
    op_id,
    receive,
    wait_until,
)

TEXTS = [
    "",
    "Order placed",
    "Zahlung eingegangen: Größe ü",
    "emoji \U0001f642 and CJK 注文",
    "two\nlines",
    "line separator \u2028 inside",
    'quote " backslash \\ tab \t',
    "x" * 500,
]
FIELDS = [[], ["order_id: UUID"], [{"name": "total", "type": "Money"}, "at: date"]]
# Data every client may send that the server must refuse as `invalid`.
INVALID = [
    ("sticky.create", {"kind": "nonsense", "x": 0, "y": 0}),
    ("sticky.create", {"kind": "event", "x": "left", "y": 0}),
    ("sticky.create", {"kind": "event", "x": 0, "y": 0, "text": "y" * 501}),
    ("sticky.create", {"kind": "event", "x": 0, "y": 0, "colour": "red"}),
    ("sticky.create", {"kind": "event", "x": 1e9, "y": 0}),
    ("sticky.create", {"kind": "event", "x": True, "y": 0}),
    ("sticky.create", {"kind": "event", "x": 0}),
    ("sticky.create", {"kind": "command", "x": 0, "y": 0, "pivotal": True}),
    ("sticky.create", {"kind": "event", "x": 0, "y": 0, "id": "not-a-uuid"}),
    ("sticky.move", {"id": "not-a-uuid", "x": 0, "y": 0}),
    ("sticky.update", {"id": 7, "text": "seven"}),
    ("link.create", {"from": "a", "to": "b"}),
    ("vote.cast", {}),
    ("undo", {"extra": 1}),
    ("timer.stop", {"why": "no"}),
]
# Errors a valid-looking command may get, depending on what others did first.
RACE_CODES = {"not_found", "conflict", "forbidden"}


class Fuzz:
    def __init__(self, seed, server, board_id, specs, steps):
        self.seed = seed
        self.rng = random.Random(seed)
        self.steps = steps
        self.clients = [
            LiveClient(server, board_id, label=label, **spec) for label, spec in specs
        ]
        self.facilitator = self.clients[0]
        # op id -> (client, member, name, data, seq) of every first ack.
        self.acked = {}
        # (client, op id, name, data, expected codes, member, future)
        self.outstanding = []
        self.trace = []
        self.replayed = 0
        self.errors = {}

    def uuid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def note(self, text):
        self.trace.append(text)

    # -- what a client does ----------------------------------------------------

    def some_sticky(self, client):
        ids = sorted(client.state["stickies"])
        if ids and self.rng.random() < 0.9:
            return self.rng.choice(ids)
        return self.uuid()

    def position(self):
        return {
            "x": round(self.rng.uniform(-2000, 2000), self.rng.choice([0, 2])),
            "y": round(self.rng.uniform(-2000, 2000), 1),
        }

    def next_command(self, client):
        """(name, data, expected error codes) for `client` to send now."""
        rng = self.rng
        is_lead = client is self.facilitator
        choice = rng.choices(
            [
                "create",
                "update",
                "move",
                "delete",
                "link",
                "unlink",
                "vote",
                "unvote",
                "undo",
                "redo",
                "phase",
                "lock",
                "invalid",
            ],
            [22, 12, 12, 5, 8, 4, 8, 4, 6, 4, 4, 2, 9],
        )[0]
        writer_codes = RACE_CODES
        if choice == "create":
            data = {"id": self.uuid(), "kind": rng.choice(Kind.values)}
            data.update(self.position())
            if rng.random() < 0.8:
                data["text"] = rng.choice(TEXTS)
            if rng.random() < 0.3:
                data["fields"] = rng.choice(FIELDS)
            if rng.random() < 0.2:
                data["width"] = rng.choice([20, 333.5, 800])
            if rng.random() < 0.1 and client.state["stickies"]:
                # An id that is taken: a conflict, not a second sticky.
                data["id"] = self.some_sticky(client)
            return "sticky.create", data, writer_codes
        if choice == "update":
            data = {"id": self.some_sticky(client)}
            for key in rng.sample(["text", "fields", "kind", "description"], 2):
                if key == "text":
                    data["text"] = rng.choice(TEXTS)
                elif key == "fields":
                    data["fields"] = rng.choice(FIELDS)
                elif key == "kind":
                    data["kind"] = rng.choice(Kind.values)
                else:
                    data["description"] = rng.choice(TEXTS)
            if rng.random() < 0.15:
                data["kind"], data["pivotal"] = "event", True
            sticky = client.state["stickies"].get(data["id"])
            if sticky is not None and rng.random() < 0.5:
                # Possibly stale: a conflict when someone changed it since.
                data["version"] = sticky["version"]
            return "sticky.update", data, writer_codes
        if choice == "move":
            return (
                "sticky.move",
                {"id": self.some_sticky(client), **self.position()},
                writer_codes,
            )
        if choice == "delete":
            return "sticky.delete", {"id": self.some_sticky(client)}, writer_codes
        if choice == "link":
            data = {"from": self.some_sticky(client), "to": self.some_sticky(client)}
            if data["from"] == data["to"]:
                data["to"] = self.uuid()
            if rng.random() < 0.5:
                data["id"] = self.uuid()
            return "link.create", data, writer_codes
        if choice == "unlink":
            links = sorted(client.state["links"])
            link = rng.choice(links) if links else self.uuid()
            return "link.delete", {"id": link}, writer_codes
        if choice in ("vote", "unvote"):
            name = "vote.cast" if choice == "vote" else "vote.retract"
            return name, {"id": self.some_sticky(client)}, writer_codes
        if choice in ("undo", "redo"):
            return choice, None, writer_codes
        if choice == "phase":
            if not is_lead:
                return "phase.set", {"phase": "order"}, {"forbidden"}
            if rng.random() < 0.2:
                return "phase.set", {"phase": "party"}, {"invalid"}
            return "phase.set", {"phase": rng.choice(Phase.values)}, set()
        if choice == "lock":
            name = "board.unlock" if client.state["board"]["locked"] else "board.lock"
            if not is_lead:
                return name, None, {"forbidden"}
            return name, None, set()
        name, data = rng.choice(INVALID)
        # Refused for being invalid; a participant on a locked board may be
        # refused for that first.
        return name, data, {"invalid"} if is_lead else {"invalid", "forbidden"}

    async def act(self, client):
        rng = self.rng
        r = rng.random()
        if r < 0.03:
            await self.retry(client)
            return
        if r < 0.05:
            await client.send_raw(rng.choice(["{not json", "[1, 2]", '{"type": 1}']))
            reply = await client.next_reply()
            assert reply["type"] == "error", reply
            assert (reply["code"], reply["id"]) == ("invalid", None), reply
            return
        name, data, codes = self.next_command(client)
        command_id, future = await client.send_command(name, data)
        self.note(f"{client.label} {name} {command_id} {encode(data)[:120]}")
        self.outstanding.append(
            (client, command_id, name, data, codes, client.me["member"], future)
        )
        if rng.random() < 0.6:
            await self.settle()

    async def retry(self, client):
        """Send an op id again: acknowledged again, never applied twice."""
        mine = [op for op, item in self.acked.items() if item[0] is client]
        if not mine:
            return
        command_id = self.rng.choice(sorted(mine))
        _, member, name, data, seq = self.acked[command_id]
        reply = await client.command(name, data, command_id)
        self.note(f"{client.label} retry {command_id} -> {reply}")
        if member == client.me["member"]:
            assert reply == {
                "type": "ack",
                "id": command_id,
                "seq": seq,
                "replayed": True,
            }, reply
            self.replayed += 1
        else:
            # A guest that came back is a new guest: the id is someone else's.
            assert (reply["type"], reply["code"]) == ("error", "conflict"), reply

    async def settle(self):
        """Check the replies of every command sent so far."""
        items, self.outstanding = self.outstanding, []
        for client, command_id, name, data, codes, member, future in items:
            try:
                reply = await asyncio.wait_for(asyncio.shield(future), 10)
            except ConnectionError:
                # Dropped before the reply: applied or not, the log says.
                continue
            assert reply["id"] == command_id, reply
            if reply["type"] == "ack":
                assert codes is RACE_CODES or not codes, (client.label, name, reply)
                assert reply["replayed"] is False, reply
                assert command_id not in self.acked, reply
                self.acked[command_id] = (client, member, name, data, reply["seq"])
            else:
                assert reply["type"] == "error", reply
                assert reply["code"] in codes, (client.label, name, data, reply)
                self.errors[reply["code"]] = self.errors.get(reply["code"], 0) + 1

    # -- the run ---------------------------------------------------------------

    async def run(self):
        for client in self.clients:
            await client.connect(since=None)
        online = lambda: [c for c in self.clients if c.connected]  # noqa: E731
        for step in range(self.steps):
            client = self.rng.choice(self.clients)
            if not client.connected:
                if self.rng.random() < 0.4:
                    await self.settle()
                    self.note(f"step {step}: {client.label} resumes at {client.seq}")
                    await client.resume()
                continue
            if self.rng.random() < 0.04 and len(online()) > 1:
                self.note(f"step {step}: {client.label} drops at {client.seq}")
                await client.abort()
                continue
            await self.act(client)
        await self.settle()
        for client in self.clients:
            if not client.connected:
                await client.resume()
        # Commands in flight when their sender dropped may still be landing.
        await asyncio.sleep(0.3)
        barrier = await self.facilitator.command("phase.set", {"phase": "review"})
        assert barrier["type"] == "ack", barrier
        self.head = barrier["seq"]
        for client in self.clients:
            await client.wait_seq(self.head)
        await asyncio.sleep(0.2)
        await close_all(self.clients)


def fuzz_clients(board, lead, token_for, participant_token):
    return [
        ("facilitator", {"token": token_for(lead.user)}),
        ("ann", {"token": participant_token("ann")}),
        ("bob", {"token": participant_token("bob")}),
        ("guest-1", {"invite": board.invite_token, "name": "Gästin 1"}),
        ("guest-2", {"invite": board.invite_token, "name": "Guest \U0001f642"}),
    ]


@pytest.mark.parametrize("seed", [1, 2022, 77777])
def test_clients_converge_on_the_server_state(
    seed, daphne_server, board, lead, token_for, participant_token
):
    print(f"convergence fuzz seed={seed}")
    specs = fuzz_clients(board, lead, token_for, participant_token)
    fuzz = Fuzz(seed, daphne_server, board.pk, specs, steps=400)
    try:
        asyncio.run(fuzz.run())
        check_convergence(fuzz, board)
        print(
            f"head={fuzz.head} acked={len(fuzz.acked)} replayed={fuzz.replayed} "
            f"errors={fuzz.errors} welcomes={[len(c.welcomes) for c in fuzz.clients]}"
        )
    except BaseException as error:
        tail = "\n".join(fuzz.trace[-15:])
        raise AssertionError(
            f"seed {seed} failed: {error!r}\nlast steps:\n{tail}"
        ) from error


def check_convergence(fuzz, board):
    board.refresh_from_db()
    head = board.head_seq
    assert head == fuzz.head
    # Enough happened for the run to mean something.
    assert head > 60, head
    assert len(fuzz.acked) > 60
    resumed = sum(len(c.welcomes) - 1 for c in fuzz.clients)
    assert resumed >= 3, resumed

    log = board_log.events_between(board.pk, 0, head)
    assert [event["seq"] for event in log] == list(range(1, head + 1))
    folded = board_log.state_at(board)
    projection = board_log.board_state(board)
    assert projection["seq"] == head
    assert projection["state"] == folded
    assert folded["board"]["phase"] == "review"

    for client in fuzz.clients:
        label = client.label
        assert client.duplicates == [], (label, client.duplicates)
        assert client.gaps == [], (label, client.gaps)
        assert client.resyncs == 0, label
        assert client.applied == list(range(1, head + 1)), label
        assert client.seq == head
        # The very events of the log, byte for byte as JSON.
        for event in log:
            assert client.events[event["seq"]] == event, (label, event["seq"])
        assert client.snapshot() == folded, label

    for command_id, (_, member, name, _, seq) in fuzz.acked.items():
        event = log[seq - 1]
        assert (event["id"], event["by"]) == (command_id, member), (name, event)
    # Every event a client caused was acknowledged to it, unless it dropped.
    acked_seqs = {item[4] for item in fuzz.acked.values()}
    assert len(acked_seqs) == len(fuzz.acked)


# -- resuming -----------------------------------------------------------------


def test_offline_client_gets_exactly_the_missed_events(
    daphne_server, board, lead, token_for, participant_token
):
    ann_token, lead_token = participant_token("ann"), token_for(lead.user)

    async def scenario():
        ann = LiveClient(daphne_server, board.pk, token=ann_token, label="ann")
        lead_client = LiveClient(daphne_server, board.pk, token=lead_token)
        await ann.connect()
        await lead_client.connect()
        first = await lead_client.command(
            "sticky.create", {"kind": "event", "text": "Seen live", "x": 0, "y": 0}
        )
        await ann.wait_seq(first["seq"])
        await ann.abort()
        left_at = ann.seq
        assert left_at == 1

        sticky_ids = [str(uuid.uuid4()) for _ in range(4)]
        changes = [
            *(
                ("sticky.create", {"id": sid, "kind": "event", "x": i, "y": 0})
                for i, sid in enumerate(sticky_ids)
            ),
            ("sticky.update", {"id": sticky_ids[0], "text": "Paid"}),
            ("sticky.update", {"id": sticky_ids[1], "fields": ["total: Money"]}),
            ("sticky.move", {"id": sticky_ids[2], "x": 300, "y": 40}),
            ("link.create", {"from": sticky_ids[0], "to": sticky_ids[1]}),
            ("vote.cast", {"id": sticky_ids[3]}),
            ("sticky.delete", {"id": sticky_ids[2]}),
        ]
        acks = []
        for name, data in changes:
            command_id = op_id()
            reply = await lead_client.command(name, data, command_id)
            assert reply["type"] == "ack", reply
            acks.append((command_id, reply["seq"]))
        assert [seq for _, seq in acks] == list(range(2, 12))

        welcome = await ann.resume()
        assert welcome["seq"] == 11
        assert "state" not in welcome
        assert "resync" not in welcome
        assert [e["seq"] for e in welcome["events"]] == list(range(2, 12))
        assert [e["id"] for e in welcome["events"]] == [c for c, _ in acks]
        assert [e["name"] for e in welcome["events"]] == [
            *["sticky.created"] * 4,
            "sticky.updated",
            "sticky.updated",
            "sticky.moved",
            "link.created",
            "vote.cast",
            "sticky.deleted",
        ]
        assert {e["by"] for e in welcome["events"]} == {str(lead.pk)}
        # Live events continue right after the welcome's.
        last = await lead_client.command("phase.set", {"phase": "order"})
        assert last["seq"] == 12
        await ann.wait_seq(12)
        await lead_client.wait_seq(12)
        assert ann.applied == list(range(1, 13))
        assert ann.snapshot() == lead_client.snapshot()
        await close_all([ann, lead_client])
        return ann.snapshot()

    final = asyncio.run(scenario())
    assert final == board_log.state_at(board)
    assert [s["text"] for s in final["stickies"]] == ["Seen live", "Paid", "", ""]
    assert len(final["links"]) == 1
    assert final["votes"][0]["member"] == str(lead.pk)


async def first_frames(server, board, token, queries):
    """The welcome of a fresh socket for each query string."""
    client = LiveClient(server, board.pk, token=token)
    welcomes = []
    for since in queries:
        async with connect(
            client.url(since), additional_headers=client.headers(), max_size=None
        ) as ws:
            welcomes.append(await receive(ws, Pieces()))
    return welcomes


def test_resume_from_ahead_of_the_board_sends_the_state(
    daphne_server, board, lead, token_for
):
    for i in range(3):
        services.execute(
            board.pk, lead, "sticky.create", {"kind": "event", "x": i, "y": 0}
        )
    token = token_for(lead.user)

    (ahead, current) = asyncio.run(first_frames(daphne_server, board, token, [50, 3]))
    assert ahead["resync"] is True
    assert ahead["seq"] == 3
    assert ahead["state"] == board_log.state_at(board)
    assert len(ahead["state"]["stickies"]) == 3
    assert "events" not in ahead
    assert (current["seq"], current["events"], "state" in current) == (3, [], False)


def test_resume_from_too_far_back_sends_the_state(
    daphne_server, board, lead, token_for
):
    commands = [
        ("sticky.create", {"kind": "event", "x": i, "y": 0}) for i in range(1001)
    ]
    services.execute_many(board.pk, lead, commands)
    token = token_for(lead.user)

    too_old, just_enough = asyncio.run(
        first_frames(daphne_server, board, token, [0, 1])
    )
    assert too_old["resync"] is True
    assert too_old["seq"] == 1001
    assert too_old["state"] == board_log.state_at(board)
    assert [e["seq"] for e in just_enough["events"]] == list(range(2, 1002))


def test_a_board_larger_than_one_frame_opens(daphne_server, board, lead, token_for):
    commands = [
        ("sticky.create", {"kind": "event", "text": f"Event {i}", "x": i, "y": 0})
        for i in range(300)
    ]
    services.execute_many(board.pk, lead, commands)
    token = token_for(lead.user)

    (welcome,) = asyncio.run(first_frames(daphne_server, board, token, [None]))
    assert len(json.dumps(welcome)) > 65536
    assert welcome["state"] == board_log.state_at(board)


def test_clients_resume_after_a_server_restart(
    daphne_server, board, lead, token_for, participant_token
):
    tokens = [token_for(lead.user), participant_token("ann")]

    async def scenario():
        lead_client, ann = (
            LiveClient(daphne_server, board.pk, token=token, label=label)
            for token, label in zip(tokens, ("lead", "ann"), strict=True)
        )
        guest = LiveClient(
            daphne_server, board.pk, invite=board.invite_token, name="Guest"
        )
        clients = [lead_client, ann, guest]
        for client in clients:
            await client.connect()
        sticky = str(uuid.uuid4())
        before = await ann.command(
            "sticky.create", {"id": sticky, "kind": "event", "x": 1, "y": 2}
        )
        assert before == {
            "type": "ack",
            "id": before["id"],
            "seq": 1,
            "replayed": False,
        }
        await asyncio.gather(*(c.wait_seq(1) for c in clients))

        await asyncio.to_thread(daphne_server.restart)
        for client in clients:
            await client.wait_closed()
            assert not client.connected
        # A change made while everyone is away.
        offline = LiveClient(daphne_server, board.pk, token=tokens[0], label="lead-2")
        await offline.connect()
        moved = await offline.command("sticky.move", {"id": sticky, "x": 9, "y": 9})
        assert moved["seq"] == 2
        await offline.close()

        for client in clients:
            welcome = await client.resume()
            assert [e["seq"] for e in welcome["events"]] == [2]
        after = await guest.command("sticky.update", {"id": sticky, "text": "Again"})
        assert after["type"] == "ack" and after["seq"] == 3, after
        for client in clients:
            await client.wait_seq(3)
            assert client.applied == [1, 2, 3], client.label
        snapshots = [client.snapshot() for client in clients]
        await close_all(clients)
        return snapshots, [client.closes[0] for client in clients]

    snapshots, first_closes = asyncio.run(scenario())
    print("close codes at restart:", first_closes)
    expected = board_log.state_at(board)
    assert all(snapshot == expected for snapshot in snapshots)
    sticky = expected["stickies"][0]
    assert (sticky["x"], sticky["y"], sticky["text"]) == (9, 9, "Again")


# -- presence -----------------------------------------------------------------


def test_presence_shows_who_is_here_and_drops_an_aborted_client(
    daphne_server, board, lead, token_for
):
    token = token_for(lead.user)

    async def scenario():
        lead_client = LiveClient(daphne_server, board.pk, token=token, label="lead")
        guest = LiveClient(
            daphne_server, board.pk, invite=board.invite_token, name="Gus"
        )
        await lead_client.connect()
        assert [row["name"] for row in lead_client.presence] == ["facilitator"]
        welcome = await guest.connect()
        guest_id = welcome["me"]["member"]
        assert welcome["me"]["role"] == Role.PARTICIPANT
        assert welcome["me"]["can_write"] is True

        def names(client):
            return sorted(
                (row["name"], row["connections"]) for row in client.presence or ()
            )

        both = [("Gus", 1), ("facilitator", 1)]
        assert names(guest) == both
        await wait_until(lambda: names(lead_client) == both, 5, "lead sees the guest")
        rows = {row["member"]: row for row in lead_client.presence}
        assert rows[guest_id]["role"] == "participant"
        assert rows[guest_id]["color"] == welcome["me"]["color"]
        assert rows[str(lead.pk)]["color"] != rows[guest_id]["color"]

        # A second socket of the same person counts as a second connection.
        second = LiveClient(daphne_server, board.pk, token=token, label="lead-2")
        await second.connect()
        await wait_until(
            lambda: names(guest) == [("Gus", 1), ("facilitator", 2)], 5, "two tabs"
        )
        await second.abort()
        await wait_until(lambda: names(guest) == both, 5, "second tab gone")

        started = asyncio.get_running_loop().time()
        await guest.abort()
        await wait_until(
            lambda: names(lead_client) == [("facilitator", 1)],
            5,
            "the aborted guest to leave presence",
        )
        elapsed = asyncio.get_running_loop().time() - started
        await lead_client.close()
        return elapsed

    elapsed = asyncio.run(scenario())
    assert elapsed < 5
    assert Board.objects.get(pk=board.pk).head_seq == 0
