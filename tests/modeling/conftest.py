import pytest

from .boards import BoardBuilder


@pytest.fixture
def sketch():
    """An empty board snapshot builder in the find phase (no database).

    Not called `board`: that is the database board of `tests/conftest.py`.
    """
    return BoardBuilder()
