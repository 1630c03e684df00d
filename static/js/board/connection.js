// @ts-check
// The board's live connection: one websocket, kept alive, that delivers the
// board's events strictly in seq order and gets every command through once.
//
// docs/protocol.md is the protocol, and protocol.js its messages' shapes.
// What this module adds on top:
// - events: a duplicate (seq <= last) is dropped; a gap holds back what
//   follows until the missing events are fetched from the REST log (or, if
//   that fails, a reconnect with `since` brings them);
// - commands: each has an op id that the server treats as an idempotency
//   key, so anything not acked is simply sent again, in order, with the same
//   id: after a reconnect, or after a `rate_limited` or `unavailable` refusal;
// - cursors and drags: sent at most about 30 times a second, the latest
//   value winning, and never queued (they mean nothing later);
// - reconnects: exponential backoff with full jitter, resuming with `since`;
//   never after 4403/4404;
// - the server's `status` notice: while its link to the other server
//   processes is down (Redis), `status` reads "reconnecting" although the
//   socket works (commands still go through; others' changes come later);
// - a command larger than a frame (a batch of 2,000 moves) goes as `chunk`
//   frames; a batch costs one command per 50 against the rate, as on the
//   server;
// - with a queue store (`persistWith`), commands not yet acked outlive the
//   page: they are kept, and sent again with the same ids on the next open.

import { t } from "./i18n.js";
import * as protocol from "./protocol.js";
import { PROTOCOL_VERSION } from "./protocol.js";

const DENIED = new Map([
  [4403, "forbidden"],
  [4404, "not_found"],
]);
const OPEN = 1;
// Refusals that are not final: the command is kept and sent again (same id)
// after the error's `retry_after` seconds.
const RETRYABLE = new Set(["rate_limited", "unavailable"]);
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
const TICK_MS = 1000 / 30;
// The server pings every 5 s: this much silence means the socket is dead
// even if the browser has not noticed (it can take minutes to).
const HEARTBEAT_MS = 20_000;
// An ack can overtake its own event; only a seq still missing this long
// after its ack counts as a gap (the broadcast after commit was lost).
const ACK_GRACE_MS = 1_000;
const DEFAULT_LIMITS = {
  commands_per_second: 30,
  max_frame_bytes: 65536,
  // 2 ** 20, not 1 << 20: xgettext (makemessages) reads "<<" as the start
  // of an E4X literal and misses every string after it.
  max_message_bytes: 2 ** 20,
};
// Characters per chunk frame: at most 4 bytes each in UTF-8, within a frame.
const PIECE_CHARS = 16_000;
const BATCH_SHARE = 50; // commands of a batch per command of rate (ratelimit.py)
// A socket we drop ourselves (silent, offline, unrecoverable gap).
const CLOSE_RETRY = 4000;
const PAGE_SIZE = 1000;

/** A random UUID v4: crypto.randomUUID exists only in secure contexts. */
export function newId(cryptoImpl = globalThis.crypto) {
  if (typeof cryptoImpl?.randomUUID === "function") return cryptoImpl.randomUUID();
  const bytes = new Uint8Array(16);
  cryptoImpl.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The delay before reconnect attempt `attempt` (0-based): full jitter. */
export function backoffDelay(attempt, random = Math.random) {
  return random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
}

function defaultWsUrl(boardId) {
  const { protocol, host } = globalThis.location;
  const scheme = protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${host}/ws/boards/${encodeURIComponent(boardId)}/`;
}

const systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle),
};

/**
 * A command on its way: sent (again) until acked or refused.
 * @typedef {object} Op
 * @property {string} id its idempotency key
 * @property {string} name
 * @property {object} data
 * @property {boolean} sent on the current socket
 * @property {number} cost against the rate (commandCost)
 * @property {Promise<object>} [promise] settled by the ack or the refusal
 * @property {(ack: object) => void} [resolve]
 * @property {(refusal: object) => void} [reject]
 * @property {string} [frame] the command's JSON text
 * @property {string[]} [pieces] its chunk frames, when larger than a frame
 */

export class BoardConnection extends EventTarget {
  #status = "offline";
  #layerDown = false; // the server said its link to the other processes is down
  #socket = null;
  #wanted = false; // connect() was called, and close() not since
  #networkDown = false;
  #welcomed = false;
  #attempt = 0;
  #lastSeq; // last seq delivered; null until a welcome says where we are
  #knownHead = 0; // highest seq known to exist
  #buffer = new Map(); // seq -> event message, waiting for the gap before it
  #catchingUp = false;
  #ackedSeq = 0; // highest acked seq whose event has not come yet
  /** @type {Map<string, Op>} op id -> command not yet acked, in the order issued */
  #ops = new Map();
  #holdUntil = 0; // no commands before this (rate limited)
  #tokens;
  #tokensAt = 0;
  #cursor = null;
  #view = null;
  #drags = new Map(); // sticky id -> latest {x, y}
  #pieces = new Map(); // chunk id -> texts so far, of a message sent in pieces
  #chunkIds = 0; // ids of the messages this client sends in pieces
  #queue = null; // where unacked commands are kept across page loads
  #lastTick = -Infinity;
  #timers = {};
  #clock;
  #random;
  #WebSocket;
  #fetch;
  #network;
  #heartbeatMs;
  #tickMs;
  #onNetwork = (event) => (event.type === "online" ? this.#online() : this.#offline());

  /**
   * @param {object} options
   * @param {string} options.boardId
   * @param {string} [options.wsUrl] the socket's URL (by default the board's, on this host)
   * @param {string} [options.apiBase]
   * @param {number | null} [options.since] the seq this page's state is at, if any
   * @param {typeof WebSocket} [options.WebSocketImpl]
   * @param {typeof fetch} [options.fetchImpl]
   * @param {typeof systemClock} [options.clock]
   * @param {() => number} [options.random]
   * @param {EventTarget} [options.network] where "online" and "offline" come from
   * @param {number} [options.heartbeatMs]
   * @param {number} [options.tickMs]
   */
  constructor({
    boardId,
    wsUrl,
    apiBase = "/api",
    since = null,
    WebSocketImpl = globalThis.WebSocket,
    fetchImpl = globalThis.fetch,
    // For tests and special pages; the defaults are the browser's.
    clock = systemClock,
    random = Math.random,
    network = globalThis.window,
    heartbeatMs = HEARTBEAT_MS,
    tickMs = TICK_MS,
  }) {
    super();
    this.boardId = boardId;
    this.wsUrl = wsUrl ?? defaultWsUrl(boardId);
    this.apiBase = apiBase.replace(/\/+$/, "");
    this.me = null;
    this.limits = { ...DEFAULT_LIMITS };
    this.#lastSeq = since;
    this.#knownHead = since ?? 0;
    this.#WebSocket = WebSocketImpl;
    // Called unbound: window.fetch throws "Illegal invocation" as a method.
    this.#fetch = fetchImpl && ((/** @type {Parameters<typeof fetch>} */ ...args) => fetchImpl(...args));
    this.#clock = clock;
    this.#random = random;
    this.#network = network;
    this.#heartbeatMs = heartbeatMs;
    this.#tickMs = tickMs;
    this.#tokens = this.#burst;
  }

  /** "connecting", "live", "reconnecting" or "offline": "reconnecting" too
   * while the server cannot reach its other processes. */
  get status() {
    return this.#status === "live" && this.#layerDown ? "reconnecting" : this.#status;
  }

  /** How many commands are sent or queued but not yet acked. */
  get pending() {
    return this.#ops.size;
  }

  /** The commands not yet acked, in order: {id, name, data}. */
  get pendingCommands() {
    return [...this.#ops.values()].map(({ id, name, data }) => ({ id, name, data }));
  }

  /** The seq of the last event delivered (null before the first welcome). */
  get seq() {
    return this.#lastSeq;
  }

  // -- lifecycle ---------------------------------------------------------------

  connect() {
    if (this.#wanted) return;
    this.#wanted = true;
    this.#network?.addEventListener?.("online", this.#onNetwork);
    this.#network?.addEventListener?.("offline", this.#onNetwork);
    this.#open();
  }

  /** Stop for good (until connect()); unacked commands stay queued. */
  close() {
    this.#wanted = false;
    this.#network?.removeEventListener?.("online", this.#onNetwork);
    this.#network?.removeEventListener?.("offline", this.#onNetwork);
    this.#dropSocket(1000);
    this.#clearTimer("reconnect");
    this.#clearTimer("ack");
    this.#setStatus("offline");
  }

  #open() {
    this.#clearTimer("reconnect");
    this.#setStatus(this.#welcomed ? "reconnecting" : "connecting");
    let socket;
    try {
      socket = new this.#WebSocket(this.#url());
    } catch {
      this.#retry();
      return;
    }
    let opened = false;
    this.#socket = socket;
    this.#pieces.clear();
    socket.addEventListener("open", () => {
      opened = true;
    });
    socket.addEventListener("message", (event) => {
      if (this.#socket === socket) this.#receive(event.data);
    });
    socket.addEventListener("close", (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#lost();
      this.#closed(event.code, opened);
    });
    this.#watchHeartbeat();
  }

  #url() {
    const url = new URL(this.wsUrl, globalThis.location?.href);
    if (this.#lastSeq !== null) url.searchParams.set("since", String(this.#lastSeq));
    return url.toString();
  }

  async #closed(code, opened) {
    if (DENIED.has(code)) return this.#deny(code);
    if (!this.#wanted) return this.#setStatus("offline");
    // A refusal before the handshake reaches a browser as a plain failure
    // (1006), so ask the REST API whether this board is ours at all.
    if (!opened && (await this.#refused())) return;
    this.#retry();
  }

  async #refused() {
    const invited = new URL(this.wsUrl, globalThis.location?.href).searchParams.has("invite");
    // A guest's first visit is not a member yet: the REST API says 404.
    if (!this.#fetch || (invited && !this.#welcomed)) return false;
    let status;
    try {
      status = (await this.#get(`${this.apiBase}/boards/${this.boardId}/`)).status;
    } catch {
      return false;
    }
    if (!this.#wanted || (status !== 403 && status !== 404)) return false;
    this.#deny(status === 403 ? 4403 : 4404);
    return true;
  }

  #retry() {
    // connect() may have opened a new socket while we asked the REST API.
    if (!this.#wanted || this.#networkDown || this.#socket) return;
    const delay = backoffDelay(this.#attempt, this.#random);
    this.#attempt += 1;
    this.#setStatus(this.#welcomed ? "reconnecting" : "connecting");
    this.#setTimer("reconnect", () => this.#open(), delay);
  }

  /** Start again from the board's whole state: for a client whose copy fell
   * out of step with the server (an event it could not apply). */
  resync() {
    this.#lastSeq = null;
    this.#buffer.clear();
    this.#reconnect();
  }

  // Give up on the current socket now and come back with `since`.
  #reconnect() {
    if (!this.#wanted) return;
    this.#dropSocket(CLOSE_RETRY);
    if (!this.#timers.reconnect) this.#retry();
  }

  #deny(code) {
    this.#wanted = false;
    this.#dropSocket(1000);
    this.#clearTimer("reconnect");
    this.#setStatus("offline");
    // These commands will never get through; say so rather than hang.
    for (const op of [...this.#ops.values()]) {
      this.#refuse(op, { code: DENIED.get(code), message: t("not allowed on this board") });
    }
    this.#emit("denied", { code });
  }

  // Unacked commands stay queued (and kept in IndexedDB): the reloaded page,
  // which speaks the server's protocol, sends them again.
  #outdated(server) {
    this.#wanted = false;
    this.#dropSocket(1000);
    this.#clearTimer("reconnect");
    this.#setStatus("offline");
    this.#emit("outdated", { server: server ?? null, client: PROTOCOL_VERSION });
  }

  #dropSocket(code) {
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = null;
    try {
      socket.close(code);
    } catch {
      // Already closing; nothing to do.
    }
    this.#lost();
  }

  // Whatever the socket carried is gone with it: unacked commands go again on
  // the next one; cursors and drags are dropped.
  #lost() {
    // A new socket's server says again if its link is still down.
    this.#layerDown = false;
    for (const op of this.#ops.values()) op.sent = false;
    this.#clearTimer("heartbeat");
    this.#clearTimer("flush");
    this.#clearTimer("tick");
    this.#cursor = null;
    this.#drags.clear();
  }

  #offline() {
    this.#networkDown = true;
    this.#clearTimer("reconnect");
    this.#dropSocket(CLOSE_RETRY);
    if (this.#wanted) this.#setStatus("offline");
  }

  #online() {
    this.#networkDown = false;
    if (!this.#wanted || this.#socket) return;
    // The network is back: try now, and with a fresh backoff.
    this.#attempt = 0;
    this.#open();
  }

  #watchHeartbeat() {
    if (!this.#heartbeatMs) return;
    this.#setTimer("heartbeat", () => this.#reconnect(), this.#heartbeatMs);
  }

  // -- receiving ---------------------------------------------------------------

  #receive(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return; // not ours to judge; the server sends only JSON
    }
    this.#watchHeartbeat();
    switch (message?.type) {
      case "chunk":
        return this.#piece(message);
      case "welcome":
        return this.#welcome(message);
      case "event":
        return this.#accept(message);
      case "events":
        // A group's events in one frame (a batch of 2,000 moves): each as usual.
        for (const one of message.events ?? []) this.#accept({ type: "event", ...one });
        return;
      case "ack":
        return this.#acked(message);
      case "error":
        return this.#error(message);
      case "ping":
        return this.#send(protocol.pong(message.nonce));
      case "presence":
        return this.#emit("presence", { members: message.members ?? [] });
      case "cursor":
        return this.#emit("cursor", { cursors: message.cursors ?? [] });
      case "drag":
        return this.#emit("drag", { drags: message.drags ?? [] });
      case "views":
        return this.#emit("views", { views: message.views ?? [] });
      case "signal":
        return this.#emit("signal", message);
      case "status":
        return this.#layer(message.status);
      case "membership":
        // My role changed (or I was removed: the socket closes next).
        if (this.me && message.role) Object.assign(this.me, { role: message.role, can_write: message.can_write });
        return this.#emit("membership", message);
    }
  }

  #layer(status) {
    const down = status === "reconnecting";
    if (down === this.#layerDown) return;
    this.#layerDown = down;
    this.#pendingChanged();
  }

  // A message larger than one frame (a big board's welcome) arrives as
  // numbered pieces of its JSON text, in order, on one socket.
  #piece({ id, n, of, data }) {
    const parts = this.#pieces.get(id) ?? [];
    if (n !== parts.length) {
      this.#pieces.delete(id);
      return;
    }
    parts.push(data);
    if (parts.length < of) {
      this.#pieces.set(id, parts);
      return;
    }
    this.#pieces.delete(id);
    this.#receive(parts.join(""));
  }

  #welcome(message) {
    if (message.protocol !== PROTOCOL_VERSION) return this.#outdated(message.protocol);
    const hadPosition = this.#lastSeq !== null;
    this.#attempt = 0;
    this.#welcomed = true;
    this.me = message.me ?? null;
    this.limits = { ...DEFAULT_LIMITS, ...message.limits };
    if (message.state) {
      this.#lastSeq = message.seq;
      this.#forgetThrough(message.seq);
      this.#knownHead = Math.max(message.seq, ...this.#buffer.keys());
    } else {
      this.#lastSeq ??= 0;
      this.#knownHead = Math.max(this.#knownHead, message.seq ?? 0);
    }
    this.#setStatus("live");
    this.#emit("welcome", { message });
    if (message.state && hadPosition) {
      this.#emit("reset", { state: message.state, seq: message.seq });
    }
    if (message.presence) this.#emit("presence", { members: message.presence });
    for (const event of message.events ?? []) this.#accept(event);
    this.#deliver();
    this.#flush();
  }

  #accept(message) {
    if (!Number.isInteger(message.seq)) return;
    this.#knownHead = Math.max(this.#knownHead, message.seq);
    if (this.#lastSeq !== null && message.seq <= this.#lastSeq) return; // duplicate
    this.#buffer.set(message.seq, message);
    this.#deliver();
  }

  // Hand out what is next in seq order; a hole left means fetch it.
  #deliver() {
    if (this.#lastSeq === null) return;
    let next;
    while ((next = this.#buffer.get(this.#lastSeq + 1))) {
      this.#buffer.delete(next.seq);
      this.#lastSeq = next.seq;
      this.#emit("event", { message: next });
    }
    if (this.#knownHead > this.#lastSeq) this.#catchUp();
  }

  async #catchUp() {
    if (this.#catchingUp) return;
    this.#catchingUp = true;
    try {
      while (this.#knownHead > this.#lastSeq) {
        const before = this.#lastSeq;
        const page = await this.#events(before);
        for (const event of page.events ?? []) this.#accept(event);
        if (this.#lastSeq === before) {
          // The log has nothing after us: what we were waiting for is not
          // there. Start again from what the server says.
          this.#buffer.clear();
          this.#knownHead = before;
          this.#reconnect();
        }
      }
    } catch {
      // The log is out of reach; a reconnect with `since` fills the gap too.
      this.#reconnect();
    } finally {
      this.#catchingUp = false;
    }
  }

  async #events(since) {
    const url = `${this.apiBase}/boards/${this.boardId}/events/?since=${since}&limit=${PAGE_SIZE}`;
    const response = await this.#get(url);
    if (!response.ok) throw new Error(`events: HTTP ${response.status}`);
    return response.json();
  }

  #get(url) {
    return this.#fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
  }

  #forgetThrough(seq) {
    for (const key of [...this.#buffer.keys()]) if (key <= seq) this.#buffer.delete(key);
  }

  #acked(message) {
    this.#expect(message.seq);
    const op = this.#ops.get(message.id);
    if (!op) return; // a resent command's second ack
    this.#ops.delete(op.id);
    this.#queue?.remove(op.id);
    op.resolve({
      seq: message.seq,
      // A group's events have the seqs first .. seq.
      first: Number.isInteger(message.first) ? message.first : message.seq,
      replayed: Boolean(message.replayed),
    });
    this.#pendingChanged();
  }

  // An acked seq we have not seen: its event may still be on its way.
  #expect(seq) {
    if (!Number.isInteger(seq) || this.#lastSeq === null || seq <= this.#lastSeq) return;
    const expected = Math.max(seq, this.#ackedSeq);
    this.#ackedSeq = expected;
    this.#setTimer(
      "ack",
      () => {
        this.#ackedSeq = 0;
        this.#knownHead = Math.max(this.#knownHead, expected);
        this.#deliver();
      },
      ACK_GRACE_MS,
    );
  }

  #error(message) {
    const { id = null, code, details } = message;
    const op = id === null ? undefined : this.#ops.get(id);
    if (RETRYABLE.has(code)) {
      // Over the limit the server drops frames and says so once a second at
      // most; `unavailable` means its database or channel layer is out of
      // reach and nothing was written. Either way the change is kept, and
      // all unacked commands go again later, in order, with the same ids.
      this.#hold(message.retry_after);
      if (op) return;
    }
    if (!op) {
      this.#emit("error", { id, code, message: message.message, details });
      return;
    }
    this.#refuse(op, { code, message: message.message, details });
  }

  /** @param {Op} op
   * @param {{code: string, message: string, details?: unknown}} refusal */
  #refuse(op, { code, message, details }) {
    this.#ops.delete(op.id);
    this.#queue?.remove(op.id);
    op.reject({ code, message, details });
    this.#emit("rejected", { id: op.id, code, message, details });
    this.#pendingChanged();
  }

  // -- sending -----------------------------------------------------------------

  /**
   * Run a command; resolves {seq, first, replayed} on ack (`first` .. `seq`
   * for a group), rejects {code, message, details}.
   * @param {string} name @param {object} [data] @param {{id?: string}} [options]
   */
  command(name, data = {}, { id } = {}) {
    id ??= newId();
    const known = this.#ops.get(id);
    if (known) return known.promise;
    /** @type {Op} */
    const op = { id, name, data, sent: false, cost: commandCost(name, data) };
    op.promise = new Promise((resolve, reject) => Object.assign(op, { resolve, reject }));
    // Refusals are also `rejected` events: a caller that does not await
    // must not cause an unhandled rejection.
    op.promise.catch(() => {});
    op.frame = JSON.stringify(protocol.command(id, name, data));
    // The drop is final: a drag frame sent after it would move the sticky
    // back on other screens until the event arrives.
    for (const move of moves(name, data)) this.#drags.delete(move.id);
    this.#ops.set(id, op);
    const size = byteLength(op.frame);
    if (size > this.limits.max_message_bytes || op.cost > this.#burst) {
      // Sent, it would be refused, and go again on every reconnect.
      this.#refuse(op, { code: "invalid", message: t("the command is too large to send") });
    } else {
      // Larger than a frame (which would close the socket, 1009): in pieces.
      if (size > this.limits.max_frame_bytes) op.pieces = this.#inPieces(op.frame);
      this.#queue?.save({ id, name, data });
      this.#pendingChanged();
      this.#flush();
    }
    return op.promise;
  }

  /**
   * Keep unacked commands in `queue` ({load(), save(op), remove(id)}, e.g. an
   * IndexedDB store): those a closed page left are sent again first, with
   * their ids, so none is lost and none applied twice.
   */
  async persistWith(queue) {
    this.#queue = queue;
    let kept = [];
    try {
      kept = await queue.load();
    } catch {
      return 0; // a private window without storage: nothing to restore
    }
    for (const { id, name, data } of kept) this.command(name, data, { id });
    return kept.length;
  }

  #inPieces(frame) {
    return protocol.pieces(frame, `c${++this.#chunkIds}`, PIECE_CHARS);
  }

  /** Where my cursor is (board units); latest wins, about 30 per second. */
  cursor(x, y) {
    if (this.#status !== "live") return;
    this.#cursor = { x, y };
    this.#scheduleTick();
  }

  /** Where I look (the centre of my screen, my zoom), for those who follow
   * me; latest wins, sent with the cursors. */
  view(x, y, zoom) {
    if (this.#status !== "live") return;
    this.#view = { x, y, zoom };
    this.#scheduleTick();
  }

  /** A facilitator's call to the room: `summon` {x, y, zoom}, `follow` {on} or `spotlight` {id}. */
  signal(kind, fields) {
    if (this.#status !== "live") return false;
    return this.#send(protocol.signal(kind, fields));
  }

  /** Where a sticky being dragged is; latest per sticky wins. */
  drag(id, x, y) {
    if (this.#status !== "live") return;
    this.#drags.set(id, { x, y });
    this.#scheduleTick();
  }

  #scheduleTick() {
    if (this.#timers.tick) return;
    const wait = this.#lastTick + this.#tickMs - this.#clock.now();
    if (wait <= 0) this.#tick();
    else this.#setTimer("tick", () => this.#tick(), wait);
  }

  #tick() {
    this.#timers.tick = null;
    if (this.#status !== "live") return;
    this.#lastTick = this.#clock.now();
    if (this.#cursor) this.#send(protocol.cursor(this.#cursor.x, this.#cursor.y));
    if (this.#view) this.#send(protocol.view(this.#view.x, this.#view.y, this.#view.zoom));
    this.#view = null;
    // One frame per tick whatever the group's size: the server counts
    // frames against the drag rate, not stickies.
    const drags = protocol.drag([...this.#drags].map(([id, { x, y }]) => ({ id, x, y })));
    if (drags) this.#send(drags);
    this.#cursor = null;
    this.#drags.clear();
  }

  #hold(retryAfter) {
    const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 1;
    this.#holdUntil = Math.max(this.#holdUntil, this.#clock.now() + seconds * 1000);
    for (const op of this.#ops.values()) op.sent = false;
    this.#clearTimer("flush");
    this.#flush();
  }

  // Send unsent commands in the order issued, no faster than the server takes.
  #flush() {
    if (this.#status !== "live" || this.#timers.flush) return;
    const now = this.#clock.now();
    if (now < this.#holdUntil) return this.#flushLater(this.#holdUntil - now);
    for (const op of this.#ops.values()) {
      if (op.sent) continue;
      const wait = this.#takeToken(now, op.cost);
      if (wait > 0) return this.#flushLater(wait);
      op.sent = (op.pieces ?? [op.frame]).every((frame) => this.#send(frame));
      if (!op.sent) return;
    }
  }

  #flushLater(ms) {
    this.#setTimer(
      "flush",
      () => {
        this.#timers.flush = null;
        this.#flush();
      },
      ms,
    );
  }

  get #burst() {
    return 2 * this.limits.commands_per_second;
  }

  // A token bucket well inside the server's (same rate, smaller burst), so
  // that a long offline queue drains without being refused. Returns 0 when a
  // token was taken, else how long to wait for one.
  #takeToken(now, cost = 1) {
    const perMs = this.limits.commands_per_second / 1000;
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#tokensAt) * perMs);
    this.#tokensAt = now;
    // The epsilon absorbs float error, which would else wait ~0 ms forever.
    if (this.#tokens >= cost - 1e-9) {
      this.#tokens = Math.max(0, this.#tokens - cost);
      return 0;
    }
    return Math.max(1, Math.ceil((cost - this.#tokens) / perMs));
  }

  #send(message) {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(typeof message === "string" ? message : JSON.stringify(message));
    return true;
  }

  // -- plumbing ----------------------------------------------------------------

  #setStatus(status) {
    if (status === this.#status) return;
    this.#status = status;
    if (status !== "live") this.#lost();
    this.#pendingChanged();
  }

  #pendingChanged() {
    this.#emit("status", { status: this.status, pending: this.pending });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #setTimer(name, fn, ms) {
    this.#clearTimer(name);
    this.#timers[name] = this.#clock.setTimeout(fn, ms);
  }

  #clearTimer(name) {
    if (this.#timers[name]) this.#clock.clearTimeout(this.#timers[name]);
    this.#timers[name] = null;
  }
}

function byteLength(text) {
  return new TextEncoder().encode(text).length;
}

/** What a command takes from the rate: a batch, one per 50 commands in it. */
export function commandCost(name, data) {
  if (name !== "batch") return 1;
  const inner = Array.isArray(data?.commands) ? data.commands.length : 0;
  return Math.max(1, Math.ceil(inner / BATCH_SHARE));
}

/** The sticky moves a command makes: its own, or its batch's. */
function moves(name, data) {
  if (name === "sticky.move") return [data ?? {}];
  if (name !== "batch" || !Array.isArray(data?.commands)) return [];
  return data.commands.filter((c) => c?.name === "sticky.move").map((c) => c.data ?? {});
}
