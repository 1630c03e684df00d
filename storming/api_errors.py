"""One error shape for the whole API, the same as the websocket's `error`,
for every error: refusals, failures of the database (503 `unavailable`, with
Retry-After) and bugs (500 `internal`), in DRF views and outside them."""

import logging
import sys

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from . import protocol
from .errors import CommandError, for_exception, not_found

log = logging.getLogger(__name__)

CODE_FOR_STATUS = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "forbidden",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "invalid",
    status.HTTP_409_CONFLICT: "conflict",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "invalid",
    status.HTTP_429_TOO_MANY_REQUESTS: "rate_limited",
    status.HTTP_500_INTERNAL_SERVER_ERROR: "internal",
    status.HTTP_503_SERVICE_UNAVAILABLE: "unavailable",
}


def _retry_headers(error: CommandError):
    if error.retry_after is None:
        return {}
    return {"Retry-After": str(max(1, round(error.retry_after)))}


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
        body = protocol.error(exc, _command_id(context))
        return Response(body, status=exc.http_status, headers=_retry_headers(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return _unexpected(exc, context)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    code = CODE_FOR_STATUS.get(response.status_code, "invalid")
    body = protocol.error(CommandError(code, _message(detail)), _command_id(context))
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        body["fields"] = exc.detail
    response.data = body
    return response


def _unexpected(exc, context):
    """An exception DRF does not know: the database is down, or a bug."""
    error = for_exception(exc)
    request = context.get("request")
    path = getattr(request, "path", "?")
    if error.code == "unavailable":
        log.warning("%s: unavailable: %r", path, exc)
    else:
        log.error("%s: internal error", path, exc_info=exc)
    set_rollback()
    return Response(
        protocol.error(error, _command_id(context)),
        status=error.http_status,
        headers=_retry_headers(error),
    )


def handler500(request, *args, **kwargs):
    """Django's last resort (an exception outside a DRF view, say in a
    middleware): the API's JSON shape for /api/ paths, the HTML page
    elsewhere. Called inside the `except` that caught the exception."""
    if not request.path.startswith("/api/"):
        return defaults.server_error(request, *args, **kwargs)
    error = for_exception(sys.exc_info()[1] or Exception())
    return JsonResponse(
        protocol.error(error),
        status=error.http_status,
        headers=_retry_headers(error),
    )


def handler404(request, exception=None):
    """An address no view answers: under /api/ the API's JSON shape, else
    the HTML page."""
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    return JsonResponse(
        protocol.error(not_found(_("no such address in the API"))),
        status=404,
    )
