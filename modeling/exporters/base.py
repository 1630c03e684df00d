"""What every exporter takes and gives.

An exporter is a pure function of a `Source` (the derived model of a board,
or of a frozen version, with its checks) to `Files`: relative path -> text or
bytes. No Django, no database, no clock: the same source gives the same
files, byte for byte, so re-exports diff cleanly and tests need no server.
`modeling.exporters.writer` puts files on disk or in a zip.
"""

from dataclasses import dataclass

from ..checks import Finding
from ..model import Model


class Files(dict):
    """Relative path (with `/`) -> `str` (UTF-8 text) or `bytes`.

    `user_owned` names the files a user is meant to edit: a writer creates
    them once and never replaces them (the generation gap). `notes` are what
    the person exporting should hear (errors the model was exported with).
    """

    def __init__(self, *args, user_owned=(), notes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_owned = frozenset(user_owned)
        self.notes = tuple(notes)


@dataclass(frozen=True)
class Source:
    """An export's input: the model and where it comes from."""

    model: Model
    findings: tuple[Finding, ...] = ()
    board_id: str = ""
    board_name: str = ""
    # The board's seq the model was derived at.
    seq: int = 0
    # The frozen version's number, or None for the board as it is now.
    version: int | None = None
    # The board's stickies and links at `seq` (`storming.state.snapshot`
    # form): what the picture of the board draws.
    snapshot: dict | None = None

    @property
    def label(self):
        """`version 3` or `seq 42 (live)`: where the export comes from."""
        if self.version is not None:
            return f"version {self.version} (seq {self.seq})"
        return f"the live board at seq {self.seq}"

    @property
    def errors(self):
        return tuple(f for f in self.findings if f.severity == "error")
