"""The event names of the write path, and the tables that act on them.

Folding (`state.APPLIERS`), projecting into the tables
(`projector.PROJECTORS`) and taking back (`commands.INVERTERS`) are each one
table keyed by event name: an event the write path can append and one of them
forgets would fail at run time, on someone's board. These say it at once."""

import pytest

from storming import commands, projector, state
from storming.commands import EVENT_NAMES, UNDOABLE_EVENTS


def test_every_event_name_is_folded_and_nothing_else():
    assert set(state.APPLIERS) == set(EVENT_NAMES)


def test_every_event_name_is_projected_and_nothing_else():
    assert set(projector.PROJECTORS) == set(EVENT_NAMES)


def test_exactly_the_undoable_events_can_be_taken_back():
    assert set(commands.INVERTERS) == UNDOABLE_EVENTS
    assert set(EVENT_NAMES) > UNDOABLE_EVENTS


def test_the_fold_refuses_an_event_it_does_not_know():
    with pytest.raises(ValueError, match=r"unknown board event .sticky\.painted."):
        state.apply(state.empty(), "sticky.painted", {})


@pytest.mark.parametrize("name", sorted(set(EVENT_NAMES) - UNDOABLE_EVENTS))
def test_settings_are_not_undone(name):
    event = type("Logged", (), {"name": name, "data": {}, "before": None})()
    with pytest.raises(AssertionError, match="not undoable"):
        commands.invert(None, event)
