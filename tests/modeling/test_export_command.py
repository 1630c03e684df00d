"""`manage.py export_board`: every format into a folder, and re-exports of a
package into the same folder (the generation gap) as a user lives them."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from modeling import services
from storming import services as board_services
from storming.sample import load_sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(facilitator):
    board, _ = load_sample(facilitator)
    return board


def export(board, *args):
    out, err = StringIO(), StringIO()
    call_command("export_board", str(board.pk), *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_the_package_goes_into_a_folder_named_after_it(shop, tmp_path):
    out, _ = export(shop, "--format", "python", "--out", tmp_path)

    root = tmp_path / "sample_online_shop"
    assert out.strip().startswith(f"{root} (")
    assert "created" in out
    assert (root / "sample_online_shop/ordering/_generated/events.py").exists()
    assert (root / "pyproject.toml").exists()
    manifest = json.loads((root / ".export-manifest.json").read_text())
    assert manifest["board"] == {"id": str(shop.pk), "name": shop.name}


def test_a_re_export_keeps_your_code_and_takes_the_boards_changes(
    shop, facilitator, tmp_path
):
    export(shop, "--format", "python", "--out", tmp_path)
    root = tmp_path / "sample_online_shop" / "sample_online_shop"
    rules = root / "ordering" / "aggregates.py"
    rules.write_text(rules.read_text() + "\n# my rules\n")
    lead = shop.members.get(user=facilitator)
    board_services.execute(
        shop.pk,
        lead,
        "sticky.create",
        {"kind": "event", "text": "Order Cancelled", "x": 1200, "y": 450},
    )

    out, _ = export(shop, "--format", "python", "--out", tmp_path)

    assert rules.read_text().endswith("# my rules\n")
    assert (
        "class OrderCancelled(" in (root / "ordering/_generated/events.py").read_text()
    )
    assert "rewritten" in out and "of yours kept" in out


def test_a_re_export_refuses_to_overwrite_a_generated_file_you_edited(shop, tmp_path):
    export(shop, "--format", "python", "--out", tmp_path)
    folder = tmp_path / "sample_online_shop"
    edited = folder / "sample_online_shop/payments/_generated/policies.py"
    edited.write_text(edited.read_text() + "\n# a quick fix\n")
    before = snapshot(folder)

    with pytest.raises(CommandError) as refused:
        export(shop, "--format", "python", "--out", tmp_path)

    assert "sample_online_shop/payments/_generated/policies.py" in str(refused.value)
    assert "--force" in str(refused.value)
    assert snapshot(folder) == before

    export(shop, "--format", "python", "--out", tmp_path, "--force")
    assert "# a quick fix" not in edited.read_text()


def test_a_frozen_version_exports_as_it_was_frozen(shop, facilitator, tmp_path):
    version, _ = services.freeze(shop, facilitator)
    lead = shop.members.get(user=facilitator)
    board_services.execute(
        shop.pk,
        lead,
        "sticky.create",
        {"kind": "event", "text": "Late", "x": 0, "y": 0},
    )

    export(shop, "--format", "python", "--out", tmp_path, "--version", version.number)

    root = tmp_path / "sample_online_shop"
    assert f"version {version.number}" in (root / "README.md").read_text()
    events = (root / "sample_online_shop/ordering/_generated/events.py").read_text()
    assert "class Late(" not in events


@pytest.mark.parametrize(
    ("format", "written"),
    [
        ("asyncapi", "asyncapi/ordering.yaml"),
        ("mermaid", "model.mmd"),
        ("markdown", "GLOSSARY.md"),
        ("svg", "sample-online-shop.svg"),
        ("json", "sample-online-shop.json"),
    ],
)
def test_other_formats_write_their_files_into_the_folder(
    shop, tmp_path, format, written
):
    out, _ = export(shop, "--format", format, "--out", tmp_path)
    assert (tmp_path / written).exists()
    assert str(tmp_path / written) in out


def test_a_model_with_errors_is_exported_and_says_so(facilitator, tmp_path):
    board = board_services.create_board(facilitator, "Clashes")
    lead = board.members.get(user=facilitator)
    for text in ("Paid", "paid"):
        board_services.execute(
            board.pk,
            lead,
            "sticky.create",
            {"kind": "event", "text": text, "x": 0, "y": 0},
        )

    _, err = export(board, "--format", "python", "--out", tmp_path)

    assert "error(s)" in err
    assert "error(s)" in (tmp_path / "clashes" / "README.md").read_text()


def test_a_bad_package_name_is_refused_and_nothing_is_written(shop, tmp_path):
    with pytest.raises(CommandError, match="no package name"):
        export(shop, "--format", "python", "--out", tmp_path, "--package", "my-shop")
    assert not any(tmp_path.iterdir())


def test_a_folder_of_another_boards_package_is_not_exported_over(
    shop, facilitator, tmp_path
):
    other = board_services.create_board(facilitator, "Sample: online shop")
    export(shop, "--format", "python", "--out", tmp_path)
    with pytest.raises(CommandError, match="holds the export of another board"):
        export(other, "--format", "python", "--out", tmp_path)
    export(other, "--format", "python", "--out", tmp_path, "--force")
    manifest = json.loads(
        (tmp_path / "sample_online_shop" / ".export-manifest.json").read_text()
    )
    assert manifest["board"]["id"] == str(other.pk)
