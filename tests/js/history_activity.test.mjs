// The board's log in words (static/js/board/activity.js): every event the
// server logs, the events of one action together, the restore's diff.

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

import {
  bannerText,
  clock,
  describeEntry,
  entriesOf,
  factOf,
  listing,
  phaseMarks,
  pointOf,
  quote,
  restoreCommandId,
  restoreDiff,
  restoreItems,
  restoredSeq,
  touchedBy,
} from "../../static/js/board/activity.js";
import { BoardStore } from "../../static/js/board/store.js";

const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";
const C = "00000000-0000-4000-8000-00000000000c";
const L1 = "00000000-0000-4000-8000-000000000001";
const ANN = "10000000-0000-4000-8000-000000000001";
const BO = "10000000-0000-4000-8000-000000000002";
const T0 = "2026-01-01T10:00:00.000000Z";

function sticky(id, text, extra = {}) {
  return {
    id, kind: "event", text, description: "", fields: [], x: 0, y: 0, width: 160, height: 160,
    pivotal: false, event_style: "state", code_name: "", version: 1, author: ANN, created_at: T0, updated_at: T0,
    ...extra,
  };
}

/** A board with the given stickies, links, and board settings. */
function boardWith({ stickies = [], links = [], votes = [], board = {} } = {}) {
  const store = new BoardStore();
  store.load({ board, stickies, links, votes }, 10);
  return store;
}

let seq = 100;
const event = (name, data, extra = {}) => ({ seq: ++seq, name, data, by: ANN, at: T0, ...extra });
const say = (e, before, options) => describeEntry({ facts: [factOf(e, before)] }, { who: "Ann", ...options });

// The event names the server logs, read from storming/commands.py, so that
// a new event name without words fails here.
function loggedEventNames() {
  const source = readFileSync(new URL("../../storming/commands.py", import.meta.url), "utf8");
  const block = source.slice(source.indexOf("UNDOABLE_EVENTS = frozenset("), source.indexOf("def iso("));
  return [...new Set([...block.matchAll(/"([a-z]+\.[a-z]+)"/g)].map((m) => m[1]))];
}

describe("factOf: one event in words", () => {
  const board = boardWith({
    stickies: [sticky(A, "Order paid"), sticky(B, "Customer", { kind: "actor" }), sticky(C, "", { kind: "hotspot" })],
    links: [{ id: L1, from: B, to: A, author: ANN, created_at: T0 }],
    board: { lanes: [{ id: "l1", name: "Payments", y: 0, height: 300 }] },
  });

  it("has words for every event name the server logs", () => {
    const names = loggedEventNames();
    assert.ok(names.length >= 17, names.join(", "));
    const samples = {
      "sticky.created": { ...sticky(C, "Order shipped") },
      "sticky.updated": { id: A, text: "Payment received" },
      "sticky.moved": { id: A, x: 10, y: 20 },
      "sticky.deleted": { id: A, links: [] },
      "link.created": { id: L1, from: B, to: A },
      "link.deleted": { id: L1 },
      "vote.cast": { sticky: A, member: ANN },
      "vote.retracted": { sticky: A, member: ANN },
      "phase.changed": { phase: "order" },
      "timer.started": { seconds: 600, ends_at: T0 },
      "timer.stopped": {},
      "board.locked": {},
      "board.unlocked": {},
      "voting.opened": { id: "v1", votes: 3, kinds: ["hotspot"] },
      "voting.revealed": { id: "v1" },
      "voting.closed": { id: "v1" },
      "lanes.changed": { lanes: [] },
    };
    for (const name of names) {
      assert.ok(name in samples, `no sample for ${name}`);
      const fact = factOf(event(name, samples[name]), board);
      assert.ok(fact.text && !fact.text.startsWith("changed the board"), `${name}: ${fact.text}`);
    }
  });

  it("says what a sticky was called before the change", () => {
    assert.equal(say(event("sticky.updated", { id: A, text: "Payment received" }), board), "Ann renamed “Order paid” to “Payment received”");
    assert.equal(say(event("sticky.updated", { id: C, text: "Who refunds?" }), board), "Ann wrote “Who refunds?” on an untitled hot spot");
    assert.equal(say(event("sticky.updated", { id: A, text: "" }), board), "Ann cleared the text of “Order paid”");
    assert.equal(
      say(event("sticky.updated", { id: A, text: "Paid", fields: [{ name: "amount" }] }), board),
      "Ann renamed “Order paid” to “Paid” and changed its fields",
    );
    assert.equal(say(event("sticky.updated", { id: A, pivotal: true }), board), "Ann marked “Order paid” as pivotal");
    assert.equal(say(event("sticky.updated", { id: A, kind: "command" }), board), "Ann turned “Order paid” into a command");
    assert.equal(say(event("sticky.updated", { id: A, width: 200, height: 200 }), board), "Ann resized “Order paid”");
    assert.equal(
      say(event("sticky.updated", { id: A, description: "x", code_name: "Paid" }), board),
      "Ann changed the description and code name of “Order paid”",
    );
  });

  it("names both ends of a link, and the kind of what comes and goes", () => {
    assert.equal(say(event("link.created", { id: L1, from: B, to: A }), board), "Ann linked “Customer” → “Order paid”");
    assert.equal(say(event("link.deleted", { id: L1 }), board), "Ann removed the link “Customer” → “Order paid”");
    assert.equal(say(event("sticky.created", sticky(C, "Order shipped")), board), "Ann added the event “Order shipped”");
    assert.equal(say(event("sticky.deleted", { id: B, links: [L1] }), board), "Ann deleted the actor “Customer”");
    assert.equal(say(event("sticky.deleted", { id: C, links: [] }), board), "Ann deleted an untitled hot spot");
    assert.deepEqual(factOf(event("link.created", { id: L1, from: B, to: A }), board).stickies, [B, A]);
  });

  it("words the workshop's settings", () => {
    assert.equal(say(event("phase.changed", { phase: "order" }), board), "Ann set the phase to “Order the timeline”");
    assert.equal(say(event("timer.started", { seconds: 300, ends_at: T0 }), board), "Ann started a 5-minute timer");
    assert.equal(say(event("voting.opened", { id: "v", votes: 3, kinds: ["hotspot", "event"] }), board), "Ann opened a dot vote: 3 votes each on hot spots and events");
    assert.equal(say(event("lanes.changed", { lanes: [] }), board), "Ann removed the swimlanes");
    assert.equal(
      say(event("lanes.changed", { lanes: [{ id: "l1", name: "Payments", y: 0, height: 300 }, { id: "l2", name: "Shipping", y: 300, height: 300 }] }), board),
      "Ann added the swimlane “Shipping”",
    );
    assert.equal(say(event("lanes.changed", { lanes: [{ id: "l1", name: "Billing", y: 0, height: 300 }] }), board), "Ann renamed the swimlane “Payments” to “Billing”");
  });

  it("keeps a hidden ballot secret until the votes are shown", () => {
    const voting = boardWith({ stickies: [sticky(A, "Order paid", { kind: "hotspot" })], board: { voting: { id: "v1", votes: 3, kinds: ["hotspot"], revealed: false } } });
    const cast = event("vote.cast", { sticky: A, member: ANN });
    const entry = { facts: [factOf(cast, voting)] };
    assert.equal(describeEntry(entry, { who: "Ann", hiddenBallot: "v1" }), "Ann cast a vote");
    assert.deepEqual(touchedBy(entry, { hiddenBallot: "v1" }), []);
    // Once revealed (or closed), the log may say it.
    assert.equal(describeEntry(entry, { who: "Ann", hiddenBallot: null }), "Ann voted for “Order paid”");
    assert.deepEqual(touchedBy(entry, { hiddenBallot: null }), [A]);
  });

  it("quotes the first line, cut short", () => {
    assert.equal(quote("Order placed\nby the customer"), "“Order placed”");
    assert.equal(quote("x".repeat(60)), `“${"x".repeat(39)}…”`);
  });
});

describe("entries: the events of one action together", () => {
  const board = boardWith({ stickies: [sticky(A, "Order paid"), sticky(B, "Order shipped")] });

  function factsOf(events, store = boardWith({ stickies: [sticky(A, "Order paid"), sticky(B, "Order shipped")] })) {
    return events.map((e) => {
      const fact = factOf(e, store);
      store.apply(e);
      return fact;
    });
  }

  it("groups the events of a batch and sums them up", () => {
    const moves = [A, B].map((id, i) => event("sticky.moved", { id, x: i, y: i }, { seq: 201 + i, group: 201 }));
    const alone = event("sticky.moved", { id: A, x: 5, y: 5 }, { seq: 203, by: BO });
    const entries = entriesOf(factsOf([...moves, alone]));
    assert.equal(entries.length, 2);
    assert.deepEqual([entries[0].first, entries[0].last, entries[1].first], [201, 202, 203]);
    assert.equal(describeEntry(entries[0], { who: "Ann" }), "Ann moved 2 events");
    assert.equal(describeEntry(entries[1], { who: "Bo" }), "Bo moved “Order paid”");
    assert.deepEqual(touchedBy(entries[0]), [A, B]);
  });

  it("says several kinds of change in one sentence", () => {
    const group = { group: 300 };
    const facts = factsOf([
      event("sticky.moved", { id: A, x: 1, y: 1 }, { seq: 300, ...group }),
      event("sticky.moved", { id: B, x: 1, y: 1 }, { seq: 301, ...group }),
      event("sticky.created", sticky(C, "Refund issued", { kind: "command" }), { seq: 302, ...group }),
      event("link.created", { id: L1, from: C, to: A }, { seq: 303, ...group }),
    ]);
    const [entry] = entriesOf(facts);
    assert.equal(describeEntry(entry, { who: "Ann" }), "Ann added the command “Refund issued”, moved 2 events and linked “Refund issued” → “Order paid”");
  });

  it("tells undo, redo and restore apart", () => {
    const undo = factsOf([event("sticky.deleted", { id: A, links: [] }, { undo_of: 150 })]);
    assert.equal(describeEntry(entriesOf(undo)[0], { who: "Bo" }), "Bo undid a change (deleted the event “Order paid”)");
    const redo = factsOf([event("sticky.moved", { id: A, x: 3, y: 3 }, { redo_of: 150 })]);
    assert.equal(describeEntry(entriesOf(redo)[0], { who: "Bo" }), "Bo redid a change (moved “Order paid”)");
    const id = restoreCommandId(118, "c0ffee");
    const restored = factsOf([
      event("sticky.deleted", { id: A, links: [] }, { seq: 400, group: 400, id }),
      event("sticky.deleted", { id: B, links: [] }, { seq: 401, group: 400 }),
    ]);
    assert.equal(describeEntry(entriesOf(restored)[0], { who: "Ann" }), "Ann restored the board to change 118 (deleted 2 events)");
    assert.equal(restoredSeq(id), 118);
    assert.equal(restoredSeq("a-normal-id"), null);
    assert.equal(restoredSeq(null), null);
  });

  it("looks at a deletion just before it, at anything else just after it", () => {
    const deleted = entriesOf(factsOf([event("sticky.deleted", { id: A, links: [] }, { seq: 500 })]))[0];
    assert.equal(pointOf(deleted), 499);
    const moved = entriesOf(factsOf([event("sticky.moved", { id: A, x: 1, y: 1 }, { seq: 501 })]))[0];
    assert.equal(pointOf(moved), 501);
    assert.ok(board.stickies.size === 2);
  });

  it("lists with commas and a final and", () => {
    assert.equal(listing(["a"]), "a");
    assert.equal(listing(["a", "b"]), "a and b");
    assert.equal(listing(["a", "b", "c"]), "a, b and c");
  });
});

describe("times, the banner and the phase marks", () => {
  const now = new Date(2026, 0, 1, 18, 0);

  it("says a time today as hours and minutes, another day with its date", () => {
    assert.equal(clock(new Date(2026, 0, 1, 14, 32).toISOString(), now), "14:32");
    assert.equal(clock(new Date(2025, 11, 3, 9, 5).toISOString(), now), "3 Dec 09:05");
    assert.equal(clock(null, now), "");
    assert.equal(clock("not a time", now), "");
  });

  it("writes the banner", () => {
    const at = new Date(2026, 0, 1, 14, 32).toISOString();
    assert.equal(bannerText({ seq: 118, head: 240, at, now }), "Viewing the board at 14:32, change 118 of 240");
    assert.equal(bannerText({ seq: 118, head: 240, now }), "Viewing the board at change 118 of 240");
    assert.equal(bannerText({ seq: 0, head: 240, now }), "Viewing the board before its first change (change 0 of 240)");
  });

  it("marks the phase changes", () => {
    const marks = phaseMarks([
      { seq: 3, name: "sticky.moved", data: {} },
      { seq: 9, name: "phase.changed", data: { phase: "order" }, at: T0 },
    ]);
    assert.deepEqual(marks, [{ seq: 9, phase: "order", title: "Order the timeline", at: T0 }]);
  });
});

describe("restoreDiff: how much a restore changes", () => {
  const then = boardWith({
    stickies: [sticky(A, "Order paid"), sticky(B, "Customer", { x: 50 })],
    links: [{ id: L1, from: B, to: A, author: ANN, created_at: T0 }],
    votes: [{ sticky: A, member: ANN, created_at: T0 }],
  });

  it("counts what comes back, goes, changes and moves", () => {
    const now = boardWith({
      stickies: [sticky(A, "Payment received"), sticky(C, "New"), sticky(B, "Customer", { x: 90 })],
      votes: [{ sticky: A, member: BO, created_at: T0 }],
      board: { lanes: [{ id: "l", name: "X", y: 0, height: 10 }] },
    });
    const diff = restoreDiff(then, now);
    assert.deepEqual(
      { back: diff.back, gone: diff.gone, changed: diff.changed, moved: diff.moved, linksBack: diff.linksBack, votesBack: diff.votesBack, votesGone: diff.votesGone, lanes: diff.lanes },
      { back: 0, gone: 1, changed: 1, moved: 1, linksBack: 1, votesBack: 1, votesGone: 1, lanes: true },
    );
    assert.equal(diff.total, 7);
    assert.deepEqual(restoreItems(diff), [
      "1 sticky goes",
      "1 sticky gets its words or details of then back",
      "1 sticky moves back to where it was",
      "1 link comes back",
      "1 vote comes back",
      "1 vote goes",
      "the swimlanes go back to those of then",
    ]);
  });

  it("finds nothing to do on the same board", () => {
    const diff = restoreDiff(then, then);
    assert.equal(diff.total, 0);
    assert.deepEqual(restoreItems(diff), []);
  });

  it("counts stickies that come back", () => {
    const empty = boardWith();
    const diff = restoreDiff(then, empty);
    assert.equal(diff.back, 2);
    assert.deepEqual(restoreItems(diff).slice(0, 1), ["2 stickies come back"]);
  });
});
