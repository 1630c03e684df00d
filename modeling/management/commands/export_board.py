"""`manage.py export_board <board> --format F --out DIR`.

Formats: python (a package: `DIR/<package>/`, re-exportable into the same
folder), asyncapi, mermaid, markdown, svg (files in DIR), json (the whole
board: `DIR/<board>.json`, which import_board reads back; with --version,
the frozen model's JSON).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from modeling import services
from modeling.exporters import FORMATS
from modeling.exporters.package_plan import package_name
from modeling.exporters.writer import ExportConflict, read_manifest, write_folder
from storming.errors import CommandError as BoardCommandError
from storming.management.commands.replay_board import find_board


class Command(BaseCommand):
    help = (
        "Export a board's model into DIR: python (a runnable package on the"
        " built-in event store), asyncapi, mermaid, markdown (the glossary),"
        " svg (a picture of the board) or json (the whole board)."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version N` names a model version here, not Django's version.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("board", help="the board's UUID or its exact name")
        parser.add_argument(
            "--format", required=True, help=f"one of: {', '.join(FORMATS)}"
        )
        parser.add_argument(
            "--out", default=".", help="the folder to write into (made if missing)"
        )
        parser.add_argument(
            "--package",
            help="python: the package's name (default: from the board's name)",
        )
        parser.add_argument(
            "--version",
            type=int,
            help="export this frozen model version instead of the board as it is",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="python: overwrite generated files even where you edited them",
        )

    def handle(self, *args, board, format, out, package, version, force, **options):
        if format not in FORMATS:
            raise CommandError(
                f"unknown format {format!r}; one of: {', '.join(FORMATS)}"
            )
        if package and format != "python":
            raise CommandError("--package is for --format python")
        board = find_board(board)
        frozen = _frozen(board, version)
        folder = Path(out)
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"{out} is not a folder")
        previous = None
        if format == "python":
            package = package or package_name(board.name)
            folder = folder / package
            previous = _previous_export(board, folder, force)
        try:
            files = services.export(
                board, format, version=frozen, package=package, previous=previous
            )
        except BoardCommandError as error:
            raise CommandError(error.message) from None
        try:
            written = write_folder(files, folder, force=force)
        except ExportConflict as error:
            raise CommandError(str(error)) from None
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot write into {folder}: {error}") from None
        for note in files.notes:
            self.stderr.write(note)
        if format == "python":
            self.stdout.write(f"{folder} ({written.summary()})")
        else:
            for path in sorted(files):
                self.stdout.write(str(folder / path))


def _frozen(board, version):
    """The board's model version `version`, or None for the live model."""
    if version is None:
        return None
    frozen = board.model_versions.filter(number=version).first()
    if frozen is None:
        raise CommandError(f"{board.name!r} has no model version {version}")
    return frozen


def _previous_export(board, folder, force):
    """The manifest of the package already in `folder` (None if none): it
    must be this board's, unless forced."""
    try:
        previous = read_manifest(folder)
    except ValueError as error:
        raise CommandError(str(error)) from None
    exported = (previous or {}).get("board", {})
    if previous and exported.get("id") != str(board.pk) and not force:
        raise CommandError(
            f"{folder} holds the export of another board"
            f" ({exported.get('name')!r}): choose another --out or"
            " --package, or --force to export over it"
        )
    return previous
