"""What changed between two models: as data, and as text a workshop reads.

Pure: both sides are `Model.to_dict()` forms (what a `ModelVersion` stores).
Elements are matched by sticky id, so a sticky whose text was edited is
*renamed*, not removed and added again. Per collection the diff lists what
was added, removed, renamed (same id, another name or identifier) and changed
(same id, any other difference: fields, the aggregate or context it sits in,
its links, pivotal, description...).

References in the data carry the id and a label (the class name, or the text
of a hot spot) from their own side: the old label for what was there before,
the new one for what is there now.

Three things are left out as echoes of changes reported elsewhere: which
aggregates a context holds and which commands and events an aggregate holds
(each element's own `aggregate` and `context` say it), and the phase numbers
of the timeline (they follow from the timeline and the pivotal flags, which
are reported).
"""

from .model import Model

KIND = {
    "contexts": "context",
    "aggregates": "aggregate",
    "events": "event",
    "commands": "command",
    "policies": "policy",
    "read_models": "read model",
    "actors": "actor",
    "external_systems": "external system",
    "hotspots": "hot spot",
}
# What names an element: a change in these is a rename.
NAME_KEYS = ("name", "class_name", "func_name", "text")
# Echoes of other changes (see the module's docstring).
ECHOES = {
    "contexts": {"aggregates", "phases"},
    "aggregates": {"commands", "events"},
    "events": {"phase"},
}
# Single references to another element.
REFERENCES = ("context", "aggregate")
# Lists whose order is their meaning; other lists of ids are sets.
ORDERED = ("timeline",)
MAX_LABEL = 60


def _label(item):
    if item is None:
        return None
    if item.get("class_name"):
        return item["class_name"]
    text = " ".join(str(item.get("text", "")).split())
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1] + "…"
    return f"“{text}”"


class _Side:
    """One model, indexed by element id."""

    def __init__(self, model_dict):
        self.model = model_dict or {}
        self.items = {
            collection: {item["id"]: item for item in self.model.get(collection, ())}
            for collection in Model.COLLECTIONS
        }
        self.all = {
            item_id: item
            for items in self.items.values()
            for item_id, item in items.items()
        }

    def ref(self, element_id):
        if element_id is None:
            return None
        item = self.all.get(element_id)
        return {"id": element_id, "label": _label(item) if item else element_id}

    def context_label(self, item):
        context = self.all.get(item.get("context"))
        return _label(context) if context else None


def _summary(side, item):
    return {
        "id": item["id"],
        "name": item.get("name", item.get("text", "")),
        "label": _label(item),
        "context": side.context_label(item),
    }


def _field_text(field):
    return f"{field['type']}{'?' if field.get('optional') else ''}"


def _fields_change(old_fields, new_fields):
    old = {f["name"]: f for f in old_fields}
    new = {f["name"]: f for f in new_fields}
    change = {
        "attribute": "fields",
        "added": [new[name] for name in new if name not in old],
        "removed": [old[name] for name in old if name not in new],
        "changed": [
            {"name": name, "old": _field_text(old[name]), "new": _field_text(new[name])}
            for name in new
            if name in old and _field_text(old[name]) != _field_text(new[name])
        ],
    }
    if any(change[key] for key in ("added", "removed", "changed")):
        return change
    if [f["name"] for f in old_fields] != [f["name"] for f in new_fields]:
        return {"attribute": "fields", "reordered": [f["name"] for f in new_fields]}
    return None


def _ids_change(key, old_ids, new_ids, old_side, new_side):
    old_set, new_set = set(old_ids), set(new_ids)
    if key in ORDERED:
        # What joined or left the list is reported on the element itself;
        # here only a new order of what stayed counts.
        kept_old = [i for i in old_ids if i in new_set]
        kept_new = [i for i in new_ids if i in old_set]
        if kept_old != kept_new:
            return {"attribute": key, "reordered": [new_side.ref(i) for i in kept_new]}
        return None
    change = {
        "attribute": key,
        "added": [new_side.ref(i) for i in new_ids if i not in old_set],
        "removed": [old_side.ref(i) for i in old_ids if i not in new_set],
    }
    if change["added"] or change["removed"]:
        return change
    return None


def _id_list(value):
    """A list of element ids (or nothing), as links and memberships are."""
    return value is None or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


def _changes(collection, old, new, old_side, new_side):
    """How one element differs apart from its name, as a list of changes."""
    changes = []
    skip = {"id", *NAME_KEYS, *ECHOES.get(collection, ())}
    for key in sorted((set(old) | set(new)) - skip):
        before, after = old.get(key), new.get(key)
        if key == "fields":
            change = _fields_change(before or [], after or [])
        elif key in REFERENCES:
            change = None
            if before != after:
                change = {
                    "attribute": key,
                    "old": old_side.ref(before),
                    "new": new_side.ref(after),
                }
        elif _id_list(before) and _id_list(after):
            change = _ids_change(key, before or [], after or [], old_side, new_side)
        else:
            change = None
            if before != after:
                change = {"attribute": key, "old": before, "new": after}
        if change:
            changes.append(change)
    return changes


def _sorted(entries):
    return sorted(entries, key=lambda e: (str(e.get("label")), e["id"]))


def diff(old_model, new_model):
    """The difference between two model dicts, as JSON-ready data."""
    old_side, new_side = _Side(old_model), _Side(new_model)
    collections = {}
    for collection in Model.COLLECTIONS:
        before, after = old_side.items[collection], new_side.items[collection]
        added = [_summary(new_side, after[i]) for i in after if i not in before]
        removed = [_summary(old_side, before[i]) for i in before if i not in after]
        renamed, changed = [], []
        for element_id in after.keys() & before.keys():
            old, new = before[element_id], after[element_id]
            names = [key for key in NAME_KEYS if old.get(key) != new.get(key)]
            if names:
                renamed.append(
                    {
                        "id": element_id,
                        "label": _label(new),
                        "old": {key: old.get(key) for key in names},
                        "new": {key: new.get(key) for key in names},
                        "old_label": _label(old),
                    }
                )
            changes = _changes(collection, old, new, old_side, new_side)
            if changes:
                changed.append(
                    {
                        "id": element_id,
                        "name": new.get("name", new.get("text", "")),
                        "label": _label(new),
                        "changes": changes,
                    }
                )
        collections[collection] = {
            "added": _sorted(added),
            "removed": _sorted(removed),
            "renamed": _sorted(renamed),
            "changed": _sorted(changed),
        }
    model = {}
    for key in ("name", "phase", "schema_version"):
        before, after = (old_model or {}).get(key), (new_model or {}).get(key)
        if before != after:
            model[key] = {"old": before, "new": after}
    return {
        "seq": {
            "old": (old_model or {}).get("seq"),
            "new": (new_model or {}).get("seq"),
        },
        "model": model,
        "collections": collections,
    }


def is_empty(data):
    """Whether the diff found no difference at all (the seq aside)."""
    return not data["model"] and not any(
        entries for parts in data["collections"].values() for entries in parts.values()
    )


def counts(data):
    """How many elements were added, removed, renamed and changed in all."""
    totals = dict.fromkeys(("added", "removed", "renamed", "changed"), 0)
    for parts in data["collections"].values():
        for part, entries in parts.items():
            totals[part] += len(entries)
    return totals


# -- text ----------------------------------------------------------------------------


def _refs(refs):
    return ", ".join(ref["label"] for ref in refs)


def _change_text(change):
    attribute = change["attribute"].replace("_", " ")
    if change["attribute"] == "fields":
        if "reordered" in change:
            return f"fields reordered: {', '.join(change['reordered'])}"
        parts = [f"+ {f['name']}: {_field_text(f)}" for f in change["added"]]
        parts += [f"- {f['name']}: {_field_text(f)}" for f in change["removed"]]
        parts += [f"~ {c['name']}: {c['old']} -> {c['new']}" for c in change["changed"]]
        return f"fields {', '.join(parts)}"
    if "reordered" in change:
        return f"{attribute} reordered: {_refs(change['reordered'])}"
    if "added" in change:
        parts = []
        if change["added"]:
            parts.append(f"+ {_refs(change['added'])}")
        if change["removed"]:
            parts.append(f"- {_refs(change['removed'])}")
        return f"{attribute} {', '.join(parts)}"
    old, new = change["old"], change["new"]
    if change["attribute"] in REFERENCES:
        old = old["label"] if old else "(none)"
        new = new["label"] if new else "(none)"
    elif change["attribute"] == "description":
        return "description changed"
    return f"{attribute} {old} -> {new}"


def _rename_text(kind, entry):
    old, new = entry["old"], entry["new"]
    if entry["old_label"] != entry["label"]:
        line = f"~ renamed {kind} {entry['old_label']} -> {entry['label']}"
        if "name" in old:
            line += f" (“{old['name']}” -> “{new['name']}”)"
        return line
    if "name" in old:
        return f"~ renamed {kind} {entry['label']}: “{old['name']}” -> “{new['name']}”"
    # Only the function name: a code name that changed one spelling.
    return (
        f"~ renamed {kind} {entry['label']}: function name "
        f"{old.get('func_name')} -> {new.get('func_name')}"
    )


def _where(entry):
    return f" ({entry['context']})" if entry.get("context") else ""


def render(data):
    """The diff as lines of text: `+` added, `-` removed, `~` renamed or changed."""
    lines = []
    for key, change in data["model"].items():
        lines.append(f"~ model {key}: {change['old']} -> {change['new']}")
    for collection in Model.COLLECTIONS:
        kind = KIND[collection]
        parts = data["collections"][collection]
        for entry in parts["added"]:
            lines.append(f"+ {kind} {entry['label']}{_where(entry)}")
        for entry in parts["removed"]:
            lines.append(f"- {kind} {entry['label']}{_where(entry)}")
        for entry in parts["renamed"]:
            lines.append(_rename_text(kind, entry))
        for entry in parts["changed"]:
            for change in entry["changes"]:
                lines.append(f"~ {kind} {entry['label']}: {_change_text(change)}")
    if not lines:
        return "No changes."
    return "\n".join(lines)
