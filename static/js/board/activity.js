// @ts-check
// The board's log in words: what each event did ("moved “Order placed”"),
// the events of one action taken together ("Ann moved 12 stickies"), and
// what a restore would change. Plain functions of events and board states
// (a BoardStore, or anything with the same `stickies`, `links`, `votes` maps
// and `board` settings), so that the wording is tested without a browser
// (tests/js/history_activity.test.mjs). history.js shows them.

import { kindOf } from "./kinds.js";
import { PHASES } from "./phases.js";
import { format, t, tn } from "./i18n.js";

// A restore sent from the page carries a command id that names the seq it
// went back to: the log keeps no command names, and "Ann restored the board
// to change 118" says more than the list of what it changed.
const RESTORE_PREFIX = "restore-";
// Quoted sticky text is cut to this many characters.
const QUOTE_LENGTH = 40;
// Board content fields (storming/commands.py CONTENT_FIELDS): a restore
// changes a sticky whose value of any of them differs.
const CONTENT_FIELDS = ["kind", "text", "description", "fields", "width", "height", "pivotal", "event_style", "code_name"];
// What a sticky.updated changed, as a noun, for "changed the kind and fields of".
const FIELD_NOUNS = {
  kind: t("kind"),
  width: t("size"),
  height: t("size"),
  fields: t("fields"),
  description: t("description"),
  code_name: t("code name"),
  pivotal: t("pivotal mark"),
  event_style: t("event style"),
};
// Kind names in running text: with their article, alone, and plural.
const KIND_WORDS = {
  event: [t("an event"), t("event"), t("events")],
  command: [t("a command"), t("command"), t("commands")],
  actor: [t("an actor"), t("actor"), t("actors")],
  policy: [t("a policy"), t("policy"), t("policies")],
  external_system: [t("an external system"), t("external system"), t("external systems")],
  read_model: [t("a read model"), t("read model"), t("read models")],
  hotspot: [t("a hot spot"), t("hot spot"), t("hot spots")],
  aggregate: [t("an aggregate"), t("aggregate"), t("aggregates")],
  context: [t("a bounded context"), t("bounded context"), t("bounded contexts")],
};

/** The command id of a restore to `seq`: `restore-<seq>-<unique id>`. */
export function restoreCommandId(seq, unique) {
  return `${RESTORE_PREFIX}${seq}-${unique}`;
}

/** The seq a restore went back to, from its command id; null for any other. */
export function restoredSeq(commandId) {
  if (typeof commandId !== "string" || !commandId.startsWith(RESTORE_PREFIX)) return null;
  const match = /^restore-(\d+)-/.exec(commandId);
  return match ? Number(match[1]) : null;
}

// -- words for things on the board ---------------------------------------------

function kindWords(kind) {
  const label = kindOf(kind).label.toLowerCase();
  return KIND_WORDS[kind] || [format(t("a %(kind)s"), { kind: label }), label, label];
}

/** A sticky's text as quoted in a sentence: its first line, cut short. */
export function quote(text) {
  const line = String(text ?? "").trim().split("\n")[0].trim();
  const cut = line.length > QUOTE_LENGTH ? `${line.slice(0, QUOTE_LENGTH - 1).trimEnd()}…` : line;
  return format(t("“%(text)s”"), { text: cut });
}

function hasText(sticky) {
  return Boolean(sticky && String(sticky.text ?? "").trim());
}

/** “Order placed”, or "an untitled event" for a sticky without text. */
export function shortName(sticky) {
  if (!sticky) return t("a sticky no longer known");
  if (hasText(sticky)) return quote(sticky.text);
  return format(t("an untitled %(kind)s"), { kind: kindWords(sticky.kind)[1] });
}

/** the event “Order placed”, or "an untitled event". */
export function longName(sticky) {
  if (!sticky) return t("a sticky");
  const noun = kindWords(sticky.kind)[1];
  return hasText(sticky)
    ? format(t("the %(kind)s %(text)s"), { kind: noun, text: quote(sticky.text) })
    : format(t("an untitled %(kind)s"), { kind: noun });
}

/** "3 events": a count of things named in words of the page's language. */
function countOf(n, one, many) {
  return format(t("%(count)s %(things)s"), { count: n, things: n === 1 ? one : many });
}

/** "a", "a and b", "a, b and c". */
export function listing(parts) {
  if (parts.length <= 1) return parts.join("");
  return format(t("%(list)s and %(last)s"), { list: parts.slice(0, -1).join(t(", ")), last: parts.at(-1) });
}

function phaseTitle(phase) {
  return PHASES[phase]?.title ?? phase;
}

function timerText(seconds) {
  if (seconds % 60 === 0) return format(t("started a %(minutes)s-minute timer"), { minutes: seconds / 60 });
  const time = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  return format(t("started a %(time)s timer"), { time });
}

// -- one event ------------------------------------------------------------------

/**
 * What one event did, against `before` (the board just before it): {seq, by,
 * at, group, id, undo, redo, category, text, stickies (touched ids), ballot}.
 * `category` sorts it for a group's summary (add, edit, move, delete, link,
 * unlink, vote, unvote, setting); `text` is the sentence without its subject.
 * `ballot` is the id of the dot vote a vote was cast in while the votes were
 * hidden: the page must not say on what until they are shown.
 */
export function factOf(event, before) {
  const data = event.data ?? {};
  const fact = {
    seq: event.seq,
    name: event.name,
    by: event.by ?? null,
    at: event.at ?? null,
    group: event.group ?? null,
    id: event.id ?? null,
    undo: event.undo_of != null,
    redo: event.redo_of != null,
    category: "setting",
    text: "",
    stickies: [],
    kind: null,
    ballot: null,
  };
  const sticky = (id) => before?.stickies?.get(id);
  switch (event.name) {
    case "sticky.created": {
      Object.assign(fact, { category: "add", stickies: [data.id], kind: data.kind });
      fact.text = format(t("added %(name)s"), { name: longName(data) });
      break;
    }
    case "sticky.updated": {
      const old = sticky(data.id);
      Object.assign(fact, { category: "edit", stickies: [data.id], kind: old?.kind ?? data.kind ?? null });
      fact.text = updateText(old, data);
      break;
    }
    case "sticky.moved": {
      const old = sticky(data.id);
      Object.assign(fact, { category: "move", stickies: [data.id], kind: old?.kind ?? null });
      fact.text = format(t("moved %(name)s"), { name: shortName(old) });
      break;
    }
    case "sticky.deleted": {
      const old = sticky(data.id);
      Object.assign(fact, { category: "delete", stickies: [data.id], kind: old?.kind ?? null });
      fact.text = format(t("deleted %(name)s"), { name: longName(old) });
      break;
    }
    case "link.created": {
      fact.category = "link";
      fact.stickies = [data.from, data.to];
      fact.text = format(t("linked %(from)s → %(to)s"), { from: shortName(sticky(data.from)), to: shortName(sticky(data.to)) });
      break;
    }
    case "link.deleted": {
      const link = before?.links?.get(data.id);
      fact.category = "unlink";
      fact.stickies = link ? [link.from, link.to] : [];
      fact.text = link
        ? format(t("removed the link %(from)s → %(to)s"), { from: shortName(sticky(link.from)), to: shortName(sticky(link.to)) })
        : t("removed a link");
      break;
    }
    case "vote.cast":
    case "vote.retracted": {
      const cast = event.name === "vote.cast";
      const voting = before?.board?.voting;
      fact.category = cast ? "vote" : "unvote";
      fact.stickies = [data.sticky];
      fact.ballot = voting && !voting.revealed ? voting.id ?? "open" : null;
      fact.text = format(cast ? t("voted for %(name)s") : t("took back a vote for %(name)s"), { name: shortName(sticky(data.sticky)) });
      break;
    }
    case "phase.changed":
      fact.text = format(t("set the phase to “%(phase)s”"), { phase: phaseTitle(data.phase) });
      break;
    case "timer.started":
      fact.text = timerText(data.seconds);
      break;
    case "timer.stopped":
      fact.text = t("stopped the timer");
      break;
    case "board.locked":
      fact.text = t("locked the board");
      break;
    case "board.unlocked":
      fact.text = t("unlocked the board");
      break;
    case "voting.opened": {
      const kinds = (data.kinds ?? []).map((k) => kindWords(k)[2]);
      const votes = format(tn("%(count)s vote", "%(count)s votes", data.votes), { count: data.votes });
      fact.text = kinds.length
        ? format(t("opened a dot vote: %(votes)s each on %(kinds)s"), { votes, kinds: listing(kinds) })
        : format(t("opened a dot vote: %(votes)s each"), { votes });
      break;
    }
    case "voting.revealed":
      fact.text = t("revealed the votes");
      break;
    case "voting.closed":
      fact.text = t("closed the dot vote");
      break;
    case "lanes.changed":
      fact.text = lanesText(before?.board?.lanes ?? [], data.lanes ?? []);
      break;
    default:
      fact.text = format(t("changed the board (%(event)s)"), { event: event.name });
  }
  return fact;
}

function updateText(old, data) {
  const name = shortName(old);
  const changed = Object.keys(data).filter((key) => key in FIELD_NOUNS || key === "text");
  const others = [...new Set(changed.filter((key) => key !== "text").map((key) => FIELD_NOUNS[key]))];
  let said = null;
  if (changed.includes("text")) {
    const after = String(data.text ?? "").trim();
    const text = quote(data.text);
    if (!hasText(old)) said = after ? format(t("wrote %(text)s on %(name)s"), { text, name }) : format(t("edited %(name)s"), { name });
    else if (!after) said = format(t("cleared the text of %(name)s"), { name });
    else said = format(t("renamed %(name)s to %(text)s"), { name, text });
    if (others.length) said = format(t("%(done)s and changed its %(things)s"), { done: said, things: listing(others) });
    return said;
  }
  if (others.length > 1) return format(t("changed the %(things)s of %(name)s"), { things: listing(others), name });
  if (changed.includes("kind")) return format(t("turned %(name)s into %(kind)s"), { name, kind: kindWords(data.kind)[0] });
  if (changed.includes("pivotal")) return format(data.pivotal ? t("marked %(name)s as pivotal") : t("unmarked %(name)s as pivotal"), { name });
  if (changed.includes("width") || changed.includes("height")) return format(t("resized %(name)s"), { name });
  if (changed.includes("fields")) return format(t("changed the fields of %(name)s"), { name });
  if (changed.includes("description")) return format(t("edited the description of %(name)s"), { name });
  if (changed.includes("code_name")) {
    return data.code_name
      ? format(t("set the code name of %(name)s to %(code)s"), { name, code: data.code_name })
      : format(t("cleared the code name of %(name)s"), { name });
  }
  if (changed.includes("event_style")) {
    return data.event_style === "notification"
      ? format(t("made %(name)s leave its context as a notification"), { name })
      : format(t("made %(name)s leave its context carrying its data"), { name });
  }
  return format(t("edited %(name)s"), { name });
}

function lanesText(before, after) {
  const names = (lanes) => lanes.map((lane) => lane.name);
  const added = after.filter((lane) => !before.some((b) => b.id === lane.id));
  const removed = before.filter((lane) => !after.some((a) => a.id === lane.id));
  if (!after.length && before.length) return t("removed the swimlanes");
  if (added.length === 1 && !removed.length) return format(t("added the swimlane “%(name)s”"), { name: added[0].name });
  if (removed.length === 1 && !added.length) return format(t("removed the swimlane “%(name)s”"), { name: removed[0].name });
  if (!added.length && !removed.length) {
    const renamed = after.filter((lane) => before.some((b) => b.id === lane.id && b.name !== lane.name));
    if (renamed.length === 1) {
      const old = before.find((b) => b.id === renamed[0].id);
      return format(t("renamed the swimlane “%(old)s” to “%(name)s”"), { old: old.name, name: renamed[0].name });
    }
    return t("rearranged the swimlanes");
  }
  return format(t("set the swimlanes: %(names)s"), { names: listing(names(after).map((n) => format(t("“%(text)s”"), { text: n }))) });
}

// -- the events of one action ---------------------------------------------------

/**
 * The entries of a feed: the facts (in seq order) of one action each, all
 * the events of a group (a batch, an undo of one, a restore) together.
 * Returns [{key, first, last, by, at, facts}] in seq order.
 */
export function entriesOf(facts) {
  const entries = [];
  let current = null;
  for (const fact of facts) {
    const key = fact.group ?? fact.seq;
    if (current && fact.group !== null && current.key === key) {
      current.facts.push(fact);
      current.last = fact.seq;
      continue;
    }
    current = { key, first: fact.seq, last: fact.seq, by: fact.by, at: fact.at, facts: [fact] };
    entries.push(current);
  }
  return entries;
}

const SUMMARIES = {
  add: (facts) => format(t("added %(things)s"), { things: countOf(facts.length, ...nounsOf(facts)) }),
  edit: (facts) => format(t("edited %(things)s"), { things: countOf(facts.length, ...nounsOf(facts)) }),
  move: (facts) => format(t("moved %(things)s"), { things: countOf(facts.length, ...nounsOf(facts)) }),
  delete: (facts) => format(t("deleted %(things)s"), { things: countOf(facts.length, ...nounsOf(facts)) }),
  link: (facts) => format(tn("added %(count)s link", "added %(count)s links", facts.length), { count: facts.length }),
  unlink: (facts) => format(tn("removed %(count)s link", "removed %(count)s links", facts.length), { count: facts.length }),
  vote: (facts) => format(tn("cast %(count)s vote", "cast %(count)s votes", facts.length), { count: facts.length }),
  unvote: (facts) => format(tn("took back %(count)s vote", "took back %(count)s votes", facts.length), { count: facts.length }),
};
const ORDER = ["add", "edit", "move", "delete", "link", "unlink", "vote", "unvote", "setting"];

// "events" when all are events, else "stickies".
function nounsOf(facts) {
  const kinds = new Set(facts.map((f) => f.kind));
  if (kinds.size === 1 && !kinds.has(null)) {
    const [, one, many] = kindWords([...kinds][0]);
    return [one, many];
  }
  return [t("sticky"), t("stickies")];
}

function factText(fact, hiddenBallot) {
  if (fact.ballot !== null && fact.ballot === hiddenBallot) {
    return fact.category === "vote" ? t("cast a vote") : t("took back a vote");
  }
  return fact.text;
}

/** What the facts of one action did, without its subject: "moved 12 stickies". */
export function summary(facts, { hiddenBallot = null } = {}) {
  const byCategory = new Map();
  for (const fact of facts) {
    if (!byCategory.has(fact.category)) byCategory.set(fact.category, []);
    byCategory.get(fact.category).push(fact);
  }
  const parts = [];
  for (const category of ORDER) {
    const list = byCategory.get(category);
    if (!list) continue;
    if (category === "setting" || list.length === 1) parts.push(...list.map((f) => factText(f, hiddenBallot)));
    else parts.push(SUMMARIES[category](list));
  }
  return listing(parts);
}

/**
 * An entry as a sentence: "Ann moved 12 stickies", "Bo renamed “Order paid”
 * to “Payment received”", "Ann restored the board to change 118 (...)".
 * `who` names the actor; `hiddenBallot` is the id of a dot vote whose votes
 * are hidden now (votes cast in it are not said to be on what).
 */
export function describeEntry(entry, { who = t("Someone"), hiddenBallot = null } = {}) {
  const what = summary(entry.facts, { hiddenBallot });
  const restored = restoredSeq(entry.facts[0]?.id);
  if (restored !== null) return format(t("%(who)s restored the board to change %(seq)s (%(what)s)"), { who, seq: restored, what });
  if (entry.facts.every((f) => f.undo)) return format(t("%(who)s undid a change (%(what)s)"), { who, what });
  if (entry.facts.every((f) => f.redo)) return format(t("%(who)s redid a change (%(what)s)"), { who, what });
  return format(t("%(who)s %(what)s"), { who, what });
}

/** The stickies an entry touched, as far as may be said (not a hidden vote's). */
export function touchedBy(entry, { hiddenBallot = null } = {}) {
  const ids = new Set();
  for (const fact of entry.facts) {
    if (fact.ballot !== null && fact.ballot === hiddenBallot) continue;
    for (const id of fact.stickies) if (id) ids.add(id);
  }
  return [...ids];
}

/**
 * Where to look for an entry on the time line: right after it, or, when it
 * only deleted stickies, right before it (so that what it deleted shows).
 */
export function pointOf(entry) {
  const deletions = entry.facts.every((f) => f.category === "delete" || f.category === "unlink");
  return deletions ? Math.max(0, entry.first - 1) : entry.last;
}

// -- times and places on the time line ---------------------------------------------

function pad(n) {
  return String(n).padStart(2, "0");
}

const MONTHS = [t("Jan"), t("Feb"), t("Mar"), t("Apr"), t("May"), t("Jun"), t("Jul"), t("Aug"), t("Sep"), t("Oct"), t("Nov"), t("Dec")];

/** "14:32" for a time today (local), "3 Dec 14:32" for another day; "" without one. */
export function clock(at, now = new Date()) {
  if (!at) return "";
  const when = new Date(at);
  if (Number.isNaN(when.getTime())) return "";
  const time = `${pad(when.getHours())}:${pad(when.getMinutes())}`;
  const sameDay =
    when.getFullYear() === now.getFullYear() && when.getMonth() === now.getMonth() && when.getDate() === now.getDate();
  return sameDay ? time : format(t("%(day)s %(month)s %(time)s"), { day: when.getDate(), month: MONTHS[when.getMonth()], time });
}

/** The banner over a past board: "Viewing the board at 14:32, change 118 of 240". */
export function bannerText({ seq, head, at = null, now = new Date() }) {
  if (seq === 0) return format(t("Viewing the board before its first change (change 0 of %(head)s)"), { head });
  const time = clock(at, now);
  return time
    ? format(t("Viewing the board at %(time)s, change %(seq)s of %(head)s"), { time, seq, head })
    : format(t("Viewing the board at change %(seq)s of %(head)s"), { seq, head });
}

/** The phase changes among `events`: [{seq, phase, title, at}], in seq order. */
export function phaseMarks(events) {
  return events
    .filter((e) => e.name === "phase.changed")
    .map((e) => ({ seq: e.seq, phase: e.data.phase, title: phaseTitle(e.data.phase), at: e.at ?? null }));
}

// -- what a restore would change ------------------------------------------------------

function values(collection) {
  if (!collection) return [];
  return collection instanceof Map ? [...collection.values()] : [...collection];
}

function same(a, b) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * What bringing the board `now` back to `then` changes, as the server's
 * restore decides it (storming/commands.py `restore`): stickies that come
 * back, go, change their content, move; links and votes that come back or
 * go; the swimlanes. Settings (phase, lock, timer, a vote) stay.
 */
export function restoreDiff(then, now) {
  const thenStickies = new Map(values(then.stickies).map((s) => [s.id, s]));
  const nowStickies = new Map(values(now.stickies).map((s) => [s.id, s]));
  const diff = { back: 0, gone: 0, changed: 0, moved: 0, linksBack: 0, linksGone: 0, votesBack: 0, votesGone: 0, lanes: false };
  for (const [id, sticky] of thenStickies) {
    const current = nowStickies.get(id);
    if (!current) {
      diff.back += 1;
      continue;
    }
    if (CONTENT_FIELDS.some((name) => !same(current[name], sticky[name]))) diff.changed += 1;
    if (current.x !== sticky.x || current.y !== sticky.y) diff.moved += 1;
  }
  for (const id of nowStickies.keys()) if (!thenStickies.has(id)) diff.gone += 1;
  const thenLinks = new Set(values(then.links).map((l) => l.id));
  const nowLinks = new Set(values(now.links).map((l) => l.id));
  for (const id of thenLinks) if (!nowLinks.has(id)) diff.linksBack += 1;
  for (const id of nowLinks) if (!thenLinks.has(id)) diff.linksGone += 1;
  const key = (v) => `${v.sticky}:${v.member}`;
  const thenVotes = new Set(values(then.votes).map(key));
  const nowVotes = new Set(values(now.votes).map(key));
  for (const k of thenVotes) if (!nowVotes.has(k)) diff.votesBack += 1;
  for (const k of nowVotes) if (!thenVotes.has(k)) diff.votesGone += 1;
  diff.lanes = !same(then.board?.lanes ?? [], now.board?.lanes ?? []);
  diff.total =
    diff.back + diff.gone + diff.changed + diff.moved + diff.linksBack + diff.linksGone + diff.votesBack + diff.votesGone + (diff.lanes ? 1 : 0);
  return diff;
}

/** A restore's diff in words, one item each: ["3 stickies come back", ...]; [] when nothing changes. */
export function restoreItems(diff) {
  const items = [];
  const say = (n, text) => items.push(format(text, { count: n }));
  if (diff.back) say(diff.back, tn("%(count)s sticky comes back", "%(count)s stickies come back", diff.back));
  if (diff.gone) say(diff.gone, tn("%(count)s sticky goes", "%(count)s stickies go", diff.gone));
  if (diff.changed) say(diff.changed, tn("%(count)s sticky gets its words or details of then back", "%(count)s stickies get their words or details of then back", diff.changed));
  if (diff.moved) say(diff.moved, tn("%(count)s sticky moves back to where it was", "%(count)s stickies move back to where they were", diff.moved));
  if (diff.linksBack) say(diff.linksBack, tn("%(count)s link comes back", "%(count)s links come back", diff.linksBack));
  if (diff.linksGone) say(diff.linksGone, tn("%(count)s link goes", "%(count)s links go", diff.linksGone));
  if (diff.votesBack) say(diff.votesBack, tn("%(count)s vote comes back", "%(count)s votes come back", diff.votesBack));
  if (diff.votesGone) say(diff.votesGone, tn("%(count)s vote goes", "%(count)s votes go", diff.votesGone));
  if (diff.lanes) items.push(t("the swimlanes go back to those of then"));
  return items;
}
