"""`manage.py export_board <board> --format json --out DIR`."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from storming import transfer

from .replay_board import find_board

FORMATS = ("python", "asyncapi", "mermaid", "json", "markdown")


def file_stem(board):
    """A file name for the board: its name as a slug, else its id."""
    return slugify(board.name, allow_unicode=True) or str(board.pk)


class Command(BaseCommand):
    help = (
        "Export a board into DIR: --format json writes the whole board "
        "(stickies, links, layout, votes), which import_board reads back."
    )

    def add_arguments(self, parser):
        parser.add_argument("board", help="the board's UUID or its exact name")
        parser.add_argument(
            "--format",
            required=True,
            help=f"one of: {', '.join(FORMATS)} (json only, so far)",
        )
        parser.add_argument(
            "--out", default=".", help="the folder to write into (made if missing)"
        )

    def handle(self, *args, board, format, out, **options):
        if format not in FORMATS:
            raise CommandError(
                f"unknown format {format!r}; one of: {', '.join(FORMATS)}"
            )
        if format != "json":
            raise CommandError(f"format {format} comes with the exporters")
        board = find_board(board)
        folder = Path(out)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"cannot write into {out}: {error}") from None
        if not folder.is_dir():
            raise CommandError(f"{out} is not a folder")
        path = folder / f"{file_stem(board)}.json"
        document = transfer.export_board(board)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error}") from None
        self.stdout.write(str(path))
