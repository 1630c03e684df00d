// Test doubles for static/js/board/connection.js: a clock whose time moves
// only when told, a WebSocket played from the test as the server, and a
// fetch answering from a list of events as the REST log would.

/** Let every pending promise reaction run (fetch chains take several). */
export const settle = () => new Promise((resolve) => setImmediate(resolve));

export class FakeClock {
  t = 0;
  timers = new Map();
  #next = 1;

  now = () => this.t;

  setTimeout = (fn, ms) => {
    const id = this.#next++;
    this.timers.set(id, { at: this.t + Math.max(0, ms), ms, fn });
    return id;
  };

  clearTimeout = (id) => {
    this.timers.delete(id);
  };

  /** The delays (ms) of the timers now pending, in the order they were set. */
  pending() {
    return [...this.timers.values()].map((timer) => timer.ms);
  }

  /** Move time on by `ms`, firing due timers in order, settling after each. */
  async advance(ms) {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, timer]) => timer.at <= end)
        .sort(([, a], [, b]) => a.at - b.at);
      if (due.length === 0) break;
      const [id, timer] = due[0];
      this.timers.delete(id);
      this.t = timer.at;
      timer.fn();
      await settle();
    }
    this.t = end;
  }
}

/** A WebSocket class whose instances the test drives as the server. */
export function fakeWebSocket() {
  const sockets = [];
  class FakeWebSocket extends EventTarget {
    static sockets = sockets;
    readyState = 0;
    sent = [];
    closedWith = null;

    constructor(url) {
      super();
      this.url = new URL(url);
      sockets.push(this);
    }

    send(text) {
      if (this.readyState !== 1) throw new Error("InvalidStateError: not open");
      this.sent.push(JSON.parse(text));
    }

    // As in a browser, a close the client asks for is reported later.
    close(code = 1000) {
      this.closedWith = code;
      this.readyState = 3;
      queueMicrotask(() => this.#fire("close", { code }));
    }

    // -- the server's side --
    open() {
      this.readyState = 1;
      this.#fire("open");
    }

    receive(message) {
      this.#fire("message", { data: JSON.stringify(message) });
    }

    serverClose(code = 1006) {
      this.readyState = 3;
      this.#fire("close", { code });
    }

    sentOf(type) {
      return this.sent.filter((message) => message.type === type);
    }

    #fire(type, props = {}) {
      this.dispatchEvent(Object.assign(new Event(type), props));
    }
  }
  return FakeWebSocket;
}

/**
 * A fetch over `log` (event messages, seq 1..n): the events endpoint answers
 * at most `page` events per call; the board endpoint answers `boardStatus`.
 * `calls` lists the URLs asked for; set `fail` to make it reject.
 */
export function fakeFetch({ log = [], page = 1000, boardStatus = 200 } = {}) {
  const fetch = async (url, init) => {
    fetch.calls.push(url);
    fetch.inits.push(init);
    if (fetch.fail) throw new TypeError("Failed to fetch");
    const parsed = new URL(url, "http://test");
    if (parsed.pathname.endsWith("/events/")) {
      const since = Number(parsed.searchParams.get("since"));
      const limit = Math.min(Number(parsed.searchParams.get("limit") ?? 500), page);
      const events = fetch.log.filter((e) => e.seq > since).slice(0, limit);
      const head = fetch.log.length ? fetch.log.at(-1).seq : 0;
      return response(200, { events, seq: head, next: null });
    }
    return response(fetch.boardStatus, {});
  };
  Object.assign(fetch, { calls: [], inits: [], log, boardStatus, fail: false });
  return fetch;
}

function response(status, body) {
  return { ok: status >= 200 && status < 300, status, json: async () => body };
}

/** Record the details of the given event types dispatched by `target`. */
export function record(target, types) {
  const seen = Object.fromEntries(types.map((type) => [type, []]));
  for (const type of types) {
    target.addEventListener(type, (event) => seen[type].push(event.detail));
  }
  return seen;
}

export const STICKY = "6f1c2d3e-4b5a-4c6d-8e7f-901234567890";

/** A board event message with `seq`, as the server sends it. */
export function event(seq, name = "phase.changed", data = { phase: "order" }, extra = {}) {
  return { type: "event", seq, name, data, by: null, id: null, at: "", ...extra };
}

export const emptyState = () => ({
  board: { phase: "find", locked: false, timer: null, voting: null, lanes: [] },
  stickies: [],
  links: [],
  votes: [],
});
