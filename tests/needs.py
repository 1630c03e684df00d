"""What a test needs from the machine: under CI=true a missing program or
service fails the run (CI must not pass by skipping), elsewhere it skips."""

import os
import shutil
from pathlib import Path

import pytest


def missing(message):
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def program(name, what):
    """The path of the program `name` (on PATH, or a path that exists)."""
    found = shutil.which(name) or (name if Path(name).exists() else None)
    if found is None:
        missing(f"{what} needs {name}")
    return found
