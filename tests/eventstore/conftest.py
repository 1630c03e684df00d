import pytest

from modeling.eventstore import open_store


@pytest.fixture
def path(tmp_path):
    """A fresh SQLite file for a test's store."""
    return tmp_path / "events.db"


@pytest.fixture
def store(path):
    with open_store(f"sqlite:///{path}") as store:
        yield store
