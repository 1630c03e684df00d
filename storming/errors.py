"""The error codes of the board protocol, shared by REST and websocket."""

from http import HTTPStatus

HTTP_STATUS = {
    "invalid": HTTPStatus.BAD_REQUEST,
    "forbidden": HTTPStatus.FORBIDDEN,
    "not_found": HTTPStatus.NOT_FOUND,
    "conflict": HTTPStatus.CONFLICT,
    "rate_limited": HTTPStatus.TOO_MANY_REQUESTS,
    # The server, not the request, failed: the database or the channel layer
    # is out of reach. Retry the same request (same op id) after
    # `retry_after` seconds; nothing was written.
    "unavailable": HTTPStatus.SERVICE_UNAVAILABLE,
    # A bug: retrying will not help, and nothing was written.
    "internal": HTTPStatus.INTERNAL_SERVER_ERROR,
}

# Seconds a client waits before sending a command again after `unavailable`:
# long enough not to hammer a database that is coming back, short enough
# that the person's change goes through soon after it is.
RETRY_AFTER = 2


class CommandError(Exception):
    """A command was refused; nothing was written.

    `code` is one of the protocol's codes, `message` is meant for the person
    who sent the command, `details` carries what a client needs to recover
    (for a conflict, the sticky as it is now).
    """

    def __init__(self, code, message, details=None, retry_after=None):
        assert code in HTTP_STATUS, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.retry_after = retry_after

    @property
    def http_status(self):
        return HTTP_STATUS[self.code]


def invalid(message):
    return CommandError("invalid", message)


def not_found(message):
    return CommandError("not_found", message)


def conflict(message, details=None):
    return CommandError("conflict", message, details)


def forbidden(message):
    return CommandError("forbidden", message)


def unavailable(message="a service the server needs is out of reach; try again soon"):
    return CommandError("unavailable", message, retry_after=RETRY_AFTER)


def internal(message="the server failed to run this; it has been logged"):
    return CommandError("internal", message)


def is_infrastructure(error: BaseException) -> bool:
    """Whether `error` says a service the server needs is out of reach (the
    database, the channel layer), rather than that the code is wrong."""
    # Imported here: this module is imported by code that runs without
    # Django's database layer configured (the pure command functions).
    from django.db import InterfaceError, OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    infrastructure = (
        OperationalError,
        InterfaceError,
        RedisConnectionError,
        RedisTimeoutError,
        # A socket to a service that broke or timed out under us.
        ConnectionError,
        TimeoutError,
    )
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, infrastructure):
            return True
        seen.add(id(error))
        error = error.__cause__
    return False


def for_exception(error: BaseException) -> CommandError:
    """The protocol's answer to an unexpected exception: `unavailable` (retry
    later) for an infrastructure failure, `internal` for anything else."""
    if isinstance(error, CommandError):
        return error
    return unavailable() if is_infrastructure(error) else internal()
