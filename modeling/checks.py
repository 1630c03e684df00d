"""Model checks: what is missing or inconsistent, in words a participant follows.

Each check is a plain function of the model (and the board snapshot where it
needs the words as written). Every check belongs to the workshop phase where
it starts to matter, so a board still finding events is not flooded with
aggregate advice. Ids are those of docs/event-storming.md.
`HELP` explains every check to the people at the board: what it means, why it
matters in the workshop and how to fix it there.
"""

import math
import re
from collections import defaultdict
from dataclasses import dataclass

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
CHINESE_DONE = ("已", "了", "完成", "成功", "完毕", "被", "过")
CHINESE_INTENT = ("请", "要", "需要", "将", "准备", "正在")
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
        stripped = text.strip()
        if stripped.startswith(CHINESE_INTENT):
            return False, "reads as an intention (请/要/将/准备/正在...)"
        if any(marker in stripped for marker in CHINESE_DONE):
            return True, ""
        return False, "add 已 before the verb, or end with 完成/成功"
    tokens = [w.lower() for w in words(text)]
    if not any(t.isascii() for t in tokens):
        # No English words: other languages have their own grammar.
        return None, ""
    if "?" in text:
        return False, "a question is a hot spot, not an event"
    if tokens[0] in ("when", "if", "whenever"):
        return False, "reads like a policy (whenever ... then ...)"
    if any(t in ("will", "should", "must") for t in tokens):
        return False, "says what will or should happen, not what happened"
    done = [
        t
        for t in tokens[1:] or tokens
        if (t.endswith("ed") and t not in NOT_PAST) or t in IRREGULAR
    ]
    if done:
        return True, ""
    if tokens[0] in IMPERATIVES:
        return False, "starts with a verb in the imperative: that is a command"
    if any(t.endswith("ing") for t in tokens):
        return False, "an -ing form describes something going on"
    return False, "no verb in the past tense"


@check("N1", "find")
def event_not_past_tense(model, reached):
    severity = "hint" if reached == 0 else "warning"
    for event in model.events:
        verdict, reason = past_tense(event.name)
        if verdict is False:
            yield (
                severity,
                f"“{event.name}” does not read as something that happened: "
                f"{reason} (e.g. “Order Placed”).",
                [event.id],
            )


@check("N2", "find")
def technical_names(model, reached):
    for event in model.events:
        if TECHNICAL.search(event.name):
            yield (
                "warning",
                f"“{event.name}” sounds technical; name the business fact instead.",
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
                f"{len(events)} events are called “{events[0].name}”: merge them "
                "or tell them apart.",
                [e.id for e in events],
            )
    # Near duplicates, among the first event of each name.
    names = [name for name in groups if name]
    token_sets = [_tokens(parts_of[name]) for name in names]
    for i, j in _similar_pairs(token_sets):
        event, other = sorted((groups[names[i]][0], groups[names[j]][0]), key=_id)
        yield (
            "hint",
            f"“{event.name}” and “{other.name}” look alike: the same fact?",
            [event.id, other.id],
        )


def _id(element):
    return element.id


@check("N4", "attribute")
def command_named_like_an_event(model, reached):
    for command in model.commands:
        verdict, _ = past_tense(command.name)
        if verdict and not _CJK.search(command.name):
            yield (
                "hint",
                f"The command “{command.name}” reads like an event; commands are "
                "intentions (“Place Order”).",
                [command.id],
            )


# From attribute on, when code names start to matter: while events are found
# and ordered, duplicates are expected and N8 speaks about them.
@check("C1", "attribute")
def colliding_identifiers(model, reached):
    for collision in model.name_collisions:
        element = model.element(collision.sticky)
        yield (
            "error",
            f"“{element.name}” gives the code name {collision.wanted}, which "
            f"another sticky already has; it becomes {collision.given}. Rename one, "
            "or give it a code name.",
            [collision.sticky],
        )


# -- the timeline ----------------------------------------------------------------


@check("T3", "order")
def pivotal_events(model, reached):
    pivotal = [e for e in model.events if e.pivotal]
    if model.events and reached >= 2 and not pivotal:
        yield (
            "hint",
            "No pivotal events yet: mark the 2-4 events where the story changes.",
            [],
        )
    if len(pivotal) > 4:
        yield (
            "hint",
            f"{len(pivotal)} pivotal events: keep the 2-4 that really split the story.",
            [e.id for e in pivotal],
        )


@check("G9", "find")
def open_hotspots(model, reached):
    severity = "warning" if reached == PHASES.index("review") else "hint"
    for hotspot in model.hotspots:
        yield severity, f"Open question: “{hotspot.text}”", [hotspot.id, *hotspot.about]


# -- the grammar of links ------------------------------------------------------------


@check("G1", "attribute")
def links_outside_the_grammar(model, reached):
    for problem in model.link_problems:
        yield "warning", problem.message, [problem.source, problem.target]


@check("F1", "attribute")
def field_problems(model, reached):
    for problem in model.field_problems:
        element = model.element(problem.sticky)
        yield (
            "warning",
            f"“{element.name}”, field {problem.field}: {problem.message}",
            [problem.sticky],
        )


@check("G10", "attribute")
def event_without_trigger(model, reached):
    for event in model.events:
        if not event.caused_by:
            yield (
                "warning",
                f"What makes “{event.name}” happen? Link the command, system or event "
                "that causes it.",
                [event.id],
            )


@check("G2", "attribute")
def command_without_trigger(model, reached):
    for command in model.commands:
        if not command.triggered_by:
            yield (
                "warning",
                f"Who or what issues “{command.name}”? Link an actor, system or "
                "policy to it.",
                [command.id],
            )


@check("G4", "attribute")
def command_without_event(model, reached):
    for command in model.commands:
        if not command.produces:
            yield (
                "warning",
                f"“{command.name}” produces no event: what happens when it succeeds?",
                [command.id],
            )


@check("G5", "attribute")
def policy_without_event_or_command(model, reached):
    for policy in model.policies:
        missing = [
            what
            for what, ids in (
                ("an event in", policy.when),
                ("a command out", policy.then),
            )
            if not ids
        ]
        if missing:
            yield (
                "warning",
                f"The policy “{policy.name}” needs {' and '.join(missing)}: "
                "“whenever <event>, then <command>”.",
                [policy.id],
            )


@check("G6", "attribute")
def read_model_without_events(model, reached):
    for read_model in model.read_models:
        if not read_model.fed_by:
            yield (
                "hint",
                f"Which events keep “{read_model.name}” up to date? Link them to it.",
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
    # Tarjan's algorithm, iterative so that long chains cannot overflow.
    index, low, on_stack, stack, result, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == node:
                        break
                if len(part) > 1 or node in graph[node]:
                    result.append(sorted(part))
    return result


@check("G11", "attribute")
def policy_cycles(model, reached):
    for cycle in _policy_cycles(model):
        names = ", ".join(f"“{model.element(p).name}”" for p in cycle)
        yield (
            "warning",
            f"These policies trigger each other in a loop: {names}. What stops it?",
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
                f"“{element.name}” is in no aggregate: which one accepts or "
                "produces it?",
                [element.id],
            )


@check("G7", "aggregate")
def aggregate_without_events(model, reached):
    for aggregate in model.aggregates:
        if not aggregate.events:
            yield (
                "warning",
                f"The aggregate “{aggregate.name}” holds no events: "
                "what does it decide?",
                [aggregate.id],
            )
        elif not aggregate.commands:
            yield (
                "hint",
                f"The aggregate “{aggregate.name}” takes no commands.",
                [aggregate.id],
            )


@check("F2", "aggregate")
def overlapping_frames(model, reached):
    for first, second in model.overlapping_frames:
        a, b = model.element(first), model.element(second)
        yield (
            "warning",
            f"The frames “{a.name}” and “{b.name}” overlap: draw one inside the "
            "other, or apart.",
            [first, second],
        )


@check("B1", "bound")
def outside_any_context(model, reached):
    for element in (*model.aggregates, *model.events):
        if element.context is None:
            yield (
                "warning",
                f"“{element.name}” is in no bounded context.",
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
                    f"“{source.name}” in another context issues “{command.name}”: "
                    "let the command's own context react to an event instead.",
                    [source.id, command.id],
                )
        for event_id in command.produces:
            event = model.element(event_id)
            if event.context not in (None, command.context):
                yield (
                    "warning",
                    f"“{command.name}” produces “{event.name}” in another context.",
                    [command.id, event.id],
                )


# -- what each check means, for the people at the board ---------------------------


@dataclass(frozen=True)
class CheckHelp:
    """A check explained to a workshop participant.

    `explanation` says what the check means and why it matters in event
    storming, `fix` what to do on the board; `one` and `many` count what is
    still open ("3 events not in the past tense") in the board's phase guide.
    """

    title: str
    explanation: str
    fix: str
    one: str
    many: str

    def to_dict(self):
        return {
            "title": self.title,
            "explanation": self.explanation,
            "fix": self.fix,
            "one": self.one,
            "many": self.many,
        }


# One entry per registered check (a test holds them to each other): the board
# page and the admin explain findings from here, so the words live in one place.
HELP = {
    "N1": CheckHelp(
        "Events in the past tense",
        "An event is a fact the business cares about that has already happened, "
        "so its name is in the past tense: “Order Placed”, not “Place Order” or "
        "“Placing order”. Past-tense names keep the timeline a story of facts, "
        "apart from intentions (commands) and questions (hot spots).",
        "Rewrite the sticky as something that happened (“Payment Received”). If "
        "it is an intention, make it a command; if it is a question, a hot spot. "
        "A time trigger such as “Every September” may stay as it is.",
        "event not in the past tense",
        "events not in the past tense",
    ),
    "N2": CheckHelp(
        "Business names, not technical ones",
        "Names like “OrderCreatedEvent”, “POST /orders” or “row inserted” "
        "describe software, not the business. The domain experts stop "
        "recognising their story, and the board becomes a picture of today's "
        "system instead of the domain.",
        "Say what happened in the words of the people who do the work: “Order "
        "Placed” instead of “OrderCreatedEvent”. Drop “Event” and “Command” "
        "suffixes, HTTP verbs and table names.",
        "technical name",
        "technical names",
    ),
    "N8": CheckHelp(
        "Duplicate events",
        "Two stickies with the same or nearly the same text are usually one fact "
        "written down by two people during the exploration. Keeping both makes "
        "the timeline longer than the story and gives the model two events for "
        "one fact.",
        "If they are the same fact, keep one and delete the other. If they "
        "differ, make the difference show in their names (“Order Placed "
        "Online”, “Order Placed by Phone”), or park the question on a hot spot.",
        "possible duplicate",
        "possible duplicates",
    ),
    "N4": CheckHelp(
        "Commands are intentions",
        "A command is a request or decision that may still be refused, so it is "
        "named as an instruction: “Place Order”. A command named like an event "
        "(“Order Placed”) blurs what someone wants with what happened.",
        "Rename the command as an instruction (“Place Order”). If the sticky "
        "records a fact, change its kind to event in its details.",
        "command named like an event",
        "commands named like events",
    ),
    "C1": CheckHelp(
        "Code names that clash",
        "Every element gets a code name from its sticky's text. Two stickies "
        "that give the same code name (“Paid” and “paid”) would be one class in "
        "the exported code, so one is renamed with a number: an error, because "
        "the code depends on it.",
        "Rename one of the two so they are told apart, merge them if they are "
        "the same thing, or give one a code name of its own in its details.",
        "clashing code name",
        "clashing code names",
    ),
    "T3": CheckHelp(
        "Pivotal events",
        "Pivotal events are the few moments where the story turns (“Order "
        "Placed”, “Order Shipped”). Two to four of them give the timeline its "
        "chapters and later hint where bounded contexts split. None leaves the "
        "story flat; too many and none stands out.",
        "Agree as a group on the 2 to 4 events where the story turns and mark "
        "them pivotal (select the event, then Pivotal); unmark the others.",
        "note on pivotal events",
        "notes on pivotal events",
    ),
    "G9": CheckHelp(
        "Open questions",
        "A hot spot parks a question, a disagreement or a pain point so that the "
        "group keeps moving. Open hot spots are normal while exploring, but a "
        "model reviewed with open questions may rest on a guess.",
        "Answer each hot spot with the people who know, change the board to "
        "match and delete the hot spot; or keep it on purpose as a known issue.",
        "open question",
        "open questions",
    ),
    "G1": CheckHelp(
        "Links that read as a sentence",
        "Links follow a grammar: an actor issues a command, a command produces "
        "an event, an event activates a policy, a policy issues a command, an "
        "event updates a read model. A link outside it (an event straight to a "
        "command, an actor to an event) hides a missing step.",
        "Add the missing sticky in between (a policy between an event and a "
        "command, a command between an actor and an event), turn the link "
        "around, or delete it.",
        "link outside the grammar",
        "links outside the grammar",
    ),
    "F1": CheckHelp(
        "Fields",
        "Fields are the data an event or command carries (“amount: decimal”). A "
        "field with an unknown type, or a name given twice, cannot become code "
        "as it is and leaves the data unclear.",
        "Open the sticky's details (I) and give each field its own name and a "
        "type: str, int, float, bool, decimal, date, datetime, uuid or "
        "list[...]; end it with ? when it is optional.",
        "field problem",
        "field problems",
    ),
    "G10": CheckHelp(
        "Every event has a cause",
        "Each event happens for a reason: a command someone issued, an external "
        "system, time, or another event. An event without a cause is a gap in "
        "the story that telling it aloud should fill.",
        "Link the command, external system or event that causes it to the "
        "event. If nobody knows, put a hot spot next to it.",
        "event without a cause",
        "events without a cause",
    ),
    "G2": CheckHelp(
        "Every command has a trigger",
        "A command is issued by someone or something: an actor (a role), a "
        "policy reacting to an event, or an external system. Without a trigger "
        "nobody knows who decides, and the story has a gap.",
        "Add the actor, policy or external system that issues the command and "
        "link it to the command.",
        "command without a trigger",
        "commands without a trigger",
    ),
    "G4": CheckHelp(
        "Every command produces an event",
        "When a command succeeds, something happens that the business cares "
        "about. A command with no event after it changes nothing anyone can "
        "see, and the story cannot go on from it.",
        "Link the command to the event it produces when it succeeds, adding the "
        "event if it is missing.",
        "command without an event",
        "commands without an event",
    ),
    "G5": CheckHelp(
        "Whenever an event, then a command",
        "A policy is the rule “whenever <event>, then <command>”: it needs the "
        "event that wakes it and the command it issues. Half a policy is an "
        "automation nobody can follow.",
        "Link the event that activates the policy to it, and the policy to the "
        "command it issues.",
        "unfinished policy",
        "unfinished policies",
    ),
    "G6": CheckHelp(
        "Read models are fed by events",
        "A read model is the information someone looks at to decide. It only "
        "changes when events happen, so without events feeding it, it would "
        "never be up to date.",
        "Link each event whose data the read model shows to it (event -> read "
        "model); if none does yet, the event that brings that data is missing.",
        "read model fed by no event",
        "read models fed by no event",
    ),
    "G11": CheckHelp(
        "Policies in a loop",
        "These policies set each other off: a command's event wakes a policy "
        "that issues the command again. Unless something ends it, the "
        "automation runs for ever.",
        "Say what stops the loop: a condition in a policy's name, another event "
        "on the way round, or a person who decides instead of a policy.",
        "loop of policies",
        "loops of policies",
    ),
    "G3": CheckHelp(
        "Commands and events belong to an aggregate",
        "An aggregate is what accepts or rejects a command and records the "
        "events that follow. A command or event in no aggregate has no place "
        "where the business rule is kept.",
        "Draw an aggregate frame around the command and its events, or move them "
        "into one. Commands handled by an external system need none: link them "
        "to the system.",
        "command or event in no aggregate",
        "commands or events in no aggregate",
    ),
    "G7": CheckHelp(
        "Aggregates decide",
        "An aggregate exists to decide: it takes commands and emits events. One "
        "with no events decides nothing; one that takes no commands only "
        "records what was decided elsewhere.",
        "Move the commands it accepts and the events it emits into its frame, or "
        "remove the frame if it only names a thing.",
        "aggregate with nothing to decide",
        "aggregates with nothing to decide",
    ),
    "F2": CheckHelp(
        "Overlapping frames",
        "A frame says what belongs together: a sticky belongs to the innermost "
        "frame holding its centre. Two frames that partly overlap leave it "
        "unclear where the stickies in the overlap belong.",
        "Move or resize the frames so that one sits wholly inside the other (an "
        "aggregate inside a context) or they stand apart.",
        "pair of overlapping frames",
        "pairs of overlapping frames",
    ),
    "B1": CheckHelp(
        "Everything in a bounded context",
        "A bounded context is the part of the board where one language holds. "
        "Every event and aggregate sits in exactly one, so that each term has "
        "one meaning and one team that owns it.",
        "Draw a context frame around it, or move it into the context whose "
        "language it speaks.",
        "event or aggregate in no context",
        "events or aggregates in no context",
    ),
    "B4": CheckHelp(
        "Contexts talk through events",
        "Across a border, a context reacts to the other's events rather than "
        "taking its orders. A command issued from another context, or one that "
        "produces events in another, ties the two contexts tightly together.",
        "Let the other context's event wake a policy inside this context that "
        "issues the command; or move the sticky into the context it belongs to.",
        "command across contexts",
        "commands across contexts",
    ),
}
