"""RecordedEvent: built cheaply from stored values, equal to the eager one."""

import pickle
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from modeling.eventstore import RecordedEvent
from modeling.eventstore.base import micros_to_datetime, uuid_from_bytes

EVENT_ID = uuid.uuid4()
MOMENT = datetime(2026, 11, 30, 8, 5, 1, 123456, tzinfo=UTC)
MICROS = (MOMENT - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def eager(**changes):
    values = dict(
        id=EVENT_ID,
        stream="order-1",
        version=2,
        position=7,
        type="Paid",
        data={"total": 12},
        metadata={"user": "ann"},
        schema_version=1,
        recorded_at=MOMENT,
    )
    return RecordedEvent(**{**values, **changes})


def stored():
    """As a backend builds it: the id's bytes, the time in microseconds."""
    return eager(id=EVENT_ID.bytes, recorded_at=MICROS)


def test_stored_values_become_the_same_uuid_and_datetime():
    event = stored()
    assert event.id == EVENT_ID and type(event.id) is uuid.UUID
    assert event.recorded_at == MOMENT and event.recorded_at.tzinfo is not None
    assert event == eager()
    assert repr(event) == repr(eager())


def test_the_direct_builders_match_the_validating_constructors():
    assert uuid_from_bytes(EVENT_ID.bytes) == uuid.UUID(bytes=EVENT_ID.bytes)
    assert str(uuid_from_bytes(EVENT_ID.bytes)) == str(EVENT_ID)
    assert micros_to_datetime(MICROS) == MOMENT
    assert micros_to_datetime(0) == datetime(1970, 1, 1, tzinfo=UTC)


def test_equality_looks_at_every_field():
    assert eager() == eager()
    assert eager() != eager(position=8)
    assert eager() != eager(data={"total": 13})
    assert eager() != "not an event"


def test_replace_copies_with_changes():
    event = stored()
    newer = event.replace(data={"total": 13}, schema_version=2)
    assert (newer.data, newer.schema_version) == ({"total": 13}, 2)
    assert (newer.id, newer.recorded_at, newer.position) == (EVENT_ID, MOMENT, 7)
    assert event.data == {"total": 12}


def test_it_is_read_only_and_unhashable_like_the_dataclass_it_was():
    event = stored()
    with pytest.raises(AttributeError):
        event.version = 3
    with pytest.raises(AttributeError):
        del event.type
    with pytest.raises(TypeError):
        hash(event)


def test_it_pickles():
    event = stored()
    assert pickle.loads(pickle.dumps(event)) == eager()
