// The board's log in words: what each event did ("moved “Order placed”"),
// the events of one action taken together ("Ann moved 12 stickies"), and
// what a restore would change. Plain functions of events and board states
// (a BoardStore, or anything with the same `stickies`, `links`, `votes` maps
// and `board` settings), so that the wording is tested without a browser
// (tests/js/history_activity.test.mjs). history.js shows them.

import { kindOf } from "./kinds.js";
import { PHASES } from "./phases.js";

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
  kind: "kind",
  width: "size",
  height: "size",
  fields: "fields",
  description: "description",
  code_name: "code name",
  pivotal: "pivotal mark",
  event_style: "event style",
};
// Kind names in running text, with their article and plural.
const KIND_WORDS = {
  event: ["an", "event", "events"],
  command: ["a", "command", "commands"],
  actor: ["an", "actor", "actors"],
  policy: ["a", "policy", "policies"],
  external_system: ["an", "external system", "external systems"],
  read_model: ["a", "read model", "read models"],
  hotspot: ["a", "hot spot", "hot spots"],
  aggregate: ["an", "aggregate", "aggregates"],
  context: ["a", "bounded context", "bounded contexts"],
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
  return KIND_WORDS[kind] || ["a", kindOf(kind).label.toLowerCase(), `${kindOf(kind).label.toLowerCase()}s`];
}

/** A sticky's text as quoted in a sentence: its first line, cut short. */
export function quote(text) {
  const line = String(text ?? "").trim().split("\n")[0].trim();
  const cut = line.length > QUOTE_LENGTH ? `${line.slice(0, QUOTE_LENGTH - 1).trimEnd()}…` : line;
  return `“${cut}”`;
}

function hasText(sticky) {
  return Boolean(sticky && String(sticky.text ?? "").trim());
}

/** “Order placed”, or "an untitled event" for a sticky without text. */
export function shortName(sticky) {
  if (!sticky) return "a sticky no longer known";
  if (hasText(sticky)) return quote(sticky.text);
  return `an untitled ${kindWords(sticky.kind)[1]}`;
}

/** the event “Order placed”, or "an untitled event". */
export function longName(sticky) {
  if (!sticky) return "a sticky";
  const noun = kindWords(sticky.kind)[1];
  return hasText(sticky) ? `the ${noun} ${quote(sticky.text)}` : `an untitled ${noun}`;
}

function countOf(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/** "a", "a and b", "a, b and c". */
export function listing(parts) {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

function phaseTitle(phase) {
  return PHASES[phase]?.title ?? phase;
}

function minutes(seconds) {
  if (seconds % 60 === 0) return `${seconds / 60}-minute`;
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
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
      fact.text = `added ${longName(data)}`;
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
      fact.text = `moved ${shortName(old)}`;
      break;
    }
    case "sticky.deleted": {
      const old = sticky(data.id);
      Object.assign(fact, { category: "delete", stickies: [data.id], kind: old?.kind ?? null });
      fact.text = `deleted ${longName(old)}`;
      break;
    }
    case "link.created": {
      fact.category = "link";
      fact.stickies = [data.from, data.to];
      fact.text = `linked ${shortName(sticky(data.from))} → ${shortName(sticky(data.to))}`;
      break;
    }
    case "link.deleted": {
      const link = before?.links?.get(data.id);
      fact.category = "unlink";
      fact.stickies = link ? [link.from, link.to] : [];
      fact.text = link
        ? `removed the link ${shortName(sticky(link.from))} → ${shortName(sticky(link.to))}`
        : "removed a link";
      break;
    }
    case "vote.cast":
    case "vote.retracted": {
      const cast = event.name === "vote.cast";
      const voting = before?.board?.voting;
      fact.category = cast ? "vote" : "unvote";
      fact.stickies = [data.sticky];
      fact.ballot = voting && !voting.revealed ? voting.id ?? "open" : null;
      fact.text = cast ? `voted for ${shortName(sticky(data.sticky))}` : `took back a vote for ${shortName(sticky(data.sticky))}`;
      break;
    }
    case "phase.changed":
      fact.text = `set the phase to “${phaseTitle(data.phase)}”`;
      break;
    case "timer.started":
      fact.text = `started a ${minutes(data.seconds)} timer`;
      break;
    case "timer.stopped":
      fact.text = "stopped the timer";
      break;
    case "board.locked":
      fact.text = "locked the board";
      break;
    case "board.unlocked":
      fact.text = "unlocked the board";
      break;
    case "voting.opened": {
      const kinds = (data.kinds ?? []).map((k) => kindWords(k)[2]);
      const on = kinds.length ? ` on ${listing(kinds)}` : "";
      fact.text = `opened a dot vote: ${countOf(data.votes, "vote", "votes")} each${on}`;
      break;
    }
    case "voting.revealed":
      fact.text = "revealed the votes";
      break;
    case "voting.closed":
      fact.text = "closed the dot vote";
      break;
    case "lanes.changed":
      fact.text = lanesText(before?.board?.lanes ?? [], data.lanes ?? []);
      break;
    default:
      fact.text = `changed the board (${event.name})`;
  }
  return fact;
}

function updateText(old, data) {
  const name = shortName(old);
  const changed = Object.keys(data).filter((key) => key in FIELD_NOUNS || key === "text");
  const others = [...new Set(changed.filter((key) => key !== "text").map((key) => FIELD_NOUNS[key]))];
  let text = null;
  if (changed.includes("text")) {
    const after = String(data.text ?? "").trim();
    if (!hasText(old)) text = after ? `wrote ${quote(data.text)} on ${name}` : `edited ${name}`;
    else if (!after) text = `cleared the text of ${name}`;
    else text = `renamed ${name} to ${quote(data.text)}`;
    if (others.length) text += ` and changed its ${listing(others)}`;
    return text;
  }
  if (others.length > 1) return `changed the ${listing(others)} of ${name}`;
  if (changed.includes("kind")) return `turned ${name} into ${kindWords(data.kind)[0]} ${kindWords(data.kind)[1]}`;
  if (changed.includes("pivotal")) return data.pivotal ? `marked ${name} as pivotal` : `unmarked ${name} as pivotal`;
  if (changed.includes("width") || changed.includes("height")) return `resized ${name}`;
  if (changed.includes("fields")) return `changed the fields of ${name}`;
  if (changed.includes("description")) return `edited the description of ${name}`;
  if (changed.includes("code_name")) {
    return data.code_name ? `set the code name of ${name} to ${data.code_name}` : `cleared the code name of ${name}`;
  }
  if (changed.includes("event_style")) {
    return data.event_style === "notification"
      ? `made ${name} leave its context as a notification`
      : `made ${name} leave its context carrying its data`;
  }
  return `edited ${name}`;
}

function lanesText(before, after) {
  const names = (lanes) => lanes.map((lane) => lane.name);
  const added = after.filter((lane) => !before.some((b) => b.id === lane.id));
  const removed = before.filter((lane) => !after.some((a) => a.id === lane.id));
  if (!after.length && before.length) return "removed the swimlanes";
  if (added.length === 1 && !removed.length) return `added the swimlane “${added[0].name}”`;
  if (removed.length === 1 && !added.length) return `removed the swimlane “${removed[0].name}”`;
  if (!added.length && !removed.length) {
    const renamed = after.filter((lane) => before.some((b) => b.id === lane.id && b.name !== lane.name));
    if (renamed.length === 1) {
      const old = before.find((b) => b.id === renamed[0].id);
      return `renamed the swimlane “${old.name}” to “${renamed[0].name}”`;
    }
    return "rearranged the swimlanes";
  }
  return `set the swimlanes: ${listing(names(after).map((n) => `“${n}”`))}`;
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
  add: (facts) => `added ${countOf(facts.length, ...nounsOf(facts))}`,
  edit: (facts) => `edited ${countOf(facts.length, ...nounsOf(facts))}`,
  move: (facts) => `moved ${countOf(facts.length, ...nounsOf(facts))}`,
  delete: (facts) => `deleted ${countOf(facts.length, ...nounsOf(facts))}`,
  link: (facts) => `added ${countOf(facts.length, "link", "links")}`,
  unlink: (facts) => `removed ${countOf(facts.length, "link", "links")}`,
  vote: (facts) => `cast ${countOf(facts.length, "vote", "votes")}`,
  unvote: (facts) => `took back ${countOf(facts.length, "vote", "votes")}`,
};
const ORDER = ["add", "edit", "move", "delete", "link", "unlink", "vote", "unvote", "setting"];

// "events" when all are events, else "stickies".
function nounsOf(facts) {
  const kinds = new Set(facts.map((f) => f.kind));
  if (kinds.size === 1 && !kinds.has(null)) {
    const [, one, many] = kindWords([...kinds][0]);
    return [one, many];
  }
  return ["sticky", "stickies"];
}

function factText(fact, hiddenBallot) {
  if (fact.ballot !== null && fact.ballot === hiddenBallot) {
    return fact.category === "vote" ? "cast a vote" : "took back a vote";
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
export function describeEntry(entry, { who = "Someone", hiddenBallot = null } = {}) {
  const what = summary(entry.facts, { hiddenBallot });
  const restored = restoredSeq(entry.facts[0]?.id);
  if (restored !== null) return `${who} restored the board to change ${restored} (${what})`;
  if (entry.facts.every((f) => f.undo)) return `${who} undid a change (${what})`;
  if (entry.facts.every((f) => f.redo)) return `${who} redid a change (${what})`;
  return `${who} ${what}`;
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

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "14:32" for a time today (local), "3 Dec 14:32" for another day; "" without one. */
export function clock(at, now = new Date()) {
  if (!at) return "";
  const when = new Date(at);
  if (Number.isNaN(when.getTime())) return "";
  const time = `${pad(when.getHours())}:${pad(when.getMinutes())}`;
  const sameDay =
    when.getFullYear() === now.getFullYear() && when.getMonth() === now.getMonth() && when.getDate() === now.getDate();
  return sameDay ? time : `${when.getDate()} ${MONTHS[when.getMonth()]} ${time}`;
}

/** The banner over a past board: "Viewing the board at 14:32, change 118 of 240". */
export function bannerText({ seq, head, at = null, now = new Date() }) {
  if (seq === 0) return `Viewing the board before its first change (change 0 of ${head})`;
  const time = clock(at, now);
  return time
    ? `Viewing the board at ${time}, change ${seq} of ${head}`
    : `Viewing the board at change ${seq} of ${head}`;
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
  if (diff.back) items.push(`${countOf(diff.back, "sticky comes", "stickies come")} back`);
  if (diff.gone) items.push(`${countOf(diff.gone, "sticky goes", "stickies go")}`);
  if (diff.changed) {
    items.push(diff.changed === 1 ? "1 sticky gets its words or details of then back" : `${diff.changed} stickies get their words or details of then back`);
  }
  if (diff.moved) items.push(`${countOf(diff.moved, "sticky moves", "stickies move")} back to where ${diff.moved === 1 ? "it was" : "they were"}`);
  if (diff.linksBack) items.push(`${countOf(diff.linksBack, "link comes", "links come")} back`);
  if (diff.linksGone) items.push(`${countOf(diff.linksGone, "link goes", "links go")}`);
  if (diff.votesBack) items.push(`${countOf(diff.votesBack, "vote comes", "votes come")} back`);
  if (diff.votesGone) items.push(`${countOf(diff.votesGone, "vote goes", "votes go")}`);
  if (diff.lanes) items.push("the swimlanes go back to those of then");
  return items;
}
