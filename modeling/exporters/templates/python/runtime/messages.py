"""Messages: commands and events as frozen dataclasses, and their JSON form.

A command is addressed to exactly one handler and asks for something to
happen; an event says that something happened and is published to whoever
listens (the seed's *intent*). Both are `Record`s: frozen dataclasses whose
fields are checked against their types when made, and which turn into
JSON-ready dicts and back (`to_dict`, `from_dict`). The field types a board
can give are str, int, float, bool, Decimal, date, datetime, UUID, lists of
those, and any of them optional (`| None`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import types
import typing
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Self, TypeVar

T = TypeVar("T")

# Ids made from other ids (an event's id from its command's, a new
# aggregate's id from the event that asked for it) are UUIDv5 in this space,
# so a retried command or a redelivered message makes the same ids again.
NAMESPACE = uuid.UUID("6f1c7a52-3d5e-4f7b-9a1e-2c8b5d4e0f19")
# Example values are dated here, so that a demo prints the same every time.
EXAMPLE_TIME = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


class InvalidMessage(ValueError):
    """A message that does not have the fields its type requires."""


def derived_id(base: uuid.UUID | str, name: str) -> uuid.UUID:
    """A stable id made from another id and a name."""
    return uuid.uuid5(NAMESPACE, f"{base}/{name}")


def example_id(name: str) -> uuid.UUID:
    """The example value of a UUID field: the same for every field of the name,
    so that one demo command refers to what an earlier one created."""
    return uuid.uuid5(NAMESPACE, f"example/{name}")


def first(value: T | None, default: T) -> T:
    """`value`, unless it is None."""
    return default if value is None else value


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- converting fields to JSON and back -----

Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _scalar_from(kind: type) -> Convert:
    if kind is decimal.Decimal:
        return lambda value: decimal.Decimal(str(value))
    if kind is uuid.UUID:
        return lambda value: value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    if kind is dt.datetime:
        return lambda value: (
            value
            if isinstance(value, dt.datetime)
            else dt.datetime.fromisoformat(value)
        )
    if kind is dt.date:
        return lambda value: (
            value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
        )
    if kind is float:
        return lambda value: float(value)
    return _identity


def _scalar_to(kind: type) -> Convert:
    if kind in (decimal.Decimal, uuid.UUID):
        return str
    if kind in (dt.datetime, dt.date):
        return lambda value: value.isoformat()
    return _identity


def _is_instance(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is dt.date:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return isinstance(value, kind)


@dataclasses.dataclass(frozen=True)
class _FieldType:
    """How one field is checked, written to JSON and read back."""

    name: str
    kind: type  # the scalar type, or the item type of a list
    many: bool
    optional: bool

    @classmethod
    def of(cls, name: str, hint: Any) -> _FieldType:
        optional = False
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
            members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
            optional, hint = True, members[0]
        many = typing.get_origin(hint) is list
        if many:
            (hint,) = typing.get_args(hint)
        return cls(name, hint, many, optional)

    def check(self, owner: str, value: Any) -> None:
        if value is None:
            if not self.optional:
                raise InvalidMessage(f"{owner}.{self.name} is required")
            return
        items = value if self.many else (value,)
        if self.many and not isinstance(value, list):
            raise InvalidMessage(f"{owner}.{self.name} must be a list")
        for item in items:
            if not _is_instance(item, self.kind):
                raise InvalidMessage(
                    f"{owner}.{self.name} must be {self.describe()},"
                    f" not {type(item).__name__} {item!r}"
                )

    def describe(self) -> str:
        name = self.kind.__name__
        return f"a list of {name}" if self.many else name

    def dump(self, value: Any) -> Any:
        if value is None:
            return None
        convert = _scalar_to(self.kind)
        return [convert(item) for item in value] if self.many else convert(value)

    def load(self, owner: str, value: Any) -> Any:
        if value is None:
            return None
        convert = _scalar_from(self.kind)
        try:
            if self.many:
                return [convert(item) for item in value]
            return convert(value)
        except (ValueError, TypeError, decimal.InvalidOperation) as error:
            raise InvalidMessage(
                f"{owner}.{self.name}: {value!r} is not {self.describe()}"
            ) from error


_FIELD_TYPES: dict[type, tuple[_FieldType, ...]] = {}


def _field_types(cls: type) -> tuple[_FieldType, ...]:
    found = _FIELD_TYPES.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = tuple(
            _FieldType.of(field.name, hints[field.name])
            for field in dataclasses.fields(cls)
        )
        _FIELD_TYPES[cls] = found
    return found


@dataclasses.dataclass(frozen=True, kw_only=True)
class Record:
    """A frozen dataclass of typed fields with a JSON form."""

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for field in _field_types(type(self)):
            field.check(owner, getattr(self, field.name))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: UUIDs, decimals and times as text."""
        return {
            field.name: field.dump(getattr(self, field.name))
            for field in _field_types(type(self))
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The record of a `to_dict` form; a missing or mistyped field is an
        `InvalidMessage` naming it (optional fields may be left out)."""
        owner = cls.__name__
        fields = _field_types(cls)
        missing = [f.name for f in fields if f.name not in data and not f.optional]
        if missing:
            raise InvalidMessage(f"{owner} lacks {', '.join(missing)}")
        values = {f.name: f.load(owner, data.get(f.name)) for f in fields}
        return cls(**values)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Command(Record):
    """Asks one handler to act. `command_id` makes a retry safe: the events
    it records get ids derived from it, and the store writes them once."""

    # Class constants are in capitals: fields from the board are lower case.
    TYPE: ClassVar[str] = ""  # "<context>.<ClassName>"
    TEXT: ClassVar[str] = ""  # the sticky's text, as written in the workshop

    command_id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)
    issued_at: dt.datetime = dataclasses.field(default_factory=now)


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent(Record):
    """A fact of the domain. `schema_version` goes up when the shape of the
    event changes; older stored events are upcast when read."""

    TYPE: ClassVar[str] = ""  # what the store records: "<context>.<ClassName>"
    TEXT: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[int] = 1
    # How the event travels when it leaves its context: "state" (event-carried
    # state transfer) or "notification" (an id and a reference to call back).
    STYLE: ClassVar[str] = "state"

    def notice(self, ref: str, version: int) -> Notice:
        """What a notification-style event sends out instead of itself."""
        raise TypeError(f"{type(self).__name__} leaves its context with its data")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Notice(Record):
    """What a notification-style event carries to other contexts: which
    aggregate, at which version, and a reference to call back with."""

    TYPE: ClassVar[str] = ""  # the type of the event it announces
    ref: str
    version: int


class Known:
    """Values seen so far, by field name: a demo's commands carry what earlier
    events said (the order id the cart became), and examples otherwise."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})

    def learn(self, record: Record) -> None:
        for name, value in vars(record).items():
            if value is not None:
                self.values[name] = value

    def get(self, name: str, kind: type[T], example: T) -> T:
        value: Any = self.values.get(name)
        return value if _is_instance(value, kind) else example

    def items(self, name: str, example: list[T]) -> list[T]:
        value = self.values.get(name)
        if isinstance(value, list) and value:
            kinds = {type(item) for item in example}
            if all(type(item) in kinds for item in value):
                return list(value)
        return example


class Registry:
    """Event classes by the type name the store records, and the notices of
    notification-style events."""

    def __init__(self) -> None:
        self.events: dict[str, type[DomainEvent]] = {}
        self.notices: dict[str, type[Notice]] = {}

    def add(self, events: Sequence[type[DomainEvent]]) -> None:
        for event in events:
            if event.TYPE in self.events:
                raise ValueError(f"two event classes record {event.TYPE}")
            self.events[event.TYPE] = event

    def add_notices(self, notices: Sequence[type[Notice]]) -> None:
        for notice in notices:
            self.notices[notice.TYPE] = notice

    def event(self, type_name: str, data: Mapping[str, Any]) -> DomainEvent:
        cls = self.events.get(type_name)
        if cls is None:
            raise InvalidMessage(f"no event class records {type_name}")
        return cls.from_dict(data)

    def notice(self, type_name: str, data: Mapping[str, Any]) -> Notice:
        cls = self.notices.get(type_name)
        if cls is None:
            raise InvalidMessage(f"{type_name} does not leave its context as a notice")
        return cls.from_dict(data)
