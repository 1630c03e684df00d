// BoardConnection against a fake server: ordering, catch-up, queueing,
// reconnects, heartbeats, rate limits and the ephemeral streams.

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { BoardConnection, backoffDelay, newId } from "../../static/js/board/connection.js";
import { PROTOCOL_VERSION } from "../../static/js/board/protocol.js";
import { BoardStore } from "../../static/js/board/store.js";
import {
  emptyState,
  event,
  FakeClock,
  fakeFetch,
  fakeWebSocket,
  record,
  settle,
  STICKY,
} from "./fakes.mjs";

const BOARD = "0d9b5a3c-1e2f-4a5b-9c8d-7e6f5a4b3c2d";
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TYPES = [
  "status",
  "welcome",
  "event",
  "presence",
  "cursor",
  "drag",
  "reset",
  "rejected",
  "denied",
  "error",
  "outdated",
];

function setup(options = {}) {
  const clock = new FakeClock();
  const WebSocketImpl = fakeWebSocket();
  const fetch = options.fetch ?? fakeFetch();
  const network = new EventTarget();
  const conn = new BoardConnection({
    boardId: BOARD,
    wsUrl: `ws://board.test/ws/boards/${BOARD}/`,
    WebSocketImpl,
    fetchImpl: fetch,
    clock,
    network,
    random: () => 0.5,
    ...options.connection,
  });
  const seen = record(conn, TYPES);
  const sockets = WebSocketImpl.sockets;
  return { conn, clock, fetch, network, seen, sockets, last: () => sockets.at(-1) };
}

function welcome(socket, { seq = 0, state = emptyState(), events, ...rest } = {}) {
  socket.open();
  const body = events ? { events } : { state };
  socket.receive({
    type: "welcome",
    protocol: PROTOCOL_VERSION,
    board: BOARD,
    seq,
    me: { member: "m1" },
    ...body,
    ...rest,
  });
}

/** A connection that is live at `seq`. */
function live(seq = 0, options) {
  const env = setup(options);
  env.conn.connect();
  welcome(env.last(), { seq });
  return env;
}

const seqs = (seen) => seen.event.map(({ message }) => message.seq);
const log = (n) => Array.from({ length: n }, (_, i) => event(i + 1));

describe("newId", () => {
  it("uses crypto.randomUUID when there is one", () => {
    assert.equal(newId({ randomUUID: () => "from-random-uuid" }), "from-random-uuid");
    assert.match(newId(), UUID_V4);
  });

  it("makes a v4 UUID from getRandomValues outside secure contexts", () => {
    const insecure = { getRandomValues: (bytes) => globalThis.crypto.getRandomValues(bytes) };
    const ids = new Set(Array.from({ length: 200 }, () => newId(insecure)));
    assert.equal(ids.size, 200);
    for (const id of ids) assert.match(id, UUID_V4);
    const zeros = { getRandomValues: (bytes) => bytes.fill(0) };
    assert.equal(newId(zeros), "00000000-0000-4000-8000-000000000000");
  });
});

describe("connecting", () => {
  it("defaults to the page's host with ws or wss", () => {
    const saved = globalThis.location;
    try {
      globalThis.location = { protocol: "https:", host: "example.org:8443", href: "https://example.org:8443/boards/x/" };
      assert.equal(new BoardConnection({ boardId: BOARD }).wsUrl, `wss://example.org:8443/ws/boards/${BOARD}/`);
      globalThis.location = { protocol: "http:", host: "192.168.1.5:8000", href: "http://192.168.1.5:8000/" };
      assert.equal(new BoardConnection({ boardId: BOARD }).wsUrl, `ws://192.168.1.5:8000/ws/boards/${BOARD}/`);
    } finally {
      globalThis.location = saved;
    }
  });

  it("goes connecting -> live on welcome, with presence", () => {
    const { conn, seen, last } = setup();
    assert.equal(conn.status, "offline");
    conn.connect();
    assert.equal(conn.status, "connecting");
    assert.equal(last().url.searchParams.has("since"), false);
    welcome(last(), { seq: 7, presence: [{ member: "m1" }] });
    assert.equal(conn.status, "live");
    assert.equal(conn.seq, 7);
    assert.deepEqual(seen.status.map((s) => s.status), ["connecting", "live"]);
    assert.equal(seen.welcome[0].message.seq, 7);
    assert.deepEqual(seen.presence, [{ members: [{ member: "m1" }] }]);
    assert.deepEqual(seen.reset, [], "a first welcome is no reset");
    assert.deepEqual(conn.me, { member: "m1" });
  });

  for (const protocol of [PROTOCOL_VERSION + 1, undefined]) {
    it(`stops, keeping its commands, when the server speaks protocol ${protocol}`, async () => {
      const { conn, clock, seen, sockets, last } = setup();
      conn.connect();
      const queued = conn.command("sticky.move", { id: STICKY, x: 1, y: 2 }, { id: "kept" });
      let settled = false;
      queued.then(
        () => (settled = true),
        () => (settled = true),
      );
      welcome(last(), { seq: 3, protocol });
      assert.deepEqual(seen.outdated, [{ server: protocol ?? null, client: PROTOCOL_VERSION }]);
      assert.deepEqual(seen.welcome, [], "a welcome it cannot read is not taken");
      assert.equal(conn.status, "offline");
      assert.equal(last().sentOf("command").length, 0, "nothing sent in a protocol it may misread");
      await clock.advance(120_000);
      assert.equal(sockets.length, 1, "no reconnect: a reload is needed");
      assert.equal(conn.pending, 1, "the change waits for the reloaded page");
      assert.equal(settled, false);
    });
  }

  it("resumes from a given since", () => {
    const { conn, seen, last } = setup({ connection: { since: 4 } });
    conn.connect();
    assert.equal(last().url.searchParams.get("since"), "4");
    welcome(last(), { seq: 6, events: [event(5), event(6)] });
    assert.deepEqual(seqs(seen), [5, 6]);
  });

  it("joins a welcome that comes in pieces", () => {
    const { conn, seen, last } = setup();
    conn.connect();
    const text = JSON.stringify({ type: "welcome", protocol: PROTOCOL_VERSION, seq: 3, me: { member: "m1" }, state: { stickies: [] } });
    const parts = [text.slice(0, 10), text.slice(10, 25), text.slice(25)];
    parts.forEach((data, n) => {
      assert.equal(conn.status, "connecting");
      last().receive({ type: "chunk", id: 1, n, of: parts.length, data });
    });
    assert.equal(conn.status, "live");
    assert.equal(seen.welcome[0].message.seq, 3);
  });

  it("drops a message whose pieces come out of order", () => {
    const { conn, seen, last } = setup();
    conn.connect();
    last().receive({ type: "chunk", id: 1, n: 1, of: 2, data: "}" });
    last().receive({ type: "chunk", id: 1, n: 0, of: 2, data: "{" });
    assert.equal(conn.status, "connecting");
    assert.deepEqual(seen.welcome ?? [], []);
  });

  it("resyncs from the whole state on request", async () => {
    const { conn, clock, seen, last } = live();
    last().receive(event(1));
    conn.resync();
    await clock.advance(31_000);
    assert.equal(last().url.searchParams.has("since"), false);
    welcome(last(), { seq: 5, state: { stickies: [] } });
    assert.equal(conn.seq, 5);
    assert.equal(seen.welcome.at(-1).message.state.stickies.length, 0);
    last().receive(event(6));
    assert.deepEqual(seqs(seen), [1, 6]);
  });

  it("answers ping with pong and the same nonce", () => {
    const { last } = live();
    last().receive({ type: "ping", nonce: "n-123" });
    assert.deepEqual(last().sentOf("pong"), [{ type: "pong", nonce: "n-123" }]);
  });

  it("passes presence, cursors and drags on", () => {
    const { seen, last } = live();
    last().receive({ type: "presence", members: [{ member: "a" }] });
    last().receive({ type: "cursor", cursors: [{ member: "a", x: 1, y: 2 }] });
    last().receive({ type: "drag", drags: [{ member: "a", id: STICKY, x: 1, y: 2, n: 1 }] });
    assert.deepEqual(seen.presence.at(-1), { members: [{ member: "a" }] });
    assert.deepEqual(seen.cursor, [{ cursors: [{ member: "a", x: 1, y: 2 }] }]);
    assert.equal(seen.drag[0].drags[0].n, 1);
  });
});

describe("event order", () => {
  it("delivers in seq order and drops duplicates", () => {
    const { seen, last } = live(0);
    for (const seq of [1, 2, 2, 1, 3]) last().receive(event(seq));
    assert.deepEqual(seqs(seen), [1, 2, 3]);
  });

  it("holds back what follows a gap and fetches the gap from the REST log", async () => {
    const fetch = fakeFetch({ log: log(5), page: 2 });
    const { conn, seen, last } = live(1, { fetch });
    last().receive(event(2));
    last().receive(event(5)); // 3 and 4 went missing
    assert.deepEqual(seqs(seen), [2], "nothing after the gap yet");
    await settle();
    assert.deepEqual(seqs(seen), [2, 3, 4, 5]);
    assert.equal(fetch.calls[0], `/api/boards/${BOARD}/events/?since=2&limit=1000`);
    assert.deepEqual(fetch.inits[0].credentials, "same-origin");
    last().receive(event(4)); // the late original: a duplicate now
    last().receive(event(6));
    assert.deepEqual(seqs(seen), [2, 3, 4, 5, 6]);
    assert.equal(conn.seq, 6);
  });

  it("pages through a long gap", async () => {
    const fetch = fakeFetch({ log: log(9), page: 3 });
    const { seen, last } = live(0, { fetch });
    last().receive(event(9));
    await settle();
    assert.deepEqual(seqs(seen), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(
      fetch.calls.map((url) => new URL(url, "http://t").searchParams.get("since")),
      ["0", "3", "6"],
    );
  });

  it("fills a gap in a welcome's events", async () => {
    const fetch = fakeFetch({ log: log(4) });
    const { seen, last, conn } = setup({ fetch, connection: { since: 1 } });
    conn.connect();
    welcome(last(), { seq: 4, events: [event(2), event(4)] });
    await settle();
    assert.deepEqual(seqs(seen), [2, 3, 4]);
  });

  it("reconnects with since when the REST log is out of reach", async () => {
    const fetch = fakeFetch({ log: log(3) });
    fetch.fail = true;
    const { conn, clock, seen, sockets, last } = live(1, { fetch });
    last().receive(event(3));
    await settle();
    assert.equal(conn.status, "reconnecting");
    assert.equal(sockets[0].closedWith, 4000);
    await clock.advance(500);
    assert.equal(sockets.length, 2);
    assert.equal(last().url.searchParams.get("since"), "1");
    welcome(last(), { seq: 3, events: [event(2), event(3)] });
    assert.deepEqual(seqs(seen), [2, 3]);
  });

  it("shows reconnecting while the server's link to its other processes is down, and keeps working", async () => {
    const { conn, clock, seen, sockets, last } = live(1);
    last().receive({ type: "status", status: "reconnecting" });
    assert.equal(conn.status, "reconnecting");
    assert.deepEqual(seen.status.map((s) => s.status), ["connecting", "live", "reconnecting"]);
    assert.equal(sockets.length, 1, "the socket itself is fine");
    // Commands and events still flow through this server meanwhile.
    const done = conn.command("phase.set", { phase: "order" }, { id: "op-1" });
    assert.deepEqual(last().sentOf("command").map((c) => c.id), ["op-1"]);
    last().receive({ type: "ack", id: "op-1", seq: 2 });
    last().receive(event(2));
    assert.deepEqual(await done, { seq: 2, first: 2, replayed: false });
    assert.deepEqual(seqs(seen), [2]);
    conn.cursor(1, 2);
    await clock.advance(100);
    assert.equal(last().sentOf("cursor").length, 1);
    // Back: what others did meanwhile arrives, and the page is live again.
    last().receive(event(3));
    last().receive({ type: "status", status: "live" });
    assert.equal(conn.status, "live");
    assert.deepEqual(seqs(seen), [2, 3]);
    assert.deepEqual(seen.status.at(-1).status, "live");
  });

  it("forgets a reconnecting notice with its socket", async () => {
    const { conn, clock, last } = live(1);
    last().receive({ type: "status", status: "reconnecting" });
    last().serverClose(1006);
    assert.equal(conn.status, "reconnecting");
    await clock.advance(500);
    welcome(last(), { seq: 1, events: [] });
    assert.equal(conn.status, "live", "the new socket's server says again if need be");
  });

  it("catches up when an acked event never arrives", async () => {
    const fetch = fakeFetch({ log: log(3) });
    const { conn, clock, seen, last } = live(1, { fetch });
    const done = conn.command("phase.set", { phase: "order" }, { id: "op-1" });
    last().receive({ type: "ack", id: "op-1", seq: 3, replayed: false });
    assert.deepEqual(await done, { seq: 3, first: 3, replayed: false });
    last().receive(event(2)); // 3's broadcast was lost
    await clock.advance(999);
    assert.deepEqual(fetch.calls, []);
    await clock.advance(1);
    assert.deepEqual(seqs(seen), [2, 3]);
  });

  it("does not fetch when the acked event comes in time", async () => {
    const { conn, clock, fetch, seen, last } = live(0);
    conn.command("phase.set", { phase: "order" }, { id: "op-1" });
    last().receive({ type: "ack", id: "op-1", seq: 1 });
    last().receive(event(1));
    await clock.advance(5000);
    assert.deepEqual(fetch.calls, []);
    assert.deepEqual(seqs(seen), [1]);
  });

  it("resets on a reconnect whose welcome carries the whole state", async () => {
    const { conn, clock, seen, last } = live(3);
    last().serverClose(1011);
    await clock.advance(1000);
    const state = { ...emptyState(), board: { phase: "bound", locked: false, timer: null, voting: null, lanes: [] } };
    welcome(last(), { seq: 1500, state, resync: true });
    assert.deepEqual(seen.reset, [{ state, seq: 1500 }]);
    assert.equal(conn.seq, 1500);
    last().receive(event(1500));
    last().receive(event(1501));
    assert.deepEqual(seqs(seen), [1501]);
  });
});

describe("commands", () => {
  it("sends, and resolves on ack", async () => {
    const { conn, seen, last } = live();
    const done = conn.command("sticky.create", { kind: "event", x: 1, y: 2 });
    const [sent] = last().sentOf("command");
    assert.match(sent.id, UUID_V4);
    assert.deepEqual(sent, { type: "command", id: sent.id, name: "sticky.create", data: { kind: "event", x: 1, y: 2 } });
    assert.equal(conn.pending, 1);
    last().receive({ type: "ack", id: sent.id, seq: 1, replayed: true });
    assert.deepEqual(await done, { seq: 1, first: 1, replayed: true });
    assert.equal(conn.pending, 0);
    assert.deepEqual(seen.status.map((s) => s.pending), [0, 0, 1, 0]);
  });

  it("rejects with the error, and says so in a rejected event", async () => {
    const { conn, seen, last } = live();
    const done = conn.command("sticky.update", { id: STICKY, text: "x" }, { id: "op-1" });
    const details = { sticky: { id: STICKY } };
    last().receive({ type: "error", id: "op-1", code: "conflict", message: "changed", details });
    await assert.rejects(done, (error) => {
      assert.deepEqual(error, { code: "conflict", message: "changed", details });
      return true;
    });
    assert.deepEqual(seen.rejected, [{ id: "op-1", code: "conflict", message: "changed", details }]);
    assert.equal(conn.pending, 0);
  });

  it("reports errors that belong to no command", () => {
    const { seen, last } = live();
    last().receive({ type: "error", id: null, code: "invalid", message: "bad frame" });
    assert.equal(seen.error[0].code, "invalid");
  });

  it("queues while offline and sends in order with the same ids on reconnect", async () => {
    const { conn, clock, sockets, last } = setup();
    const early = conn.command("phase.set", { phase: "order" }, { id: "a" }); // before connect
    conn.connect();
    assert.deepEqual(last().sent, [], "nothing goes before the welcome");
    welcome(last(), { seq: 0 });
    conn.command("sticky.create", { kind: "event", x: 0, y: 0 }, { id: "b" });
    assert.deepEqual(last().sentOf("command").map((c) => c.id), ["a", "b"]);
    last().receive({ type: "ack", id: "a", seq: 1 });
    last().receive(event(1));
    await early;
    last().serverClose(1006); // "b" was sent, never acked
    assert.equal(conn.status, "reconnecting");
    const later = conn.command("sticky.move", { id: STICKY, x: 1, y: 1 }, { id: "c" });
    assert.equal(conn.pending, 2);
    await clock.advance(250); // 0.5 * 500 ms
    assert.equal(sockets.length, 2);
    assert.equal(last().url.searchParams.get("since"), "1");
    assert.deepEqual(last().sent, []);
    welcome(last(), { seq: 1, events: [] });
    const resent = last().sentOf("command");
    assert.deepEqual(resent.map((c) => c.id), ["b", "c"]);
    assert.equal(resent[0].name, "sticky.create");
    last().receive({ type: "ack", id: "b", seq: 2, replayed: true });
    last().receive({ type: "ack", id: "c", seq: 3 });
    assert.deepEqual(await later, { seq: 3, first: 3, replayed: false });
    assert.equal(conn.pending, 0);
  });

  it("returns the same promise for an id issued twice", () => {
    const { conn, last } = live();
    const first = conn.command("undo", {}, { id: "same" });
    assert.equal(conn.command("undo", {}, { id: "same" }), first);
    assert.equal(last().sentOf("command").length, 1);
  });

  it("resends a rate-limited command, and all unacked after it, after retry_after", async () => {
    const { conn, clock, seen, last } = live();
    const first = conn.command("phase.set", { phase: "order" }, { id: "op-1" });
    conn.command("phase.set", { phase: "bound" }, { id: "op-2" }); // dropped silently
    last().receive({ type: "error", id: "op-1", code: "rate_limited", message: "slow down", retry_after: 0.5 });
    conn.command("phase.set", { phase: "review" }, { id: "op-3" }); // held
    assert.deepEqual(seen.rejected, []);
    assert.deepEqual(last().sentOf("command").map((c) => c.id), ["op-1", "op-2"]);
    await clock.advance(499);
    assert.equal(last().sentOf("command").length, 2);
    await clock.advance(1);
    assert.deepEqual(last().sentOf("command").map((c) => c.id), ["op-1", "op-2", "op-1", "op-2", "op-3"]);
    last().receive({ type: "ack", id: "op-1", seq: 1 });
    assert.deepEqual(await first, { seq: 1, first: 1, replayed: false });
  });

  it("keeps a command refused as unavailable and sends it again, same id, after retry_after", async () => {
    const { conn, clock, seen, last } = live();
    const change = conn.command("sticky.update", { id: STICKY, text: "Paid" }, { id: "op-1" });
    last().receive({
      type: "error",
      id: "op-1",
      code: "unavailable",
      message: "the server cannot reach its database",
      retry_after: 2,
    });
    assert.deepEqual(seen.rejected, [], "not a final refusal");
    assert.equal(conn.pending, 1, "the change is kept");
    await clock.advance(1999);
    assert.deepEqual(last().sentOf("command").map((c) => c.id), ["op-1"]);
    await clock.advance(1);
    const sent = last().sentOf("command");
    assert.deepEqual(sent.map((c) => c.id), ["op-1", "op-1"]);
    assert.deepEqual(sent[1].data, { id: STICKY, text: "Paid" });
    last().receive({ type: "ack", id: "op-1", seq: 1 });
    assert.deepEqual(await change, { seq: 1, first: 1, replayed: false });
    assert.equal(conn.pending, 0);
  });

  it("drops a command refused as internal: a bug, not worth retrying", async () => {
    const { conn, clock, seen, last } = live();
    const change = conn.command("phase.set", { phase: "order" }, { id: "op-1" });
    last().receive({ type: "error", id: "op-1", code: "internal", message: "the server failed" });
    await assert.rejects(change, { code: "internal" });
    assert.equal(seen.rejected.length, 1);
    await clock.advance(10_000);
    assert.equal(last().sentOf("command").length, 1);
  });

  it("paces a long queue within the server's command rate", async () => {
    const { conn, clock, last } = setup();
    conn.connect();
    for (let i = 0; i < 200; i += 1) conn.command("undo", {}, { id: `op-${i}` });
    welcome(last(), { seq: 0 });
    assert.equal(last().sentOf("command").length, 60, "a burst of two seconds' worth");
    await clock.advance(1000);
    assert.equal(last().sentOf("command").length, 90);
    await clock.advance(10_000);
    const ids = last().sentOf("command").map((c) => c.id);
    assert.deepEqual(ids, Array.from({ length: 200 }, (_, i) => `op-${i}`));
  });

  it("refuses a command too large to send, without sending it", async () => {
    const { conn, seen, last } = live();
    const done = conn.command("sticky.update", { id: STICKY, text: "é".repeat(600_000) });
    await assert.rejects(done, { code: "invalid" });
    assert.equal(seen.rejected.length, 1);
    assert.deepEqual(last().sentOf("command"), []);
    assert.deepEqual(last().sentOf("chunk"), []);
    assert.equal(conn.pending, 0);
  });

  it("sends a command larger than a frame as chunk frames that join to it", async () => {
    const { conn, last } = live();
    const commands = Array.from({ length: 2000 }, (_, i) => ({
      name: "sticky.move",
      data: { id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, x: i, y: i },
    }));
    const done = conn.command("batch", { commands }, { id: "big" });
    const pieces = last().sentOf("chunk");
    assert.ok(pieces.length > 1);
    assert.deepEqual(pieces.map((p) => p.n), [...pieces.keys()]);
    assert.ok(pieces.every((p) => p.of === pieces.length && p.id === pieces[0].id));
    for (const piece of pieces) assert.ok(new TextEncoder().encode(JSON.stringify(piece)).length <= 65536);
    const joined = JSON.parse(pieces.map((p) => p.data).join(""));
    assert.deepEqual(joined, { type: "command", id: "big", name: "batch", data: { commands } });
    last().receive({ type: "ack", id: "big", seq: 2000, first: 1, replayed: false });
    assert.deepEqual(await done, { seq: 2000, first: 1, replayed: false });
  });

  it("counts a batch as one command per 50 in it against the rate", async () => {
    const { conn, last } = live(0);
    const batch = (n) => ({
      commands: Array.from({ length: n }, () => ({ name: "board.lock", data: {} })),
    });
    // The client's bucket holds 2 s of the server's rate (60): 1,000 commands
    // in batches cost 20; three such batches do not all fit at once.
    conn.command("batch", batch(1000), { id: "b1" });
    conn.command("batch", batch(1000), { id: "b2" });
    conn.command("batch", batch(1000), { id: "b3" });
    conn.command("batch", batch(1000), { id: "b4" });
    assert.deepEqual(last().sentOf("command").map((c) => c.id), ["b1", "b2", "b3"]);
  });

  it("needs no catch for a refused command nobody awaits", async () => {
    const { conn, last } = live();
    let unhandled = 0;
    const count = () => (unhandled += 1);
    process.on("unhandledRejection", count);
    conn.command("undo", {}, { id: "x" });
    last().receive({ type: "error", id: "x", code: "not_found", message: "nothing to undo" });
    await settle();
    process.off("unhandledRejection", count);
    assert.equal(unhandled, 0);
  });
});

describe("reconnecting", () => {
  it("backs off exponentially with full jitter, capped at 30 s", async () => {
    const draws = [0.999, 0.5, 0.25, 0, 0.999, 0.999, 0.999, 0.999, 0.999, 0.999, 0.999];
    const random = () => draws.shift();
    const { conn, clock, last } = setup({ connection: { random, heartbeatMs: 0 } });
    conn.connect();
    const delays = [];
    for (let attempt = 0; attempt < 11; attempt += 1) {
      last().serverClose(1006); // refused before opening; the REST probe says 200
      await settle();
      assert.equal(conn.status, "connecting");
      delays.push(...clock.pending());
      await clock.advance(clock.pending()[0]);
    }
    const caps = [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000];
    const expected = [0.999, 0.5, 0.25, 0, 0.999, 0.999, 0.999, 0.999, 0.999, 0.999, 0.999];
    assert.deepEqual(delays, caps.map((cap, i) => expected[i] * cap));
  });

  it("keeps every delay within [0, cap] for any random draw", () => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const cap = Math.min(30000, 500 * 2 ** attempt);
      for (let i = 0; i < 50; i += 1) {
        const delay = backoffDelay(attempt);
        assert.ok(delay >= 0 && delay <= cap, `${delay} within ${cap}`);
      }
    }
  });

  it("starts the backoff again after a welcome", async () => {
    const { conn, clock, last } = live(0, { connection: { heartbeatMs: 0 } });
    last().serverClose(1006);
    await settle();
    assert.deepEqual(clock.pending(), [250]);
    await clock.advance(250);
    last().serverClose(1006);
    await settle();
    assert.deepEqual(clock.pending(), [500]);
    await clock.advance(500);
    welcome(last(), { seq: 0, events: [] });
    last().serverClose(1011);
    await settle();
    assert.deepEqual(clock.pending(), [250]);
    assert.equal(conn.status, "reconnecting");
  });

  for (const [code, error] of [
    [4403, "forbidden"],
    [4404, "not_found"],
  ]) {
    it(`never reconnects after close code ${code}`, async () => {
      const { conn, clock, seen, sockets, last } = live();
      last().serverClose(1006);
      await clock.advance(250);
      const queued = conn.command("undo", {}, { id: "q" });
      last().serverClose(code);
      await assert.rejects(queued, { code: error });
      assert.equal(conn.status, "offline");
      assert.deepEqual(seen.denied, [{ code }]);
      await clock.advance(120_000);
      assert.equal(sockets.length, 2);
      assert.equal(conn.pending, 0);
    });
  }

  it("asks the REST API when the handshake fails, and stops if refused", async () => {
    const fetch = fakeFetch({ boardStatus: 404 });
    const { conn, clock, seen, sockets, last } = setup({ fetch });
    conn.connect();
    last().serverClose(1006); // what a browser sees of a 4403 before accept
    await settle();
    assert.equal(fetch.calls[0], `/api/boards/${BOARD}/`);
    assert.deepEqual(seen.denied, [{ code: 4404 }]);
    assert.equal(conn.status, "offline");
    await clock.advance(60_000);
    assert.equal(sockets.length, 1);
  });

  it("does not ask about a guest's first visit by invite", async () => {
    const fetch = fakeFetch({ boardStatus: 404 });
    const wsUrl = `ws://board.test/ws/boards/${BOARD}/?invite=tok&name=Ann`;
    const { conn, clock, sockets, last } = setup({ fetch, connection: { wsUrl } });
    conn.connect();
    last().serverClose(1006);
    await clock.advance(250);
    assert.deepEqual(fetch.calls, []);
    assert.equal(sockets.length, 2);
    assert.equal(last().url.searchParams.get("invite"), "tok");
  });

  it("stops on close() and sends nothing more", async () => {
    const { conn, clock, sockets, last } = live();
    conn.close();
    assert.equal(conn.status, "offline");
    assert.equal(last().closedWith, 1000);
    conn.command("undo", {}, { id: "later" });
    await clock.advance(60_000);
    assert.equal(sockets.length, 1);
    assert.equal(conn.pending, 1, "kept for a later connect()");
  });

  it("drops a silent socket and reconnects", async () => {
    const { conn, clock, sockets, last } = live(0, { connection: { heartbeatMs: 20_000 } });
    await clock.advance(15_000);
    last().receive({ type: "ping", nonce: "1" });
    await clock.advance(15_000);
    assert.equal(sockets.length, 1, "a ping keeps it alive");
    await clock.advance(5_000);
    assert.equal(sockets[0].closedWith, 4000);
    assert.equal(conn.status, "reconnecting");
    await clock.advance(250);
    assert.equal(sockets.length, 2);
  });

  it("waits for the network when the page goes offline, then reconnects at once", async () => {
    const { conn, clock, network, sockets, seen, last } = live(5, { connection: { heartbeatMs: 0 } });
    network.dispatchEvent(new Event("offline"));
    assert.equal(conn.status, "offline");
    assert.equal(sockets[0].closedWith, 4000);
    conn.command("undo", {}, { id: "while-offline" });
    await clock.advance(120_000);
    assert.equal(sockets.length, 1, "no attempts while offline");
    network.dispatchEvent(new Event("online"));
    assert.equal(sockets.length, 2);
    assert.equal(conn.status, "reconnecting");
    assert.equal(last().url.searchParams.get("since"), "5");
    welcome(last(), { seq: 5, events: [] });
    assert.deepEqual(last().sentOf("command").map((c) => c.id), ["while-offline"]);
    assert.deepEqual(seen.denied, []);
  });
});

describe("cursors and drags", () => {
  it("sends at most about 30 a second, the latest winning", async () => {
    const { conn, clock, last } = live();
    conn.cursor(1, 1); // the first goes at once
    conn.cursor(2, 2);
    conn.cursor(3, 3);
    conn.drag(STICKY, 10, 10);
    conn.drag(STICKY, 11, 12);
    assert.deepEqual(last().sentOf("cursor"), [{ type: "cursor", x: 1, y: 1 }]);
    await clock.advance(1000 / 30);
    assert.deepEqual(last().sentOf("cursor").at(-1), { type: "cursor", x: 3, y: 3 });
    assert.deepEqual(last().sentOf("drag"), [{ type: "drag", id: STICKY, x: 11, y: 12 }]);
    for (let i = 0; i < 100; i += 1) {
      conn.cursor(i, i);
      await clock.advance(10);
    }
    const sent = last().sentOf("cursor").length;
    assert.ok(sent >= 30 && sent <= 32, `${sent} cursors in a second`);
    assert.deepEqual(last().sentOf("cursor").at(-1).x >= 96, true);
  });

  it("sends a group's positions of one tick as one frame", async () => {
    const { conn, clock, last } = live();
    const other = "2b0f6a9e-93c4-4bb8-9d0f-3f0c1c1e7d11";
    conn.cursor(0, 0); // spends this tick
    conn.drag(STICKY, 1, 2);
    conn.drag(other, 3, 4);
    conn.drag(STICKY, 5, 6);
    await clock.advance(1000 / 30);
    assert.deepEqual(last().sentOf("drag"), [
      { type: "drag", drags: [{ id: STICKY, x: 5, y: 6 }, { id: other, x: 3, y: 4 }] },
    ]);
  });

  it("drops them while not live", async () => {
    const { conn, clock, last } = setup();
    conn.connect();
    conn.cursor(1, 1);
    welcome(last(), { seq: 0 });
    conn.cursor(2, 2);
    conn.cursor(3, 3); // waits for the next tick ...
    last().serverClose(1006); // ... which never comes for this socket
    conn.drag(STICKY, 1, 1);
    await clock.advance(250);
    welcome(last(), { seq: 0, events: [] });
    await clock.advance(1000);
    assert.deepEqual(last().sent, []);
  });

  it("forgets a pending drag once the drop is sent", async () => {
    const { conn, clock, last } = live();
    conn.drag(STICKY, 1, 1);
    conn.drag(STICKY, 5, 5);
    conn.command("sticky.move", { id: STICKY, x: 6, y: 6 }, { id: "drop" });
    await clock.advance(100);
    assert.deepEqual(last().sentOf("drag"), [{ type: "drag", id: STICKY, x: 1, y: 1 }]);
  });
});

describe("with a store", () => {
  it("keeps a BoardStore in step through welcome, events and reset", async () => {
    const { conn, clock, last } = setup();
    const store = new BoardStore();
    store.follow(conn);
    conn.connect();
    welcome(last(), { seq: 2, state: { ...emptyState(), board: { phase: "order", locked: false, timer: null, voting: null, lanes: [] } } });
    assert.equal(store.board.phase, "order");
    last().receive(event(3, "board.locked", {}));
    assert.equal(store.board.locked, true);
    assert.equal(store.seq, 3);
    last().serverClose(1006);
    await clock.advance(250);
    welcome(last(), { seq: 9, state: emptyState(), resync: true });
    assert.deepEqual(store.snapshot(), { ...emptyState() });
    assert.equal(store.seq, 9);
  });
});

describe("a persisted queue", () => {
  class MemoryQueue {
    kept = new Map();
    async load() {
      return [...this.kept.values()];
    }
    save(op) {
      this.kept.set(op.id, op);
    }
    remove(id) {
      this.kept.delete(id);
    }
  }

  it("keeps unacked commands, forgets acked ones, and the next page sends them again", async () => {
    const queue = new MemoryQueue();
    const first = setup();
    await first.conn.persistWith(queue);
    first.conn.connect();
    welcome(first.last(), { seq: 0 });
    first.conn.command("sticky.create", { kind: "event", x: 1, y: 1 }, { id: "acked" });
    first.conn.command("sticky.create", { kind: "event", x: 2, y: 2 }, { id: "lost-1" });
    first.conn.command("sticky.move", { id: STICKY, x: 3, y: 3 }, { id: "lost-2" });
    first.last().receive({ type: "ack", id: "acked", seq: 1 });
    assert.deepEqual([...queue.kept.keys()], ["lost-1", "lost-2"]);

    // The tab closes; a new page on the same board opens with the same store.
    const second = setup();
    assert.equal(await second.conn.persistWith(queue), 2);
    second.conn.connect();
    welcome(second.last(), { seq: 1 });
    assert.deepEqual(
      second.last().sentOf("command").map((c) => [c.id, c.name]),
      [["lost-1", "sticky.create"], ["lost-2", "sticky.move"]],
    );
    second.last().receive({ type: "ack", id: "lost-1", seq: 2 });
    second.last().receive({ type: "error", id: "lost-2", code: "not_found", message: "gone" });
    await settle();
    assert.equal(queue.kept.size, 0);
  });

  it("goes on without one when the storage cannot be read", async () => {
    const { conn, last } = setup();
    const broken = { load: () => Promise.reject(new Error("no storage")), save() {}, remove() {} };
    assert.equal(await conn.persistWith(broken), 0);
    conn.connect();
    welcome(last(), { seq: 0 });
    conn.command("board.lock", {}, { id: "x" });
    assert.equal(last().sentOf("command").length, 1);
  });
});

describe("the facilitator's tools", () => {
  it("sends where I look at most once a tick, the latest winning", async () => {
    const { conn, clock, last } = live();
    conn.view(1, 2, 0.5); // goes at once
    conn.view(3, 4, 0.75);
    conn.view(5, 6, 1); // replaces the one waiting for the next tick
    await clock.advance(50);
    assert.deepEqual(last().sentOf("view"), [
      { type: "view", x: 1, y: 2, zoom: 0.5 },
      { type: "view", x: 5, y: 6, zoom: 1 },
    ]);
  });

  it("sends signals at once, and passes views, signals and my new role on", () => {
    const { conn, last } = live();
    const heard = { views: [], signal: [], membership: [] };
    for (const type of Object.keys(heard)) conn.addEventListener(type, (e) => heard[type].push(e.detail));
    assert.equal(conn.signal("spotlight", { id: STICKY }), true);
    assert.deepEqual(last().sentOf("signal"), [{ type: "signal", kind: "spotlight", id: STICKY }]);
    last().receive({ type: "views", views: [{ member: "m2", x: 1, y: 2, zoom: 1 }] });
    last().receive({ type: "signal", kind: "summon", member: "m2", x: 5, y: 6, zoom: 2 });
    last().receive({ type: "membership", member: "m1", role: "viewer", can_write: false });
    assert.equal(heard.views[0].views[0].member, "m2");
    assert.equal(heard.signal[0].kind, "summon");
    assert.deepEqual(heard.membership[0].role, "viewer");
    assert.equal(conn.me.can_write, false);
  });
});
