// The history panel's view of the log (static/js/board/history_log.js),
// against a fake server that answers the REST log and the board at a seq
// by folding its events, as storming/services.py does.

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { describeEntry, entriesOf } from "../../static/js/board/activity.js";
import { HistoryLog } from "../../static/js/board/history_log.js";
import { BoardStore } from "../../static/js/board/store.js";

const ANN = "10000000-0000-4000-8000-000000000001";
const T0 = "2026-01-01T10:00:00.000000Z";
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

function sticky(n, text) {
  return {
    id: id(n), kind: "event", text, description: "", fields: [], x: n * 200, y: 0, width: 160, height: 160,
    pivotal: false, event_style: "state", code_name: "", version: 1, author: ANN, created_at: T0, updated_at: T0,
  };
}

class FakeServer {
  constructor() {
    this.log = [];
    this.requests = [];
  }

  add(name, data, extra = {}) {
    const event = { type: "event", seq: this.log.length + 1, name, data, by: ANN, id: null, at: T0, ...extra };
    this.log.push(event);
    return event;
  }

  stateAt(seq) {
    const store = new BoardStore();
    for (const event of this.log.slice(0, seq)) store.apply(event);
    const { board, stickies, links, votes } = store.snapshot();
    return { board, stickies, links, votes };
  }

  fetchJSON = async (url, { signal } = {}) => {
    if (signal?.aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
    this.requests.push(url);
    const { pathname, searchParams } = new URL(url, "http://test");
    await Promise.resolve();
    if (pathname.endsWith("/state/")) {
      const at = Number(searchParams.get("at"));
      return { board: "b", seq: at, state: this.stateAt(at) };
    }
    if (pathname.endsWith("/events/")) {
      const since = Number(searchParams.get("since") ?? 0);
      const limit = Number(searchParams.get("limit") ?? 500);
      const events = this.log.filter((e) => e.seq > since).slice(0, limit);
      const more = events.length === limit && events.at(-1).seq < this.log.length;
      return { events, seq: this.log.length, next: more ? `next?since=${events.at(-1).seq}` : null };
    }
    throw new Error(`unexpected ${url}`);
  };

  stateRequests() {
    return this.requests.filter((u) => u.includes("/state/"));
  }
}

/** A board of `n` stickies created one by one, then renamed, then moved. */
function workshop(n = 10) {
  const server = new FakeServer();
  for (let i = 1; i <= n; i += 1) server.add("sticky.created", sticky(i, `Event ${i}`));
  server.add("phase.changed", { phase: "order" });
  for (let i = 1; i <= n; i += 1) server.add("sticky.updated", { id: id(i), text: `Renamed ${i}`, version: 2, updated_at: T0 });
  return server;
}

const texts = (log) => entriesOf(log.facts).map((e) => describeEntry(e, { who: "Ann" }));

describe("HistoryLog", () => {
  it("words the newest page against the board as it was before it", async () => {
    const server = workshop(10);
    const log = new HistoryLog({ boardId: "b", fetchJSON: server.fetchJSON, pageSize: 5 });
    await log.open(server.log.length);
    assert.equal(log.start, 16);
    assert.equal(log.end, 21);
    // The stickies were created on an older page: their names come from the board at 16.
    assert.deepEqual(texts(log).slice(0, 2), ["Ann renamed “Event 6” to “Renamed 6”", "Ann renamed “Event 7” to “Renamed 7”"]);
    assert.equal(log.complete, false);
  });

  it("pages back to the first change, and finds the phase marks", async () => {
    const server = workshop(10);
    const log = new HistoryLog({ boardId: "b", fetchJSON: server.fetchJSON, pageSize: 8 });
    await log.open(server.log.length);
    assert.deepEqual(log.marks, []);
    await log.scanPhases();
    assert.deepEqual(log.marks.map((m) => [m.seq, m.phase]), [[11, "order"]]);
    while (await log.older());
    assert.equal(log.start, 0);
    assert.equal(log.complete, true);
    assert.equal(log.facts.length, 21);
    assert.deepEqual(log.facts.map((f) => f.seq), Array.from({ length: 21 }, (_, i) => i + 1));
    assert.equal(texts(log)[0], "Ann added the event “Event 1”");
    assert.equal(texts(log)[10], "Ann set the phase to “Order the timeline”");
    assert.deepEqual(log.marks.map((m) => m.seq), [11]);
  });

  it("never cuts a group (a batch, a restore) at a page's start", async () => {
    const server = workshop(3);
    const first = server.log.length + 1;
    for (let i = 1; i <= 3; i += 1) server.add("sticky.moved", { id: id(i), x: 5, y: 5, version: 3, updated_at: T0 }, { group: first });
    server.add("sticky.moved", { id: id(1), x: 7, y: 7, version: 4, updated_at: T0 });
    for (let i = 1; i <= 3; i += 1) server.add("sticky.moved", { id: id(i), x: 1, y: 1, version: 5, updated_at: T0 }, { group: first + 4 });
    const log = new HistoryLog({ boardId: "b", fetchJSON: server.fetchJSON, pageSize: 2 });
    await log.open(server.log.length);
    // The page of 2 grew to the whole of the last group.
    assert.equal(log.start, first + 3);
    assert.deepEqual(texts(log), ["Ann moved 3 events"]);
    await log.older();
    assert.equal(log.start, first - 1);
    assert.deepEqual(texts(log), ["Ann moved 3 events", "Ann moved “Renamed 1”", "Ann moved 3 events"]);
    assert.equal(entriesOf(log.facts).filter((e) => e.key === first).length, 1);
  });

  it("adds live events at the end, those that came while it loaded too", async () => {
    const server = workshop(4);
    const log = new HistoryLog({ boardId: "b", fetchJSON: server.fetchJSON, pageSize: 3 });
    const opening = log.open(server.log.length);
    // An event the server has (the page will hold it) and a newer one, live.
    const during = server.add("sticky.moved", { id: id(1), x: 9, y: 9, version: 3, updated_at: T0 });
    log.live(during);
    await opening;
    const after = server.add("sticky.deleted", { id: id(2), links: [] });
    log.live(after);
    log.live(after); // a duplicate is ignored
    assert.equal(log.end, after.seq);
    assert.deepEqual(texts(log).slice(-2), ["Ann moved “Renamed 1”", "Ann deleted the event “Renamed 2”"]);
  });

  it("folds the board at a loaded seq itself, and asks the server further back", async () => {
    const server = workshop(10);
    const log = new HistoryLog({ boardId: "b", fetchJSON: server.fetchJSON, pageSize: 6 });
    await log.open(server.log.length);
    const asked = server.stateRequests().length;
    assert.equal(log.foldable(18), true);
    const near = await log.boardAt(18);
    assert.equal(near.local, true);
    assert.equal(server.stateRequests().length, asked);
    assert.deepEqual(near.store.snapshot(), storeAt(server, 18).snapshot());
    assert.equal(near.store.stickies.get(id(3)).text, "Renamed 3");
    assert.equal(near.store.stickies.get(id(9)).text, "Event 9");

    assert.equal(log.foldable(4), false);
    const far = await log.boardAt(4);
    assert.equal(far.local, false);
    assert.equal(far.at, T0);
    assert.equal(far.store.seq, 4);
    assert.equal(far.store.stickies.size, 4);
    // Asked once, it is kept.
    assert.equal(log.foldable(4), true);
  });

  it("gives up a request that is no longer wanted", async () => {
    const server = workshop(3);
    const log = new HistoryLog({ boardId: "b", fetchJSON: server.fetchJSON, pageSize: 2 });
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(log.boardAt(1, { signal: abort.signal }), { name: "AbortError" });
  });
});

function storeAt(server, seq) {
  const store = new BoardStore();
  store.load(server.stateAt(seq), seq);
  return store;
}
