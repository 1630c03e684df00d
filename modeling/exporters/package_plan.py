"""What an exported Python package holds, decided from the model.

Pure. `plan(model, package, previous)` turns the model into contexts of
aggregates, commands, events, policies and read models with everything the
code needs: Python names, fields with their types, which aggregate handles
a command, the defaults a generated decision or reaction uses, which events
leave their context (and how), and the demo's story.

Names are kept across exports: `previous` is the manifest of the last export
into the same folder, and a sticky it names keeps its class, module and id
field even when its text changed since, so the code a user wrote against
those names keeps working. What changed shape gets a new schema version.
"""

from __future__ import annotations

import hashlib
import keyword
from collections import defaultdict
from dataclasses import dataclass, field

from .. import identifiers
from ..fields import Field
from ..model import Model

CORE = "core"
# Names the generated modules import: a board class of one of these names
# is renamed, so that the import stays what it is.
IMPORTED = {"UUID", "Decimal", "Date", "DateTime", "ClassVar", "Any", "Self"}
# Field names that would hide the annotations of later fields, or clash with
# what every message has: such a field gets a trailing underscore.
RESERVED_FIELDS = {
    "str", "int", "float", "bool", "list", "dict", "type", "object", "self",
    "cls", "command_id", "issued_at", "ref", "version", "to_dict", "from_dict",
    "example", "notice", "dataclasses", "messages", "known",
}  # fmt: skip
# How each field type is written in generated code (see IMPORTED).
TYPE_LABELS = {
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "decimal": "Decimal",
    "date": "Date",
    "datetime": "DateTime",
    "uuid": "UUID",
}


@dataclass
class FieldSpec:
    name: str  # the Python identifier
    type: str  # as the model says: "uuid", "list[str]", ...
    optional: bool = False
    label: str = ""  # the text as written on the sticky

    @property
    def scalar(self):
        return self.type[5:-1] if self.many else self.type

    @property
    def many(self):
        return self.type.startswith("list[")

    @property
    def annotation(self):
        inner = TYPE_LABELS[self.scalar]
        text = f"list[{inner}]" if self.many else inner
        return f"{text} | None" if self.optional else text

    @property
    def signature(self):
        return f"{self.name}:{self.type}{'?' if self.optional else ''}"

    def same_type(self, other):
        return self.type == other.type


@dataclass
class Element:
    id: str
    text: str  # the sticky's text
    cls: str  # the class name in code
    description: str = ""
    context: Context | None = None


class _Message:
    """What events and commands share: a type name and fields."""

    @property
    def type_name(self):
        """What the store records: `<context module>.<ClassName>`."""
        return f"{self.context.module}.{self.cls}"

    def field_named(self, name):
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class Event(_Message, Element):
    fields: list[FieldSpec] = field(default_factory=list)
    aggregate: Aggregate | None = None
    style: str = "state"
    pivotal: bool = False
    schema_version: int = 1
    # Set when the event leaves its context: the contexts that consume it.
    consumers: list[Context] = field(default_factory=list)
    produced_by: list[Command] = field(default_factory=list)
    caused_by_systems: list[str] = field(default_factory=list)
    id_field: FieldSpec | None = None  # what identifies its aggregate
    notice: str = ""  # the class name of its notice (notification style)
    shape_changed: str = ""  # "v1 -> v2" when its fields changed since

    @property
    def leaves(self):
        return bool(self.consumers)


@dataclass
class Command(_Message, Element):
    fields: list[FieldSpec] = field(default_factory=list)
    aggregate: Aggregate | None = None
    produces: list[Event] = field(default_factory=list)
    issued_by: list[str] = field(default_factory=list)  # actors, systems (text)
    by_policies: list[Policy] = field(default_factory=list)
    handler: str = ""


@dataclass
class Aggregate(Element):
    id_field: FieldSpec | None = None
    commands: list[Command] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # what it evolves from
    state: list[FieldSpec] = field(default_factory=list)
    state_cls: str = ""
    stands_for: str = ""  # an external system, or "" for a board aggregate
    snapshot_version: int = 1
    query: str = ""  # the query function name, when notifications need one

    def state_field(self, name):
        return next((f for f in self.state if f.name == name), None)


@dataclass
class Policy(Element):
    when: list[Event] = field(default_factory=list)
    then: list[Command] = field(default_factory=list)

    @property
    def crosses(self):
        return any(event.context is not self.context for event in self.when)


@dataclass
class ReadModel(Element):
    fed_by: list[Event] = field(default_factory=list)
    fields: list[FieldSpec] = field(default_factory=list)
    key: FieldSpec | None = None
    row_cls: str = ""


@dataclass
class Context(Element):
    module: str = ""
    aggregates: list[Aggregate] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    read_models: list[ReadModel] = field(default_factory=list)


@dataclass
class Step:
    """One step of the demo: a command someone issues, or an event from outside."""

    command: Command | None = None
    event: Event | None = None
    by: str = ""


@dataclass
class Plan:
    package: str
    contexts: list[Context]
    steps: list[Step]
    # Stickies whose text changed while their code kept its name.
    kept_names: list[tuple[str, str, str]] = field(default_factory=list)
    names: dict = field(default_factory=dict)  # the manifest's "names"

    @property
    def events(self):
        return [e for c in self.contexts for e in c.events]

    @property
    def commands(self):
        return [c for ctx in self.contexts for c in ctx.commands]

    @property
    def policies(self):
        return [p for c in self.contexts for p in c.policies]

    @property
    def read_models(self):
        return [r for c in self.contexts for r in c.read_models]

    @property
    def aggregates(self):
        return [a for c in self.contexts for a in c.aggregates]


# -- names -----


def package_name(board_name):
    """An ASCII package name from the board's name (`domain` if it has none)."""
    words = [w for w in identifiers.words(board_name) if w.isascii()]
    name = "_".join(w.lower() for w in words)
    if not name or not name[0].isalpha():
        name = f"domain_{name}" if name else "domain"
    if keyword.iskeyword(name) or name in ("eventstore", "tests", "runtime"):
        name += "_model"
    return name


def check_package_name(name):
    if not (name.isascii() and name.isidentifier()) or keyword.iskeyword(name):
        raise ValueError(
            f"{name!r} is no package name: use ASCII letters, digits and _,"
            " starting with a letter"
        )
    if name in ("eventstore", "tests", "runtime"):
        raise ValueError(f"{name!r} is taken inside the package; choose another")
    return name


def field_name(name):
    name = identifiers.snake_name(name, "field")
    return f"{name}_" if name in RESERVED_FIELDS else name


def _spec(field_: Field):
    name = field_name(field_.name)
    label = field_.label or (field_.name if name != field_.name else "")
    return FieldSpec(name, field_.type, field_.optional, label)


def _shape(fields):
    return hashlib.sha256(",".join(f.signature for f in fields).encode()).hexdigest()[
        :16
    ]


class _Names:
    """Class names per context, kept from the previous export where it had them."""

    def __init__(self, previous):
        self.previous = previous or {}
        self.taken = defaultdict(set)
        self.kept = []

    def pinned(self, element_id, key):
        return self.previous.get(element_id, {}).get(key)

    def claim(self, scope, element_id, wanted, text):
        """The name `element_id` gets in `scope`: its previous one if it had one
        (and it is free), else `wanted`, made unique."""
        pinned = self.pinned(element_id, "class")
        name = pinned or wanted
        if name in IMPORTED:
            name += "_"
        base, n = name, 1
        while name.casefold() in self.taken[scope]:
            n += 1
            name = f"{base}{n}"
        self.taken[scope].add(name.casefold())
        if pinned and pinned != wanted and name == pinned:
            self.kept.append((text, wanted, pinned))
        return name

    def derived(self, scope, wanted):
        base, name, n = wanted, wanted, 1
        while name.casefold() in self.taken[scope] or name in IMPORTED:
            n += 1
            name = f"{base}{n}"
        self.taken[scope].add(name.casefold())
        return name


# -- the plan -----


def plan(model: Model, package: str, previous: dict | None = None) -> Plan:
    names = _Names(previous)
    builder = _Builder(model, names)
    contexts = builder.contexts()
    builder.elements()
    builder.flows()
    builder.versions()
    return Plan(
        package=package,
        contexts=[c for c in contexts if _has_content(c)],
        steps=builder.steps(),
        kept_names=names.kept,
        names=builder.manifest_names(),
    )


def _has_content(context):
    return any(
        (context.aggregates, context.commands, context.events, context.policies,
         context.read_models)
    )  # fmt: skip


class _Builder:
    def __init__(self, model, names):
        self.model = model
        self.names = names
        self.by_id = {}  # model element id -> plan element
        self.context_of = {}  # model context id (or None) -> Context

    # contexts: one per bounded context, and `core` for what is in none

    def contexts(self):
        model, names = self.model, self.names
        wanted = [
            (c.id, names.pinned(c.id, "module") or c.func_name) for c in model.contexts
        ]
        homeless = any(
            item.context is None
            for collection in (
                "aggregates",
                "events",
                "commands",
                "policies",
                "read_models",
            )
            for item in getattr(model, collection)
        )
        if homeless:
            wanted.append((CORE, names.pinned(CORE, "module") or CORE))
        modules = identifiers.unique(
            [(key, _module_safe(name)) for key, name in wanted]
        )
        contexts = []
        for element in model.contexts:
            context = Context(
                element.id,
                element.name,
                element.class_name,
                element.description,
                module=modules[element.id],
            )
            context.context = context
            self.context_of[element.id] = context
            contexts.append(context)
        if homeless:
            about = "What the board holds outside any context."
            core = Context(CORE, "", "Core", about, module=modules[CORE])
            core.context = core
            self.context_of[None] = core
            contexts.append(core)
        self._contexts = contexts
        return contexts

    def _scope(self, item):
        return self.context_of[item.context]

    def _claim(self, item, kind):
        context = self._scope(item)
        name = self._kept.get(item.id)
        if name is None:
            name = self.names.claim(context.module, item.id, item.class_name, item.name)
        return context, name

    def _keep_names(self):
        """Names kept from the last export are claimed first, so a new
        sticky of the same name never takes one that code relies on."""
        self._kept = {}
        for collection in (
            "aggregates", "events", "commands", "policies", "read_models"
        ):  # fmt: skip
            for item in getattr(self.model, collection):
                if self.names.pinned(item.id, "class"):
                    scope = self._scope(item).module
                    self._kept[item.id] = self.names.claim(
                        scope, item.id, item.class_name, item.name
                    )

    def elements(self):
        model = self.model
        self._keep_names()
        for item in model.aggregates:
            context, name = self._claim(item, "aggregate")
            aggregate = Aggregate(item.id, item.name, name, item.description, context)
            context.aggregates.append(aggregate)
            self.by_id[item.id] = aggregate
        for item in model.events:
            context, name = self._claim(item, "event")
            event = Event(
                item.id, item.name, name, item.description, context,
                fields=[_spec(f) for f in item.fields], style=item.style,
                pivotal=item.pivotal,
            )  # fmt: skip
            context.events.append(event)
            self.by_id[item.id] = event
        for item in model.commands:
            context, name = self._claim(item, "command")
            command = Command(
                item.id, item.name, name, item.description, context,
                fields=[_spec(f) for f in item.fields],
            )  # fmt: skip
            context.commands.append(command)
            self.by_id[item.id] = command
        for item in model.policies:
            context, name = self._claim(item, "policy")
            policy = Policy(item.id, item.name, name, item.description, context)
            context.policies.append(policy)
            self.by_id[item.id] = policy
        for item in model.read_models:
            context, name = self._claim(item, "read_model")
            read_model = ReadModel(
                item.id, item.name, name, item.description, context,
                fields=[_spec(f) for f in item.fields],
            )  # fmt: skip
            context.read_models.append(read_model)
            self.by_id[item.id] = read_model

    def flows(self):
        model, by_id = self.model, self.by_id
        text_of = {e.id: e.name for e in (*model.actors, *model.external_systems)}
        systems = {s.id: s for s in model.external_systems}
        for item in model.commands:
            command = by_id[item.id]
            command.produces = [by_id[e] for e in item.produces if e in by_id]
            for event in command.produces:
                event.produced_by.append(command)
            command.issued_by = [text_of[t] for t in item.triggered_by if t in text_of]
            aggregate = by_id.get(item.aggregate)
            if aggregate is None:
                aggregate = self._stand_in(command, item, systems)
            command.aggregate = aggregate
            aggregate.commands.append(command)
        for item in model.policies:
            policy = by_id[item.id]
            policy.when = [by_id[e] for e in item.when if e in by_id]
            policy.then = [by_id[c] for c in item.then if c in by_id]
            for command in policy.then:
                command.by_policies.append(policy)
        for item in model.events:
            event = by_id[item.id]
            event.aggregate = by_id.get(item.aggregate)
            event.caused_by_systems = [
                text_of[c] for c in item.caused_by if c in systems
            ]
        for item in model.read_models:
            read_model = by_id[item.id]
            read_model.fed_by = [by_id[e] for e in item.fed_by if e in by_id]
        self._identities()
        self._routes()
        self._aggregate_state()
        self._read_model_rows()
        self._derived_names()

    def _stand_in(self, command, item, systems):
        """An aggregate for a command drawn in none: the external system it is
        invoked on, or one per context for the rest."""
        context = command.context
        target = next((systems[t] for t in item.targets if t in systems), None)
        key = f"stand-in:{context.module}:{target.id if target else ''}"
        found = self.by_id.get(key)
        if found is not None:
            return found
        if target is not None:
            wanted, text = target.class_name, target.name
            stands_for = f"the external system “{target.name}”"
        else:
            wanted, text = "Unassigned", "Commands in no aggregate"
            stands_for = "commands drawn outside any aggregate"
        name = self.names.claim(context.module, key, wanted, text)
        aggregate = Aggregate(
            key, text, name, f"Stands for {stands_for}.", context, stands_for=stands_for
        )
        context.aggregates.append(aggregate)
        self.by_id[key] = aggregate
        return aggregate

    def _identities(self):
        """Each aggregate's id field, and that field on its commands and events."""
        for aggregate in (a for c in self._contexts for a in c.aggregates):
            pinned = self.names.pinned(aggregate.id, "id_field")
            name = pinned or _id_field_name(aggregate)
            aggregate.id_field = FieldSpec(name, "uuid")
            for command in aggregate.commands:
                self._ensure(command.fields, aggregate.id_field)
            produced = [e for c in aggregate.commands for e in c.produces]
            owned = [e for e in aggregate.context.events if e.aggregate is aggregate]
            for event in [*produced, *(e for e in owned if e not in produced)]:
                if event.aggregate is None:
                    event.aggregate = aggregate
                if event.aggregate is aggregate:
                    self._ensure(event.fields, aggregate.id_field)
                    event.id_field = aggregate.id_field
                if event not in aggregate.events:
                    aggregate.events.append(event)
        for event in self.plan_events():
            if event.id_field is None:
                event.id_field = next(
                    (f for f in event.fields if f.type == "uuid"), None
                )

    @staticmethod
    def _ensure(fields, id_field):
        existing = next((f for f in fields if f.name == id_field.name), None)
        if existing is None:
            fields.insert(0, FieldSpec(id_field.name, "uuid"))
        elif existing.type != "uuid" or existing.optional:
            # The board typed the id otherwise: the aggregate's id is a UUID.
            fields[fields.index(existing)] = FieldSpec(
                existing.name, "uuid", False, existing.label
            )

    def plan_events(self):
        return [e for c in self._contexts for e in c.events]

    def _routes(self):
        for context in self._contexts:
            listeners = [*context.policies, *context.read_models]
            for listener in listeners:
                sources = (
                    listener.when if isinstance(listener, Policy) else listener.fed_by
                )
                for event in sources:
                    if event.context is not context and context not in event.consumers:
                        event.consumers.append(context)

    def _aggregate_state(self):
        for aggregate in (a for c in self._contexts for a in c.aggregates):
            state = [FieldSpec(aggregate.id_field.name, "uuid", True)]
            for event in aggregate.events:
                for spec in event.fields:
                    if not any(s.name == spec.name for s in state):
                        state.append(FieldSpec(spec.name, spec.type, True, spec.label))
            aggregate.state = state

    def _read_model_rows(self):
        for read_model in (r for c in self._contexts for r in c.read_models):
            if not read_model.fields:
                for event in read_model.fed_by:
                    for spec in event.fields:
                        if not any(f.name == spec.name for f in read_model.fields):
                            read_model.fields.append(
                                FieldSpec(spec.name, spec.type, True, spec.label)
                            )
            else:
                read_model.fields = [
                    FieldSpec(f.name, f.type, True, f.label) for f in read_model.fields
                ]
            read_model.key = _row_key(read_model)

    def _derived_names(self):
        for context in self._contexts:
            scope = context.module
            for aggregate in context.aggregates:
                aggregate.state_cls = self.names.derived(scope, f"{aggregate.cls}State")
            for command in context.commands:
                command.handler = self.names.derived(scope, f"{command.cls}Handler")
            for read_model in context.read_models:
                read_model.row_cls = self.names.derived(scope, f"{read_model.cls}Row")
            for event in context.events:
                if event.style == "notification":
                    event.notice = self.names.derived(scope, f"{event.cls}Notice")
            for aggregate in context.aggregates:
                if any(
                    e.style == "notification" and e.leaves for e in aggregate.events
                ):
                    aggregate.query = identifiers.snake_name(aggregate.cls, "aggregate")

    # schema versions: kept, and raised when the shape changed

    def versions(self):
        for event in self.plan_events():
            event.schema_version, event.shape_changed = self._version(
                event.id, event.fields, "schema_version"
            )
        for aggregate in (a for c in self._contexts for a in c.aggregates):
            aggregate.snapshot_version, _ = self._version(
                aggregate.id, aggregate.state, "snapshot_version"
            )

    def _version(self, element_id, fields, key):
        shape = _shape(fields)
        before = self.names.previous.get(element_id, {})
        version = before.get(key, 1)
        if before.get("shape") and before["shape"] != shape:
            return version + 1, f"v{version} -> v{version + 1}"
        return version, ""

    def manifest_names(self):
        names = {}
        for context in self._contexts:
            names[context.id] = {"module": context.module}
        for element in self.by_id.values():
            entry = {"class": element.cls}
            if isinstance(element, Aggregate):
                entry["id_field"] = element.id_field.name
                entry["snapshot_version"] = element.snapshot_version
                entry["shape"] = _shape(element.state)
            elif isinstance(element, Event):
                entry["schema_version"] = element.schema_version
                entry["shape"] = _shape(element.fields)
            names[element.id] = entry
        return dict(sorted(names.items()))

    # the demo: what people and systems do, in timeline order

    def steps(self):
        steps, seen = [], set()
        for event in self._timeline():
            if not event.produced_by:
                by = ", ".join(event.caused_by_systems) or "outside"
                steps.append(Step(event=event, by=by))
                continue
            for command in event.produced_by:
                if command.id in seen:
                    continue
                seen.add(command.id)
                if command.by_policies and not command.issued_by:
                    continue  # a policy issues it when the time comes
                steps.append(Step(command=command, by=", ".join(command.issued_by)))
        for command in self._commands():
            if command.id not in seen and not (
                command.by_policies and not command.issued_by
            ):
                steps.append(Step(command=command, by=", ".join(command.issued_by)))
        return steps

    def _timeline(self):
        order = {e.id: n for n, e in enumerate(self.model.events)}
        return sorted(self.plan_events(), key=lambda e: order.get(e.id, 0))

    def _commands(self):
        order = {c.id: n for n, c in enumerate(self.model.commands)}
        commands = [c for ctx in self._contexts for c in ctx.commands]
        return sorted(commands, key=lambda c: order.get(c.id, 0))


def _id_field_name(aggregate):
    """What identifies an aggregate: `<aggregate>_id` when its messages have
    it; else the one UUID field all its commands and events carry (the
    board's `订单号`); else `<aggregate>_id`, added to them."""
    wanted = field_name(f"{identifiers.snake_name(aggregate.cls, 'aggregate')}_id")
    produced = [e for c in aggregate.commands for e in c.produces]
    owned = [e for e in aggregate.context.events if e.aggregate is aggregate]
    messages = [*aggregate.commands, *produced, *owned]
    if any(m.field_named(wanted) is not None for m in messages):
        return wanted
    if messages:
        shared = [
            f.name
            for f in messages[0].fields
            if f.type == "uuid"
            and not f.optional
            and all(
                (found := m.field_named(f.name)) is not None and found.type == "uuid"
                for m in messages
            )
        ]
        if len(shared) == 1:
            return shared[0]
    return wanted


def _row_key(read_model):
    """The field a read model's rows are keyed by: a UUID field every event
    that feeds it carries, else any field they all carry (None: one row)."""
    candidates = read_model.fields
    for wanted in ("uuid", None):
        for spec in candidates:
            if wanted and spec.type != wanted:
                continue
            if read_model.fed_by and all(
                e.field_named(spec.name) is not None for e in read_model.fed_by
            ):
                return spec
    return None


def _module_safe(name):
    """Module names are folded to lower case (`Ordering` -> `ordering`)."""
    name = identifiers.snake_name(name, "context")
    if name in ("runtime", "eventstore", "tests", "app", "demo") or name.startswith(
        "_"
    ):
        name += "_context"
    return name
