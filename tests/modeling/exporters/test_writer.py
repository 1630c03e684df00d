"""Writing an export into a folder (the generation gap) and into a zip."""

import io
import json
import zipfile

import pytest

from modeling.exporters.base import Files
from modeling.exporters.writer import (
    MANIFEST,
    ExportConflict,
    digest,
    read_manifest,
    write_folder,
    zip_bytes,
)


def export(generated, user=None, removed=()):
    """Files as an exporter makes them: generated ones, user ones, a manifest."""
    user = user or {}
    files = Files({**generated, **user}, user_owned=set(user))
    files[MANIFEST] = json.dumps(
        {"files": {path: digest(text) for path, text in generated.items()}}
    )
    return files


def tree(folder):
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in folder.rglob("*")
        if path.is_file()
    }


FIRST = export(
    {"pkg/_generated/events.py": "v1\n", "pkg/_generated/old.py": "old\n"},
    {"pkg/events.py": "# yours\n"},
)
SECOND = export(
    {"pkg/_generated/events.py": "v2\n", "pkg/_generated/new.py": "new\n"},
    {"pkg/events.py": "# yours, as a new export would make it\n"},
)


def test_a_first_export_creates_everything(tmp_path):
    written = write_folder(FIRST, tmp_path)
    assert tree(tmp_path) == dict(FIRST)
    assert sorted(written.created) == sorted(FIRST)
    assert read_manifest(tmp_path) == json.loads(FIRST[MANIFEST])


def test_a_re_export_rewrites_adds_and_removes_generated_files_and_keeps_yours(
    tmp_path,
):
    write_folder(FIRST, tmp_path)
    (tmp_path / "pkg/events.py").write_text("# my rules\n", encoding="utf-8")

    written = write_folder(SECOND, tmp_path)

    assert tree(tmp_path) == {
        "pkg/_generated/events.py": "v2\n",
        "pkg/_generated/new.py": "new\n",
        "pkg/events.py": "# my rules\n",
        MANIFEST: SECOND[MANIFEST],
    }
    assert written.rewritten == ["pkg/_generated/events.py", MANIFEST]
    assert written.created == ["pkg/_generated/new.py"]
    assert written.removed == ["pkg/_generated/old.py"]
    assert written.kept == ["pkg/events.py"]


def test_an_unchanged_re_export_writes_nothing(tmp_path):
    write_folder(FIRST, tmp_path)
    written = write_folder(FIRST, tmp_path)
    assert not (written.created or written.rewritten or written.removed)
    assert len(written.unchanged) == 3


def test_a_generated_file_you_edited_stops_the_export_and_nothing_changes(tmp_path):
    write_folder(FIRST, tmp_path)
    edited = tmp_path / "pkg/_generated/events.py"
    edited.write_text("v1 plus my fix\n", encoding="utf-8")
    before = tree(tmp_path)

    with pytest.raises(ExportConflict) as refused:
        write_folder(SECOND, tmp_path)

    assert refused.value.edited == ["pkg/_generated/events.py"]
    assert "pkg/_generated/events.py" in str(refused.value)
    assert "--force" in str(refused.value)
    assert tree(tmp_path) == before


def test_force_overwrites_an_edited_generated_file(tmp_path):
    write_folder(FIRST, tmp_path)
    (tmp_path / "pkg/_generated/events.py").write_text("mine\n", encoding="utf-8")

    written = write_folder(SECOND, tmp_path, force=True)

    assert written.overwritten == ["pkg/_generated/events.py"]
    assert (tmp_path / "pkg/_generated/events.py").read_text() == "v2\n"


def test_an_edited_file_the_board_no_longer_makes_is_not_deleted(tmp_path):
    write_folder(FIRST, tmp_path)
    orphan = tmp_path / "pkg/_generated/old.py"
    orphan.write_text("old, and mine now\n", encoding="utf-8")

    with pytest.raises(ExportConflict) as refused:
        write_folder(SECOND, tmp_path)
    assert refused.value.orphaned == ["pkg/_generated/old.py"]

    write_folder(SECOND, tmp_path, force=True)
    assert orphan.read_text() == "old, and mine now\n"


def test_a_file_no_export_wrote_is_not_overwritten(tmp_path):
    (tmp_path / "pkg/_generated").mkdir(parents=True)
    (tmp_path / "pkg/_generated/events.py").write_text("hand made\n")

    with pytest.raises(ExportConflict) as refused:
        write_folder(FIRST, tmp_path)

    assert refused.value.foreign == ["pkg/_generated/events.py"]
    assert not (tmp_path / MANIFEST).exists()


def test_an_export_that_died_halfway_can_be_run_again(tmp_path):
    """Files are written before the manifest: after a crash, a rewritten file
    matches the new export, so the next run sees no edit."""
    write_folder(FIRST, tmp_path)
    (tmp_path / "pkg/_generated/events.py").write_text("v2\n")  # written, then died

    written = write_folder(SECOND, tmp_path)

    assert "pkg/_generated/events.py" in written.unchanged
    assert read_manifest(tmp_path) == json.loads(SECOND[MANIFEST])


def test_files_without_a_manifest_are_simply_written(tmp_path):
    (tmp_path / "model.mmd").write_text("old diagram\n")
    written = write_folder(Files({"model.mmd": "flowchart LR\n"}), tmp_path)
    assert (tmp_path / "model.mmd").read_text() == "flowchart LR\n"
    assert written.rewritten == ["model.mmd"]


def test_paths_may_not_leave_the_folder(tmp_path):
    with pytest.raises(ValueError, match="outside"):
        write_folder(Files({"../escape.py": "x"}), tmp_path / "out")
    assert not (tmp_path / "escape.py").exists()


def test_a_broken_manifest_is_named(tmp_path):
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(ValueError, match="not an export manifest"):
        read_manifest(tmp_path)


def test_a_zip_holds_the_files_under_a_root_and_is_the_same_every_time():
    files = Files({"b.txt": "bee", "a/c.bin": b"\x00\x01", "汉字.md": "文"})
    packed = zip_bytes(files, "root")
    assert packed == zip_bytes(files, "root")
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        assert archive.namelist() == ["root/a/c.bin", "root/b.txt", "root/汉字.md"]
        assert archive.read("root/a/c.bin") == b"\x00\x01"
        assert archive.read("root/汉字.md").decode() == "文"
