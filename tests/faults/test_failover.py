"""Two daphne processes behind a proxy, as docs/deploy.md sets them up: one
dies (SIGKILL) or is stopped (SIGTERM, a rolling restart) mid-traffic, its
clients reconnect through the proxy to the other and resume from their last
seq; nothing acknowledged is lost and a command re-sent under its id is
applied once."""

import asyncio
import contextlib
import threading
import uuid

import pytest

from storming.models import BoardEvent
from tests.live.client import LiveClient, close_all
from tests.live_server import DaphneServer, free_port

pytestmark = pytest.mark.faults


class Proxy:
    """A TCP proxy handing each connection to the next backend that answers
    (round robin), as nginx's `proxy_next_upstream error` does."""

    def __init__(self, ports):
        self.ports = list(ports)
        self.port = free_port()
        self.turn = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self.handle, "127.0.0.1", self.port), self.loop
        )
        self.server = future.result(10)
        return self

    async def handle(self, reader, writer):
        for _ in self.ports:
            port = self.ports[self.turn % len(self.ports)]
            self.turn += 1
            try:
                upstream = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        else:
            writer.close()
            return
        up_reader, up_writer = upstream
        await asyncio.gather(self.pipe(reader, up_writer), self.pipe(up_reader, writer))

    @staticmethod
    async def pipe(reader, writer):
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    def stop(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def behind_proxy(transactional_db, own_redis):
    env = {"REDIS_URL": own_redis.url}
    servers = []
    proxy = None
    try:
        for _ in range(2):
            servers.append(DaphneServer(extra_env=env).start())
        proxy = Proxy(server.port for server in servers).start()
        yield proxy, servers
    finally:
        if proxy is not None:
            proxy.stop()
        for server in servers:
            server.stop()


def sticky(text):
    return {"id": str(uuid.uuid4()), "kind": "event", "text": text, "x": 0, "y": 0}


GOING_AWAY = 1001


@pytest.mark.parametrize("how", ["kill", "terminate"])
def test_the_clients_of_a_stopped_process_resume_on_the_other(behind_proxy, board, how):
    proxy, (first, _) = behind_proxy

    async def scenario():
        invite = board.invite_token
        ann = LiveClient(proxy, board.pk, invite=invite, name="Ann")  # -> first
        bob = LiveClient(proxy, board.pk, invite=invite, name="Bob")  # -> second
        await ann.connect()
        await bob.connect()
        acked = []
        for n in range(5):
            acked.append(await ann.command("sticky.create", sticky(f"Before {n}")))
        await bob.wait_seq(acked[-1]["seq"])

        # A command in flight when its process dies: its ack may never come.
        in_flight = sticky("In flight")
        op, _ = await ann.send_command("sticky.create", in_flight)
        getattr(first.process, how)()
        first.process.wait(15)
        code = await ann.wait_closed()
        if how == "kill":
            assert code != 1000, "the socket of a killed process cannot close cleanly"
        else:
            assert code == GOING_AWAY, code

        # The page reconnects: the proxy hands it to the process still up.
        await ann.resume()
        again = await ann.command("sticky.create", in_flight, command_id=op)
        assert again["type"] == "ack", again
        for n in range(3):
            acked.append(await ann.command("sticky.create", sticky(f"After {n}")))
        await bob.wait_seq(acked[-1]["seq"])
        await ann.wait_seq(acked[-1]["seq"])
        assert ann.snapshot() == bob.snapshot()
        assert not ann.gaps and not bob.gaps
        await close_all([ann, bob])
        return acked, op

    acked, op = asyncio.run(scenario())

    log = BoardEvent.objects.filter(board=board)
    assert set(log.values_list("seq", flat=True)) >= {a["seq"] for a in acked}
    assert log.filter(command_id=op).count() == 1
    texts = [e.data["text"] for e in log.order_by("seq")]
    assert texts.count("In flight") == 1
    assert len(texts) == len(acked) + 1
