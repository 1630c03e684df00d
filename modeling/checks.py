"""Model checks: what is missing or inconsistent, in words a participant follows.

Each check is a plain function of the model (and the board snapshot where it
needs the words as written). Every check belongs to the workshop phase where
it starts to matter, so a board still finding events is not flooded with
aggregate advice. Ids are those of docs/event-storming.md.
`HELP` explains every check to the people at the board: what it means, why it
matters in the workshop and how to fix it there.

Messages and help are in the active language (Django's gettext): callers run
the checks under `translation.override(board.language)`; ids never change.
"""

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .identifiers import words

PHASES = ("find", "order", "attribute", "aggregate", "bound", "review")
SEVERITIES = ("error", "warning", "hint")


@dataclass(frozen=True, order=True)
class Finding:
    check: str
    severity: str
    message: str
    stickies: tuple[str, ...] = ()

    def to_dict(self):
        return {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "stickies": list(self.stickies),
        }


_CHECKS = []


def check(check_id, phase):
    """Register a check that applies from `phase` on."""

    def register(function):
        _CHECKS.append((check_id, PHASES.index(phase), function))
        return function

    return register


def run_checks(model, phase=None):
    """All findings for the model at its phase (or `phase`), errors first."""
    reached = PHASES.index(phase or model.phase)
    findings = []
    for check_id, starts, function in _CHECKS:
        if reached >= starts:
            for severity, message, stickies in function(model, reached):
                findings.append(Finding(check_id, severity, message, tuple(stickies)))
    rank = {severity: i for i, severity in enumerate(SEVERITIES)}
    # The fields in the order the dataclass compares them, without its overhead.
    return sorted(
        findings,
        key=lambda f: (rank[f.severity], f.check, f.message, f.stickies),
    )


def summary(findings):
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def registered():
    """The ids of every check, in the order they run."""
    return [check_id for check_id, _, _ in _CHECKS]


def help_for(findings):
    """The help of each check among `findings`, by check id (see `HELP`)."""
    return {f.check: HELP[f.check].to_dict() for f in findings}


def quoted(name):
    """A name as the active language quotes it ("“Order Placed”")."""
    return _("“%(name)s”") % {"name": name}


# -- naming -------------------------------------------------------------------

NOT_PAST = {
    "need", "feed", "seed", "speed", "succeed", "proceed", "exceed", "embed",
    "shed", "bed", "red", "hundred",
}  # fmt: skip
IRREGULAR = {
    "sent", "paid", "built", "bought", "sold", "made", "done", "given", "taken",
    "written", "chosen", "held", "kept", "left", "lost", "won", "found", "told",
    "shown", "known", "drawn", "broken", "frozen", "spent", "begun", "set", "put",
    "cut", "read", "hit", "quit", "run", "shipped", "withdrawn", "undone",
    "reset", "split", "shut", "seen", "brought", "caught", "thrown", "hidden",
    "forgotten", "overridden", "rewritten", "rebuilt", "withheld", "got",
}  # fmt: skip
IMPERATIVES = {
    "place", "create", "send", "add", "update", "cancel", "approve", "submit",
    "pay", "book", "register", "remove", "delete", "ship", "confirm", "reject",
    "order", "buy", "check", "open", "close", "start", "stop", "make", "get",
}  # fmt: skip
# Chinese has no tenses: an event reads as done with 已 before its verb
# (订单已创建), a passive 被 (订单被取消), or an ending that says it is over
# (付款完成, 注册成功, 审核通过). Spoken 了 (下单成功了) passes, with a hint to
# write it in the 已 form. A name that starts by asking or planning (请付款,
# 将发货, 正在发货) is an intention, not a fact.
CHINESE_DONE = ("已", "被")
CHINESE_DONE_ENDINGS = ("完成", "成功", "完毕", "通过", "过", "了")
CHINESE_SPOKEN = "了"
CHINESE_INTENT = ("请", "要", "需要", "将", "准备", "正在", "打算")
CHINESE_ONGOING = ("正在", "即将", "将要", "将会")
# Full stops, exclamation and question marks, commas, colons (full and half width).
_CHINESE_PUNCTUATION = ".!?,;: \t\u3002\uff0e\uff01\uff1f\uff0c\uff1b\uff1a\u3001"
# Technical names: a type suffix (`OrderPlacedEvent`, `Order placed event`, not
# `Fraud Prevent`), an HTTP call (`POST /orders`: the verb in capitals, since
# "Post Office Opened" is business), and table or column names (`tbl_order`,
# `order_items`, "row inserted"; a "Table Booked" is a restaurant's business).
TECHNICAL = re.compile(
    r"(?i:\b(?:event|command))$|(?<=[a-z])(?:Event|Command)$"
    r"|^(?:GET|POST|PUT|PATCH|DELETE)\b"
    r"|\btbl_?\w*|\b[a-z0-9]+_[a-z0-9_]+\b"
    r"|(?i:\b(?:rows?|records?)\s+(?:inserted|updated|deleted)\b)"
)
_CJK = re.compile(r"[\u3400-\u9fff]")


def past_tense(text):
    """Whether an event's name reads as something that happened.

    Returns (verdict, reason); verdict None means "cannot tell" (no words).
    """
    if _CJK.search(text):
        return _chinese_past_tense(text)
    tokens = [w.lower() for w in words(text)]
    if not any(t.isascii() for t in tokens):
        # No English words: other languages have their own grammar.
        return None, ""
    if "?" in text:
        return False, _("a question is a hot spot, not an event")
    if tokens[0] in ("when", "if", "whenever"):
        return False, _("reads like a policy (whenever ... then ...)")
    if any(t in ("will", "should", "must") for t in tokens):
        return False, _("says what will or should happen, not what happened")
    done = [
        t
        for t in tokens[1:] or tokens
        if (t.endswith("ed") and t not in NOT_PAST) or t in IRREGULAR
    ]
    if done:
        return True, ""
    if tokens[0] in IMPERATIVES:
        return False, _("starts with a verb in the imperative: that is a command")
    if any(t.endswith("ing") for t in tokens):
        return False, _("an -ing form describes something going on")
    return False, _("no verb in the past tense")


def _chinese_past_tense(text):
    stripped = text.strip().rstrip(_CHINESE_PUNCTUATION)
    if "?" in text or "\uff1f" in text:
        return False, _("a question is a hot spot, not an event")
    if stripped.startswith(CHINESE_INTENT) or any(
        marker in stripped for marker in CHINESE_ONGOING
    ):
        return False, _("reads as an intention (请/要/将/准备/正在...)")
    if any(marker in stripped for marker in CHINESE_DONE) or stripped.endswith(
        CHINESE_DONE_ENDINGS
    ):
        return True, ""
    return False, _("add 已 before the verb, or end with 完成/成功")


def spoken_chinese(text):
    """Whether a Chinese event says it is done with spoken 了 instead of 已
    (下单成功了, 订单提交了): it passes, with a hint to write it as 已."""
    stripped = text.strip().rstrip(_CHINESE_PUNCTUATION)
    return bool(_CJK.search(text)) and stripped.endswith(CHINESE_SPOKEN)


@check("N1", "find")
def event_not_past_tense(model, reached):
    severity = "hint" if reached == 0 else "warning"
    for event in model.events:
        verdict, reason = past_tense(event.name)
        if verdict is False:
            yield (
                severity,
                _(
                    "%(name)s does not read as something that happened: %(reason)s "
                    "(e.g. “Order Placed”)."
                )
                % {"name": quoted(event.name), "reason": reason},
                [event.id],
            )
        elif verdict and spoken_chinese(event.name):
            yield (
                "hint",
                _(
                    "%(name)s ends with a spoken 了: write the fact with 已 before "
                    "the verb (“订单已提交”, “已下单”)."
                )
                % {"name": quoted(event.name)},
                [event.id],
            )


@check("N2", "find")
def technical_names(model, reached):
    for event in model.events:
        if TECHNICAL.search(event.name):
            yield (
                "warning",
                _("%(name)s sounds technical; name the business fact instead.")
                % {"name": quoted(event.name)},
                [event.id],
            )


def _tokens(parts):
    """Casefolded words -> the tokens near duplicates are compared by."""
    tokens = set()
    for word in parts:
        # Chinese has no spaces: its characters are the tokens.
        tokens.update(word if _CJK.search(word) else [word.removesuffix("s")])
    return frozenset(tokens)


# Jaccard similarity of their tokens from which two event names look alike.
NEAR = 0.75


def _similar_pairs(token_sets):
    """Index pairs (i, j), i < j, of token sets at least NEAR alike.

    Prefix filtering (Bayardo et al., "Scaling up all pairs similarity
    search"): with each set's tokens ordered rarest first, two sets that alike
    share a token among the first `n - ceil(NEAR * n) + 1` tokens of each, so
    only those are indexed and probed, and a board of a thousand events that
    all say "order" is not compared pair by pair.
    """
    frequency = defaultdict(int)
    for tokens in token_sets:
        for token in tokens:
            frequency[token] += 1
    index, pairs = defaultdict(list), []
    for i in sorted(range(len(token_sets)), key=lambda i: len(token_sets[i])):
        tokens = token_sets[i]
        size = len(tokens)
        if not size:
            continue
        prefix = sorted(tokens, key=lambda t: (frequency[t], t))
        seen = set()
        for token in prefix[: size - math.ceil(NEAR * size) + 1]:
            for j in index[token]:
                if j in seen:
                    continue
                seen.add(j)
                other = token_sets[j]  # no larger: sets come smallest first
                if len(other) < NEAR * size:
                    continue
                common = len(tokens & other)
                if common >= NEAR * (size + len(other) - common):
                    pairs.append((min(i, j), max(i, j)))
            index[token].append(i)
    return sorted(pairs)


@check("N8", "order")
def duplicate_names(model, reached):
    """Same or nearly the same event text: merge them, or say why they differ."""
    groups, parts_of = defaultdict(list), {}
    for event in model.events:
        parts = [w.casefold() for w in words(event.name)]
        name = " ".join(parts)
        groups[name].append(event)
        parts_of.setdefault(name, parts)
    for name, events in groups.items():
        if name and len(events) > 1:
            yield (
                "warning",
                ngettext(
                    "%(count)d event is called %(name)s: merge them or tell them "
                    "apart.",
                    "%(count)d events are called %(name)s: merge them or tell them "
                    "apart.",
                    len(events),
                )
                % {"count": len(events), "name": quoted(events[0].name)},
                [e.id for e in events],
            )
    # Near duplicates, among the first event of each name.
    names = [name for name in groups if name]
    token_sets = [_tokens(parts_of[name]) for name in names]
    for i, j in _similar_pairs(token_sets):
        event, other = sorted((groups[names[i]][0], groups[names[j]][0]), key=_id)
        yield (
            "hint",
            _("%(name)s and %(other)s look alike: the same fact?")
            % {"name": quoted(event.name), "other": quoted(other.name)},
            [event.id, other.id],
        )


def _id(element):
    return element.id


@check("N4", "attribute")
def command_named_like_an_event(model, reached):
    for command in model.commands:
        verdict, _reason = past_tense(command.name)
        if verdict and _CJK.search(command.name):
            # A Chinese command is verb-object (提交订单); 已/完成 make it a fact.
            yield (
                "hint",
                _(
                    "The command %(name)s reads like an event; a command is a verb "
                    "and its object (“提交订单”), not what is done (“订单已提交”)."
                )
                % {"name": quoted(command.name)},
                [command.id],
            )
        elif verdict:
            yield (
                "hint",
                _(
                    "The command %(name)s reads like an event; commands are "
                    "intentions (“Place Order”)."
                )
                % {"name": quoted(command.name)},
                [command.id],
            )


def gettext_noop(text):
    """Marks `text` for makemessages, translating nothing: Django's own would
    read the settings, and this module is pure (importable without them)."""
    return text


# The words `modeling.derive` and `modeling.fields` explain link and field
# problems with, marked here for translation; the problem keeps the English.
LINK_REASONS = (
    gettext_noop("an event does not issue commands: put a policy between them"),
    gettext_noop("an actor causes events through a command: add the command"),
    gettext_noop("a policy causes events through a command: add the command"),
    gettext_noop("a command changes read models through an event"),
    gettext_noop("events reach people through a read model"),
    gettext_noop("a command leads to another through an event and a policy"),
)
_OUTSIDE = re.compile(r"^a link from (\w+) to (\w+) is outside the grammar$")
_UNKNOWN_TYPE = re.compile(r"^unknown type (.+); using str$")
_TWICE = re.compile(r"^field (.+) appears twice$")
KIND_NAMES = {
    "event": gettext_lazy("domain event"),
    "command": gettext_lazy("command"),
    "actor": gettext_lazy("actor"),
    "policy": gettext_lazy("policy"),
    "external_system": gettext_lazy("external system"),
    "read_model": gettext_lazy("read model"),
    "hotspot": gettext_lazy("hot spot"),
    "aggregate": gettext_lazy("aggregate"),
    "context": gettext_lazy("bounded context"),
}


def _link_reason(reason):
    """A link problem's reason in the active language."""
    outside = _OUTSIDE.match(reason)
    if outside:
        source, target = (str(KIND_NAMES.get(k, k)) for k in outside.groups())
        return _("a link from %(source)s to %(target)s is outside the grammar") % {
            "source": source,
            "target": target,
        }
    return _(reason) if reason in LINK_REASONS else reason


def _field_problem(problem):
    """A field problem (`modeling.fields.parse_fields`) in the active language."""
    unknown = _UNKNOWN_TYPE.match(problem)
    if unknown:
        return _("unknown type %(type)s; using str") % {"type": unknown.group(1)}
    twice = _TWICE.match(problem)
    if twice:
        return _("field %(name)s appears twice") % {"name": twice.group(1)}
    return problem


# From attribute on, when code names start to matter: while events are found
# and ordered, duplicates are expected and N8 speaks about them.
@check("C1", "attribute")
def colliding_identifiers(model, reached):
    for collision in model.name_collisions:
        element = model.element(collision.sticky)
        yield (
            "error",
            _(
                "%(name)s gives the code name %(wanted)s, which another sticky "
                "already has; it becomes %(given)s. Rename one, or give it a code "
                "name."
            )
            % {
                "name": quoted(element.name),
                "wanted": collision.wanted,
                "given": collision.given,
            },
            [collision.sticky],
        )


# -- the timeline ----------------------------------------------------------------


@check("T3", "order")
def pivotal_events(model, reached):
    pivotal = [e for e in model.events if e.pivotal]
    if model.events and reached >= 2 and not pivotal:
        yield (
            "hint",
            _("No pivotal events yet: mark the 2-4 events where the story changes."),
            [],
        )
    if len(pivotal) > 4:
        yield (
            "hint",
            _("%(count)d pivotal events: keep the 2-4 that really split the story.")
            % {"count": len(pivotal)},
            [e.id for e in pivotal],
        )


@check("G9", "find")
def open_hotspots(model, reached):
    severity = "warning" if reached == PHASES.index("review") else "hint"
    for hotspot in model.hotspots:
        message = _("Open question: %(text)s") % {"text": quoted(hotspot.text)}
        yield severity, message, [hotspot.id, *hotspot.about]


# -- the grammar of links ------------------------------------------------------------


@check("G1", "attribute")
def links_outside_the_grammar(model, reached):
    for problem in model.link_problems:
        yield "warning", _link_reason(problem.message), [problem.source, problem.target]


@check("F1", "attribute")
def field_problems(model, reached):
    for problem in model.field_problems:
        element = model.element(problem.sticky)
        yield (
            "warning",
            _("%(name)s, field %(field)s: %(problem)s")
            % {
                "name": quoted(element.name),
                "field": problem.field,
                "problem": _field_problem(problem.message),
            },
            [problem.sticky],
        )


@check("G10", "attribute")
def event_without_trigger(model, reached):
    for event in model.events:
        if not event.caused_by:
            yield (
                "warning",
                _(
                    "What makes %(name)s happen? Link the command, system or event "
                    "that causes it."
                )
                % {"name": quoted(event.name)},
                [event.id],
            )


@check("G2", "attribute")
def command_without_trigger(model, reached):
    for command in model.commands:
        if not command.triggered_by:
            yield (
                "warning",
                _("Who or what issues %(name)s? Link an actor, system or policy to it.")
                % {"name": quoted(command.name)},
                [command.id],
            )


@check("G4", "attribute")
def command_without_event(model, reached):
    for command in model.commands:
        if not command.produces:
            yield (
                "warning",
                _("%(name)s produces no event: what happens when it succeeds?")
                % {"name": quoted(command.name)},
                [command.id],
            )


@check("G5", "attribute")
def policy_without_event_or_command(model, reached):
    for policy in model.policies:
        if policy.when and policy.then:
            continue
        if not policy.when and not policy.then:
            message = _(
                "The policy %(name)s needs an event in and a command out: "
                "“whenever <event>, then <command>”."
            )
        elif not policy.when:
            message = _(
                "The policy %(name)s needs an event in: "
                "“whenever <event>, then <command>”."
            )
        else:
            message = _(
                "The policy %(name)s needs a command out: "
                "“whenever <event>, then <command>”."
            )
        yield "warning", message % {"name": quoted(policy.name)}, [policy.id]


@check("G6", "attribute")
def read_model_without_events(model, reached):
    for read_model in model.read_models:
        if not read_model.fed_by:
            yield (
                "hint",
                _("Which events keep %(name)s up to date? Link them to it.")
                % {"name": quoted(read_model.name)},
                [read_model.id],
            )


def _policy_cycles(model):
    """Cycles policy -> command -> event -> policy (strongly connected parts)."""
    produces = {c.id: c.produces for c in model.commands}
    listeners = defaultdict(list)
    for policy in model.policies:
        for event in policy.when:
            listeners[event].append(policy.id)
    graph = {
        p.id: sorted(
            {q for c in p.then for e in produces.get(c, ()) for q in listeners[e]}
        )
        for p in model.policies
    }
    return [
        sorted(part)
        for part in strongly_connected(graph)
        if len(part) > 1 or part[0] in graph[part[0]]
    ]


def strongly_connected(graph):
    """The strongly connected parts of `graph` ({node: [node, ...]}), each a
    list of nodes (Tarjan's algorithm, iterative, so that long chains cannot
    overflow the stack)."""
    index, low, on_stack, stack, parts = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        return node, iter(graph[node])

    for root in graph:
        if root in index:
            continue
        work = [visit(root)]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    parts.append(_pop_part(stack, on_stack, node))
            elif child not in index:
                work.append(visit(child))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return parts


def _pop_part(stack, on_stack, node):
    part = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        part.append(member)
        if member == node:
            return part


@check("G11", "attribute")
def policy_cycles(model, reached):
    for cycle in _policy_cycles(model):
        names = _(", ").join(quoted(model.element(p).name) for p in cycle)
        yield (
            "warning",
            _("These policies trigger each other in a loop: %(names)s. What stops it?")
            % {"names": names},
            cycle,
        )


# -- aggregates and contexts ---------------------------------------------------------


@check("G3", "aggregate")
def outside_any_aggregate(model, reached):
    systems = {s.id for s in model.external_systems}
    for element in (*model.commands, *model.events):
        # Commands invoked on a system, and events a system reports, need none.
        outside = getattr(element, "targets", ()) or systems.intersection(
            getattr(element, "caused_by", ())
        )
        if element.aggregate is None and not outside:
            yield (
                "warning",
                _("%(name)s is in no aggregate: which one accepts or produces it?")
                % {"name": quoted(element.name)},
                [element.id],
            )


@check("G7", "aggregate")
def aggregate_without_events(model, reached):
    for aggregate in model.aggregates:
        if not aggregate.events:
            yield (
                "warning",
                _("The aggregate %(name)s holds no events: what does it decide?")
                % {"name": quoted(aggregate.name)},
                [aggregate.id],
            )
        elif not aggregate.commands:
            yield (
                "hint",
                _("The aggregate %(name)s takes no commands.")
                % {"name": quoted(aggregate.name)},
                [aggregate.id],
            )


@check("F2", "aggregate")
def overlapping_frames(model, reached):
    for first, second in model.overlapping_frames:
        a, b = model.element(first), model.element(second)
        yield (
            "warning",
            _(
                "The frames %(name)s and %(other)s overlap: draw one inside the "
                "other, or apart."
            )
            % {"name": quoted(a.name), "other": quoted(b.name)},
            [first, second],
        )


@check("B1", "bound")
def outside_any_context(model, reached):
    for element in (*model.aggregates, *model.events):
        if element.context is None:
            yield (
                "warning",
                _("%(name)s is in no bounded context.")
                % {"name": quoted(element.name)},
                [element.id],
            )


@check("B4", "bound")
def command_links_across_contexts(model, reached):
    """Contexts should talk through events; a command across a border couples them."""
    for command in model.commands:
        if command.context is None:
            continue
        sources = [
            model.element(t)
            for t in command.triggered_by
            if model.element(t).__class__.__name__ in ("Policy", "ReadModel")
        ]
        for source in sources:
            if source.context not in (None, command.context):
                yield (
                    "warning",
                    _(
                        "%(source)s in another context issues %(command)s: let the "
                        "command's own context react to an event instead."
                    )
                    % {"source": quoted(source.name), "command": quoted(command.name)},
                    [source.id, command.id],
                )
        for event_id in command.produces:
            event = model.element(event_id)
            if event.context not in (None, command.context):
                yield (
                    "warning",
                    _("%(command)s produces %(event)s in another context.")
                    % {"command": quoted(command.name), "event": quoted(event.name)},
                    [command.id, event.id],
                )


# -- what each check means, for the people at the board ---------------------------


class CheckHelp:
    """A check explained to a workshop participant.

    `explanation` says what the check means and why it matters in event
    storming, `fix` what to do on the board; `one` and `many` count what is
    still open ("3 events not in the past tense") in the board's phase guide.
    The words are kept lazy and read in the language active when asked.
    """

    FIELDS = ("title", "explanation", "fix", "one", "many")

    def __init__(self, title, explanation, fix, one, many):
        self._words = (title, explanation, fix, one, many)

    def __getattr__(self, name):
        if name in CheckHelp.FIELDS:
            return str(self._words[CheckHelp.FIELDS.index(name)])
        raise AttributeError(name)

    def __eq__(self, other):
        return isinstance(other, CheckHelp) and self.to_dict() == other.to_dict()

    __hash__ = None

    def to_dict(self):
        return {name: getattr(self, name) for name in CheckHelp.FIELDS}


# One entry per registered check (a test holds them to each other): the board
# page and the admin explain findings from here, so the words live in one place.
HELP = {
    "N1": CheckHelp(
        gettext_lazy("Events in the past tense"),
        gettext_lazy(
            "An event is a fact the business cares about that has already happened, "
            "so its name is in the past tense: “Order Placed”, not “Place Order” or "
            "“Placing order”. Past-tense names keep the timeline a story of facts, "
            "apart from intentions (commands) and questions (hot spots)."
        ),
        gettext_lazy(
            "Rewrite the sticky as something that happened (“Payment Received”). If "
            "it is an intention, make it a command; if it is a question, a hot spot. "
            "A time trigger such as “Every September” may stay as it is."
        ),
        gettext_lazy("event not in the past tense"),
        gettext_lazy("events not in the past tense"),
    ),
    "N2": CheckHelp(
        gettext_lazy("Business names, not technical ones"),
        gettext_lazy(
            "Names like “OrderCreatedEvent”, “POST /orders” or “row inserted” "
            "describe software, not the business. The domain experts stop "
            "recognising their story, and the board becomes a picture of today's "
            "system instead of the domain."
        ),
        gettext_lazy(
            "Say what happened in the words of the people who do the work: “Order "
            "Placed” instead of “OrderCreatedEvent”. Drop “Event” and “Command” "
            "suffixes, HTTP verbs and table names."
        ),
        gettext_lazy("technical name"),
        gettext_lazy("technical names"),
    ),
    "N8": CheckHelp(
        gettext_lazy("Duplicate events"),
        gettext_lazy(
            "Two stickies with the same or nearly the same text are usually one fact "
            "written down by two people during the exploration. Keeping both makes "
            "the timeline longer than the story and gives the model two events for "
            "one fact."
        ),
        gettext_lazy(
            "If they are the same fact, keep one and delete the other. If they "
            "differ, make the difference show in their names (“Order Placed "
            "Online”, “Order Placed by Phone”), or park the question on a hot spot."
        ),
        gettext_lazy("possible duplicate"),
        gettext_lazy("possible duplicates"),
    ),
    "N4": CheckHelp(
        gettext_lazy("Commands are intentions"),
        gettext_lazy(
            "A command is a request or decision that may still be refused, so it is "
            "named as an instruction: “Place Order”. A command named like an event "
            "(“Order Placed”) blurs what someone wants with what happened."
        ),
        gettext_lazy(
            "Rename the command as an instruction (“Place Order”). If the sticky "
            "records a fact, change its kind to event in its details."
        ),
        gettext_lazy("command named like an event"),
        gettext_lazy("commands named like events"),
    ),
    "C1": CheckHelp(
        gettext_lazy("Code names that clash"),
        gettext_lazy(
            "Every element gets a code name from its sticky's text. Two stickies "
            "that give the same code name (“Paid” and “paid”) would be one class in "
            "the exported code, so one is renamed with a number: an error, because "
            "the code depends on it."
        ),
        gettext_lazy(
            "Rename one of the two so they are told apart, merge them if they are "
            "the same thing, or give one a code name of its own in its details."
        ),
        gettext_lazy("clashing code name"),
        gettext_lazy("clashing code names"),
    ),
    "T3": CheckHelp(
        gettext_lazy("Pivotal events"),
        gettext_lazy(
            "Pivotal events are the few moments where the story turns (“Order "
            "Placed”, “Order Shipped”). Two to four of them give the timeline its "
            "chapters and later hint where bounded contexts split. None leaves the "
            "story flat; too many and none stands out."
        ),
        gettext_lazy(
            "Agree as a group on the 2 to 4 events where the story turns and mark "
            "them pivotal (select the event, then Pivotal); unmark the others."
        ),
        gettext_lazy("note on pivotal events"),
        gettext_lazy("notes on pivotal events"),
    ),
    "G9": CheckHelp(
        gettext_lazy("Open questions"),
        gettext_lazy(
            "A hot spot parks a question, a disagreement or a pain point so that the "
            "group keeps moving. Open hot spots are normal while exploring, but a "
            "model reviewed with open questions may rest on a guess."
        ),
        gettext_lazy(
            "Answer each hot spot with the people who know, change the board to "
            "match and delete the hot spot; or keep it on purpose as a known issue."
        ),
        gettext_lazy("open question"),
        gettext_lazy("open questions"),
    ),
    "G1": CheckHelp(
        gettext_lazy("Links that read as a sentence"),
        gettext_lazy(
            "Links follow a grammar: an actor issues a command, a command produces "
            "an event, an event activates a policy, a policy issues a command, an "
            "event updates a read model. A link outside it (an event straight to a "
            "command, an actor to an event) hides a missing step."
        ),
        gettext_lazy(
            "Add the missing sticky in between (a policy between an event and a "
            "command, a command between an actor and an event), turn the link "
            "around, or delete it."
        ),
        gettext_lazy("link outside the grammar"),
        gettext_lazy("links outside the grammar"),
    ),
    "F1": CheckHelp(
        gettext_lazy("Fields"),
        gettext_lazy(
            "Fields are the data an event or command carries (“amount: decimal”). A "
            "field with an unknown type, or a name given twice, cannot become code "
            "as it is and leaves the data unclear."
        ),
        gettext_lazy(
            "Open the sticky's details (I) and give each field its own name and a "
            "type: str, int, float, bool, decimal, date, datetime, uuid or "
            "list[...]; end it with ? when it is optional."
        ),
        gettext_lazy("field problem"),
        gettext_lazy("field problems"),
    ),
    "G10": CheckHelp(
        gettext_lazy("Every event has a cause"),
        gettext_lazy(
            "Each event happens for a reason: a command someone issued, an external "
            "system, time, or another event. An event without a cause is a gap in "
            "the story that telling it aloud should fill."
        ),
        gettext_lazy(
            "Link the command, external system or event that causes it to the "
            "event. If nobody knows, put a hot spot next to it."
        ),
        gettext_lazy("event without a cause"),
        gettext_lazy("events without a cause"),
    ),
    "G2": CheckHelp(
        gettext_lazy("Every command has a trigger"),
        gettext_lazy(
            "A command is issued by someone or something: an actor (a role), a "
            "policy reacting to an event, or an external system. Without a trigger "
            "nobody knows who decides, and the story has a gap."
        ),
        gettext_lazy(
            "Add the actor, policy or external system that issues the command and "
            "link it to the command."
        ),
        gettext_lazy("command without a trigger"),
        gettext_lazy("commands without a trigger"),
    ),
    "G4": CheckHelp(
        gettext_lazy("Every command produces an event"),
        gettext_lazy(
            "When a command succeeds, something happens that the business cares "
            "about. A command with no event after it changes nothing anyone can "
            "see, and the story cannot go on from it."
        ),
        gettext_lazy(
            "Link the command to the event it produces when it succeeds, adding the "
            "event if it is missing."
        ),
        gettext_lazy("command without an event"),
        gettext_lazy("commands without an event"),
    ),
    "G5": CheckHelp(
        gettext_lazy("Whenever an event, then a command"),
        gettext_lazy(
            "A policy is the rule “whenever <event>, then <command>”: it needs the "
            "event that wakes it and the command it issues. Half a policy is an "
            "automation nobody can follow."
        ),
        gettext_lazy(
            "Link the event that activates the policy to it, and the policy to the "
            "command it issues."
        ),
        gettext_lazy("unfinished policy"),
        gettext_lazy("unfinished policies"),
    ),
    "G6": CheckHelp(
        gettext_lazy("Read models are fed by events"),
        gettext_lazy(
            "A read model is the information someone looks at to decide. It only "
            "changes when events happen, so without events feeding it, it would "
            "never be up to date."
        ),
        gettext_lazy(
            "Link each event whose data the read model shows to it (event -> read "
            "model); if none does yet, the event that brings that data is missing."
        ),
        gettext_lazy("read model fed by no event"),
        gettext_lazy("read models fed by no event"),
    ),
    "G11": CheckHelp(
        gettext_lazy("Policies in a loop"),
        gettext_lazy(
            "These policies set each other off: a command's event wakes a policy "
            "that issues the command again. Unless something ends it, the "
            "automation runs for ever."
        ),
        gettext_lazy(
            "Say what stops the loop: a condition in a policy's name, another event "
            "on the way round, or a person who decides instead of a policy."
        ),
        gettext_lazy("loop of policies"),
        gettext_lazy("loops of policies"),
    ),
    "G3": CheckHelp(
        gettext_lazy("Commands and events belong to an aggregate"),
        gettext_lazy(
            "An aggregate is what accepts or rejects a command and records the "
            "events that follow. A command or event in no aggregate has no place "
            "where the business rule is kept."
        ),
        gettext_lazy(
            "Draw an aggregate frame around the command and its events, or move them "
            "into one. Commands handled by an external system need none: link them "
            "to the system."
        ),
        gettext_lazy("command or event in no aggregate"),
        gettext_lazy("commands or events in no aggregate"),
    ),
    "G7": CheckHelp(
        gettext_lazy("Aggregates decide"),
        gettext_lazy(
            "An aggregate exists to decide: it takes commands and emits events. One "
            "with no events decides nothing; one that takes no commands only "
            "records what was decided elsewhere."
        ),
        gettext_lazy(
            "Move the commands it accepts and the events it emits into its frame, or "
            "remove the frame if it only names a thing."
        ),
        gettext_lazy("aggregate with nothing to decide"),
        gettext_lazy("aggregates with nothing to decide"),
    ),
    "F2": CheckHelp(
        gettext_lazy("Overlapping frames"),
        gettext_lazy(
            "A frame says what belongs together: a sticky belongs to the innermost "
            "frame holding its centre. Two frames that partly overlap leave it "
            "unclear where the stickies in the overlap belong."
        ),
        gettext_lazy(
            "Move or resize the frames so that one sits wholly inside the other (an "
            "aggregate inside a context) or they stand apart."
        ),
        gettext_lazy("pair of overlapping frames"),
        gettext_lazy("pairs of overlapping frames"),
    ),
    "B1": CheckHelp(
        gettext_lazy("Everything in a bounded context"),
        gettext_lazy(
            "A bounded context is the part of the board where one language holds. "
            "Every event and aggregate sits in exactly one, so that each term has "
            "one meaning and one team that owns it."
        ),
        gettext_lazy(
            "Draw a context frame around it, or move it into the context whose "
            "language it speaks."
        ),
        gettext_lazy("event or aggregate in no context"),
        gettext_lazy("events or aggregates in no context"),
    ),
    "B4": CheckHelp(
        gettext_lazy("Contexts talk through events"),
        gettext_lazy(
            "Across a border, a context reacts to the other's events rather than "
            "taking its orders. A command issued from another context, or one that "
            "produces events in another, ties the two contexts tightly together."
        ),
        gettext_lazy(
            "Let the other context's event wake a policy inside this context that "
            "issues the command; or move the sticky into the context it belongs to."
        ),
        gettext_lazy("command across contexts"),
        gettext_lazy("commands across contexts"),
    ),
}
