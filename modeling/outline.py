"""The model as a tree a reviewer reads top-down. Pure, from `Model.to_dict()`.

context -> aggregate -> command -> event -> policy -> the command it issues,
then what stands apart: loose commands and events, read models, policies no
event activates, and, for the whole board, actors, external systems and hot
spots. A policy's command is a leaf pointing to where the command lives, so
the tree stays finite when policies trigger each other in a loop.

A node is `{"kind", "label", "name", "note", "children"}`: `label` is the code
identifier, `name` the sticky's text, `note` a short "by ..." or "-> ..." line,
in the active language (the board's, when an export asks).
"""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .model import Model


def _node(kind, item, note="", children=()):
    return {
        "kind": kind,
        "label": item.get("class_name") or item.get("text", ""),
        "name": item.get("name", ""),
        "note": note,
        "children": list(children),
    }


class _Outline:
    def __init__(self, model):
        self.model = model
        self.by_id = {
            item["id"]: item
            for collection in Model.COLLECTIONS
            for item in model.get(collection, ())
        }
        self.listeners = {}
        for policy in model.get("policies", ()):
            for event_id in policy.get("when", ()):
                self.listeners.setdefault(event_id, []).append(policy)

    def labels(self, ids):
        return ", ".join(
            self.by_id[i].get("class_name") or self.by_id[i].get("text", "")
            for i in ids
            if i in self.by_id
        )

    def where(self, item):
        context = self.by_id.get(item.get("context"))
        if context is None:
            return _("in no context")
        where = pgettext("outline note", "in %(context)s")
        return where % {"context": context["class_name"]}

    def policy(self, policy):
        leaves = [
            _node("command", self.by_id[c], note=self.where(self.by_id[c]))
            for c in policy.get("then", ())
            if c in self.by_id
        ]
        note = _("integration across contexts") if policy.get("integration") else ""
        return _node("policy", policy, note=note, children=leaves)

    def event(self, event):
        note = _("pivotal") if event.get("pivotal") else ""
        policies = [self.policy(p) for p in self.listeners.get(event["id"], ())]
        return _node("event", event, note=note, children=policies)

    def command(self, command):
        note = self.labels(command.get("triggered_by", ()))
        events = [
            self.event(self.by_id[e])
            for e in command.get("produces", ())
            if e in self.by_id
        ]
        return _node(
            "command",
            command,
            note=_("by %(names)s") % {"names": note} if note else "",
            children=events,
        )

    def aggregate(self, aggregate):
        commands = [
            self.by_id[c] for c in aggregate.get("commands", ()) if c in self.by_id
        ]
        produced = {e for c in commands for e in c.get("produces", ())}
        children = [self.command(c) for c in commands]
        children += [
            self.event(self.by_id[e])
            for e in aggregate.get("events", ())
            if e in self.by_id and e not in produced
        ]
        return _node("aggregate", aggregate, children=children)

    def loose(self, context_id):
        """What belongs to the context (or to none) but to no aggregate."""
        in_context = [
            (collection, item)
            for collection in ("commands", "events", "read_models", "policies")
            for item in self.model.get(collection, ())
            if item.get("context") == context_id
        ]
        activated = {p["id"] for items in self.listeners.values() for p in items}
        produced = {
            e for c in self.model.get("commands", ()) for e in c.get("produces", ())
        }
        children = []
        for collection, item in in_context:
            if collection == "commands" and item.get("aggregate") is None:
                children.append(self.command(item))
            elif (
                collection == "events"
                and item.get("aggregate") is None
                and item["id"] not in produced
            ):
                children.append(self.event(item))
            elif collection == "read_models":
                fed_by = self.labels(item.get("fed_by", ()))
                children.append(
                    _node(
                        "read_model",
                        item,
                        note=_("fed by %(names)s") % {"names": fed_by}
                        if fed_by
                        else "",
                    )
                )
            elif collection == "policies" and item["id"] not in activated:
                children.append(self.policy(item))
        return children

    def tree(self):
        roots = []
        for context in self.model.get("contexts", ()):
            aggregates = [
                self.aggregate(self.by_id[a])
                for a in context.get("aggregates", ())
                if a in self.by_id
            ]
            roots.append(
                _node(
                    "context",
                    context,
                    children=[*aggregates, *self.loose(context["id"])],
                )
            )
        homeless = [
            self.aggregate(a)
            for a in self.model.get("aggregates", ())
            if a.get("context") is None
        ]
        homeless += self.loose(None)
        if homeless:
            roots.append(
                {
                    "kind": "context",
                    "label": "(outside any context)",
                    "name": "",
                    "note": "",
                    "children": homeless,
                }
            )
        for actor in self.model.get("actors", ()):
            note = self.labels(actor.get("issues", ()))
            note = _("issues %(names)s") % {"names": note} if note else ""
            roots.append(_node("actor", actor, note=note))
        for system in self.model.get("external_systems", ()):
            note = self.labels(system.get("triggers", ()))
            note = _("triggers %(names)s") % {"names": note} if note else ""
            roots.append(_node("external_system", system, note=note))
        for hotspot in self.model.get("hotspots", ()):
            note = self.labels(hotspot.get("about", ()))
            note = _("about %(names)s") % {"names": note} if note else ""
            roots.append(_node("hotspot", hotspot, note=note))
        return roots


def outline(model_dict):
    """The model dict as a list of root nodes (see the module's docstring)."""
    return _Outline(model_dict).tree()
