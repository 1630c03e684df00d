"""The model API: a board's live model and checks, its versions and their diffs.

The same access rules as the board API (`storming.access`): members read,
facilitators freeze, anyone else gets 404. Errors have the board API's shape
(`storming.api_errors` turns a `CommandError` into it).
"""

import json

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from storming import access
from storming.api import JSONParser
from storming.errors import invalid, not_found
from storming.models import Board
from storming.serializers import ErrorSerializer

from . import services
from .checks import PHASES
from .exporters import FORMATS, SINGLE_FILE
from .exporters.writer import MANIFEST, zip_bytes
from .serializers import (
    DiffSerializer,
    ExportPreviewSerializer,
    FreezeSerializer,
    LiveModelSerializer,
    ModelVersionDetailSerializer,
    ModelVersionSerializer,
)

ERRORS = {code: ErrorSerializer for code in (400, 403, 404)}


class BoardModelView(APIView):
    """Base: resolves the board and the caller's membership."""

    parser_classes = [JSONParser]

    def board(self, board_id):
        """The board and the caller's member; 404 to anyone not on it."""
        board = Board.objects.filter(pk=board_id).first()
        member = board and access.member_for(
            board, self.request.user, self.request.session
        )
        if not access.can_view(member):
            raise Http404
        return board, member

    def version(self, board, number):
        version = board.model_versions.filter(number=number).first()
        if version is None:
            raise not_found(f"this board has no model version {number}")
        return version


class LiveModel(BoardModelView):
    @extend_schema(
        operation_id="boards_model_retrieve",
        responses={200: LiveModelSerializer, **ERRORS},
        parameters=[
            OpenApiParameter(
                "phase",
                str,
                enum=list(PHASES),
                description="Run the checks for this phase instead of the board's",
            )
        ],
        description="The domain model derived from the board as it is now, with "
        "the checks for its phase, a summary of them and the model's content hash.",
    )
    def get(self, request, board_id):
        board, _ = self.board(board_id)
        phase = request.query_params.get("phase") or None
        model, findings = services.live_model(board, phase)
        body = services.describe(model, findings, board.language)
        body["phase"] = phase or model.phase
        return Response(body)


class VersionList(BoardModelView):
    @extend_schema(
        operation_id="boards_versions_list",
        responses={200: ModelVersionSerializer(many=True), **ERRORS},
        description="The board's frozen model versions, newest first.",
    )
    def get(self, request, board_id):
        board, _ = self.board(board_id)
        versions = board.model_versions.order_by("-number")
        return Response(ModelVersionSerializer(versions, many=True).data)

    @extend_schema(
        operation_id="boards_versions_create",
        request=FreezeSerializer,
        responses={
            201: OpenApiResponse(ModelVersionSerializer, "A new version"),
            200: OpenApiResponse(
                ModelVersionSerializer,
                "The model is as the latest version has it: that version",
            ),
            **ERRORS,
        },
        description="Freeze the board's current model (facilitators only).",
    )
    def post(self, request, board_id):
        board, member = self.board(board_id)
        form = FreezeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        version, created = services.freeze(board, member, form.validated_data["note"])
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ModelVersionSerializer(version).data, status=code)


class VersionDetail(BoardModelView):
    @extend_schema(
        operation_id="boards_versions_retrieve",
        responses={200: ModelVersionDetailSerializer, **ERRORS},
        description="One version with its model and the checks it was frozen with.",
    )
    def get(self, request, board_id, number):
        board, _ = self.board(board_id)
        version = self.version(board, number)
        return Response(ModelVersionDetailSerializer(version).data)


class VersionJSON(BoardModelView):
    @extend_schema(
        operation_id="boards_versions_json",
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, "The model's JSON, as a file to save"
            ),
            404: ErrorSerializer,
        },
        description="The version's model JSON as an attachment.",
    )
    def get(self, request, board_id, number):
        board, _ = self.board(board_id)
        version = self.version(board, number)
        return json_download(version)


def json_download(version):
    """The version's model as a JSON file (also used by the admin)."""
    filename, text = services.version_file(version)
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _number(request, name):
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        raise invalid(f"{name} is required: the number of a version")
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"{name} must be a version number") from None
    if value < 1:
        raise invalid(f"{name} must be at least 1")
    return value


class VersionDiff(BoardModelView):
    @extend_schema(
        operation_id="boards_versions_diff",
        responses={200: DiffSerializer, **ERRORS},
        parameters=[
            OpenApiParameter(
                "from", int, required=True, description="The older version's number"
            ),
            OpenApiParameter(
                "to", int, required=True, description="The newer version's number"
            ),
        ],
        description="What changed from one version to another: added, removed, "
        "renamed and changed elements, as data and as text.",
    )
    def get(self, request, board_id):
        board, _ = self.board(board_id)
        numbers = _number(request, "from"), _number(request, "to")
        old, new = (self.version(board, number) for number in numbers)
        return Response(services.compare(old, new))


# -- exports ----------------------------------------------------------------------

CONTENT_TYPES = {".svg": "image/svg+xml; charset=utf-8", ".json": "application/json"}
FORMAT_PARAMETERS = [
    OpenApiParameter(
        "format",
        str,
        enum=list(FORMATS),
        description="json (default): the whole board (or a version's model);"
        " python: a runnable package; asyncapi, mermaid, markdown: documents;"
        " svg: a picture of the board",
    ),
    OpenApiParameter(
        "package",
        str,
        description="python: the package's name (default: from the board's name)",
    ),
]
DOWNLOAD = {
    (200, "application/zip"): OpenApiResponse(
        OpenApiTypes.BINARY, "python, asyncapi, mermaid, markdown: a zip"
    ),
    (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.STR, "svg: the picture"),
    (200, "application/json"): OpenApiResponse(
        OpenApiTypes.OBJECT, "json: the board's document (or the version's model)"
    ),
    **ERRORS,
}


class FormatIsTheExportFormat(DefaultContentNegotiation):
    """`?format=` names the export format on these views, not a renderer
    (DRF reads it as one by default): answers are always JSON or a file."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportView(BoardModelView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FormatIsTheExportFormat


def _export_query(request):
    format = request.query_params.get("format") or "json"
    services.check_format(format)
    return format, request.query_params.get("package") or None


def export_download(board, format, version=None, package=None):
    """The export as a download: one file as it is, or a zip of the files
    (a package unpacks into its project folder). Also used by the admin."""
    files = services.export(board, format, version=version, package=package)
    stem = slugify(board.name) or "board"
    if version is not None:
        stem += f"-v{version.number}"
    if format in SINGLE_FILE:
        ((name, content),) = files.items()
        suffix = name[name.rfind(".") :]
        response = HttpResponse(content, content_type=CONTENT_TYPES[suffix])
    else:
        # A package unpacks into its project folder, other formats into a
        # folder named after the board.
        root = files_package(files) if format == "python" else f"{stem}-{format}"
        name = f"{root}.zip"
        response = HttpResponse(zip_bytes(files, root), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def files_package(files):
    """The package a Python export makes (its project folder's name)."""
    return json.loads(files[MANIFEST])["package"]


def export_preview(board, format, version=None, package=None):
    """The files of an export as JSON, for the board page's preview."""
    files = services.export(board, format, version=version, package=package)
    listed = []
    for path in sorted(files):
        content = files[path]
        text = content if isinstance(content, str) else None
        listed.append(
            {
                "path": path,
                "size": len(content.encode() if text is not None else content),
                "user_owned": path in files.user_owned,
                "text": text,
            }
        )
    return {
        "format": format,
        "version": version.number if version is not None else None,
        "notes": list(files.notes),
        "files": listed,
    }


class Export(ExportView):
    @extend_schema(
        operation_id="boards_export",
        parameters=FORMAT_PARAMETERS,
        responses=DOWNLOAD,
        description="The board exported, as a download. Any member may export.",
    )
    def get(self, request, board_id):
        board, _ = self.board(board_id)
        format, package = _export_query(request)
        return export_download(board, format, package=package)


class VersionExport(ExportView):
    @extend_schema(
        operation_id="boards_versions_export",
        parameters=FORMAT_PARAMETERS,
        responses=DOWNLOAD,
        description="A frozen model version exported, as a download.",
    )
    def get(self, request, board_id, number):
        board, _ = self.board(board_id)
        version = self.version(board, number)
        format, package = _export_query(request)
        return export_download(board, format, version, package)


class ExportPreview(ExportView):
    @extend_schema(
        operation_id="boards_export_preview",
        parameters=[
            *FORMAT_PARAMETERS,
            OpenApiParameter(
                "version", int, description="A frozen version instead of the board"
            ),
        ],
        responses={200: ExportPreviewSerializer, **ERRORS},
        description="The files an export would make, with their text: what the"
        " board page's export dialog shows before the download.",
    )
    def get(self, request, board_id):
        board, _ = self.board(board_id)
        format, package = _export_query(request)
        version = None
        if request.query_params.get("version"):
            version = self.version(board, _number(request, "version"))
        return Response(export_preview(board, format, version, package))
