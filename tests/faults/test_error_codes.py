"""Which failures are `unavailable` (retry later) and which `internal` (a
bug), and the socket's command worker going on after either."""

import pytest
import redis.exceptions
from django.db import InterfaceError, OperationalError

from storming import protocol, services
from storming.errors import CommandError, for_exception, invalid, is_infrastructure
from tests.storming.test_consumer import connect, receive

pytestmark = pytest.mark.faults


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
        redis.exceptions.ConnectionError("Connection refused"),
        redis.exceptions.TimeoutError(),
        ConnectionResetError(),
        TimeoutError(),
    ],
)
def test_infrastructure_failures_are_unavailable_with_retry_after(error):
    assert is_infrastructure(error)
    answer = for_exception(error)
    assert answer.code == "unavailable" and answer.http_status == 503
    message = protocol.error(answer, "op-1")
    assert message["retry_after"] > 0 and message["id"] == "op-1"


def test_a_failure_caused_by_the_database_is_unavailable_too():
    try:
        try:
            raise OperationalError("could not connect")
        except OperationalError as cause:
            raise RuntimeError("while loading the board") from cause
    except RuntimeError as error:
        assert for_exception(error).code == "unavailable"


@pytest.mark.parametrize("error", [KeyError("x"), ZeroDivisionError(), ValueError()])
def test_anything_else_is_internal_without_retry_after(error):
    answer = for_exception(error)
    assert answer.code == "internal" and answer.http_status == 500
    assert "retry_after" not in protocol.error(answer)


def test_a_refusal_stays_what_it_is():
    refusal = invalid("no")
    assert for_exception(refusal) is refusal
    assert isinstance(refusal, CommandError)


@pytest.mark.django_db(transaction=True)
async def test_the_command_worker_answers_internal_and_unavailable_and_goes_on(
    board, facilitator, monkeypatch
):
    real = services.execute_each
    failures = [ZeroDivisionError("a bug"), OperationalError("database down")]

    def flaky(requests):
        if failures:
            raise failures.pop(0)
        return real(requests)

    monkeypatch.setattr(services, "execute_each", flaky)
    socket, _ = await connect(board, facilitator)
    command = {"type": "command", "name": "phase.set", "data": {"phase": "order"}}
    await socket.send_json_to({**command, "id": "op-1"})
    error = await receive(socket, "error")
    assert (error["id"], error["code"]) == ("op-1", "internal")
    await socket.send_json_to({**command, "id": "op-1"})
    error = await receive(socket, "error")
    assert (error["id"], error["code"]) == ("op-1", "unavailable")
    assert error["retry_after"] > 0
    await socket.send_json_to({**command, "id": "op-1"})
    ack = await receive(socket, "ack")
    assert ack["id"] == "op-1" and not ack["replayed"]
    await socket.disconnect()
