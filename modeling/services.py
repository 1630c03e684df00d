"""The live model of a board, and the reviewed versions a facilitator freezes.

Reads go through `storming.board_log.board_state`, so a model is always
derived from one consistent snapshot with the seq it is at. `freeze` is the
only place that creates a `ModelVersion`. Checks and exports speak the board's
language (`Board.language`), whatever the language of the request.
"""

import json
import logging
import time

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max
from django.utils import translation
from django.utils.text import slugify

from storming import access, board_log, transfer
from storming import services as board_services
from storming.errors import CommandError, forbidden, invalid
from storming.models import Board, Member

from . import diff as diffs
from .checks import PHASES, Finding, help_for, run_checks, summary
from .derive import derive
from .exporters import FORMATS
from .exporters.base import Files, Source
from .model import SCHEMA_VERSION, Model, content_hash, model_from_dict
from .models import ModelVersion

log = logging.getLogger(__name__)

# The same few retries as the board's write path: the row lock makes freezes
# of one board queue, these cover SQLite busy timeouts and a lost unique race.
FREEZE_ATTEMPTS = 5
# Staff who may freeze any board from the admin, without being on it.
FREEZE_PERMISSION = "modeling.add_modelversion"
MAX_NOTE = 2000


def check_phase(phase):
    if phase is not None and phase not in PHASES:
        raise invalid(f"phase must be one of {', '.join(PHASES)}")
    return phase


def model_of(board: Board, state: dict) -> Model:
    """The model of a `board_state` answer."""
    return derive(
        state["state"], board_id=state["board"], name=board.name, seq=state["seq"]
    )


def live_model(board: Board, phase=None):
    """The board's model now, and its checks at its phase (or `phase`)."""
    check_phase(phase)
    model = model_of(board, board_log.board_state(board))
    with translation.override(board.language):
        return model, run_checks(model, phase)


def describe(model: Model, findings, language=None) -> dict:
    """The model with its checks, hash and counts: what the API serves.

    `help` explains each check found (`checks.HELP`), so that the board page
    says what a finding means and how to fix it without words of its own; in
    `language` (the board's), else the active one."""
    with translation.override(language or translation.get_language()):
        explained = help_for(findings)
    content = model.to_dict()
    return {
        "board": model.board,
        "seq": model.seq,
        "phase": model.phase,
        "schema_version": content["schema_version"],
        "content_hash": content_hash(content),
        "counts": model.counts(),
        "summary": summary(findings),
        "findings": [finding.to_dict() for finding in findings],
        "help": explained,
        "model": content,
    }


# -- freezing ------------------------------------------------------------------------


def check_freeze(board: Board, by):
    """Who freezes, as (user or None, display name); raise if they may not.

    `by` is the `Member` acting in the app, or a user (the admin): a user
    may freeze when they facilitate the board, or hold the permission to add
    model versions (staff in the admin).
    """
    if isinstance(by, Member):
        if by.board_id != board.pk or not access.can_manage(by):
            raise forbidden("only a facilitator can freeze the model")
        return by.user, by.display_name
    if isinstance(by, AbstractBaseUser) and by.is_authenticated:
        member = access.member_for(board, by)
        if access.can_manage(member):
            return by, member.display_name
        if by.has_perm(FREEZE_PERMISSION):
            return by, board_services.display_name_of(by)
    raise forbidden("only a facilitator can freeze the model")


def _clean_note(note):
    if note is None:
        return ""
    if not isinstance(note, str):
        raise invalid("a note must be text")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise invalid(f"the note is limited to {MAX_NOTE} characters")
    return note


def freeze(board: Board, by, note="") -> tuple[ModelVersion, bool]:
    """Keep the board's current model as a new version; return (version, created).

    When the model is the same as the latest version's (by content hash), no
    version is made and the latest is returned with created False.
    """
    author, author_name = check_freeze(board, by)
    note = _clean_note(note)
    for attempt in range(FREEZE_ATTEMPTS):
        try:
            with transaction.atomic():
                return _freeze(board.pk, author, author_name, note)
        except (IntegrityError, OperationalError) as error:
            if attempt == FREEZE_ATTEMPTS - 1:
                raise
            log.info("retrying a model freeze after %s", error)
            time.sleep(0.005 * 2**attempt)
    raise AssertionError("unreachable")


def _freeze(board_id, author, author_name, note):
    # The row lock queues freezes of one board, so numbers follow each other,
    # and keeps commands out while the model is derived.
    board = Board.objects.select_for_update().filter(pk=board_id).first()
    if board is None:
        raise CommandError("not_found", "no such board")
    model = model_of(board, board_log.board_state(board))
    # Kept with the version as they read then, in the board's language.
    with translation.override(board.language):
        findings = run_checks(model)
    content = model.to_dict()
    digest = content_hash(content)
    latest = board.model_versions.order_by("-number").first()
    if latest is not None and latest.content_hash == digest:
        return latest, False
    counts = model.counts()
    severities = summary(findings)
    last = board.model_versions.aggregate(last=Max("number"))["last"] or 0
    version = ModelVersion.objects.create(
        board=board,
        number=last + 1,
        seq=model.seq,
        schema_version=content.get("schema_version", SCHEMA_VERSION),
        content=content,
        content_hash=digest,
        findings=[finding.to_dict() for finding in findings],
        author=author,
        author_name=author_name,
        note=note,
        contexts=counts["contexts"],
        aggregates=counts["aggregates"],
        events=counts["events"],
        commands=counts["commands"],
        errors=severities["error"],
        warnings=severities["warning"],
    )
    return version, True


def set_note(version: ModelVersion, note) -> ModelVersion:
    """The one thing about a version that may change."""
    version.note = _clean_note(note)
    version.save(update_fields=["note"])
    return version


def version_file(version: ModelVersion) -> tuple[str, str]:
    """A file name and the text of the version's model JSON, to download."""
    slug = slugify(version.board.name) or "board"
    text = json.dumps(version.content, indent=2, sort_keys=True, ensure_ascii=False)
    return f"{slug}-model-v{version.number}.json", text + "\n"


# -- comparing -----------------------------------------------------------------------


def compare(old: ModelVersion, new: ModelVersion) -> dict:
    """What changed from `old` to `new`: the diff's data, its text and counts."""
    data = diffs.diff(old.content, new.content)
    return {
        "board": str(new.board_id),
        "from": old.number,
        "to": new.number,
        "same": old.content_hash == new.content_hash,
        "counts": diffs.counts(data),
        "diff": data,
        "text": diffs.render(data),
    }


# -- exporting -----------------------------------------------------------------------


def check_format(format):
    if format not in FORMATS:
        raise invalid(f"format must be one of: {', '.join(FORMATS)}")
    return format


def export_source(board: Board, version: ModelVersion | None = None) -> Source:
    """What an export is made of: the board as it is now, or a frozen
    version (its model, the checks it was frozen with, the board at its seq)."""
    if version is None:
        state = board_log.board_state(board)
        model = model_of(board, state)
        # Every check, whatever the phase: the code depends on all of them.
        findings = tuple(run_checks(model, "review"))
        seq, snapshot, number = state["seq"], state["state"], None
    else:
        model = model_from_dict(version.content)
        findings = tuple(
            Finding(f["check"], f["severity"], f["message"], tuple(f["stickies"]))
            for f in version.findings
        )
        seq, number = version.seq, version.number
        snapshot = board_log.state_at(board, version.seq)
    return Source(
        model=model,
        findings=findings,
        board_id=str(board.pk),
        board_name=board.name,
        seq=seq,
        version=number,
        snapshot=snapshot,
    )


def export(
    board: Board,
    format,
    *,
    version: ModelVersion | None = None,
    package=None,
    previous=None,
) -> Files:
    """The files of an export in `format` (see `modeling.exporters.FORMATS`).

    `package` names the Python package; `previous` is the manifest of an
    earlier export into the same folder (names and versions are kept). The
    files speak the board's language (its checks, README and glossary)."""
    check_format(format)
    with translation.override(board.language):
        return _export(board, format, version, package, previous)


def _export(board, format, version, package, previous):
    if format == "json":
        return Files({_json_name(board, version): _json_text(board, version)})
    source = export_source(board, version)
    exporter = FORMATS[format]
    if format == "python":
        try:
            return exporter(source, package=package, previous=previous)
        except ValueError as error:
            raise invalid(str(error)) from None
    return exporter(source)


def _json_name(board, version):
    if version is not None:
        return version_file(version)[0]
    return f"{slugify(board.name, allow_unicode=True) or board.pk}.json"


def _json_text(board, version):
    if version is not None:
        return version_file(version)[1]
    document = transfer.export_board(board)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
