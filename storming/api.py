"""The REST API: thin views over `storming.services` and `storming.access`."""

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, ParseError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

from whiteboard import language

from . import access, board_log, ratelimit, services, text, transfer
from .errors import forbidden, invalid, not_found
from .models import Board
from .serializers import (
    BoardCreateSerializer,
    BoardDocumentSerializer,
    BoardSerializer,
    CommandSerializer,
    ErrorSerializer,
    EventPageSerializer,
    EventSerializer,
    InviteSerializer,
    JoinSerializer,
    MemberAddSerializer,
    MemberChangeSerializer,
    MemberSerializer,
    StateSerializer,
)

MAX_PAGE = 1000
# Commands are a few levels deep; anything far deeper is an attack on the
# recursive JSON code, which fails with RecursionError (a 500) near 1000.
MAX_JSON_DEPTH = 32
# 500 `internal` and 503 `unavailable` (with Retry-After) can come from any view.
ERRORS = {code: ErrorSerializer for code in (400, 403, 404, 409, 429, 500, 503)}


def _json_depth_within(value, limit):
    """Whether `value` nests no deeper than `limit`, checked without recursion."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        pending.extend((child, depth + 1) for child in children)
    return True


class JSONParser(parsers.JSONParser):
    """DRF's parser, but a body nested too deeply is a 400, not a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if not _json_depth_within(data, MAX_JSON_DEPTH):
            raise too_deep
        return data


class CommandThrottle(UserRateThrottle):
    """Per account (or per address for guests); the rate is a setting."""

    scope = "board_commands"

    def get_rate(self):
        # DRF binds THROTTLE_RATES when the class is defined; read the setting
        # per request instead, so that a changed setting takes effect.
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()


class ImportThrottle(CommandThrottle):
    """An import runs thousands of commands at once; per account."""

    scope = "board_imports"
    default_rate = "30/hour"

    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope, self.default_rate)


def _int_param(request, name, default, low=0, high=None):
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(_("%(name)s must be a whole number"), name=name) from None
    if value < low:
        raise invalid(_("%(name)s must be at least %(low)s"), name=name, low=low)
    if high is not None and value > high:
        raise invalid(_("%(name)s must be at most %(high)s"), name=name, high=high)
    return value


def _uuid_or_404(value):
    """The route admits any 36 hex digits and dashes; not all are UUIDs."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


class BoardViewSet(viewsets.ViewSet):
    """Boards the caller is on; commands, log, state, members and invite."""

    lookup_value_regex = "[0-9a-f-]{36}"
    parser_classes = [JSONParser, parsers.FormParser, parsers.MultiPartParser]

    # -- resolving the board and the caller's membership -----------------------

    def _guest_board_ids(self):
        return list(self.request.session.get(access.GUEST_SESSION_KEY, {}))

    def _board(self, pk):
        """The board and the caller's member; 404 to anyone not on it."""
        board = Board.objects.filter(pk=_uuid_or_404(pk)).first()
        member = board and access.member_for(
            board, self.request.user, self.request.session
        )
        if not access.can_view(member):
            raise Http404
        return board, member

    def _roles(self, boards):
        user = self.request.user
        guests = self.request.session.get(access.GUEST_SESSION_KEY, {})
        roles = {}
        for board in boards:
            for member in board.members.all():
                if (user.is_authenticated and member.user_id == user.pk) or (
                    member.user_id is None
                    and guests.get(str(board.pk)) == str(member.pk)
                ):
                    roles[board.pk] = member.role
        return roles

    # -- CRUD --------------------------------------------------------------------

    @extend_schema(
        responses=BoardSerializer(many=True),
        parameters=[
            OpenApiParameter("archived", bool, description="Include archived boards")
        ],
    )
    def list(self, request):
        user = request.user
        guests = request.session.get(access.GUEST_SESSION_KEY, {})
        mine = Q(members__user=user) if user.is_authenticated else Q(pk__in=[])
        mine |= Q(members__pk__in=list(guests.values()), members__user__isnull=True)
        boards = Board.objects.filter(mine).distinct().prefetch_related("members")
        if request.query_params.get("archived") not in ("1", "true", "yes"):
            boards = boards.filter(archived=False)
        boards = list(boards)
        context = {"roles": self._roles(boards)}
        return Response(BoardSerializer(boards, many=True, context=context).data)

    @extend_schema(
        request=BoardCreateSerializer, responses={201: BoardSerializer, **ERRORS}
    )
    def create(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated("sign in to create boards")
        form = BoardCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        board = services.create_board(
            request.user,
            **form.validated_data,
            language=language.request_language(request),
        )
        context = {"roles": {board.pk: "facilitator"}}
        return Response(
            BoardSerializer(board, context=context).data, status.HTTP_201_CREATED
        )

    @extend_schema(responses={200: BoardSerializer, 404: ErrorSerializer})
    def retrieve(self, request, pk=None):
        board, member = self._board(pk)
        context = {"roles": {board.pk: member.role}}
        return Response(BoardSerializer(board, context=context).data)

    @extend_schema(request=BoardSerializer, responses={200: BoardSerializer, **ERRORS})
    def partial_update(self, request, pk=None):
        board, member = self._board(pk)
        form = BoardSerializer(board, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        services.update_board(board, member, **form.validated_data)
        context = {"roles": {board.pk: member.role}}
        return Response(BoardSerializer(board, context=context).data)

    @extend_schema(request=BoardSerializer, responses={200: BoardSerializer, **ERRORS})
    def update(self, request, pk=None):
        return self.partial_update(request, pk)

    @extend_schema(responses={204: None, **ERRORS})
    def destroy(self, request, pk=None):
        board, member = self._board(pk)
        services.delete_board(board, member)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # -- export and import ---------------------------------------------------------

    # `GET /api/boards/<id>/export/` is served by `modeling.api.Export`: one
    # address for the board's JSON document and the model's code and files.

    @extend_schema(
        request=BoardDocumentSerializer,
        responses={201: BoardSerializer, **ERRORS},
        parameters=[
            OpenApiParameter(
                "name",
                str,
                description="The new board's name, instead of the document's",
            )
        ],
        description="Create a new board, with the caller as its facilitator, "
        "from a document of `GET /api/boards/<id>/export/`.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[JSONParser],
        throttle_classes=[ImportThrottle],
    )
    def import_board(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated("sign in to import boards")
        name = request.query_params.get("name") or None
        if name is not None:
            text.check_text(name, "name", multiline=False)
        if isinstance(request.data, dict):
            text.check_members(request.data)
        board = transfer.import_board(request.data, request.user, name=name)
        context = {"roles": {board.pk: "facilitator"}}
        return Response(
            BoardSerializer(board, context=context).data, status.HTTP_201_CREATED
        )

    # -- the board's log -----------------------------------------------------------

    @extend_schema(
        request=CommandSerializer,
        responses={201: EventSerializer, 200: EventSerializer, **ERRORS},
        description="Run a board command. A retried command id answers 200 with "
        "the event it produced the first time.",
    )
    @action(
        detail=True,
        methods=["post"],
        throttle_classes=[CommandThrottle],
    )
    def commands(self, request, pk=None):
        board, member = self._board(pk)
        if not isinstance(request.data, dict):
            raise invalid(_("the command must be a JSON object"))
        op_id = request.data.get("id")
        if isinstance(op_id, str) and text.clean(op_id, multiline=False):
            # Only an id that can be sent back is echoed in the answer.
            request.command_id = op_id
        text.check_members(request.data)
        if isinstance(op_id, str):
            text.check_text(op_id, "id", multiline=False)
        form = CommandSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        command = form.validated_data
        applied = services.execute(
            board.pk, member, command["name"], command.get("data"), command.get("id")
        )
        code = status.HTTP_200_OK if applied.replayed else status.HTTP_201_CREATED
        body = applied.event
        if len(applied.events) > 1:
            body = {**body, "events": list(applied.events)}
        return Response(body, status=code)

    @extend_schema(
        responses={200: EventPageSerializer, **ERRORS},
        parameters=[
            OpenApiParameter("since", int, description="Events after this seq"),
            OpenApiParameter(
                "limit", int, description=f"Page size, at most {MAX_PAGE}"
            ),
        ],
    )
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        board, _member = self._board(pk)
        since = _int_param(request, "since", 0)
        limit = _int_param(request, "limit", 500, low=1, high=MAX_PAGE)
        events = board_log.events_since(board, since, limit)
        following = None
        if len(events) == limit and events[-1]["seq"] < board.head_seq:
            url = reverse("board-events", args=[board.pk])
            following = request.build_absolute_uri(
                f"{url}?since={events[-1]['seq']}&limit={limit}"
            )
        return Response({"events": events, "seq": board.head_seq, "next": following})

    @extend_schema(
        responses={200: StateSerializer, **ERRORS},
        parameters=[
            OpenApiParameter("at", int, description="The board as of this seq")
        ],
    )
    @action(detail=True, methods=["get"])
    def state(self, request, pk=None):
        board, _member = self._board(pk)
        if request.query_params.get("at"):
            at = _int_param(request, "at", board.head_seq, high=board.head_seq)
            body = {
                "board": str(board.pk),
                "seq": at,
                "state": board_log.state_at(board, at),
            }
        else:
            body = board_log.board_state(board)
        body["members"] = MemberSerializer(
            board.members.select_related("user"), many=True
        ).data
        return Response(body)

    # -- members ---------------------------------------------------------------------

    @extend_schema(
        methods=["get"], responses={200: MemberSerializer(many=True), **ERRORS}
    )
    @extend_schema(
        methods=["post"],
        request=MemberAddSerializer,
        responses={201: MemberSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None):
        board, member = self._board(pk)
        if request.method == "GET":
            members = board.members.select_related("user")
            return Response(MemberSerializer(members, many=True).data)
        # Before looking the user up, so that 404 tells no one but a
        # facilitator which usernames exist.
        if not access.can_manage(member):
            raise forbidden(_("only a facilitator can add members"))
        form = MemberAddSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = (
            get_user_model()
            .objects.filter(username=form.validated_data["username"])
            .first()
        )
        if user is None:
            raise not_found(
                _("no user named %(name)s"), name=form.validated_data["username"]
            )
        added = services.add_member(board, member, user, form.validated_data["role"])
        return Response(MemberSerializer(added).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["patch"],
        request=MemberChangeSerializer,
        responses={200: MemberSerializer},
    )
    @extend_schema(methods=["delete"], responses={204: None, **ERRORS})
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"members/(?P<member_id>[0-9a-f-]{36})",
    )
    def member(self, request, pk=None, member_id=None):
        board, by = self._board(pk)
        target = board.members.filter(pk=_uuid_or_404(member_id)).first()
        if target is None:
            raise not_found(_("no such member on this board"))
        if request.method == "DELETE":
            services.remove_member(board, by, target)
            return Response(status=status.HTTP_204_NO_CONTENT)
        form = MemberChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = form.validated_data
        # All or nothing: a refused role change must not keep a new name.
        with transaction.atomic():
            if "display_name" in changes:
                if by.pk != target.pk and not access.can_manage(by):
                    raise forbidden(_("only a facilitator can rename others"))
                services.rename_member(target, changes["display_name"])
            if "role" in changes:
                services.set_role(board, by, target, changes["role"])
        return Response(MemberSerializer(target).data)

    # -- invite --------------------------------------------------------------------

    def _invite(self, request, board):
        path = reverse("board", args=[board.pk])
        url = request.build_absolute_uri(f"{path}?invite={board.invite_token}")
        return {"token": board.invite_token, "url": url}

    @extend_schema(responses={200: InviteSerializer, **ERRORS})
    @action(detail=True, methods=["get"])
    def invite(self, request, pk=None):
        board, member = self._board(pk)
        if not access.can_manage(member):
            raise forbidden(_("only a facilitator can share the invite link"))
        return Response(self._invite(request, board))

    @extend_schema(request=None, responses={200: InviteSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="invite/regenerate")
    def regenerate_invite(self, request, pk=None):
        board, member = self._board(pk)
        services.regenerate_invite(board, member)
        return Response(self._invite(request, board))

    @extend_schema(request=JoinSerializer, responses={201: MemberSerializer, **ERRORS})
    # Open: the invite token in the body is the key (a guest has no account).
    @action(detail=True, methods=["post"], permission_classes=[AllowAny])
    def join(self, request, pk=None):
        """Join through the share link: signed in, or as a guest with a name."""
        board = Board.objects.filter(pk=_uuid_or_404(pk)).first()
        if board is None:
            raise Http404
        form = JoinSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        existing = access.member_for(board, request.user, request.session)
        if existing is not None:
            return Response(MemberSerializer(existing).data)
        member = services.join_by_invite(
            board,
            form.validated_data["invite"],
            user=request.user,
            display_name=form.validated_data.get("display_name"),
            address=ratelimit.client_address(request.META),
        )
        if member.is_guest:
            access.remember_guest(request.session, member)
            # A guest's writes need the CSRF token (see `authentication`);
            # this sets its cookie, so that an API client can read it.
            get_token(request._request)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)
