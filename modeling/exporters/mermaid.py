"""The model as a Mermaid flowchart: `model.mmd`, and `model.md` that wraps
it in a ```mermaid fence (GitHub and GitLab draw it) with a legend.

Left to right, the grammar of event storming: actor -> command -> aggregate
-> event -> policy -> command, event -> read model -> actor, external
systems where they trigger or are called. Each bounded context is a
subgraph; aggregates are nodes inside it (an aggregate drawn as a subgraph
would have to hold its commands and events, and Mermaid ignores a
subgraph's direction once its nodes link outside, which they all do).
Elements in no context stand outside every subgraph; a hot spot stands in
the context of what it is about, linked to it by a dotted line.

Colours are the board's (`static/js/board/kinds.js`). An edge between two
contexts is dashed and drawn in the policy colour; one that carries an event
into another context says how it travels: `state transfer` or
`notification`.

Node ids are ASCII, made of the kind and the class name (code points for
other scripts: `evt_u8ba2_5355`), numbered when two elements share one, in
model order: the same model gives the same text. Labels are the sticky text
as written; characters that Mermaid reads as syntax become its entity codes
(`#quot;`), line breaks `<br>`.
"""

import json
import re

from ..model import Command, Event
from .base import Files

# kind -> (id prefix, class, opening and closing of the node's shape)
KINDS = {
    "actor": ("act", "actor", '(["', '"])'),
    "command": ("cmd", "command", '["', '"]'),
    "aggregate": ("agg", "aggregate", '[["', '"]]'),
    "event": ("evt", "event", '["', '"]'),
    "policy": ("pol", "policy", '{{"', '"}}'),
    "read_model": ("rm", "readModel", '[("', '")]'),
    "external_system": ("sys", "system", '[/"', '"/]'),
    "hotspot": ("hot", "hotspot", '>"', '"]'),
}
COLLECTIONS = (
    ("actors", "actor"),
    ("commands", "command"),
    ("aggregates", "aggregate"),
    ("events", "event"),
    ("policies", "policy"),
    ("read_models", "read_model"),
    ("external_systems", "external_system"),
    ("hotspots", "hotspot"),
)
# fill, stroke: the board's note and edge colours.
COLOURS = {
    "event": ("#fed7aa", "#f59f4d"),
    "command": ("#bfdbfe", "#4a9ee8"),
    "actor": ("#fef9c3", "#e5c935"),
    "policy": ("#c4b5fd", "#8b74f0"),
    "system": ("#fce7f3", "#f08cb8"),
    "readModel": ("#bbf7d0", "#4cc47a"),
    "aggregate": ("#fff3bf", "#e0b400"),
    "hotspot": ("#f783ac", "#d6336c"),
}
CONTEXT_FILL, CONTEXT_STROKE = "#e7f5ff", "#74b4e6"
CROSS_STROKE = "#8b74f0"
STYLE_LABELS = {"state": "state transfer", "notification": "notification"}
LEGEND = (
    "events orange (pivotal ones with a thick border), commands blue, actors"
    " yellow, policies lilac, external systems pink, read models green,"
    " aggregates pale yellow, hot spots (open questions) red"
)

_ID_SAFE = re.compile(r"^[A-Za-z0-9_]+$")
# Read as syntax inside a quoted label, or as HTML where labels are HTML.
_LABEL_UNSAFE = re.compile(r'["#<>&`{}\[\]|\\]')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def export(source) -> Files:
    text = diagram(source)
    return Files({"model.mmd": text, "model.md": _markdown(source, text)})


def label(text):
    """Sticky text as a Mermaid label, quotes included."""
    text = _CONTROL.sub(" ", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    escaped = _LABEL_UNSAFE.sub(lambda m: f"#{ord(m.group())};", text)
    lines = [line.strip() for line in escaped.split("\n")]
    return '"' + "<br>".join(line for line in lines if line) + '"'


def slug(name):
    """`OrderPlaced` as it is; `订单` -> `u8ba2_5355` (the first eight code
    points: ids only need to be unique, and they are numbered when not)."""
    if _ID_SAFE.match(name):
        return name
    return "u" + "_".join(f"{ord(char):x}" for char in name[:8])


def diagram(source):
    return "\n".join(_Diagram(source).lines()) + "\n"


def node_ids(source):
    """Element id -> its node's (or its context's subgraph's) id."""
    return dict(_Diagram(source).ids)


class _Diagram:
    def __init__(self, source):
        self.source = source
        self.model = model = source.model
        self.ids = {}  # element id -> node id
        self.kinds = {}  # element id -> kind
        taken = set()
        for context in model.contexts:
            self.ids[context.id] = self._unique("ctx_" + slug(context.func_name), taken)
        for collection, kind in COLLECTIONS:
            prefix = KINDS[kind][0]
            for n, element in enumerate(getattr(model, collection), 1):
                # Hot spots are questions, not names: they are numbered.
                name = slug(element.class_name) if kind != "hotspot" else n
                self.ids[element.id] = self._unique(f"{prefix}_{name}", taken)
                self.kinds[element.id] = kind
        self.contexts = {c.id for c in model.contexts}
        self.rank = {
            item.id: n
            for n, item in enumerate(
                item
                for collection in model.COLLECTIONS
                for item in getattr(model, collection)
            )
        }

    def ordered(self, ids):
        """References in model order: the order of links on the board (by
        their random ids) does not change the text."""
        return sorted(ids, key=lambda i: (self.rank.get(i, len(self.rank)), i))

    @staticmethod
    def _unique(wanted, taken):
        node, n = wanted, 1
        while node in taken:
            n += 1
            node = f"{wanted}_{n}"
        taken.add(node)
        return node

    # -- where each node goes ----------------------------------------------------

    def context_of(self, element_id):
        element = self.model.element(element_id)
        if element is None:
            return None
        if self.kinds.get(element_id) == "hotspot":
            for about in self.ordered(element.about):
                found = self.context_of(about)
                if found:
                    return found
            return None
        return element.context if element.context in self.contexts else None

    def node(self, element_id):
        element = self.model.element(element_id)
        kind = self.kinds[element_id]
        _, css, opening, closing = KINDS[kind]
        if kind == "event" and element.pivotal:
            css = "pivotal"
        text = element.text if kind == "hotspot" else element.name
        text = label(text)[1:-1]
        return f"{self.ids[element_id]}{opening}{text}{closing}:::{css}"

    # -- edges -------------------------------------------------------------------

    def edges(self):
        """(from, to, style label or None) in a fixed order, no duplicates."""
        seen, found = set(), []
        for source in (
            self._actor_edges,
            self._command_edges,
            self._event_edges,
            self._produced_edges,
            self._policy_edges,
            self._read_model_edges,
            self._system_edges,
            self._hotspot_edges,
        ):
            for a, b, travels in source():
                if a in self.ids and b in self.ids and a != b and (a, b) not in seen:
                    seen.add((a, b))
                    found.append((a, b, travels))
        return found

    def _actor_edges(self):
        for actor in self.model.actors:
            for command in self.ordered(actor.issues):
                yield actor.id, command, None

    def _command_edges(self):
        # What triggers a command is drawn from the trigger's side (actors,
        # systems, policies), in their order.
        for command in self.model.commands:
            if command.aggregate:
                yield command.id, command.aggregate, None
            for system in self.ordered(command.targets):
                yield command.id, system, None

    def _event_edges(self):
        model = self.model
        for event in model.events:
            if event.aggregate:
                yield event.aggregate, event.id, None
            for cause in self.ordered(event.caused_by):
                element = model.element(cause)
                if isinstance(element, Command) and (
                    event.aggregate and element.aggregate == event.aggregate
                ):
                    continue  # command -> aggregate -> event says it
                yield cause, event.id, None

    def _produced_edges(self):
        model = self.model
        for command in model.commands:
            for event in self.ordered(command.produces):
                produced = model.element(event)
                if not (
                    isinstance(produced, Event)
                    and produced.aggregate
                    and produced.aggregate == command.aggregate
                ):
                    yield command.id, event, None

    def _policy_edges(self):
        model = self.model
        for policy in model.policies:
            for event in self.ordered(policy.when):
                yield event, policy.id, model.element(event)
            for read_model in self.ordered(policy.consults):
                yield read_model, policy.id, None
            for command in self.ordered(policy.then):
                yield policy.id, command, None

    def _read_model_edges(self):
        model = self.model
        for read_model in model.read_models:
            for event in self.ordered(read_model.fed_by):
                yield event, read_model.id, model.element(event)
            for user in self.ordered(read_model.used_by):
                yield read_model.id, user, None

    def _system_edges(self):
        for system in self.model.external_systems:
            for target in self.ordered(system.triggers):
                yield system.id, target, None

    def _hotspot_edges(self):
        for hotspot in self.model.hotspots:
            for about in self.ordered(hotspot.about):
                yield hotspot.id, about, "hotspot"

    # -- the text ----------------------------------------------------------------

    def lines(self):
        title = self.source.board_name or self.model.name or "Board"
        yield "---"
        yield f"title: {_yaml_string(f'{title} ({self.source.label})')}"
        yield "---"
        yield "flowchart LR"
        for css, (fill, stroke) in COLOURS.items():
            yield f"  classDef {css} fill:{fill},stroke:{stroke},color:#1f2430"
        fill, stroke = COLOURS["event"]
        yield (
            f"  classDef pivotal fill:{fill},stroke:{stroke},stroke-width:4px,"
            "color:#1f2430"
        )

        members = {}
        for element_id in self.kinds:
            members.setdefault(self.context_of(element_id), []).append(element_id)
        for context in self.model.contexts:
            ctx = self.ids[context.id]
            yield f"  subgraph {ctx}[{label(context.name)}]"
            yield "    direction LR"
            for element_id in members.get(context.id, ()):
                yield f"    {self.node(element_id)}"
            yield "  end"
            yield f"  style {ctx} fill:{CONTEXT_FILL},stroke:{CONTEXT_STROKE}"
        for element_id in members.get(None, ()):
            yield f"  {self.node(element_id)}"

        cross = []
        for n, (a, b, travels) in enumerate(self.edges()):
            source, target = self.ids[a], self.ids[b]
            if travels == "hotspot":
                yield f"  {source} -.- {target}"
            elif self.context_of(a) != self.context_of(b):
                cross.append(n)
                if isinstance(travels, Event):
                    how = STYLE_LABELS.get(travels.style, travels.style)
                    yield f"  {source} -.->|{how}| {target}"
                else:
                    yield f"  {source} -.-> {target}"
            else:
                yield f"  {source} --> {target}"
        if cross:
            numbers = ",".join(str(n) for n in cross)
            yield f"  linkStyle {numbers} stroke:{CROSS_STROKE},stroke-width:2px"


# Mermaid writes the title as HTML, unescaped but sanitised, and reads no
# entity codes there: `<`, `>` and `&` show as their full-width forms.
_TITLE = str.maketrans({"<": "\uff1c", ">": "\uff1e", "&": "\uff06"})


def _yaml_string(text):
    """A double-quoted YAML string (the front matter's title)."""
    text = _CONTROL.sub(" ", text.replace("\n", " ")).translate(_TITLE)
    return json.dumps(text, ensure_ascii=False)


def _markdown(source, text):
    title = source.board_name or source.model.name or "Board"
    return (
        f"# {_markdown_text(title)}: the domain model\n\n"
        f"From {source.label}. Colours as on the board: {LEGEND};"
        " dashed edges cross a bounded context, labelled with how the event"
        " travels (state transfer or notification).\n\n"
        f"```mermaid\n{text}```\n"
    )


def _markdown_text(text):
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", text.replace("\n", " "))
