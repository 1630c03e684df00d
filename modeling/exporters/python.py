"""The model as a runnable Python package on the built-in event store.

`export(source, package=None, previous=None)` returns the package's files:
`<package>/<context>/_generated/*` and the rest of the generated code, the
runtime and the event store copied as they are, and the modules a user edits
(created once: `Files.user_owned`). `previous` is the manifest of an earlier
export into the same folder; names and schema versions are kept from it
(`package_plan`). The manifest of this export is one of the files.

Templates live in `templates/python/`: whole files there, and the pieces a
file is made of (a class per event, a test per command) as their own
templates. This module fills them in.
"""

from __future__ import annotations

import io
import json
import re
import string
import textwrap
import tokenize
from collections import defaultdict
from functools import cache
from pathlib import Path

from django.utils.translation import get_language, gettext

from .. import identifiers
from ..outline import outline
from . import package_plan
from .base import Files, Source
from .package_plan import Aggregate, Command, Event, FieldSpec, Plan, Policy, ReadModel
from .writer import MANIFEST, digest

TEMPLATES = Path(__file__).parent / "templates" / "python"
EVENTSTORE = Path(__file__).parent.parent / "eventstore"
MANIFEST_FORMAT = 1
USER_MODULES = (
    "events",
    "commands",
    "aggregates",
    "handlers",
    "policies",
    "read_models",
    "queries",
)


@cache
def _template(name) -> string.Template:
    return string.Template((TEMPLATES / name).read_text(encoding="utf-8"))


def fill(template, /, **values):
    return _template(template).substitute(values)


def literal(text):
    """A Python string literal of any text (JSON's escapes are Python's)."""
    return json.dumps(text, ensure_ascii=False)


def doc_text(text):
    """Text that is safe inside a triple-quoted docstring."""
    text = (text or "").replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return text.rstrip('"').rstrip() if text.endswith('"') else text


def docstring(lines, indent="    "):
    """A docstring from lines (the first one a summary)."""
    lines = [doc_text(line) for line in lines if line is not None]
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    body = "\n".join(f"{indent}{line}" if line else "" for line in lines[1:])
    return f'"""{lines[0]}\n\n{body}\n{indent}"""'.replace("\n\n\n", "\n\n")


def method_name(prefix, cls):
    return f"{prefix}_{identifiers.snake_name(cls, 'message')}"


# -- imports: what a module body uses -----

_TYPE_IMPORTS = (
    ("dataclasses", "import dataclasses"),
    ("Date", "from datetime import date as Date"),
    ("DateTime", "from datetime import datetime as DateTime"),
    ("Decimal", "from decimal import Decimal"),
    ("ClassVar", "from typing import ClassVar"),
    ("Self", "from typing import Self"),
    ("UUID", "from uuid import UUID"),
)


def _uses(body, name):
    return name in _names(body)


@cache
def _names(body):
    """The names code uses (not attributes, not words in strings)."""
    found, previous = set(), None
    for token in tokenize.generate_tokens(io.StringIO(body).readline):
        if token.type == tokenize.NAME and previous != ".":
            found.add(token.string)
        elif token.type == tokenize.STRING and token.string[:2].lower() in ("f'", 'f"'):
            # Python 3.11 keeps an f-string whole: read its expressions.
            for expression in re.findall(r"(?<!{){([^{}]+)}", token.string):
                found |= _names(expression.split("!")[0].split(":")[0])
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.string
    return frozenset(found)


IMPORTS = "# <imports>"


def code(template, /, *, stdlib=(), third=(), first=(), local=(), **values):
    """A module from its template, with the import block it needs: of the
    imports offered (and the standard types), those its code uses, sorted
    and merged as isort (ruff's `I`) wants, in sections."""
    text = fill(template, imports=IMPORTS, **values)
    body = text.replace(IMPORTS, "")
    standard = [*stdlib, *(line for _, line in _TYPE_IMPORTS)]
    blocks = [
        sort_imports(_used(lines, body)) for lines in (standard, third, first, local)
    ]
    block = "\n\n".join(block for block in blocks if block)
    if not block:  # nothing to import: no gap where the imports would be
        return re.sub(rf"{IMPORTS}\n+", "", text)
    return text.replace(IMPORTS, block)


def _used(lines, body):
    """The import lines, without the names the body does not use."""
    kept = []
    for line in lines:
        if line.startswith("import "):
            if _uses(body, line.split()[-1]):
                kept.append(line)
            continue
        module, _, names = line.partition(" import ")
        used = [
            name.strip()
            for name in names.split(",")
            if _uses(body, name.split(" as ")[-1].strip())
        ]
        if used:
            kept.append(f"{module} import {', '.join(used)}")
    return kept


def sort_imports(lines):
    """`import x` first, then `from` imports by module (relative ones from
    the furthest up), names merged per module, `as` imports one per line."""
    plain, froms = set(), defaultdict(set)
    for line in lines:
        if line.startswith("import "):
            plain.add(line)
            continue
        module, _, names = line[len("from ") :].partition(" import ")
        for name in names.split(","):
            froms[module].add(name.strip())
    out = sorted(plain, key=str.lower)
    for module in sorted(froms, key=_module_key):
        names = sorted(froms[module], key=_name_key)
        simple = [n for n in names if " as " not in n]
        if simple:
            out.append(_wrapped(f"from {module} import ", simple))
        out += [f"from {module} import {n}" for n in names if " as " in n]
    return "\n".join(out)


def _module_key(module):
    dots = len(module) - len(module.lstrip("."))
    return (-dots, module.lstrip(".").lower())


def _name_key(name):
    """isort's order: CONSTANTS, then Classes, then everything else."""
    bare = name.split(" as ")[0]
    kind = 0 if bare.isupper() and len(bare) > 1 else 1 if bare[:1].isupper() else 2
    return (kind, bare.lower(), bare)


def _wrapped(prefix, names):
    line = prefix + ", ".join(names)
    if len(line) <= 88:
        return line
    inner = "".join(f"    {name},\n" for name in names)
    return f"{prefix}(\n{inner})"


def _all_key(name):
    """RUF022's order: CONSTANTS, Classes, the rest; each a natural sort
    (case-sensitive, numbers by value: `Paid2` before `Paid10`)."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    chunks = re.split(r"(\d+)", name)
    return (kind, [int(c) if c.isdigit() else c for c in chunks])


def names_list(names):
    """`__all__`'s items sorted as ruff's RUF022 wants them."""
    ordered = sorted(set(names), key=_all_key)
    line = ", ".join(literal(n) for n in ordered)
    if len(line) + len("__all__ = []") <= 88:
        return line
    return "\n" + "".join(f"    {literal(n)},\n" for n in ordered)


# -- values -----

_EXAMPLES = {
    "str": lambda f: literal(f"example {f.label or f.name.replace('_', ' ')}"),
    "int": lambda f: "1",
    "float": lambda f: "1.5",
    "bool": lambda f: "True",
    "decimal": lambda f: 'Decimal("9.99")',
    "date": lambda f: "messages.EXAMPLE_TIME.date()",
    "datetime": lambda f: "messages.EXAMPLE_TIME",
    "uuid": lambda f: f"messages.example_id({literal(f.name)})",
}


def example_value(spec: FieldSpec):
    one = _EXAMPLES[spec.scalar](spec)
    name = literal(spec.name)
    if spec.many:
        return f"known.items({name}, [{one}])"
    return f"known.get({name}, {package_plan.TYPE_LABELS[spec.scalar]}, {one})"


def default_value(spec: FieldSpec, origin):
    """A value for a field nothing provides; `origin` is the command (whose
    id and time it uses) or a policy's `source`."""
    if spec.optional:
        return "None"
    if spec.many:
        return "[]"
    if origin == "command":
        moment, ids = "command.issued_at", "command.command_id"
    else:
        moment, ids = "source.recorded_at", "source.event_id"
    return {
        "str": '""',
        "int": "0",
        "float": "0.0",
        "bool": "False",
        "decimal": "Decimal(0)",
        "date": f"{moment}.date()",
        "datetime": moment,
        "uuid": f"messages.derived_id({ids}, {literal(spec.name)})",
    }[spec.scalar]


def field_lines(fields, optional_default=False):
    lines = []
    for spec in fields:
        comment = f"  # “{spec.label}”" if spec.label else ""
        default = " = None" if spec.optional or optional_default else ""
        annotation = spec.annotation
        if optional_default and not spec.optional:
            annotation += " | None"
        lines.append(f"    {spec.name}: {annotation}{default}{comment}")
    return "\n".join(lines) + "\n" if lines else ""


def example_method(fields):
    arguments = "\n".join(
        f"            {spec.name}={example_value(spec)}," for spec in fields
    )
    return fill("generated/example.tmpl", arguments=arguments)


def assignment(target: FieldSpec, sources, origin, indent):
    """`name=value,` for a field of a new message, from the first source
    (an expression and its fields) that has a field of that name and type."""
    for expression, fields, nullable in sources:
        spec = next((f for f in fields if f.name == target.name), None)
        if spec is None or not spec.same_type(target):
            continue
        value = f"{expression}.{target.name}"
        if (spec.optional or nullable) and not target.optional:
            value = f"messages.first({value}, {default_value(target, origin)})"
        return f"{indent}{target.name}={value},"
    value = default_value(target, origin)
    return f"{indent}{target.name}={value},  # no {target.name} to take it from"


# -- the package -----


class _Module:
    """Where things live, as seen from a module of a context."""

    def __init__(self, plan: Plan, context):
        self.plan, self.context = plan, context
        self.foreign = {}  # alias -> import line
        self.local = set()  # modules of the context's _generated package

    MODULES = {
        "event": ("events", "cls"),
        "notice": ("events", "notice"),
        "command": ("commands", "cls"),
        "aggregate": ("aggregates", "cls"),
        "state": ("aggregates", "state_cls"),
    }

    def ref(self, element, kind):
        """`events.OrderPlaced`, or `ordering_events.OrderPlaced` elsewhere."""
        module, attribute = self.MODULES[kind]
        name = getattr(element, attribute)
        if element.context is self.context:
            self.local.add(module)
            return f"{module}.{name}"
        alias = f"{element.context.module}_{module}"
        self.foreign[alias] = (
            f"from ...{element.context.module}._generated import {module} as {alias}"
        )
        return f"{alias}.{name}"

    def query_ref(self, aggregate: Aggregate):
        alias = f"{aggregate.context.module}_queries"
        if aggregate.context is self.context:
            self.foreign[alias] = f"from . import queries as {alias}"
        else:
            module = aggregate.context.module
            self.foreign[alias] = (
                f"from ...{module}._generated import queries as {alias}"
            )
        return f"{alias}.{aggregate.query}"

    def foreign_imports(self):
        lines = [self.foreign[alias] for alias in sorted(self.foreign)]
        if self.local:
            lines.append(f"from . import {', '.join(sorted(self.local))}")
        return lines


class _Package:
    def __init__(self, source: Source, plan: Plan):
        self.source, self.plan = source, plan
        self.files = Files()
        self.user = set()
        self.board_literal = literal(source.board_name or "untitled")

    def header(self, advice):
        """The comment atop a generated file: where it came from, and
        `advice` on where the user's code goes instead."""
        text = fill(
            "generated/header.tmpl",
            board_literal=self.board_literal,
            source_label=self.source.label,
            advice=advice,
        )
        return "\n".join(
            f"# {line}" for line in textwrap.wrap(" ".join(text.split()), 76)
        )

    @staticmethod
    def yours(path):
        return (
            f"write your code in {path}, which the export created once and"
            " never rewrites."
        )

    def add(self, path, text, user=False):
        self.files[path] = text
        if user:
            self.user.add(path)

    # -- a context -----

    def context(self, context):
        root = f"{self.plan.package}/{context.module}"
        title = doc_text(context.text or context.cls)
        doc = f"\n{doc_text(context.description)}\n" if context.description else ""
        common = {"context_title": title, "context_doc": doc}
        self.add(
            f"{root}/__init__.py",
            f'"""{title}: a bounded context of {doc_text(self.source.board_name)}.'
            f'\n{doc}"""\n',
        )
        generated = f"{root}/_generated"
        self.add(
            f"{generated}/__init__.py",
            fill(
                "generated/init.py.tmpl",
                header=self.header(self.yours(f"{context.module}/")),
                context_title=title,
            ),
        )
        for name, render in (
            ("events", self.events),
            ("commands", self.commands),
            ("aggregates", self.aggregates),
            ("handlers", self.handlers),
            ("policies", self.policies),
            ("read_models", self.read_models),
            ("queries", self.queries),
            ("wiring", self.wiring),
        ):
            header = self.header(
                self.yours(f"{context.module}/{name}.py")
                if name != "wiring"
                else "a class of the same name in the context's own modules takes"
                " the place of a generated one."
            )
            self.add(f"{generated}/{name}.py", render(context, header, common))
        for name in USER_MODULES:
            self.add(
                f"{root}/{name}.py", self.user_module(context, name, common), user=True
            )

    def events(self, context, header, common):
        module = _Module(self.plan, context)
        classes = []
        for event in context.events:
            lines = [event.text or event.cls, ""]
            if event.description:
                lines += [event.description, ""]
            if event.pivotal:
                lines.append("Pivotal: the story changes here.")
            if event.produced_by:
                lines.append(
                    "Recorded by: "
                    + ", ".join(
                        f"{c.cls} ({c.aggregate.cls})" for c in event.produced_by
                    )
                    + "."
                )
            elif event.caused_by_systems:
                lines.append(
                    f"Comes from outside: {', '.join(event.caused_by_systems)}."
                )
            if event.leaves:
                consumers = ", ".join(c.text or c.cls for c in event.consumers)
                how = (
                    "as a notification (which aggregate, which version, a reference)"
                    if event.style == "notification"
                    else "carrying its data (event-carried state transfer)"
                )
                lines.append(
                    f"Leaves {context.text or context.cls} for {consumers}, {how}."
                )
            notice_method = ""
            if event.style == "notification":
                id_arg = (
                    f"{event.id_field.name}=self.{event.id_field.name},"
                    if event.id_field
                    else ""
                )
                notice_method = fill(
                    "generated/notice_method.tmpl", notice=event.notice, id_arg=id_arg
                )
            event_class = fill(
                "generated/event.tmpl",
                cls=event.cls,
                doc=docstring(lines),
                type_name=literal(event.type_name),
                text=literal(event.text),
                schema_version=event.schema_version,
                style=literal(event.style),
                fields="\n" + field_lines(event.fields) if event.fields else "",
                example=example_method(event.fields),
                notice_method=notice_method,
            ).rstrip("\n")
            # A notice comes first: its event's `notice()` returns one.
            if event.style == "notification":
                aggregate = event.aggregate
                query = (
                    f"{aggregate.context.module}.queries.{aggregate.query}(app, ...)"
                    if aggregate is not None and aggregate.query
                    else "the producing context"
                )
                classes.append(
                    fill(
                        "generated/notice.tmpl",
                        cls=event.notice,
                        context_title=common["context_title"],
                        event_text=doc_text(event.text),
                        aggregate_text=doc_text(
                            aggregate.cls if aggregate else "thing"
                        ),
                        query_call=query,
                        type_name=literal(event.type_name),
                        fields=field_lines([event.id_field] if event.id_field else []),
                    ).rstrip("\n")
                )
            classes.append(event_class)
        names = [e.cls for e in context.events] + [
            e.notice for e in context.events if e.notice
        ]
        body = "\n".join(classes)
        return code(
            "generated/events.py.tmpl",
            header=header,
            local=["from ...runtime import messages", *module.foreign_imports()],
            all=names_list([*names, "EVENTS", "NOTICES"]),
            classes=body,
            events=_tuple(e.cls for e in context.events),
            notices=_tuple(e.notice for e in context.events if e.notice),
            **common,
        )

    def commands(self, context, header, common):
        classes = []
        for command in context.commands:
            lines = [command.text or command.cls, ""]
            if command.description:
                lines += [command.description, ""]
            if command.issued_by or command.by_policies:
                who = command.issued_by + [
                    f"the policy {p.cls}" for p in command.by_policies
                ]
                lines.append(f"Issued by: {', '.join(who)}.")
            outcome = (
                ", ".join(e.text or e.cls for e in command.produces) or "nothing yet"
            )
            lines.append(
                f"Handled by the {command.aggregate.cls}"
                f"{_parenthesised(command.aggregate.stands_for)};"
                f" records: {outcome}."
            )
            classes.append(
                fill(
                    "generated/command.tmpl",
                    cls=command.cls,
                    doc=docstring(lines),
                    type_name=literal(command.type_name),
                    text=literal(command.text),
                    fields="\n" + field_lines(command.fields) if command.fields else "",
                    example=example_method(command.fields),
                ).rstrip("\n")
            )
        body = "\n".join(classes)
        names = sorted(c.cls for c in context.commands)
        return code(
            "generated/commands.py.tmpl",
            header=header,
            local=["from ...runtime import messages"],
            all=names_list([*names, "COMMANDS"]),
            classes=body,
            commands=_tuple(c.cls for c in context.commands),
            **common,
        )

    def aggregates(self, context, header, common):
        module = _Module(self.plan, context)
        classes = []
        for aggregate in context.aggregates:
            classes.append(
                fill(
                    "generated/state.tmpl",
                    cls=aggregate.state_cls,
                    aggregate=doc_text(aggregate.cls),
                    fields=field_lines(aggregate.state),
                ).rstrip("\n")
            )
            classes.append(self.aggregate(module, aggregate))
        body = "\n".join(classes)
        local = _local(["from ...runtime import aggregates, messages"], module)
        names = sorted(n for a in context.aggregates for n in (a.cls, a.state_cls))
        return code(
            "generated/aggregates.py.tmpl",
            header=header,
            local=local,
            all=names_list(names),
            classes=body,
            user_module=f"{context.module}/aggregates.py",
            **common,
        )

    def aggregate(self, module: _Module, aggregate: Aggregate):
        state = aggregate.state_cls
        decide_dispatch, evolve_dispatch, methods = [], [], []
        taken = set()

        def unique(name):
            base, n = name, 1
            while name in taken:
                n += 1
                name = f"{base}_{n}"
            taken.add(name)
            return name

        for command in aggregate.commands:
            method = unique(method_name("decide", command.cls))
            command_ref = module.ref(command, "command")
            decide_dispatch.append(
                f"        if isinstance(command, {command_ref}):\n"
                f"            return self.{method}(state, command)\n"
            )
            methods.append(
                self.decision(module, aggregate, command, method, command_ref)
            )
        for event in aggregate.events:
            method = unique(method_name("evolve", event.cls))
            event_ref = module.ref(event, "event")
            evolve_dispatch.append(
                f"        if isinstance(event, {event_ref}):\n"
                f"            return self.{method}(state, event)\n"
            )
            methods.append(self.evolution(aggregate, event, method, event_ref))
        lines = [aggregate.text or aggregate.cls, ""]
        if aggregate.description:
            lines += [aggregate.description, ""]
        if aggregate.commands:
            lines.append(
                "Commands: "
                + ", ".join(c.text or c.cls for c in aggregate.commands)
                + "."
            )
        if aggregate.events:
            lines.append(
                "Events: " + ", ".join(e.text or e.cls for e in aggregate.events) + "."
            )
        return fill(
            "generated/aggregate.tmpl",
            cls=aggregate.cls,
            state=state,
            doc=docstring(lines),
            name=literal(aggregate.cls),
            context=literal(aggregate.context.module),
            text=literal(aggregate.text),
            snapshot_version=aggregate.snapshot_version,
            decide_dispatch="".join(decide_dispatch),
            evolve_dispatch="".join(evolve_dispatch),
            methods="".join(methods),
        ).rstrip("\n")

    def decision(
        self, module, aggregate: Aggregate, command: Command, method, command_ref
    ):
        produces = command.produces
        if produces:
            event = produces[0]
            others = ", ".join(e.text or e.cls for e in produces[1:])
            lines = [
                f"“{command.text}” records “{event.text}”.",
                "",
                "Fields come from the command, else from the state, by name.",
            ]
            if others:
                lines.append(f"Also possible, by your rules: {others}.")
            sources = [
                ("command", command.fields, False),
                ("state", aggregate.state, True),
            ]
            fields = "\n".join(
                assignment(spec, sources, "command", "                ")
                for spec in event.fields
            )
            body = (
                f"        return [\n            {module.ref(event, 'event')}(\n"
                f"{fields}\n            )\n        ]"
            )
        else:
            lines = [f"“{command.text}” records nothing yet: the board shows no event."]
            body = "        return []"
        return fill(
            "generated/decide.tmpl",
            method=method,
            state=aggregate.state_cls,
            command=command_ref,
            doc=docstring(lines, "        "),
            body=body,
        )

    def evolution(self, aggregate: Aggregate, event: Event, method, event_ref):
        updates = []
        for spec in event.fields:
            target = aggregate.state_field(spec.name)
            if target is not None and target.same_type(spec):
                updates.append(f"            {spec.name}=event.{spec.name},")
        if updates:
            body = (
                "dataclasses.replace(\n            state,\n"
                + "\n".join(updates)
                + "\n        )"
            )
        else:
            body = "state"
        return fill(
            "generated/evolve.tmpl",
            method=method,
            state=aggregate.state_cls,
            event=event_ref,
            doc=docstring(
                [f"After “{event.text}”: the state keeps its fields."], "        "
            ),
            body=body,
        )

    def handlers(self, context, header, common):
        module = _Module(self.plan, context)
        classes = []
        for command in context.commands:
            aggregate = command.aggregate
            state_ref = module.ref(aggregate, "state")
            classes.append(
                fill(
                    "generated/handler.tmpl",
                    cls=command.handler,
                    command=module.ref(command, "command"),
                    state=state_ref,
                    id_field=aggregate.id_field.name,
                    doc=docstring(
                        [
                            f"“{command.text}”: loads the {aggregate.cls}, decides,"
                            " appends at the version it loaded."
                        ]
                    ),
                ).rstrip("\n")
            )
        body = "\n".join(classes)
        local = _local(["from ...runtime import handling"], module)
        return code(
            "generated/handlers.py.tmpl",
            header=header,
            local=local,
            all=names_list(c.handler for c in context.commands),
            classes=body,
            **common,
        )

    def policies(self, context, header, common):
        module = _Module(self.plan, context)
        classes = [self.policy(module, policy) for policy in context.policies]
        body = "\n".join(classes)
        local = _local(["from ...runtime import messages, policies"], module)
        return code(
            "generated/policies.py.tmpl",
            header=header,
            local=local,
            all=names_list(p.cls for p in context.policies),
            classes=body,
            user_module=f"{context.module}/policies.py",
            **common,
        )

    def policy(self, module: _Module, policy: Policy):
        dispatch, methods, taken = [], [], set()
        for event in policy.when:
            notice = (
                event.style == "notification" and event.context is not policy.context
            )
            cls_ref = module.ref(event, "notice" if notice else "event")
            method = method_name("on", event.cls)
            while method in taken:
                method += "_"
            taken.add(method)
            dispatch.append(
                f"        if isinstance(message, {cls_ref}):\n"
                f"            return self.{method}(message, source)\n"
            )
            methods.append(
                self.reaction(module, policy, event, method, cls_ref, notice)
            )
        crosses = [e for e in policy.when if e.context is not policy.context]
        lines = [policy.text or policy.cls, ""]
        if policy.description:
            lines += [policy.description, ""]
        lines.append(
            "Whenever: "
            + (
                ", ".join(
                    f"{e.text} ({e.context.text or e.context.cls})" for e in policy.when
                )
                or "nothing yet"
            )
            + "."
        )
        lines.append(
            "Then: "
            + (", ".join(c.text or c.cls for c in policy.then) or "nothing yet")
            + "."
        )
        if crosses:
            lines.append(
                "Crosses contexts: those events arrive through the outbox and the"
                " relay, in this context's inbox."
            )
        return fill(
            "generated/policy.tmpl",
            cls=policy.cls,
            doc=docstring(lines),
            name=literal(policy.cls),
            context=literal(policy.context.module),
            text=literal(policy.text),
            listens_to=_tuple(literal(e.type_name) for e in policy.when),
            dispatch="".join(dispatch),
            methods="".join(methods),
        ).rstrip("\n")

    def reaction(self, module, policy: Policy, event: Event, method, cls_ref, notice):
        indent = "                "
        lines = [
            f"“{event.text}” -> "
            + (", ".join(f"“{c.text}”" for c in policy.then) or "nothing")
        ]
        body = []
        param = "notice" if notice else "event"
        sources = [
            (
                param,
                [event.id_field] if notice and event.id_field else event.fields,
                False,
            )
        ]
        if notice:
            lines += [
                "",
                "A notification: the"
                f" {event.aggregate.cls if event.aggregate else 'state'}"
                " is read back from its context, as it was at that version.",
            ]
            aggregate = event.aggregate
            if aggregate is not None and aggregate.query:
                body.append(
                    f"        state = {module.query_ref(aggregate)}"
                    f"(self.app, notice.{aggregate.id_field.name}, notice.version)"
                )
                body.append("        if state is None:\n            return []")
                sources.append(("state", aggregate.state, True))
        commands = []
        for n, command in enumerate(policy.then):
            fields = [
                f"{indent}command_id=self.command_id(source, {n}),",
                f"{indent}issued_at=source.recorded_at,",
            ]
            fields += [
                assignment(spec, sources, "source", indent) for spec in command.fields
            ]
            commands.append(
                f"            {module.ref(command, 'command')}(\n"
                + "\n".join(fields)
                + "\n            ),"
            )
        if commands:
            body.append("        return [\n" + "\n".join(commands) + "\n        ]")
        else:
            body.append("        return []")
        return fill(
            "generated/reaction.tmpl",
            method=method,
            param=param,
            message=cls_ref,
            doc=docstring(lines, "        "),
            body="\n".join(body),
        )

    def read_models(self, context, header, common):
        module = _Module(self.plan, context)
        classes = []
        for read_model in context.read_models:
            classes.append(
                fill(
                    "generated/row.tmpl",
                    cls=read_model.row_cls,
                    read_model=doc_text(read_model.text or read_model.cls),
                    fields=field_lines(read_model.fields) or "    pass\n",
                ).rstrip("\n")
            )
            classes.append(self.read_model(module, read_model))
        body = "\n".join(classes)
        local = _local(
            ["from ...runtime import messages, policies, projections"], module
        )
        names = sorted(n for r in context.read_models for n in (r.cls, r.row_cls))
        return code(
            "generated/read_models.py.tmpl",
            header=header,
            local=local,
            all=names_list(names),
            classes=body,
            user_module=f"{context.module}/read_models.py",
            **common,
        )

    def read_model(self, module: _Module, read_model: ReadModel):
        row = read_model.row_cls
        key_dispatch, apply_dispatch, methods, taken = [], [], [], set()
        key = read_model.key
        for event in read_model.fed_by:
            notice = (
                event.style == "notification"
                and event.context is not read_model.context
            )
            cls_ref = module.ref(event, "notice" if notice else "event")
            param = "notice" if notice else "event"
            carried = [event.id_field] if notice and event.id_field else event.fields
            if key is None:
                key_expression = '"all"'
            elif any(f.name == key.name for f in carried):
                key_expression = f"str(message.{key.name})"
            else:
                key_expression = None
            if key_expression:
                key_dispatch.append(
                    f"        if isinstance(message, {cls_ref}):\n"
                    f"            return {key_expression}\n"
                )
            method = method_name("on", event.cls)
            while method in taken:
                method += "_"
            taken.add(method)
            apply_dispatch.append(
                f"        if isinstance(message, {cls_ref}):\n"
                f"            return self.{method}(row, message, source)\n"
            )
            sources = [(param, carried, False)]
            body = []
            if notice and event.aggregate is not None and event.aggregate.query:
                aggregate = event.aggregate
                body.append(
                    f"        state = {module.query_ref(aggregate)}"
                    f"(self.app, notice.{aggregate.id_field.name}, notice.version)"
                )
                body.append("        if state is None:\n            return row")
                sources.append(("state", aggregate.state, True))
            updates = []
            for spec in read_model.fields:
                for expression, fields, _ in sources:
                    found = next((f for f in fields if f.name == spec.name), None)
                    if found is not None and found.same_type(spec):
                        updates.append(
                            f"            {spec.name}={expression}.{spec.name},"
                        )
                        break
            if updates:
                body.append(
                    "        return dataclasses.replace(\n"
                    f"            row or {row}(),\n"
                    + "\n".join(updates)
                    + "\n        )"
                )
            else:
                body.append(f"        return row or {row}()")
            methods.append(
                fill(
                    "generated/projection_step.tmpl",
                    method=method,
                    row=row,
                    param=param,
                    message=cls_ref,
                    doc=docstring(
                        [f"After “{event.text}”: its fields of the row's names."],
                        "        ",
                    ),
                    body="\n".join(body),
                )
            )
        lines = [read_model.text or read_model.cls, ""]
        if read_model.description:
            lines += [read_model.description, ""]
        lines.append(
            "Fed by: "
            + (", ".join(e.text or e.cls for e in read_model.fed_by) or "nothing yet")
            + "."
        )
        lines.append(
            f"One row per {key.name}." if key else "One row for everything it is fed."
        )
        return fill(
            "generated/read_model.tmpl",
            cls=read_model.cls,
            row=row,
            doc=docstring(lines),
            name=literal(read_model.cls),
            context=literal(read_model.context.module),
            text=literal(read_model.text),
            listens_to=_tuple(literal(e.type_name) for e in read_model.fed_by),
            key_dispatch="".join(key_dispatch),
            apply_dispatch="".join(apply_dispatch),
            methods="".join(methods),
        ).rstrip("\n")

    def queries(self, context, header, common):
        functions = []
        for aggregate in context.aggregates:
            if not aggregate.query:
                continue
            functions.append(
                fill(
                    "generated/query.tmpl",
                    name=aggregate.query,
                    id_field=aggregate.id_field.name,
                    state=aggregate.state_cls,
                    aggregate=doc_text(aggregate.text or aggregate.cls),
                    aggregate_cls=aggregate.cls,
                    context_title=common["context_title"],
                ).rstrip("\n")
            )
        body = "\n".join(functions)
        local = []
        if functions:
            local = ["from ...runtime.app import App", "from . import aggregates"]
        names = [a.query for a in context.aggregates if a.query]
        return code(
            "generated/queries.py.tmpl",
            header=header,
            local=local,
            all=names_list(names),
            functions=body,
            **common,
        ).replace("\n\n\n\n__all__", "\n\n__all__")

    def wiring(self, context, header, common):
        parts = [
            fill("generated/wire_aggregate.tmpl", cls=a.cls) for a in context.aggregates
        ]
        for command in context.commands:
            aggregate = command.aggregate
            ref = f"aggregates.{aggregate.cls}"
            if aggregate.context is not context:
                ref = f"{aggregate.context.module}_{ref}"
            parts.append(
                fill("generated/wire_handler.tmpl", cls=command.handler, aggregate=ref)
            )
        parts += [
            fill("generated/wire_policy.tmpl", cls=p.cls) for p in context.policies
        ]
        parts += [
            fill("generated/wire_read_model.tmpl", cls=r.cls)
            for r in context.read_models
        ]
        routes = sorted(
            {
                event.type_name
                for listener in [*context.policies, *context.read_models]
                for event in _sources(listener)
                if event.context is not context
            }
        )
        parts += [
            fill(
                "generated/wire_route.tmpl",
                event_type=literal(type_name),
                context=literal(context.module),
            )
            for type_name in routes
        ]
        body = "".join(parts).rstrip("\n")
        names = ("aggregates", "handlers", "policies", "read_models")
        local = [
            "from ...runtime.app import App, override",
            *(f"from .. import {name} as user_{name}" for name in names),
            f"from . import commands, events, {', '.join(names)}",
            *(
                f"from ...{c.aggregate.context.module}._generated import aggregates"
                f" as {c.aggregate.context.module}_aggregates"
                for c in context.commands
                if c.aggregate.context is not context
            ),
        ]
        return code(
            "generated/wiring.py.tmpl",
            header=header,
            local=local,
            body=body + "\n" if body else "",
            **common,
        )

    def user_module(self, context, name, common):
        title = common["context_title"]
        if name == "events":
            example = (
                context.events[0].type_name
                if context.events
                else f"{context.module}.SomethingHappened"
            )
            return fill(
                "user/events.py.tmpl", context_title=title, example_type=example
            )
        if name in ("commands", "queries"):
            return fill(f"user/{name}.py.tmpl", context_title=title)
        if name == "handlers":
            example = (
                context.commands[0].handler if context.commands else "PlaceOrderHandler"
            )
            return fill(
                "user/handlers.py.tmpl", context_title=title, example_handler=example
            )
        if name == "aggregates":
            classes = "".join(
                fill(
                    "user/aggregate.tmpl",
                    cls=a.cls,
                    text=doc_text(a.text or a.cls),
                    state=a.state_cls,
                    command=a.commands[0].cls if a.commands else "SomeCommand",
                    decide_method=method_name("decide", a.commands[0].cls)
                    if a.commands
                    else "decide_some_command",
                )
                for a in context.aggregates
            )
            return _user_file(
                fill("user/aggregates.py.tmpl", context_title=title, classes=classes),
                classes,
            )
        items = {"policies": context.policies, "read_models": context.read_models}[name]
        single = {"policies": "policy", "read_models": "read_model"}[name]
        classes = "".join(
            fill(
                f"user/{single}.tmpl",
                cls=item.cls,
                text=doc_text(item.text or item.cls),
            )
            for item in items
        )
        return _user_file(
            fill(f"user/{name}.py.tmpl", context_title=title, classes=classes), classes
        )

    # -- the package around the contexts -----

    def package(self):
        plan, source = self.plan, self.source
        package = plan.package
        header = self.header(
            "write your code in the contexts' own modules, which the export"
            " created once and never rewrites."
        )
        title = doc_text(source.board_name or "The board")
        contexts = ", ".join(c.text or c.cls for c in plan.contexts) or "none yet"
        self.add(
            f"{package}/__init__.py",
            fill(
                "package/init.py.tmpl",
                header=header,
                board_title=title,
                context_list=doc_text(contexts),
                package=package,
            ),
        )
        self.add(
            f"{package}/__main__.py",
            code(
                "package/main.py.tmpl",
                stdlib=["import argparse", "import sys", "import threading"],
                local=[
                    "from . import demo",
                    "from .app import build_app, default_url, open_event_store",
                    "from .runtime.app import App",
                ],
                header=header,
                package=package,
            ),
        )
        self.add(f"{package}/py.typed", "")
        imports_, upcasts, registers = [], [], []
        for context in plan.contexts:
            m = context.module
            imports_.append(f"from .{m} import events as {m}_events")
            imports_.append(f"from .{m}._generated import wiring as {m}_wiring")
            upcasts.append(f"    {m}_events.register_upcasters(found)\n")
            registers.append(f"    {m}_wiring.register(app)\n")
        self.add(
            f"{package}/app.py",
            code(
                "package/app.py.tmpl",
                stdlib=["import os"],
                local=[
                    "from .eventstore import EventStore, Upcasters, open_store",
                    "from .runtime.app import App",
                    *imports_,
                ],
                header=header,
                board_title=title,
                package=package,
                register_upcasters="".join(upcasts),
                register_contexts="".join(registers),
            ),
        )
        self.add(f"{package}/demo.py", self.demo(header))
        for path in sorted((TEMPLATES / "runtime").glob("*.py")):
            self.add(f"{package}/runtime/{path.name}", path.read_text(encoding="utf-8"))
        for path in sorted(EVENTSTORE.rglob("*")):
            if (
                path.is_file()
                and path.suffix in (".py", ".typed", ".md")
                and "__pycache__" not in path.parts
            ):
                relative = path.relative_to(EVENTSTORE).as_posix()
                self.add(
                    f"{package}/eventstore/{relative}", path.read_text(encoding="utf-8")
                )

    def demo(self, header):
        plan = self.plan
        functions, steps, used = [], [], {}
        for n, step in enumerate(plan.steps, 1):
            if step.command is not None:
                command = step.command
                module = f"{command.context.module}_commands"
                used[module] = (
                    f"from .{command.context.module} import commands as {module}"
                )
                what = command.text or command.cls
                body = f"    return app.handle({module}.{command.cls}.example(known))"
            else:
                event = step.event
                module = f"{event.context.module}_events"
                used[module] = f"from .{event.context.module} import events as {module}"
                what = event.text or event.cls
                source = (
                    event.aggregate.cls
                    if event.aggregate is not None
                    else identifiers.class_name(step.by, "Outside")
                )
                key = f"{{event.{event.id_field.name}}}" if event.id_field else "events"
                stream = f"{event.context.module}.{source}-{key}"
                body = (
                    f"    event = {module}.{event.cls}.example(known)\n"
                    f"    return app.ingest(event, {'f' if event.id_field else ''}"
                    f"{literal(stream)})"
                )
            functions.append(
                f"\n\ndef step_{n}(app: App, known: messages.Known) -> object:\n"
                f"    {docstring([what])}\n{body}"
            )
            steps.append(
                f"    ({literal(step.by or 'someone')}, {literal(what)}, step_{n}),\n"
            )
        return code(
            "package/demo.py.tmpl",
            stdlib=["from collections.abc import Callable"],
            local=[
                "from .runtime import messages",
                "from .runtime.aggregates import Rejected",
                "from .runtime.app import App",
                "from .runtime.handling import Recorded",
                "from .runtime.integration import Delivered",
                "from .runtime.policies import Fired",
                *used.values(),
            ],
            header=header,
            package=plan.package,
            functions="".join(functions).lstrip("\n") + ("\n" if functions else ""),
            steps="".join(steps),
        ).replace("\n\n\n\n\nSTEPS", "\n\n\nSTEPS")

    def tests(self):
        plan = self.plan
        header = self.header("put tests of your own in files of your own.")
        package = plan.package
        self.add(
            "tests/conftest.py",
            code(
                "tests/conftest.py.tmpl",
                stdlib=["from collections.abc import Iterator"],
                third=["import pytest"],
                first=[
                    f"from {package}.app import build_app, upcasters",
                    f"from {package}.eventstore import open_store",
                    f"from {package}.runtime.app import App",
                ],
                header=header,
            ),
        )
        for context in plan.contexts:
            if not context.commands:
                continue
            module = _Module(plan, context)
            tests = []
            for command in context.commands:
                aggregate = command.aggregate
                aggregate_ref = f"{aggregate.context.module}_aggregates.{aggregate.cls}"
                event = command.produces[0] if command.produces else None
                checks = ""
                if event is not None:
                    outcome = f"“{event.text}”"
                    event_refs = module.ref(event, "event").replace(
                        f"{event.context.module}_events.",
                        f"{event.context.module}_events.",
                    )
                    if event.context is context:
                        event_refs = f"{context.module}_events.{event.cls}"
                    if event.field_named(aggregate.id_field.name):
                        name = aggregate.id_field.name
                        checks = f"    assert events[0].{name} == command.{name}\n"
                else:
                    outcome, event_refs = "nothing is recorded", ""
                tests.append(
                    fill(
                        "tests/command_test.tmpl",
                        name=_test_name(command, event),
                        aggregate_text=doc_text(aggregate.text or aggregate.cls),
                        command_text=doc_text(command.text or command.cls),
                        outcome_text=doc_text(outcome),
                        aggregate_ref=aggregate_ref,
                        command_ref=f"{context.module}_commands.{command.cls}",
                        event_refs=event_refs,
                        checks=checks.rstrip("\n"),
                        id_field=aggregate.id_field.name,
                    ).replace("\n\n    outcome", "\n    outcome")
                )
            lines = [f"from {plan.package}.runtime.app import App"]
            modules = {(context.module, "commands")}
            modules |= {
                (c.aggregate.context.module, "aggregates") for c in context.commands
            }
            modules |= {
                (c.produces[0].context.module, "events")
                for c in context.commands
                if c.produces
            }
            for ctx, name in sorted(modules):
                generated = f"{plan.package}.{ctx}._generated"
                lines.append(f"from {generated} import {name} as {ctx}_{name}")
            body = "".join(tests)
            self.add(
                f"tests/test_{context.module}_generated.py",
                code(
                    "tests/test_context.py.tmpl",
                    first=lines,
                    header=header,
                    context_title=doc_text(context.text or context.cls),
                    tests=body,
                ),
            )
        self.add("tests/test_flow_generated.py", self.flow_tests(header))

    def flow_tests(self, header):
        plan = self.plan
        package = plan.package
        tests, used = [], set()
        first = next((c for c in plan.commands if c.produces), None)
        if first is not None:
            used.add((first.context.module, "commands"))
            tests.append(
                fill(
                    "tests/retry_test.tmpl",
                    command_ref=f"{first.context.module}_commands.{first.cls}",
                )
            )
        for policy in plan.policies:
            crossing = next(
                (e for e in policy.when if e.context is not policy.context), None
            )
            if crossing is None or not policy.then:
                continue
            if crossing.produced_by:
                trigger_command = crossing.produced_by[0]
                used.add((trigger_command.context.module, "commands"))
                trigger = (
                    f"app.handle({trigger_command.context.module}_commands."
                    f"{trigger_command.cls}.example())"
                )
                if trigger_command.produces[0] is not crossing:
                    continue  # the default decision records another event
            else:
                used.add((crossing.context.module, "events"))
                trigger = (
                    f"app.ingest({crossing.context.module}_events.{crossing.cls}.example(),"
                    f' "{crossing.context.module}.Outside-1")'
                )
            command = policy.then[0]
            tests.append(
                fill(
                    "tests/outbox_test.tmpl",
                    name=_ascii_test_name(
                        f"{crossing.cls}_reaches_{policy.context.module}_once_through_the_outbox"
                    ),
                    event_text=doc_text(crossing.text or crossing.cls),
                    consumer_title=doc_text(policy.context.text or policy.context.cls),
                    trigger=trigger,
                    consumer=literal(policy.context.module),
                    event_type=literal(crossing.type_name),
                    inbox=literal(f"inbox.{policy.context.module}"),
                    command_type=literal(command.type_name),
                    reaction_count=1 if command.produces else 0,
                )
            )
        lines = [
            f"from {package}.{ctx}._generated import {name} as {ctx}_{name}"
            for ctx, name in sorted(used)
        ]
        return code(
            "tests/test_flow.py.tmpl",
            stdlib=[
                "import dataclasses",
                "import uuid",
                "from typing import Any, ClassVar",
            ],
            third=["import pytest"],
            first=[
                f"from {package} import demo",
                f"from {package}.runtime import messages",
                f"from {package}.runtime.app import App",
                f"from {package}.runtime.handling import HandlerConflict, NoHandler",
                *lines,
            ],
            header=header,
            tests="".join(tests),
        )

    def readme(self, manifest_names):
        """README.md, in the active language (the board's: `modeling.services`)."""
        plan, source = self.plan, self.source
        errors = source.errors
        if errors:
            lines = [
                "",
                gettext(
                    "**The model has %(count)d error(s)** that the code was made in "
                    "spite of; fix them on the board and export again:"
                )
                % {"count": len(errors)},
                "",
            ]
            lines += [f"- {_md(f.message)} ({f.check})" for f in errors]
            error_text = "\n".join(lines) + "\n"
        else:
            error_text = ""
        notes = []
        if plan.kept_names:
            notes += ["", "### " + gettext("Names kept from the last export"), ""]
            notes += [
                "- "
                + gettext(
                    "“%(text)s” would now be `%(wanted)s`; the code keeps `%(kept)s`."
                )
                % {"text": _md(text), "wanted": wanted, "kept": kept}
                for text, wanted, kept in plan.kept_names
            ]
            notes.append(
                "\n"
                + gettext(
                    "To take the new name, remove the sticky's entry under `names` in "
                    "`%(manifest)s` and export again (then rename your code too)."
                )
                % {"manifest": MANIFEST}
            )
        changed = [e for e in plan.events if e.shape_changed]
        if changed:
            notes += ["", "### " + gettext("Events that changed shape"), ""]
            notes += [
                "- "
                + gettext(
                    "`%(type)s` (%(change)s): events stored before are upcast by "
                    "what you register in `%(module)s/events.py` "
                    "(`register_upcasters`)."
                )
                % {
                    "type": e.type_name,
                    "change": e.shape_changed,
                    "module": e.context.module,
                }
                for e in changed
            ]
        warnings = [f for f in source.findings if f.severity == "warning"]
        if warnings:
            notes += ["", "### " + gettext("Open checks"), ""]
            notes += [f"- {_md(f.message)} ({f.check})" for f in warnings]
        stand_ins = [a for a in plan.aggregates if a.stands_for]
        if stand_ins:
            notes += ["", "### " + gettext("Stand-in aggregates"), ""]
            notes += [
                "- "
                + gettext(
                    "`%(aggregate)s` stands for %(name)s: the board puts its "
                    "commands in no aggregate."
                )
                % {
                    "aggregate": f"{a.context.module}.{a.cls}",
                    "name": _md(a.stands_for),
                }
                for a in stand_ins
            ]
        chinese = (get_language() or "").startswith("zh")
        if source.version is not None:
            label = gettext("version %(version)s (seq %(seq)s)") % {
                "version": source.version,
                "seq": source.seq,
            }
        else:
            label = gettext("the live board at seq %(seq)s") % {"seq": source.seq}
        return fill(
            # The README's prose has one template per language.
            "package/README.zh-hans.md.tmpl" if chinese else "package/README.md.tmpl",
            board_title=_md(source.board_name or gettext("Untitled board")),
            source_label=_md(label),
            errors=error_text,
            context_list=_md(
                gettext(", ").join(c.text or c.cls for c in plan.contexts)
                or gettext("none yet")
            ),
            package=plan.package,
            outline=_outline(source.model),
            notes="\n".join(notes) + "\n" if notes else "",
        )


def _parenthesised(text):
    return f" ({text})" if text else ""


def _sources(listener):
    """The events a policy or read model reacts to."""
    return listener.when if isinstance(listener, Policy) else listener.fed_by


def _user_file(text, classes):
    if not classes:
        # Nothing to subclass yet: no import to leave unused.
        text = re.sub(r"\nfrom \._generated import \w+ as generated\n", "\n", text)
    return text


def _local(lines, module: _Module):
    """Import lines offered to a module: `lines`, then what `module` referred to."""
    return [*lines, *module.foreign_imports()]


def _tuple(items):
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return f"{items[0]},"
    return ", ".join(items)


def _test_name(command: Command, event: Event | None):
    name = identifiers.snake_name(command.cls, "command")
    if event is None:
        return f"{name}_records_nothing_yet"
    return f"{name}_records_{identifiers.snake_name(event.cls, 'event')}"


def _ascii_test_name(name):
    return identifiers.snake_name(name, "test")


def _md(text):
    text = " ".join(str(text).split())
    return re.sub(r"([\\`*_{}\[\]<>|#])", r"\\\1", text)


def _outline(model):
    lines = []

    def walk(nodes, depth):
        for node in nodes:
            label = f"`{node['label']}`" if node["label"] else ""
            name = (
                f" “{_md(node['name'])}”"
                if node["name"] and node["name"] != node["label"]
                else ""
            )
            note = f" ({_md(node['note'])})" if node["note"] else ""
            kind = node["kind"].replace("_", " ")
            lines.append(f"{'  ' * depth}- {kind} {label}{name}{note}".rstrip())
            walk(node["children"], depth + 1)

    walk(outline(model.to_dict()), 0)
    return (
        "\n" + "\n".join(lines) + "\n"
        if lines
        else "\n(The board holds no model yet.)\n"
    )


def export(
    source: Source, package: str | None = None, previous: dict | None = None
) -> Files:
    """The package's files, under `<package>/`-relative paths of the project
    folder (`pyproject.toml`, `README.md`, `tests/`, `<package>/`)."""
    name = package_plan.check_package_name(
        package
        or (previous or {}).get("package")
        or package_plan.package_name(source.board_name)
    )
    previous_names = (previous or {}).get("names") if previous else None
    plan = package_plan.plan(source.model, name, previous_names)
    built = _Package(source, plan)
    for context in plan.contexts:
        built.context(context)
    built.package()
    built.tests()
    built.add("README.md", built.readme(plan.names))
    built.add(
        "pyproject.toml",
        fill(
            "package/pyproject.toml.tmpl",
            distribution=name.replace("_", "-"),
            package=name,
            description=literal(
                f"The domain model of the workshop “{source.board_name}”, as code."
            ),
        ),
        user=True,
    )
    notes = (
        [
            gettext("The model has %(count)d error(s), listed in README.md: %(errors)s")
            % {
                "count": len(source.errors),
                "errors": gettext("; ").join(f.message for f in source.errors),
            }
        ]
        if source.errors
        else []
    )
    files = Files(sorted(built.files.items()), user_owned=built.user, notes=notes)
    manifest = {
        "format": MANIFEST_FORMAT,
        "package": name,
        "board": {"id": source.board_id, "name": source.board_name},
        "seq": source.seq,
        "version": source.version,
        "files": {
            path: digest(content)
            for path, content in files.items()
            if path not in files.user_owned
        },
        "user_files": sorted(files.user_owned),
        "names": plan.names,
    }
    files[MANIFEST] = (
        json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )
    return files
