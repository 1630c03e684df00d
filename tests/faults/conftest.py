import pytest

from .processes import PostgresCluster, RedisProcess


@pytest.fixture
def own_redis():
    """A redis-server of this test's own, to kill and restart."""
    redis = RedisProcess().start()
    yield redis
    redis.close()


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of this test's own, to stop and start."""
    cluster = PostgresCluster()
    try:
        cluster.init().start()
        yield cluster
    finally:
        cluster.close()
