"""The data an event or command carries: `name: type` pairs from the sticky."""

import re
from dataclasses import dataclass

from .identifiers import snake_name

SCALAR_TYPES = ("str", "int", "float", "bool", "decimal", "date", "datetime", "uuid")
_LIST = re.compile(r"^list\[(.+)\]$")


@dataclass(frozen=True, order=True)
class Field:
    name: str
    type: str
    optional: bool = False
    # The text as written on the sticky, when it differs from `name`.
    label: str = ""


def parse_type(text):
    """`uuid` -> ('uuid', False); `list[int]?` -> ('list[int]', True).

    Returns None when the type is not one we can generate code for.
    """
    text = (text or "").strip().replace(" ", "")
    optional = text.endswith("?")
    if optional:
        text = text[:-1]
    text = text.lower()
    if not text:
        return "str", optional
    if text in SCALAR_TYPES:
        return text, optional
    match = _LIST.match(text)
    if match:
        inner = parse_type(match.group(1))
        if inner and not inner[1]:
            return f"list[{inner[0]}]", optional
    return None


def _name_and_type(raw):
    """A stored field is {name, type}; an imported board may say `name: type`."""
    if isinstance(raw, str):
        name, _, type_ = raw.partition(":")
        return name.strip(), type_.strip()
    return str(raw.get("name") or ""), str(raw.get("type") or "")


def parse_fields(raw_fields):
    """Fields of a sticky -> (fields, problems); unknown types become `str`.

    Problems are (field name, message) pairs for the model checks.
    """
    fields, problems, seen = [], [], set()
    for raw in raw_fields or ():
        label, type_ = _name_and_type(raw)
        name = snake_name(label, "field")
        parsed = parse_type(type_)
        if parsed is None:
            problems.append((label, f"unknown type {type_!r}; using str"))
            parsed = ("str", type_.strip().endswith("?"))
        if name in seen:
            problems.append((label, f"field {name} appears twice"))
            continue
        seen.add(name)
        fields.append(Field(name, parsed[0], parsed[1], label if label != name else ""))
    return tuple(fields), problems
