"""Dependencies point one way (docs/architecture.md), read from the imports.

- `storming` never imports `modeling` (the board page asks for checks over
  the API);
- the event store imports neither app, nor Django: it ships alone inside
  exported packages;
- the write path feeds the live rooms, never the other way: `live` and the
  log reader `board_log` import neither `services` nor `broadcast`, so there
  is no cycle services -> broadcast -> live -> services.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_of(path):
    """The absolute module names `path` imports, relative imports resolved."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module
            names.add(module)
            # `from . import services` imports the module `storming.services`.
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def modules(folder):
    return sorted((ROOT / folder).rglob("*.py"))


def offending(paths, forbidden):
    return {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imports_of(path)
            if any(name == f or name.startswith(f"{f}.") for f in forbidden)
        )
        for path in paths
        if any(
            name == f or name.startswith(f"{f}.")
            for name in imports_of(path)
            for f in forbidden
        )
    }


def test_storming_never_imports_modeling():
    assert offending(modules("storming"), ["modeling"]) == {}


def test_the_event_store_imports_neither_app_nor_django():
    paths = modules("modeling/eventstore")
    assert paths, "the event store is where it was"
    assert offending(paths, ["django", "storming", "modeling.exporters"]) == {}
    assert offending(paths, ["modeling"]) == offending(paths, ["modeling.eventstore"])


@pytest.mark.parametrize("module", ["live", "board_log"])
def test_the_live_rooms_and_the_log_reader_do_not_reach_into_the_write_path(module):
    path = ROOT / "storming" / f"{module}.py"
    assert offending([path], ["storming.services", "storming.broadcast"]) == {}


def test_the_import_reader_sees_relative_imports():
    """The check above cannot pass by reading nothing."""
    assert "storming.services" in imports_of(ROOT / "storming" / "consumers.py")
    assert "storming.live" in imports_of(ROOT / "storming" / "broadcast.py")


def test_the_pure_modeling_modules_import_without_django_settings():
    """Derivation, checks and the exporters are plain functions: importing
    them reads no settings (bench/model.py and scripts rely on it; Django
    is only asked for a language when a message is put into words)."""
    pure = [
        "modeling.derive",
        "modeling.checks",
        "modeling.model",
        "modeling.exporters.python",
        "modeling.exporters.markdown",
        "modeling.exporters.mermaid",
        "modeling.exporters.asyncapi",
        "modeling.exporters.svg",
        "storming.commands",
        "storming.state",
    ]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import importlib, sys\nfor name in sys.argv[1:]: importlib.import_module(name)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *pure],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
