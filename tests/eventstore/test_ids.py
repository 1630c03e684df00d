"""Event ids grow with time, so the id index is appended to, not scattered."""

import time
import uuid

from modeling.eventstore.base import NewEvent, time_ordered_uuid


def test_default_event_ids_are_version_7_uuids():
    event_id = NewEvent("OrderPlaced", {}).id
    assert event_id.version == 7
    assert event_id.variant == uuid.RFC_4122


def test_ids_made_a_millisecond_apart_sort_in_time_order():
    earlier = time_ordered_uuid()
    time.sleep(0.002)
    assert time_ordered_uuid() > earlier


def test_ids_carry_the_current_millisecond():
    before = time.time_ns() // 1_000_000
    made = time_ordered_uuid().int >> 80
    assert before <= made <= time.time_ns() // 1_000_000


def test_ids_made_in_the_same_millisecond_stay_unique():
    ids = {time_ordered_uuid() for _ in range(10_000)}
    assert len(ids) == 10_000
