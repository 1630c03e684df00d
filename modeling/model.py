"""The domain model derived from a board: frozen dataclasses and a canonical JSON.

Elements are keyed by the id of the sticky they come from, so a model derived
again after edits keeps its identities (renames are renames, not new things).
References between elements are those ids. `content_hash` ignores the ids and
the board, so the same workshop imported as a new board hashes the same.
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from .fields import Field

SCHEMA_VERSION = 1
Ids = tuple[str, ...]
# Metadata of a field added after models were first stored: its default is
# left out of the JSON, so that a model without it keeps its content hash.
OPTIONAL = {"omit_default": True}


@dataclass(frozen=True)
class Element:
    id: str
    name: str  # the sticky's text, as the workshop wrote it
    class_name: str
    func_name: str
    context: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Context(Element):
    aggregates: Ids = ()
    # Events in timeline order (x, then y); pivotal events close a phase.
    timeline: Ids = ()
    phases: tuple[Ids, ...] = ()


@dataclass(frozen=True)
class Aggregate(Element):
    commands: Ids = ()
    events: Ids = ()


@dataclass(frozen=True)
class Event(Element):
    aggregate: str | None = None
    fields: tuple[Field, ...] = ()
    pivotal: bool = False
    phase: int = 0
    caused_by: Ids = ()  # commands, external systems or events linked to it
    # How the event travels when it leaves its context: "state" (it carries
    # its data) or "notification" (an id and a reference to call back with).
    style: str = field(default="state", metadata=OPTIONAL)


@dataclass(frozen=True)
class Command(Element):
    aggregate: str | None = None
    fields: tuple[Field, ...] = ()
    produces: Ids = ()  # events
    triggered_by: Ids = ()  # actors, external systems, policies, read models
    targets: Ids = ()  # external systems it is invoked on


@dataclass(frozen=True)
class Policy(Element):
    when: Ids = ()  # events
    then: Ids = ()  # commands
    managed_by: Ids = ()  # actors or systems
    consults: Ids = ()  # read models
    # An event of one context makes another context act: this goes through
    # the outbox in exported code.
    integration: bool = False


@dataclass(frozen=True)
class ReadModel(Element):
    fields: tuple[Field, ...] = ()
    fed_by: Ids = ()  # events
    used_by: Ids = ()  # actors, commands, policies


@dataclass(frozen=True)
class Actor(Element):
    issues: Ids = ()  # commands


@dataclass(frozen=True)
class ExternalSystem(Element):
    triggers: Ids = ()  # commands, events, policies


@dataclass(frozen=True)
class Hotspot:
    id: str
    text: str
    about: Ids = ()  # what it is linked to, or the sticky it sits next to
    votes: int = 0


@dataclass(frozen=True)
class LinkProblem:
    id: str
    source: str
    target: str
    message: str


@dataclass(frozen=True)
class FieldProblem:
    sticky: str
    field: str
    message: str


@dataclass(frozen=True)
class NameCollision:
    sticky: str
    wanted: str
    given: str


@dataclass(frozen=True)
class Model:
    board: str
    name: str
    seq: int
    phase: str
    contexts: tuple[Context, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    events: tuple[Event, ...] = ()
    commands: tuple[Command, ...] = ()
    policies: tuple[Policy, ...] = ()
    read_models: tuple[ReadModel, ...] = ()
    actors: tuple[Actor, ...] = ()
    external_systems: tuple[ExternalSystem, ...] = ()
    hotspots: tuple[Hotspot, ...] = ()
    link_problems: tuple[LinkProblem, ...] = ()
    field_problems: tuple[FieldProblem, ...] = ()
    # Pairs of frames of one kind that overlap without one holding the other.
    overlapping_frames: tuple[tuple[str, str], ...] = ()
    # Identifiers that had to be changed to stay unique in their scope.
    name_collisions: tuple[NameCollision, ...] = ()
    schema_version: int = SCHEMA_VERSION
    _index: dict = field(default=None, compare=False, repr=False)

    COLLECTIONS = (
        "contexts",
        "aggregates",
        "events",
        "commands",
        "policies",
        "read_models",
        "actors",
        "external_systems",
        "hotspots",
    )

    def element(self, element_id):
        """Any element by sticky id (None if the model has no such element)."""
        if self._index is None:
            index = {
                item.id: item
                for collection in self.COLLECTIONS
                for item in getattr(self, collection)
            }
            object.__setattr__(self, "_index", index)
        return self._index.get(element_id)

    def in_context(self, collection, context_id):
        return [e for e in getattr(self, collection) if e.context == context_id]

    def to_dict(self):
        """JSON-native (lists, not tuples), as stored and as hashed.

        Keys come sorted, as `json.loads(to_json(model))` would give them.
        """
        return _plain(self)

    def counts(self):
        return {name: len(getattr(self, name)) for name in self.COLLECTIONS}


_FIELD_NAMES = {}


def _plain(value):
    """Dataclasses -> dicts with sorted keys, tuples -> lists, recursively.

    What `dataclasses.asdict` and a JSON round trip give, in a fraction of
    the time, and leaving out `Model._index` (the lookup of `element`) and
    `OPTIONAL` fields that hold their default.
    """
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        if not dataclasses.is_dataclass(value):
            return value
        fields = sorted(dataclasses.fields(value), key=lambda f: f.name)
        names = (
            [f.name for f in fields if f.name != "_index"],
            {f.name: f.default for f in fields if f.metadata.get("omit_default")},
        )
        _FIELD_NAMES[type(value)] = names
    keys, defaults = names
    plain = {name: _plain(getattr(value, name)) for name in keys}
    for name, default in defaults.items():
        if plain[name] == default:
            del plain[name]
    return plain


def canonical_json(data) -> str:
    """Sorted keys, no spaces, UTF-8 text: the same model gives the same bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def to_json(model: Model) -> str:
    return canonical_json(model.to_dict())


def content_hash(model_dict: dict) -> str:
    """SHA-256 of the model's content, independent of sticky and board ids.

    Each id is replaced by its element's collection, context and class name,
    which derivation keeps unique, and unordered lists are sorted, so only
    what the workshop said counts, not which board or which ids it got.
    """
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    contexts = {c["id"]: c["class_name"] for c in model_dict.get("contexts", ())}
    names = {}
    for collection in Model.COLLECTIONS:
        for item in model_dict.get(collection, ()):
            label = item.get("class_name") or item.get("text", "")
            where = contexts.get(item.get("context"))
            names[item["id"]] = f"{collection}:{where}:{label}"

    def text(value, key=None):
        """canonical_json(value) with ids named and unordered lists sorted.

        Built bottom-up, so that each list item is serialised once rather
        than once for sorting and again for the whole.
        """
        if isinstance(value, dict):
            return (
                "{"
                + ",".join(
                    f"{dumps(k)}:{text(v, k)}"
                    for k, v in sorted(value.items())
                    if k != "id"
                )
                + "}"
            )
        if isinstance(value, list):
            items = [text(v) for v in value]
            if key not in ("timeline", "phases", "fields"):
                items.sort()
            return "[" + ",".join(items) + "]"
        if isinstance(value, str):
            return dumps(names.get(value, value))
        return dumps(value)

    content = {k: v for k, v in model_dict.items() if k not in ("board", "seq", "name")}
    return hashlib.sha256(text(content).encode()).hexdigest()


def from_dict(data: dict) -> dict:
    """Check a stored model's schema version before anything reads it."""
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ValueError(f"model schema {version} is not {SCHEMA_VERSION}")
    return data


_ELEMENT_TYPES = {
    "contexts": Context,
    "aggregates": Aggregate,
    "events": Event,
    "commands": Command,
    "policies": Policy,
    "read_models": ReadModel,
    "actors": Actor,
    "external_systems": ExternalSystem,
    "hotspots": Hotspot,
    "link_problems": LinkProblem,
    "field_problems": FieldProblem,
    "name_collisions": NameCollision,
}


def _built(cls, data):
    """A dataclass of `cls` from its `to_dict` form: lists become tuples,
    fields become `Field`s, keys a stored model lacks take their defaults."""
    names = {f.name for f in dataclasses.fields(cls)}
    values = {}
    for key, value in data.items():
        if key not in names:
            continue
        if key == "fields":
            value = tuple(Field(**item) for item in value)
        elif key == "phases":
            value = tuple(tuple(phase) for phase in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[key] = value
    return cls(**values)


def model_from_dict(data: dict) -> Model:
    """The `Model` a stored `to_dict()` form describes (a frozen version's
    content), so that exporters read live and frozen models alike."""
    data = from_dict(data)
    values = {
        key: data[key]
        for key in ("board", "name", "seq", "phase", "schema_version")
        if key in data
    }
    for collection, cls in _ELEMENT_TYPES.items():
        values[collection] = tuple(
            _built(cls, item) for item in data.get(collection, ())
        )
    values["overlapping_frames"] = tuple(
        tuple(pair) for pair in data.get("overlapping_frames", ())
    )
    return Model(**values)
