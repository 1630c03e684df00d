"""`mypy --strict` is clean on the event store, as an exported package checks it.

The exporter copies `modeling/eventstore` verbatim into every generated
package, whose pyproject runs mypy in strict mode with psycopg optional. So
the copy is checked the way such a package is: once with psycopg installed
(its real types), and once with it out of sight (`--no-site-packages`, as in
a virtualenv without it: psycopg is then Any). A probe module proves which
of the two each run saw.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="needs mypy (pip install -e '.[test]')")

PACKAGE = Path(__file__).resolve().parents[2] / "modeling" / "eventstore"

# What the generated package's pyproject.toml says about mypy.
CONFIG = """\
[tool.mypy]
strict = true
python_version = "3.11"

[[tool.mypy.overrides]]
module = ["psycopg", "psycopg.*"]
ignore_missing_imports = true
"""

PROBE = "import psycopg\n\nreveal_type(psycopg.connect)\n"


def mypy_strict(tmp_path: Path, *options: str) -> tuple[str, str]:
    """Run `mypy --strict demo_pkg` on a copy of the package; returns what it
    reported (failing on any error) and the probe's revealed type."""
    root = tmp_path / "project"
    shutil.copytree(
        PACKAGE,
        root / "demo_pkg" / "eventstore",
        ignore=shutil.ignore_patterns("__pycache__", "*.md"),
    )
    (root / "demo_pkg" / "__init__.py").write_text("")
    (root / "demo_pkg" / "probe.py").write_text(PROBE)
    (root / "pyproject.toml").write_text(CONFIG)
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--config-file",
        "pyproject.toml",
        "--cache-dir",
        str(tmp_path / "mypy-cache"),
        "--no-error-summary",
        *options,
        "demo_pkg",
    ]
    result = subprocess.run(
        command, cwd=root, capture_output=True, text=True, timeout=600
    )
    report = result.stdout + result.stderr
    problems = [line for line in report.splitlines() if "probe.py" not in line]
    assert result.returncode == 0 and not problems, report
    (revealed,) = [line for line in report.splitlines() if "probe.py" in line]
    return report, revealed


def test_strict_with_psycopg(tmp_path):
    pytest.importorskip("psycopg")
    _, revealed = mypy_strict(tmp_path)
    assert "psycopg.connection.Connection" in revealed, revealed


def test_strict_without_psycopg(tmp_path):
    _, revealed = mypy_strict(tmp_path, "--no-site-packages")
    assert 'Revealed type is "Any"' in revealed, revealed


def test_py_typed_marker():
    # Exported packages ship it (package-data), so their users get the types.
    assert (PACKAGE / "py.typed").is_file()
