"""GLOSSARY.md: the board's ubiquitous language, its outline and open checks.

For a workshop audience: per bounded context, each term (events, commands,
aggregates, policies, read models) with its kind, its text as written on the
sticky, its code name, its description, its fields and where it is used;
actors and external systems board-wide. Then the model as a tree
(`modeling.outline`) and the checks still open, errors first.

Sticky text is user input: every piece of it goes through `text()` (inline)
or `paragraphs()` (descriptions), which escape what Markdown would read as
structure, so a sticky cannot break the document. Pure and deterministic:
its words are in the active language (the board's, under
`translation.override`), English by default.
"""

import re
from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..checks import SEVERITIES
from ..outline import outline
from .base import Files

GLOSSARY = "GLOSSARY.md"

KIND = {
    "context": gettext_lazy("Bounded context"),
    "aggregate": gettext_lazy("Aggregate"),
    "event": gettext_lazy("Domain event"),
    "command": gettext_lazy("Command"),
    "policy": gettext_lazy("Policy"),
    "read_model": gettext_lazy("Read model"),
    "actor": gettext_lazy("Actor"),
    "external_system": gettext_lazy("External system"),
    "hotspot": gettext_lazy("Hot spot"),
}
# The model's collections, as kinds.
COLLECTION_KIND = {
    "contexts": "context",
    "aggregates": "aggregate",
    "events": "event",
    "commands": "command",
    "policies": "policy",
    "read_models": "read_model",
    "actors": "actor",
    "external_systems": "external_system",
    "hotspots": "hotspot",
}
# The order terms are listed in within a context.
TERMS = ("events", "commands", "aggregates", "policies", "read_models")
SEVERITY_TITLES = {
    "error": gettext_lazy("Errors"),
    "warning": gettext_lazy("Warnings"),
    "hint": gettext_lazy("Hints"),
}


def _counted(what, count):
    """`1 error`, `2 errors`, `0 policies`, in the active language."""
    forms = {
        "error": lambda n: ngettext("%(count)d error", "%(count)d errors", n),
        "warning": lambda n: ngettext("%(count)d warning", "%(count)d warnings", n),
        "hint": lambda n: ngettext("%(count)d hint", "%(count)d hints", n),
        "vote": lambda n: ngettext("%(count)d vote", "%(count)d votes", n),
        "contexts": lambda n: ngettext(
            "%(count)d bounded context", "%(count)d bounded contexts", n
        ),
        "events": lambda n: ngettext(
            "%(count)d domain event", "%(count)d domain events", n
        ),
        "commands": lambda n: ngettext("%(count)d command", "%(count)d commands", n),
        "aggregates": lambda n: ngettext(
            "%(count)d aggregate", "%(count)d aggregates", n
        ),
        "policies": lambda n: ngettext("%(count)d policy", "%(count)d policies", n),
        "read_models": lambda n: ngettext(
            "%(count)d read model", "%(count)d read models", n
        ),
    }
    if what not in forms:
        return _count(count, text(what))
    return forms[what](count) % {"count": count}


def _list(items):
    """Items joined as the active language lists them ("a, b" or "a、b")."""
    return _(", ").join(items)


def _label(source):
    """Where the export comes from (`Source.label`), in the active language."""
    if source.version is not None:
        return _("version %(version)s (seq %(seq)s)") % {
            "version": source.version,
            "seq": source.seq,
        }
    return _("the live board at seq %(seq)s") % {"seq": source.seq}


# -- escaping -----------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
# What Markdown (CommonMark, GFM, GitHub's math) reads as structure inline.
_SPECIAL = re.compile(r"([\\`*_\[\]|#~$])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_NUMBERED = re.compile(r"^\d+(?=[.)])")


def text(value):
    """User text as inline Markdown: one line, shown as written."""
    value = _CONTROL.sub("", str(value or "")).replace("\t", " ")
    value = " ".join(value.splitlines())
    value = _SPECIAL.sub(r"\\\1", value)
    value = _ENTITY.sub("&amp;", value)
    return value.replace("<", "&lt;").replace(">", "&gt;")


def paragraphs(value):
    """Multi-line user text (a description) as Markdown paragraphs, its line
    breaks kept (two trailing spaces): nothing at a line's start may open a
    heading, a list, a quote or code."""
    lines = []
    for line in _CONTROL.sub("", str(value or "")).replace("\t", " ").splitlines():
        line = text(line.strip())
        number = _NUMBERED.match(line)
        if number:
            line = f"{line[: number.end()]}\\{line[number.end() :]}"
        elif line[:1] in ("-", "+", "="):
            line = "\\" + line
        lines.append(line)
    paragraphs = "\n".join(lines).strip("\n")
    return re.sub(r"(?<=\S)\n(?=\S)", "  \n", re.sub(r"\n{3,}", "\n\n", paragraphs))


def code(value):
    """A code span (identifiers, field types)."""
    value = _CONTROL.sub("", str(value or "")).replace("\n", " ")
    fence = "``" if "`" in value else "`"
    pad = " " if fence == "``" or value.startswith(" ") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def quoted(value):
    return f"“{text(value)}”"


# -- the glossary ----------------------------------------------------------------


def _index(elements, attribute):
    """{id: [the elements whose `attribute` (ids) holds it]}, in their order."""
    index = defaultdict(list)
    for element in elements:
        for key in getattr(element, attribute):
            index[key].append(element)
    return index


class _Glossary:
    def __init__(self, source):
        self.source = source
        self.model = model = source.model
        self.kinds, self.rank = {}, {}
        for collection, kind in COLLECTION_KIND.items():
            for item in getattr(model, collection):
                self.kinds[item.id] = kind
                self.rank[item.id] = len(self.rank)
        self.contexts = {c.id: c for c in model.contexts}
        self.listeners = _index(model.policies, "when")  # event -> policies
        self.readers = _index(model.read_models, "fed_by")  # event -> read models
        # actor, command, policy -> the read models they consult
        self.consulted = _index(model.read_models, "used_by")
        self.followers = defaultdict(list)  # event -> events it causes
        for event in model.events:
            for cause in event.caused_by:
                if self.kinds.get(cause) == "event":
                    self.followers[cause].append(event)
        self.invokers = _index(model.commands, "targets")  # system -> commands
        # actor or system -> the policies they manage
        self.managed = _index(model.policies, "managed_by")
        self.questions = _index(model.hotspots, "about")  # element -> hot spots
        snapshot = source.snapshot or {}
        self.sticky_text = {
            str(s.get("id")): str(s.get("text") or "")
            for s in snapshot.get("stickies") or ()
            if isinstance(s, dict)
        }

    # -- naming things

    def context_name(self, context_id):
        context = self.contexts.get(context_id)
        return text(context.name or context.class_name) if context else None

    def ref(self, element_id, here=None, kind=True):
        """`command “Place Order” (`PlaceOrder`) in Payments`."""
        element = self.model.element(element_id)
        if element is None:
            return code(element_id)
        name = getattr(element, "name", None) or getattr(element, "text", "")
        label = getattr(element, "class_name", "")
        words = [_kind_in_text(self.kinds[element_id])] if kind else []
        words.append(quoted(name) if name else code(label))
        if name and label and label != name:
            words.append(f"({code(label)})")
        context = getattr(element, "context", None)
        if context != here and context in self.contexts:
            words.append(_("in %(context)s") % {"context": self.context_name(context)})
        return " ".join(words)

    def ordered(self, ids):
        """Ids in the model's order: derivation lists a sticky's links in the
        order of their ids, which a board imported anew does not keep."""
        return sorted(ids, key=lambda i: (self.rank.get(i, len(self.rank)), i))

    def refs(self, ids, here=None):
        return _list(self.ref(i, here) for i in self.ordered(ids))

    def sticky(self, sticky_id):
        """A sticky named by its text, for the checks."""
        written = self.sticky_text.get(sticky_id)
        if written is None:
            element = self.model.element(sticky_id)
            written = (
                getattr(element, "name", None) or getattr(element, "text", "")
                if element
                else ""
            )
        return quoted(written) if written else code(sticky_id)

    # -- one term

    def term(self, element, kind, here, extra=()):
        """A term's heading, kind line, description and usage list."""
        name = element.name or element.class_name
        facts = [str(KIND[kind])]
        if getattr(element, "pivotal", False):
            facts.append(_("pivotal"))
        if getattr(element, "style", "state") == "notification":
            facts.append(_("notification style"))
        kind_line = _("*%(facts)s* · code name %(code)s") % {
            "facts": _list(facts),
            "code": code(element.class_name),
        }
        lines = [f"### {text(name)}", "", kind_line]
        description = paragraphs(element.description)
        if description:
            lines += ["", description]
        usage = list(extra) + getattr(self, f"uses_{kind}")(element, here)
        fields = getattr(element, "fields", ())
        if fields:
            usage.insert(
                0,
                _("Fields: %(fields)s") % {"fields": _list(_field(f) for f in fields)},
            )
        for hotspot in self.questions.get(element.id, ()):
            question = _("Open question: %(text)s") % {"text": quoted(hotspot.text)}
            if hotspot.votes:
                question = _("%(question)s (%(votes)s)") % {
                    "question": question,
                    "votes": _counted("vote", hotspot.votes),
                }
            usage.append(question)
        if usage:
            lines += [""] + [f"- {line}" for line in usage]
        return lines

    def uses_event(self, event, here):
        uses = []
        commands = [c for c in event.caused_by if self.kinds.get(c) == "command"]
        others = [c for c in event.caused_by if self.kinds.get(c) != "command"]
        if commands:
            refs = self.refs(commands, here)
            if event.aggregate:
                line = _("Produced by %(refs)s on aggregate %(aggregate)s") % {
                    "refs": refs,
                    "aggregate": self.ref(event.aggregate, here, kind=False),
                }
            else:
                line = _("Produced by %(refs)s") % {"refs": refs}
            uses.append(line)
        elif event.aggregate:
            uses.append(
                _("Recorded by aggregate %(aggregate)s")
                % {"aggregate": self.ref(event.aggregate, here, False)}
            )
        for cause in others:
            if self.kinds.get(cause) == "event":
                line = _("Follows %(ref)s")
            else:
                line = _("Triggered by %(ref)s")
            uses.append(line % {"ref": self.ref(cause, here)})
        for policy in self.listeners.get(event.id, ()):
            if policy.context != event.context and policy.integration:
                line = _("Activates %(ref)s: a cross-context policy")
            else:
                line = _("Activates %(ref)s")
            uses.append(line % {"ref": self.ref(policy.id, here)})
        for follower in self.followers.get(event.id, ()):
            uses.append(_("Leads to %(ref)s") % {"ref": self.ref(follower.id, here)})
        if self.readers.get(event.id):
            readers = self.refs([r.id for r in self.readers[event.id]], here)
            uses.append(_("Updates %(refs)s") % {"refs": readers})
        uses += self.leaving(event)
        return uses

    def leaving(self, event):
        """How the event leaves its context, when it does."""
        home = self.context_name(event.context) or _("its context")
        away = []
        for policy in self.listeners.get(event.id, ()):
            name = self.context_name(policy.context)
            if policy.context != event.context and name and name not in away:
                away.append(name)
        if event.style == "notification":
            how = _(
                "Leaves %(home)s as a notification: it carries an id and a "
                "reference, and the receiver calls back for the data"
            ) % {"home": home}
            return [f"{how} ({_list(away)})" if away else how]
        if away:
            return [
                _(
                    "Leaves %(home)s carrying its data (event-carried state "
                    "transfer) to %(away)s"
                )
                % {"home": home, "away": _list(away)}
            ]
        return []

    def uses_command(self, command, here):
        uses = []
        by = defaultdict(list)
        for trigger in command.triggered_by:
            by[self.kinds.get(trigger) == "read_model"].append(trigger)
        if by[False]:
            uses.append(_("Issued by %(refs)s") % {"refs": self.refs(by[False], here)})
        if by[True] or self.consulted.get(command.id):
            seen = list(
                dict.fromkeys(
                    [*by[True], *(r.id for r in self.consulted.get(command.id, ()))]
                )
            )
            uses.append(_("Informed by %(refs)s") % {"refs": self.refs(seen, here)})
        if command.aggregate:
            uses.append(
                _("Handled by aggregate %(aggregate)s")
                % {"aggregate": self.ref(command.aggregate, here, False)}
            )
        if command.targets:
            refs = self.refs(command.targets, here)
            uses.append(_("Invoked on %(refs)s") % {"refs": refs})
        if command.produces:
            refs = self.refs(command.produces, here)
            uses.append(_("Produces %(refs)s") % {"refs": refs})
        return uses

    def uses_aggregate(self, aggregate, here):
        uses = []
        if aggregate.commands:
            refs = self.refs(aggregate.commands, here)
            uses.append(_("Handles %(refs)s") % {"refs": refs})
        if aggregate.events:
            uses.append(
                _("Emits %(refs)s") % {"refs": self.refs(aggregate.events, here)}
            )
        return uses

    def uses_policy(self, policy, here):
        uses = []
        if policy.when:
            uses.append(
                _("Activated by %(refs)s") % {"refs": self.refs(policy.when, here)}
            )
        if policy.then:
            uses.append(
                _("Then issues %(refs)s") % {"refs": self.refs(policy.then, here)}
            )
        if policy.managed_by:
            refs = self.refs(policy.managed_by, here)
            uses.append(_("Managed by %(refs)s") % {"refs": refs})
        if policy.consults:
            refs = self.refs(policy.consults, here)
            uses.append(_("Consults %(refs)s") % {"refs": refs})
        if policy.integration:
            origins = []
            for event_id in policy.when:
                element = self.model.element(event_id)
                name = self.context_name(getattr(element, "context", None))
                if name and name not in origins:
                    origins.append(name)
            where = self.context_name(policy.context) or _("this context")
            source = _list(origins) or _("another context")
            uses.append(
                _(
                    "Cross-context policy: events of %(source)s make %(where)s act "
                    "(through the outbox in generated code)"
                )
                % {"source": source, "where": where}
            )
        return uses

    def uses_read_model(self, read_model, here):
        uses = []
        if read_model.fed_by:
            refs = self.refs(read_model.fed_by, here)
            uses.append(_("Updated by %(refs)s") % {"refs": refs})
        if read_model.used_by:
            refs = self.refs(read_model.used_by, here)
            uses.append(_("Used by %(refs)s") % {"refs": refs})
        return uses

    # -- people and systems (board-wide, one term per code name)

    def uses_actor(self, actors, here):
        ids = [a.id for a in actors]
        issues = _unique(i for a in actors for i in a.issues)
        uses = []
        if issues:
            uses.append(_("Issues %(refs)s") % {"refs": self.refs(issues, here)})
        consults = _unique(r.id for i in ids for r in self.consulted.get(i, ()))
        if consults:
            uses.append(_("Consults %(refs)s") % {"refs": self.refs(consults, here)})
        manages = _unique(p.id for i in ids for p in self.managed.get(i, ()))
        if manages:
            uses.append(_("Manages %(refs)s") % {"refs": self.refs(manages, here)})
        return uses

    def uses_external_system(self, systems, here):
        ids = [s.id for s in systems]
        uses = []
        invoked = _unique(c.id for i in ids for c in self.invokers.get(i, ()))
        if invoked:
            uses.append(_("Invoked by %(refs)s") % {"refs": self.refs(invoked, here)})
        triggers = _unique(t for s in systems for t in s.triggers)
        if triggers:
            uses.append(_("Triggers %(refs)s") % {"refs": self.refs(triggers, here)})
        manages = _unique(p.id for i in ids for p in self.managed.get(i, ()))
        if manages:
            uses.append(_("Manages %(refs)s") % {"refs": self.refs(manages, here)})
        return uses

    def people(self, collection, kind):
        groups = {}
        for item in getattr(self.model, collection):
            groups.setdefault(item.class_name, []).append(item)
        lines = []
        for items in groups.values():
            first = items[0]
            extra = []
            contexts = _unique(self.context_name(i.context) for i in items)
            if len(items) > 1:
                extra.append(_("On %(count)d stickies") % {"count": len(items)})
            if contexts:
                extra.append(_("Seen in %(contexts)s") % {"contexts": _list(contexts)})
            uses = getattr(self, f"uses_{kind}")(items, None)
            description = next((i.description for i in items if i.description), "")
            lines += ["", *_term_head(first, kind, description)]
            usage = extra + uses
            if usage:
                lines += [""] + [f"- {line}" for line in usage]
        return lines

    # -- sections

    def section(self, title, context_id, intro=""):
        lines = ["", f"## {title}"]
        if intro:
            lines += ["", intro]
        terms = []
        for collection in TERMS:
            kind = COLLECTION_KIND[collection]
            items = self.model.in_context(collection, context_id)
            if collection == "events":
                items = _timeline(items, self.contexts.get(context_id))
            terms += [(item, kind) for item in items]
        if not terms:
            return [*lines, "", _("No terms yet.")]
        heads = (_("Term"), _("Kind"), _("Code name"), _("Meaning"))
        lines += [
            "",
            "| " + " | ".join(heads) + " |",
            "| --- | --- | --- | --- |",
        ]
        for item, kind in terms:
            meaning = (item.description or "").strip().split("\n")[0]
            lines.append(
                f"| {text(item.name or item.class_name)} | {KIND[kind]} "
                f"| {code(item.class_name)} | {text(meaning)} |"
            )
        for item, kind in terms:
            lines += ["", *self.term(item, kind, context_id)]
        return lines

    def language(self):
        model = self.model
        lines = []
        if not model.contexts:
            lines += self.section(
                _("Bounded context: %(name)s") % {"name": "core"},
                None,
                _(
                    "The board has no bounded contexts yet: all terms share one "
                    "language, `core`."
                ),
            )
        else:
            for context in model.contexts:
                intro = paragraphs(context.description)
                title = _("Bounded context: %(name)s") % {
                    "name": text(context.name or context.class_name)
                }
                if context.name and context.name != context.class_name:
                    title += f" ({code(context.class_name)})"
                lines += self.section(title, context.id, intro)
            homeless = any(model.in_context(collection, None) for collection in TERMS)
            if homeless:
                lines += self.section(
                    _("Outside any bounded context"),
                    None,
                    _("Terms not yet placed in a bounded context."),
                )
        if model.actors or model.external_systems:
            lines += ["", "## " + _("People and systems"), ""]
            lines.append(_("Actors and external systems, across the whole board."))
            lines += self.people("actors", "actor")
            lines += self.people("external_systems", "external_system")
        return lines

    def outline(self):
        lines = ["", "## " + _("Model outline"), ""]
        roots = outline(self.canonical())
        if not roots:
            return [*lines, _("The model is empty.")]
        lines.append(
            _(
                "The model as a tree: context, aggregate, command, the events it "
                "produces, the policies they activate and the commands those issue."
            )
        )
        lines.append("")
        stack = [(node, 0) for node in reversed(roots)]
        while stack:
            node, depth = stack.pop()
            lines.append(f"{'  ' * depth}- {_node(node)}")
            stack += [(child, depth + 1) for child in reversed(node["children"])]
        return lines

    def canonical(self):
        """The model dict with its lists of ids in the model's order."""
        model = self.model.to_dict()
        for collection in COLLECTION_KIND:
            for item in model.get(collection, ()):
                for key, value in item.items():
                    if key in ("timeline", "phases", "fields"):
                        continue
                    if isinstance(value, list) and all(
                        isinstance(v, str) for v in value
                    ):
                        item[key] = self.ordered(value)
        return model

    def checks(self):
        lines = ["", "## " + _("Open checks"), ""]
        findings = self.source.findings
        if not findings:
            return [*lines, _("No open checks.")]
        rank = {severity: i for i, severity in enumerate(SEVERITIES)}
        severities = sorted(
            {f.severity for f in findings}, key=lambda s: (rank.get(s, len(rank)), s)
        )
        counts = _list(
            _counted(s, sum(f.severity == s for f in findings)) for s in severities
        )
        lines.append(
            _("What the model checks still ask for (%(counts)s).") % {"counts": counts}
        )
        for severity in severities:
            chosen = [f for f in findings if f.severity == severity]
            title = SEVERITY_TITLES.get(severity, text(severity).title())
            lines += ["", f"### {title} ({len(chosen)})", ""]
            for finding in chosen:
                line = f"- **{text(finding.check)}** {text(finding.message)}"
                if finding.stickies:
                    names = _list(self.sticky(s) for s in finding.stickies)
                    line += _(" (stickies: %(names)s)") % {"names": names}
                lines.append(line)
        return lines

    def document(self):
        source = self.source
        name = source.board_name or self.model.name or _("Untitled board")
        counts = self.model.counts()
        summary = _list(
            _counted(collection, counts[collection])
            for collection in (
                "contexts",
                "events",
                "commands",
                "aggregates",
                "policies",
                "read_models",
            )
        )
        label = text(_label(source))
        lines = [
            "# "
            + _("Glossary: %(name)s (%(label)s)")
            % {"name": text(name), "label": label},
            "",
            _(
                "The ubiquitous language of the board %(name)s, from %(label)s: "
                "%(summary)s. Each term is written as on its sticky; its code name "
                "is what generated code calls it."
            )
            % {"name": quoted(name), "label": label, "summary": summary},
        ]
        lines += self.language() + self.outline() + self.checks()
        return "\n".join(lines) + "\n"


def _term_head(element, kind, description):
    lines = [f"### {text(element.name or element.class_name)}", ""]
    lines.append(
        _("*%(facts)s* · code name %(code)s")
        % {"facts": KIND[kind], "code": code(element.class_name)}
    )
    description = paragraphs(description)
    if description:
        lines += ["", description]
    return lines


def _field(field):
    shown = code(f"{field.name}: {field.type}")
    notes = []
    if field.optional:
        notes.append(_("optional"))
    if field.label:
        notes.append(_("written %(label)s") % {"label": quoted(field.label)})
    return f"{shown} ({_list(notes)})" if notes else shown


def _count(count, singular, plural=None):
    """`1 error`, `2 errors`, `0 policies`."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _unique(values):
    return list(dict.fromkeys(v for v in values if v is not None))


def _timeline(events, context):
    """Events in the context's timeline order, the others after them."""
    order = {e: i for i, e in enumerate(context.timeline)} if context else {}
    return sorted(events, key=lambda e: order.get(e.id, len(order)))


def _kind_in_text(kind):
    """A kind inside a sentence: "command", "domain event" (lowercase English)."""
    return str(KIND[kind]).lower()


def _node(node):
    kind = KIND.get(node["kind"], text(node["kind"]))
    label, name, note = node["label"], node["name"], node["note"]
    if name:
        shown = f"{kind} {quoted(name)}"
        if label and label != name:
            shown += f" ({code(label)})"
    elif node["kind"] == "context" and not name and label.startswith("("):
        shown = _("Outside any bounded context")
    else:
        shown = f"{kind} {quoted(label)}"
    return f"{shown} — {text(note)}" if note else shown


def export(source):
    """One file, GLOSSARY.md."""
    return Files({GLOSSARY: _Glossary(source).document()})
