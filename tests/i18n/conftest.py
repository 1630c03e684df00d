import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request leaves its language active in the test's thread: the tests
    after these ones expect the default, English."""
    yield
    translation.deactivate()
