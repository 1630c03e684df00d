"""The error codes of the board protocol, shared by REST and websocket."""

from http import HTTPStatus

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

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


def _render(text, params):
    # Each value in the same language as the text (a lazy "a command" too);
    # numbers stay numbers, for an ngettext_lazy to choose its plural by.
    if not params:
        return str(text)
    return text % {
        key: str(value) if isinstance(value, Promise) else value
        for key, value in params.items()
    }


# A refusal's message is made where the command is decided, which for the
# websocket is the group commit's database thread: one thread deciding the
# commands of many people, each in their own language. So the message stays
# lazy (a gettext_lazy text and its `%(name)s` values) and is put into words
# only when it is sent: `protocol.error` under the request's language (REST)
# or the socket's (`translation.override` in the consumer). A plain
# `gettext` here would speak whatever language that thread happens to have.
_lazy_message = lazy(_render, str)


def message(text, **params):
    """`text` (a gettext_lazy) with its `%(name)s` values, translated when
    it is read, not now."""
    return _lazy_message(text, params)


class CommandError(Exception):
    """A command was refused; nothing was written.

    `code` is one of the protocol's codes, `message` is meant for the person
    who sent the command (lazy: see `message`), `details` carries what a
    client needs to recover (for a conflict, the sticky as it is now).
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


def invalid(text, **params):
    return CommandError("invalid", message(text, **params))


def not_found(text, **params):
    return CommandError("not_found", message(text, **params))


def conflict(text, details=None, **params):
    return CommandError("conflict", message(text, **params), details)


def forbidden(text, **params):
    return CommandError("forbidden", message(text, **params))


UNAVAILABLE = _("a service the server needs is out of reach; try again soon")
INTERNAL = _("the server failed to run this; it has been logged")


def unavailable(text=UNAVAILABLE):
    return CommandError("unavailable", message(text), retry_after=RETRY_AFTER)


def internal(text=INTERNAL):
    return CommandError("internal", message(text))


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
