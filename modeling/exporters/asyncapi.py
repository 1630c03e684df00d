"""AsyncAPI 3.0.0: one document per bounded context, the events it publishes
and the events of other contexts it consumes.

`asyncapi/<context func_name>.yaml` per context; events, policies and read
models in no context (or a board without contexts) make `asyncapi/core.yaml`.

What a document holds:

- a channel, a message and a `send` operation for each event of the context.
  An event that a policy or read model of another context consumes *leaves*
  the context: it is part of its published language (tag `integration`).
  Every other event of the context is listed too, marked `x-internal: true`
  (tag `internal`): the context's own policies and read models use it, no
  other context may rely on it. Listing them keeps a board without contexts
  useful (all its events are internal) and shows what could be published;
  a tool that wants the contract alone drops what is `x-internal`.
- a `receive` operation for each event of another context that a policy or
  read model of this context consumes, on that context's channel (the same
  address in both documents), its message repeated here so that each
  document stands alone.

How an event leaves its context is its style (`Event.style`), shown on the
message as `x-event-style`: `state-transfer` (event-carried state transfer:
the payload carries the event's fields, the consumer needs no call back) or
`notification` (the payload is the producing aggregate's id, `ref`, a
reference to the aggregate at the version the event made, and that
`version`: what the generated package's notice carries; the consumer
calls the producing context back with it). An internal event never leaves,
so its payload is its fields and it has no `x-event-style`.

Keys of channels, operations and components must match
`^[A-Za-z0-9._-]+$`; a name that is not ASCII is keyed by its code points
(`订单` -> `u-8ba2-5355`), stable across exports, with the name as written
in `name`, `title` and the channel address (`订单.订单已支付`).

The YAML is written here, without PyYAML: block style, keys and simple
strings plain, other strings double-quoted with JSON's escapes (which YAML
reads alike), so the same source gives the same bytes.
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from ..model import Policy
from . import package_plan
from .base import Files

ASYNCAPI_VERSION = "3.0.0"
CORE = "core"
STATE, NOTIFICATION = "state-transfer", "notification"
# Money and other decimals travel as text: no float rounding on the way.
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_ASCII_KEY = re.compile(r"^[A-Za-z0-9_]+$")

_SCALARS = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "decimal": {"type": "string", "pattern": DECIMAL_PATTERN},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "uuid": {"type": "string", "format": "uuid"},
}
_EXAMPLES = {
    "str": "text",
    "int": 1,
    "float": 1.5,
    "bool": True,
    "decimal": "19.99",
    "date": "2026-01-31",
    "datetime": "2026-01-31T09:00:00Z",
    "uuid": "00000000-0000-4000-8000-000000000001",
}


def export(source) -> Files:
    return Files(
        {path: dump_yaml(document) for path, document in documents(source).items()}
    )


def documents(source):
    """Path -> the AsyncAPI document (plain dicts), one per context."""
    bus = _Bus(source.model)
    return {
        f"asyncapi/{bucket.file_name}.yaml": _document(source, bus, bucket)
        for bucket in bus.buckets
    }


def schema(type_):
    """The JSON Schema of a field type (`modeling.fields`)."""
    if type_.startswith("list[") and type_.endswith("]"):
        return {"type": "array", "items": schema(type_[5:-1])}
    return dict(_SCALARS.get(type_, _SCALARS["str"]))


def example(type_):
    if type_.startswith("list[") and type_.endswith("]"):
        return [example(type_[5:-1])]
    return _EXAMPLES.get(type_, _EXAMPLES["str"])


def ascii_key(name):
    """`OrderPlaced` as it is; `订单已支付` -> `u-8ba2-5355-5df2-652f-4ed8`.

    The hyphen, which no identifier holds, keeps the two forms apart.
    """
    if _ASCII_KEY.match(name):
        return name
    return "u-" + "-".join(f"{ord(char):x}" for char in name)


# -- who publishes what, who consumes it ----------------------------------------


@dataclass
class _Bucket:
    """A bounded context, or the core of what is in none."""

    context: object  # a model Context, or None for the core
    key: str  # ASCII, for component keys
    name: str  # as written, for titles and addresses
    file_name: str
    description: str = ""
    events: list = field(default_factory=list)
    consumers: list = field(default_factory=list)  # policies and read models


class _Bus:
    def __init__(self, model):
        self.model = model
        # What the generated package sends for each event: its fields (with
        # the aggregate's id where the board left it out) and, for a
        # notification, the id field of its notice. One published language.
        self.sent = {e.id: e for e in package_plan.plan(model, "domain").events}
        contexts = {c.id: c for c in model.contexts}
        self.buckets = []
        self._by_context = {}
        taken = {c.func_name for c in model.contexts}
        for context in model.contexts:
            self._add(context.id, context, context.func_name, context.name)
        stray = [
            e
            for collection in ("events", "policies", "read_models")
            for e in getattr(model, collection)
            if e.context not in contexts
        ]
        if stray or not contexts:
            name, n = CORE, 1
            while name in taken:
                n += 1
                name = f"{CORE}_{n}"
            self._add(None, None, name, "Core")
        for event in model.events:
            self.bucket_of(event).events.append(event)
        for collection in ("policies", "read_models"):
            for consumer in getattr(model, collection):
                self.bucket_of(consumer).consumers.append(consumer)

    def _add(self, context_id, context, file_name, name):
        bucket = _Bucket(
            context=context,
            key=ascii_key(file_name),
            name=name,
            file_name=file_name,
            description=context.description if context else "",
        )
        self.buckets.append(bucket)
        self._by_context[context_id] = bucket

    def bucket_of(self, element):
        return self._by_context.get(element.context) or self._by_context[None]

    def consumers_of(self, event):
        """Policies and read models that react to `event`, in model order."""
        return [
            c
            for c in self.model.policies + self.model.read_models
            if event.id in (c.when if isinstance(c, Policy) else c.fed_by)
        ]

    def outside(self, event):
        """The consumers of `event` in other contexts than its own."""
        home = self.bucket_of(event)
        return [c for c in self.consumers_of(event) if self.bucket_of(c) is not home]

    def received_by(self, bucket):
        """Events of other contexts that `bucket`'s consumers react to."""
        return [
            event
            for event in self.model.events
            if self.bucket_of(event) is not bucket
            and any(self.bucket_of(c) is bucket for c in self.consumers_of(event))
        ]


# -- the document ------------------------------------------------------------------


def _document(source, bus, bucket):
    board = source.board_name or source.model.name or "board"
    version = (
        str(source.version) if source.version is not None else f"live seq {source.seq}"
    )
    channels, operations, messages = {}, {}, {}
    for event in bucket.events:
        leaves = bool(bus.outside(event))
        key = _add_channel(bus, event, channels, messages, leaves)
        operations[f"send.{key}"] = _operation(bus, event, key, "send", bucket, leaves)
    for event in bus.received_by(bucket):
        key = _add_channel(bus, event, channels, messages, leaves=True)
        operations[f"receive.{key}"] = _operation(
            bus, event, key, "receive", bucket, leaves=True
        )
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": f"{bucket.name} — {board}",
            "version": version,
            "description": _info_description(source, bucket, board),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _info_description(source, bucket, board):
    what = (
        f"The events of the bounded context {bucket.name}"
        if bucket.context
        else "The events that belong to no bounded context"
    )
    parts = [bucket.description] if bucket.description else []
    parts.append(
        f"{what}, from the event storming board “{board}”"
        f" ({source.label}). Channels tagged `integration` leave the context:"
        " other contexts consume them. Those marked `x-internal` stay inside it"
        " and are no contract. `receive` operations are the events of other"
        " contexts this one reacts to."
    )
    return "\n\n".join(parts)


def _event_key(bus, event):
    return f"{bus.bucket_of(event).key}.{ascii_key(event.class_name)}"


def _add_channel(bus, event, channels, messages, leaves):
    key = _event_key(bus, event)
    home = bus.bucket_of(event)
    name = ascii_key(event.class_name)
    channels[key] = {
        "address": f"{home.file_name}.{event.class_name}",
        "title": event.name,
        "description": _channel_description(bus, event, leaves),
        "messages": {name: {"$ref": f"#/components/messages/{key}"}},
        **({} if leaves else {"x-internal": True}),
    }
    messages[key] = _message(bus, event, leaves)
    return key


def _names(bus, consumers):
    return ", ".join(
        f"{bus.bucket_of(c).name} ({_kind(c)} “{c.name}”)" for c in consumers
    )


def _kind(consumer):
    return "policy" if isinstance(consumer, Policy) else "read model"


def _channel_description(bus, event, leaves):
    home = bus.bucket_of(event).name
    if not leaves:
        inside = bus.consumers_of(event)
        used = f" Used by {_names(bus, inside)}." if inside else ""
        return f"Internal to {home}: no other context consumes it.{used}"
    return f"Published by {home}; consumed by {_names(bus, bus.outside(event))}."


def _aggregate(bus, event):
    return bus.model.element(event.aggregate) if event.aggregate else None


def _message(bus, event, leaves):
    style = NOTIFICATION if leaves and event.style == "notification" else STATE
    home = bus.bucket_of(event)
    aggregate = _aggregate(bus, event)
    owner = f"the {aggregate.name}" if aggregate else f"the {home.name} context"
    if not leaves:
        summary = f"{event.name}: internal to {home.name}."
        how = f"Internal to {home.name}: the event carries its data."
    elif style == NOTIFICATION:
        summary = f"{event.name}: a notification; the consumer calls {home.name} back."
        how = (
            "Event notification: the message carries only the id of"
            f" {owner} and `ref`, a reference to it at the version this event"
            f" made. The consumer calls back the {home.name} context with `ref`"
            f" to read the state it needs, so {home.name} must answer when it does."
        )
    else:
        summary = f"{event.name}: carries its state."
        how = (
            "Event-carried state transfer: the message carries the event's"
            f" data; the consumer needs no call back to {home.name}."
        )
    payload, sample = (
        _notification_payload(bus, event)
        if style == NOTIFICATION
        else _state_payload(bus, event)
    )
    message = {
        "name": event.class_name,
        "title": event.name,
        "summary": summary,
        "description": "\n\n".join(filter(None, (event.description, how))),
        "payload": payload,
        "examples": [{"name": "example", "payload": sample}],
        "tags": [{"name": "integration" if leaves else "internal"}]
        + ([{"name": "pivotal"}] if event.pivotal else []),
    }
    if leaves:
        message["x-event-style"] = style
    else:
        message["x-internal"] = True
    return message


def _state_payload(bus, event):
    properties, required, sample = {}, [], {}
    sent = bus.sent.get(event.id)
    for f in sent.fields if sent else event.fields:
        prop = schema(f.type)
        if f.label:
            prop["title"] = f.label
        properties[f.name] = prop
        if not f.optional:
            required.append(f.name)
        sample[f.name] = example(f.type)
    payload = {"type": "object", "properties": properties}
    if required:
        payload["required"] = required
    return payload, sample


def id_field(bus, event):
    """The field that holds the id of the aggregate the event happened to:
    `<aggregate>_id` or `id`, else the first uuid, else the first field."""
    aggregate = _aggregate(bus, event)
    wanted = {"id"} | ({f"{aggregate.func_name}_id"} if aggregate else set())
    for candidates in (
        [f for f in event.fields if f.name in wanted],
        [f for f in event.fields if f.type == "uuid"],
        list(event.fields),
    ):
        if candidates:
            return candidates[0]
    return None


def _notification_payload(bus, event):
    """What the generated package's notice carries: the aggregate's id (under
    its field's name), `ref` (`<context>/<Aggregate>/<id>@<version>`, the
    form of its `integration.reference`) and the `version` it names."""
    home = bus.bucket_of(event)
    aggregate = _aggregate(bus, event)
    sent = bus.sent.get(event.id)
    found = sent.id_field if sent else id_field(bus, event)
    if aggregate:
        owner = f"the {aggregate.name}"
        path = [home.file_name, aggregate.class_name]
    else:
        owner = f"the {event.name} event"
        path = [home.file_name, event.class_name]
    template = "/".join(path) + "/{id}@{version}"
    properties, sample = {}, {}
    if found:
        properties[found.name] = {
            **schema(found.type),
            "description": f"The id of {owner}.",
        }
        sample[found.name] = example(found.type)
    properties["ref"] = {
        "type": "string",
        "format": "uri-reference",
        "description": (
            f"Where to read {owner} as this event left it (at the version the"
            f" event made), in the {home.name} context: `{template}`."
        ),
    }
    properties["version"] = {
        "type": "integer",
        "minimum": 1,
        "description": f"The version of {owner} the event made.",
    }
    sample_id = str(sample.get(found.name, "1")) if found else "1"
    parts = [*path, sample_id]
    sample["ref"] = "/".join(quote(p, safe="") for p in parts) + "@1"
    sample["version"] = 1
    payload = {"type": "object", "properties": properties, "required": list(properties)}
    return payload, sample


def _operation(bus, event, key, action, bucket, leaves):
    home = bus.bucket_of(event)
    name = ascii_key(event.class_name)
    ref = {"$ref": f"#/channels/{key}"}
    messages = [{"$ref": f"#/channels/{key}/messages/{name}"}]
    if action == "send":
        title = f"Publish {event.name}"
        if leaves:
            description = (
                f"{home.name} publishes it through its outbox, in the transaction"
                " that records it."
            )
        else:
            description = (
                f"{home.name} publishes it for its own policies and read models."
            )
    else:
        title = f"React to {event.name}"
        mine = [c for c in bus.consumers_of(event) if bus.bucket_of(c) is bucket]
        description = f"{bucket.name} receives it from {home.name}: " + "; ".join(
            _reaction(bus, c) for c in mine
        )
        if event.style == "notification":
            description += (
                f". It is a notification: call {home.name} back with its `ref`"
                " for the state."
            )
        else:
            description += "."
    operation = {
        "action": action,
        "channel": ref,
        "messages": messages,
        "title": title,
        "description": description,
    }
    if not leaves:
        operation["x-internal"] = True
    return operation


def _reaction(bus, consumer):
    if isinstance(consumer, Policy):
        then = [c for c in bus.model.commands if c.id in consumer.then]
        commands = ", ".join(c.name for c in then if c)
        return f"policy “{consumer.name}”" + (f" -> {commands}" if commands else "")
    return f"read model “{consumer.name}” is updated"


# -- YAML ----------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z_$][A-Za-z0-9_.$-]*$")
# Words that YAML 1.1 readers take for booleans or null.
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
# Outside YAML's printable set, or a line break in YAML 1.1: escaped.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def _scalar(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _lines(value, indent):
    pad = "  " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{_scalar(key)}:"
            if isinstance(item, dict | list) and item:
                yield head
                yield from _lines(item, indent + 1)
            else:
                yield f"{head} {_inline(item)}"
    else:
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = list(_lines(item, indent + 1))
                # The first line goes beside the dash.
                yield f"{pad}- {nested[0].lstrip()}"
                yield from nested[1:]
            else:
                yield f"{pad}- {_inline(item)}"


def _inline(value):
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def dump_yaml(document):
    """Block-style YAML of plain data (dicts, lists, str, int, float, bool)."""
    return "\n".join(_lines(document, 0)) + "\n"
