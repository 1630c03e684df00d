"""Files on disk or in a zip, keeping what a user wrote.

`write_folder` puts an export's files in a folder. When the files carry a
manifest (`.export-manifest.json`: the Python package does), a folder that
was exported into before is updated as a generation gap wants it:

- generated files are rewritten, new ones added, and ones the board no
  longer makes removed;
- files the user owns (`Files.user_owned`) are created once, never replaced;
- a generated file the user edited since the last export (its hash is not
  the manifest's) is not overwritten: the write is refused, listing such
  files, unless `force`. A refused write changes nothing.

`zip_bytes` packs files into a zip with fixed timestamps, so the same files
always give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .base import Files

MANIFEST = ".export-manifest.json"
# Zip entries get this time: 1980 is the earliest a zip can say.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ExportConflict(Exception):
    """Generated files that the user changed, which an export would replace."""

    def __init__(self, folder, edited, foreign, orphaned):
        self.edited, self.foreign, self.orphaned = edited, foreign, orphaned
        lines = [f"not exporting into {folder}: it would overwrite your changes."]
        if edited:
            lines.append("Generated files you edited since the last export:")
            lines += [f"  {path}" for path in edited]
        if foreign:
            lines.append("Files the last export did not write, at generated paths:")
            lines += [f"  {path}" for path in foreign]
        if orphaned:
            lines.append("Generated files you edited, which the board no longer makes:")
            lines += [f"  {path}" for path in orphaned]
        lines.append(
            "Move your code into the modules that are yours (they are never"
            " rewritten), or export with --force to overwrite."
        )
        super().__init__("\n".join(lines))


@dataclass
class Written:
    """What a write did, path by path."""

    created: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # the user's, left alone
    removed: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)  # edited, and forced

    def summary(self):
        parts = [
            (self.created, "created"),
            (self.rewritten, "rewritten"),
            (self.unchanged, "unchanged"),
            (self.kept, "of yours kept"),
            (self.removed, "removed"),
            (self.overwritten, "overwritten by --force"),
        ]
        return ", ".join(f"{len(paths)} {what}" for paths, what in parts if paths)


def digest(content):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


def _bytes(content):
    return content.encode("utf-8") if isinstance(content, str) else content


def read_manifest(folder: Path):
    """The manifest of the last export into `folder`, or None."""
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is not an export manifest: {error}") from None


def _safe(folder: Path, relative: str) -> Path:
    path = (folder / relative).resolve()
    if folder.resolve() not in path.parents:
        raise ValueError(f"{relative!r} is outside the export folder")
    return path


def _disk_digest(path: Path):
    try:
        return digest(path.read_bytes())
    except FileNotFoundError:
        return None


def write_folder(files: Files, folder, *, force=False) -> Written:
    """Write `files` into `folder` (made if missing); see the module's doc."""
    folder = Path(folder)
    gap = MANIFEST in files  # without a manifest, files are simply written
    old = read_manifest(folder) if gap else None
    old_files = (old or {}).get("files", {})
    written = Written()
    plan, edited, foreign = _plan(files, folder, gap, old_files, written)
    removals, orphaned = _leftovers(files, folder, old_files)
    if (edited or foreign or orphaned) and not force:
        raise ExportConflict(folder, edited, foreign, orphaned)
    # The manifest goes last: a write that dies halfway leaves the old one,
    # and files already rewritten then match the new content (no conflict).
    plan.sort(key=lambda item: item[3] == MANIFEST)
    for path, content, where, relative in plan:
        _write(path, _bytes(content))
        where.append(relative)
    for path, relative in removals:
        path.unlink()
        written.removed.append(relative)
        _prune(path.parent, folder)
    written.kept += orphaned  # left where they are, even when forced
    return written


def _plan(files, folder, gap, old_files, written):
    """What to write where, (path, content, list of `written` it goes in,
    relative path); and the files someone edited, or that were never ours."""
    plan, edited, foreign = [], [], []
    for relative, content in files.items():
        path = _safe(folder, relative)
        on_disk = _disk_digest(path)
        if relative in files.user_owned:
            if on_disk is None:
                plan.append((path, content, written.created, relative))
            else:
                written.kept.append(relative)
        elif on_disk is None:
            plan.append((path, content, written.created, relative))
        elif on_disk == digest(content):
            written.unchanged.append(relative)
        elif not gap or relative == MANIFEST or old_files.get(relative) == on_disk:
            plan.append((path, content, written.rewritten, relative))
        else:
            # Someone changed it, or it was never ours.
            (edited if relative in old_files else foreign).append(relative)
            plan.append((path, content, written.overwritten, relative))
    return plan, edited, foreign


def _leftovers(files, folder, old_files):
    """Generated files of the last export that this one has not: those
    unchanged since go, (path, relative); those edited stay, listed."""
    removals, orphaned = [], []
    for relative, was in sorted(old_files.items()):
        if relative in files:
            continue
        path = _safe(folder, relative)
        on_disk = _disk_digest(path)
        if on_disk is None:
            continue
        if on_disk == was:
            removals.append((path, relative))
        else:
            orphaned.append(relative)
    return removals, orphaned


def _write(path: Path, data: bytes):
    """Replace the file in one step: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _prune(directory: Path, root: Path):
    """Remove folders a removal left empty (but not the export's own)."""
    root = root.resolve()
    directory = directory.resolve()
    while directory != root and root in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def zip_bytes(files: Files, root: str = "") -> bytes:
    """The files in a zip, under `root/` when given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative in sorted(files):
            name = f"{root}/{relative}" if root else relative
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, _bytes(files[relative]))
    return buffer.getvalue()
