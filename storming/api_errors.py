"""One error shape for the whole API, the same as the websocket's `error`."""

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import CommandError

CODE_FOR_STATUS = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "forbidden",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "invalid",
    status.HTTP_409_CONFLICT: "conflict",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "invalid",
    status.HTTP_429_TOO_MANY_REQUESTS: "rate_limited",
}


def _message(detail):
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_message(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_message(item) for item in detail)
    return str(detail)


def _command_id(context):
    """The op id of the command being answered, as the websocket's error has."""
    command_id = getattr(context.get("request"), "command_id", None)
    return command_id if isinstance(command_id, str) else None


def exception_handler(exc, context):
    if isinstance(exc, CommandError):
        body = exc.as_message(_command_id(context))
        return Response(body, status=exc.http_status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    code = CODE_FOR_STATUS.get(response.status_code, "invalid")
    body = {
        "type": "error",
        "id": _command_id(context),
        "code": code,
        "message": _message(detail),
    }
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        body["fields"] = exc.detail
    response.data = body
    return response
