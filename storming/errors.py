"""The error codes of the board protocol, shared by REST and websocket."""

from http import HTTPStatus

HTTP_STATUS = {
    "invalid": HTTPStatus.BAD_REQUEST,
    "forbidden": HTTPStatus.FORBIDDEN,
    "not_found": HTTPStatus.NOT_FOUND,
    "conflict": HTTPStatus.CONFLICT,
    "rate_limited": HTTPStatus.TOO_MANY_REQUESTS,
}


class CommandError(Exception):
    """A command was refused; nothing was written.

    `code` is one of the protocol's codes, `message` is meant for the person
    who sent the command, `details` carries what a client needs to recover
    (for a conflict, the sticky as it is now).
    """

    def __init__(self, code, message, details=None):
        assert code in HTTP_STATUS, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def http_status(self):
        return HTTP_STATUS[self.code]

    def as_message(self, op_id=None):
        message = {
            "type": "error",
            "id": op_id,
            "code": self.code,
            "message": self.message,
        }
        if self.details is not None:
            message["details"] = self.details
        return message


def invalid(message):
    return CommandError("invalid", message)


def not_found(message):
    return CommandError("not_found", message)


def conflict(message, details=None):
    return CommandError("conflict", message, details)


def forbidden(message):
    return CommandError("forbidden", message)
