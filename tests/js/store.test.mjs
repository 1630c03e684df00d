// BoardStore: every board event, as storming/state.py `apply` defines it.
// (test_js_client.py also folds real logs with both and compares.)

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { BoardStore } from "../../static/js/board/store.js";

const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";
const C = "00000000-0000-4000-8000-00000000000c";
const L1 = "00000000-0000-4000-8000-000000000001";
const L2 = "00000000-0000-4000-8000-000000000002";
const M1 = "10000000-0000-4000-8000-000000000001";
const M2 = "10000000-0000-4000-8000-000000000002";
const T0 = "2026-01-01T10:00:00.000000Z";
const T1 = "2026-01-01T10:00:01.000000Z";

function sticky(id, at = T0, extra = {}) {
  return {
    id,
    kind: "event",
    text: `note ${id.at(-1)}`,
    description: "",
    fields: [],
    x: 0,
    y: 0,
    width: 160,
    height: 160,
    pivotal: false,
    event_style: "state",
    code_name: "",
    version: 1,
    author: M1,
    created_at: at,
    updated_at: at,
    ...extra,
  };
}
const link = (id, from, to, at = T0) => ({ id, from, to, author: M1, created_at: at });
const vote = (stickyId, member, at = T0) => ({ sticky: stickyId, member, created_at: at });

/** A store fed `events` ([name, data] pairs, seq 1..n); records its changes. */
function fed(events, store = new BoardStore()) {
  const changes = [];
  store.addEventListener("change", (event) => changes.push(event.detail));
  let seq = store.seq;
  for (const [name, data] of events) {
    seq += 1;
    store.apply({ type: "event", seq, name, data, by: M1, id: null, at: T0 });
  }
  return { store, changes };
}

/** Three stickies, two links (A->B, B->C) and votes on B by two members. */
const board = () => [
  ["sticky.created", sticky(A)],
  ["sticky.created", sticky(B, T1)],
  ["sticky.created", sticky(C)],
  ["link.created", link(L1, A, B)],
  ["link.created", link(L2, B, C, T1)],
  ["vote.cast", vote(B, M1)],
  ["vote.cast", vote(B, M2, T1)],
];

describe("BoardStore", () => {
  it("starts empty at seq 0", () => {
    const store = new BoardStore();
    assert.deepEqual(store.snapshot(), {
      board: { phase: "find", locked: false, timer: null, voting: null, lanes: [] },
      stickies: [],
      links: [],
      votes: [],
    });
    assert.equal(store.seq, 0);
  });

  it("sticky.created adds the sticky (and the links and votes it carries)", () => {
    const { store, changes } = fed([
      ["sticky.created", sticky(A)],
      ["sticky.created", { ...sticky(B), links: [link(L1, A, B)], votes: [vote(B, M1)] }],
    ]);
    assert.deepEqual(store.stickies.get(B), sticky(B), "no links/votes keys on the sticky");
    assert.deepEqual(store.linksOf(A), [link(L1, A, B)]);
    assert.deepEqual(store.votesOf(B), [vote(B, M1)]);
    assert.deepEqual(changes[1], {
      reason: "event",
      event: changes[1].event,
      stickies: [B],
      links: [L1],
    });
    assert.equal(changes[1].event.name, "sticky.created");
  });

  it("sticky.updated and sticky.moved patch the sticky", () => {
    const { store, changes } = fed([
      ["sticky.created", sticky(A)],
      ["sticky.updated", { id: A, text: "Order placed", kind: "command", version: 2, updated_at: T1 }],
      ["sticky.moved", { id: A, x: 10.5, y: -3, version: 3, updated_at: T1 }],
    ]);
    assert.deepEqual(store.stickies.get(A), {
      ...sticky(A),
      text: "Order placed",
      kind: "command",
      x: 10.5,
      y: -3,
      version: 3,
      updated_at: T1,
    });
    assert.deepEqual(changes.map((c) => c.stickies), [[A], [A], [A]]);
  });

  it("sticky.deleted takes its links (either end) and votes along", () => {
    const { store, changes } = fed([...board(), ["sticky.deleted", { id: B, links: [L1, L2] }]]);
    const snap = store.snapshot();
    assert.deepEqual(snap.stickies.map((s) => s.id), [A, C]);
    assert.deepEqual(snap.links, []);
    assert.deepEqual(snap.votes, []);
    assert.deepEqual(store.linksOf(A), []);
    assert.deepEqual(changes.at(-1).stickies, [B]);
    assert.deepEqual(changes.at(-1).links.sort(), [L1, L2]);
  });

  it("sticky.deleted leaves other stickies' links and votes", () => {
    const { store } = fed([...board(), ["vote.cast", vote(A, M1)], ["sticky.deleted", { id: C, links: [L2] }]]);
    assert.deepEqual([...store.links.keys()], [L1]);
    assert.equal(store.votes.size, 3);
  });

  it("link.created and link.deleted", () => {
    const { store, changes } = fed([...board(), ["link.deleted", { id: L1 }], ["link.deleted", { id: L1 }]]);
    assert.deepEqual([...store.links.keys()], [L2]);
    assert.deepEqual(store.linksOf(A), []);
    assert.deepEqual(store.linksOf(B), [link(L2, B, C, T1)]);
    assert.deepEqual(changes.at(-1).links, [L1]);
  });

  it("vote.cast and vote.retracted, keyed by sticky and member", () => {
    const { store, changes } = fed([...board(), ["vote.retracted", { sticky: B, member: M1 }]]);
    assert.deepEqual(store.votesOf(B), [vote(B, M2, T1)]);
    assert.deepEqual([...store.votes.keys()], [`${B}:${M2}`]);
    assert.deepEqual(changes.at(-1).stickies, [B]);
    fed([["vote.retracted", { sticky: B, member: M1 }]], store); // gone already: no-op
    assert.equal(store.votes.size, 1);
  });

  it("phase, timer and lock events change the board settings", () => {
    const steps = [
      ["phase.changed", { phase: "order" }, { phase: "order", locked: false, timer: null, voting: null, lanes: [] }],
      ["timer.started", { seconds: 300, ends_at: T1 }, { phase: "order", locked: false, timer: { seconds: 300, ends_at: T1 }, voting: null, lanes: [] }],
      ["board.locked", {}, { phase: "order", locked: true, timer: { seconds: 300, ends_at: T1 }, voting: null, lanes: [] }],
      ["timer.stopped", {}, { phase: "order", locked: true, timer: null, voting: null, lanes: [] }],
      ["board.unlocked", {}, { phase: "order", locked: false, timer: null, voting: null, lanes: [] }],
      ["voting.opened", { id: "v1", votes: 3, kinds: ["hotspot"], started_at: T1 }, { phase: "order", locked: false, timer: null, voting: { id: "v1", votes: 3, kinds: ["hotspot"], started_at: T1, revealed: false }, lanes: [] }],
      ["voting.revealed", { id: "v1" }, { phase: "order", locked: false, timer: null, voting: { id: "v1", votes: 3, kinds: ["hotspot"], started_at: T1, revealed: true }, lanes: [] }],
      ["voting.closed", { id: "v1" }, { phase: "order", locked: false, timer: null, voting: null, lanes: [] }],
      ["lanes.changed", { lanes: [{ id: "l1", name: "Orders", y: 0, height: 300 }] }, { phase: "order", locked: false, timer: null, voting: null, lanes: [{ id: "l1", name: "Orders", y: 0, height: 300 }] }],
    ];
    const store = new BoardStore();
    for (const [name, data, expected] of steps) {
      const { changes } = fed([[name, data]], store);
      assert.deepEqual(store.board, expected, name);
      assert.deepEqual(changes[0].stickies, []);
    }
  });

  it("ignores an event at or below its seq", () => {
    const { store } = fed([["phase.changed", { phase: "order" }]]);
    assert.equal(store.apply({ seq: 1, name: "phase.changed", data: { phase: "bound" } }), false);
    assert.equal(store.board.phase, "order");
    assert.equal(store.apply({ seq: 2, name: "phase.changed", data: { phase: "bound" } }), true);
    assert.equal(store.seq, 2);
  });

  it("refuses what Python's apply refuses, and changes nothing", () => {
    const { store } = fed([["sticky.created", sticky(A)]]);
    const before = store.snapshot();
    assert.throws(() => store.apply({ seq: 2, name: "sticky.exploded", data: {} }), /unknown board event/);
    assert.throws(() => store.apply({ seq: 2, name: "sticky.moved", data: { id: B, x: 1, y: 1 } }), /no sticky/);
    assert.deepEqual(store.snapshot(), before);
    assert.equal(store.seq, 1);
  });

  it("copies what it is given: later changes to a message do not leak in", () => {
    const data = { ...sticky(A), fields: [{ name: "id", type: "str" }] };
    const { store } = fed([["sticky.created", data]]);
    data.fields[0].name = "changed";
    data.text = "changed";
    assert.equal(store.stickies.get(A).fields[0].name, "id");
    store.snapshot().stickies[0].fields.push("x");
    assert.equal(store.stickies.get(A).fields.length, 1);
  });

  it("replaces, never mutates, a changed sticky and the board", () => {
    const { store } = fed([["sticky.created", sticky(A)]]);
    const [original, settings] = [store.stickies.get(A), store.board];
    fed([["sticky.moved", { id: A, x: 5, y: 5, version: 2, updated_at: T1 }], ["board.locked", {}]], store);
    assert.notEqual(store.stickies.get(A), original);
    assert.equal(original.x, 0);
    assert.notEqual(store.board, settings);
  });

  it("snapshot sorts like storming.state.snapshot", () => {
    const { store } = fed([
      ["sticky.created", sticky(C, T0)],
      ["sticky.created", sticky(B, T1)],
      ["sticky.created", sticky(A, T0)],
      ["link.created", link(L2, A, B, T0)],
      ["link.created", link(L1, B, C, T1)],
      ["vote.cast", vote(C, M2)],
      ["vote.cast", vote(C, M1)],
      ["vote.cast", vote(A, M2)],
    ]);
    const snap = store.snapshot();
    assert.deepEqual(snap.stickies.map((s) => s.id), [A, C, B]);
    assert.deepEqual(snap.links.map((l) => l.id), [L2, L1]);
    assert.deepEqual(snap.votes.map((v) => [v.sticky, v.member]), [[A, M2], [C, M1], [C, M2]]);
  });

  it("load replaces everything and reports a reset", () => {
    const { store } = fed(board());
    const changes = [];
    store.addEventListener("change", (event) => changes.push(event.detail));
    const state = {
      board: { phase: "bound", locked: true, timer: null, voting: null, lanes: [] },
      stickies: [sticky(C), sticky(A, T1)],
      links: [link(L1, A, C)],
      votes: [vote(A, M1)],
    };
    store.load(state, 42);
    assert.equal(store.seq, 42);
    assert.deepEqual(store.snapshot(), { ...state, stickies: [sticky(C), sticky(A, T1)] });
    assert.deepEqual(store.linksOf(C), [link(L1, A, C)]);
    assert.deepEqual(store.votesOf(B), []);
    assert.equal(changes[0].reason, "reset");
    assert.equal(changes[0].event, null);
    assert.deepEqual(new Set(changes[0].stickies), new Set([A, B, C]));
    assert.deepEqual(new Set(changes[0].links), new Set([L1, L2]));
    fed([["sticky.deleted", { id: A, links: [L1] }]], store);
    assert.deepEqual(store.snapshot().links, []);
    assert.deepEqual(store.snapshot().votes, []);
  });
});
