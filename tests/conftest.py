import os

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from storming import services
from storming.models import Member
from storming.vocabulary import Role
from tests import needs


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need it: skipped on SQLite, but never in CI."""
    if connection.vendor == "postgresql":
        return
    for item in items:
        if "postgres" in item.keywords:
            if os.environ.get("CI") == "true":
                item.add_marker(pytest.mark.usefixtures("require_postgres"))
            else:
                item.add_marker(
                    pytest.mark.skip(reason="needs DATABASE_URL=postgresql://")
                )


@pytest.fixture(scope="session", autouse=True)
def close_database_threads(django_db_setup, django_db_blocker):
    """End the sessions that other threads (the websocket tests' database
    thread) left on the test database: PostgreSQL will not drop it while
    any remain, and Django's connections are per thread, out of reach here."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def require_postgres():
    pytest.fail("this test needs PostgreSQL: set DATABASE_URL=postgresql://...")


@pytest.fixture
def redis_url():
    """The machine's Redis: needed in CI, skipped elsewhere when it is down."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        needs.missing(f"this test needs Redis at {url}")
    return url


@pytest.fixture
def redis_layer(redis_url, settings):
    """The channels_redis layer, as several daphne processes would share it."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": f"test-{os.getpid()}"},
        }
    }
    from channels.layers import get_channel_layer

    return get_channel_layer()


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Sign-up and guest-join counts live in the cache per client address, and
    every test client is 127.0.0.1: no test inherits another's counts."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The default hasher costs most of a second per user on this machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    def make(username="ann", password="a-long-password-1"):
        return get_user_model().objects.create_user(
            username=username, password=password
        )

    return make


@pytest.fixture
def facilitator(make_user):
    return make_user("facilitator")


@pytest.fixture
def board(facilitator):
    return services.create_board(facilitator, "Online shop", "Orders and payments")


@pytest.fixture
def lead(board):
    """The board's facilitator membership."""
    return board.members.get(role=Role.FACILITATOR)


@pytest.fixture
def member_of(board, make_user):
    """A member of `board` with the given role, backed by a new account."""

    def make(role, username=None):
        user = make_user(username or f"{role}-user")
        return Member.objects.create(
            board=board, user=user, display_name=user.username, role=role
        )

    return make


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def run(board, lead):
    """Run a command on `board` as its facilitator (or as `member`)."""

    def execute(name, data=None, member=None, command_id=None):
        return services.execute(board.pk, member or lead, name, data, command_id)

    return execute


@pytest.fixture
def daphne_server(transactional_db):
    """A daphne process serving the app on the test database (see live_server)."""
    from tests.live_server import DaphneServer

    server = DaphneServer().start()
    yield server
    server.stop()
