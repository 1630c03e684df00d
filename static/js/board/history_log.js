// @ts-check
// The board's log as the history panel reads it: the recent part of it in
// words (facts, see activity.js), paged back on request, kept up to date
// with live events, and the board as it was at any seq.
//
// The REST log (GET /api/boards/<id>/events/) holds what each event did but
// not what it replaced, so a page of events is described by folding it, in
// a BoardStore, from the board as it was just before the page (GET
// .../state/?at=<seq>): every event is worded against the board it met.
// The board at a seq inside the loaded part is folded here from the nearest
// state before it, with no request; further back the server folds it.
//
// No DOM here: `fetchJSON(url, {signal})` is given, so that node tests
// (tests/js/history_log.test.mjs) drive it with a fake server.

import { factOf, phaseMarks } from "./activity.js";
import { BoardStore } from "./store.js";

export const PAGE = 200;
// The REST log's largest page (storming/api.py MAX_PAGE).
const MAX_PAGE = 1000;
// A board further than this many events from a known state is asked of the
// server rather than folded here.
const MAX_LOCAL_FOLD = 2500;
// Boards kept at hand (page starts and boards looked at), most recent last.
const KEEP_STATES = 8;
// The phase marks are found by reading the log; at most so many pages of it.
const MAX_SCAN_PAGES = 40;

export class HistoryLog extends EventTarget {
  constructor({ boardId, fetchJSON, apiBase = "/api", pageSize = PAGE }) {
    super();
    this.pageSize = pageSize;
    this.base = `${apiBase}/boards/${boardId}`;
    this.fetchJSON = fetchJSON;
    // The loaded part of the log: every event with start < seq <= end.
    this.start = 0;
    this.end = 0;
    this.events = new Map();
    this.facts = [];
    // The board at `end`, where live events are worded before being applied.
    this.tip = null;
    this.states = new Map();
    this.pending = [];
    this.loaded = false;
    this.loading = null;
    this.marks = [];
    this.scanned = false;
    this.scanCapped = false;
  }

  /** The oldest seq the log goes back to: 0 once the first page is in. */
  get complete() {
    return this.loaded && this.start === 0;
  }

  // -- loading ------------------------------------------------------------------

  /** Load the newest page of the log (the log at `head` or later). */
  open(head) {
    this.loading ??= this.#open(head).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  async #open(head) {
    const { from: start, events } = await this.#page(Math.max(0, head - this.pageSize));
    const state = await this.#state(start);
    this.start = start;
    this.end = start;
    this.tip = storeOf(state, start);
    this.#keep(start, state);
    this.facts = [];
    this.events.clear();
    for (const event of events) this.#append(event);
    this.loaded = true;
    // What came live while the page was on its way.
    const pending = this.pending;
    this.pending = [];
    for (const event of pending) this.#append(event);
    this.#changed("open");
  }

  // The events after `from` (up to `upto`), and from where: a page that
  // would begin inside a group (a batch, a restore) begins with the group,
  // so that an action is never worded from half of it.
  async #page(from, upto = Infinity) {
    const events = await this.#eventsAfter(from, upto);
    const group = events[0]?.group;
    if (group != null && group <= from) {
      events.unshift(...(await this.#eventsAfter(group - 1, from)));
      from = group - 1;
    }
    return { from, events };
  }

  /** Load the page before the loaded part; resolves false when there is none. */
  async older() {
    if (!this.loaded || this.start === 0) return false;
    if (this.loading) {
      await this.loading;
      return this.older();
    }
    this.loading = this.#older().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  async #older() {
    const upto = this.start;
    const { from, events } = await this.#page(Math.max(0, upto - this.pageSize), upto);
    const state = await this.#state(from);
    const store = storeOf(state, from);
    this.#keep(from, state);
    const facts = [];
    for (const event of events) {
      if (event.seq > upto) break;
      facts.push(factOf(event, store));
      this.events.set(event.seq, event);
      try {
        store.apply(event);
      } catch {
        // As in #append: the words of the rest still hold.
      }
    }
    this.facts = [...facts, ...this.facts];
    this.marks = mergeMarks(this.marks, phaseMarks(events.filter((e) => e.seq <= upto)));
    this.start = from;
    this.#changed("older");
    return true;
  }

  /** A live event (the connection's `event`): worded and added at the end. */
  live(event) {
    if (!this.loaded) {
      if (this.loading) this.pending.push(event);
      return;
    }
    if (event.seq <= this.end) return;
    if (event.seq > this.end + 1) {
      // The connection hands out events in order: a gap means we missed a
      // reload; start again from the log.
      this.#reload(event.seq);
      return;
    }
    this.#append(event);
    this.#changed("live", event);
  }

  async #reload(head) {
    this.loaded = false;
    this.states.clear();
    this.marks = [];
    this.scanned = false;
    await this.open(head);
  }

  #append(event) {
    if (event.seq !== this.end + 1) return;
    this.facts.push(factOf(event, this.tip));
    this.events.set(event.seq, event);
    try {
      this.tip.apply(event);
    } catch {
      // The board refused it as the page's store did; the words stay.
    }
    this.end = event.seq;
    if (event.name === "phase.changed") this.marks = mergeMarks(this.marks, phaseMarks([event]));
  }

  /**
   * Find every phase change before the loaded part, reading the log a page
   * of 1,000 at a time (at most MAX_SCAN_PAGES pages: `scanCapped` then).
   */
  async scanPhases() {
    if (this.scanned || !this.loaded) return;
    this.scanned = true;
    let since = 0;
    for (let page = 0; since < this.start; page += 1) {
      if (page >= MAX_SCAN_PAGES) {
        this.scanCapped = true;
        break;
      }
      const limit = Math.min(MAX_PAGE, this.start - since);
      const body = await this.fetchJSON(`${this.base}/events/?since=${since}&limit=${limit}`);
      const events = (body.events ?? []).filter((e) => e.seq <= this.start);
      if (!events.length) break;
      this.marks = mergeMarks(this.marks, phaseMarks(events));
      since = events.at(-1).seq;
    }
    this.#changed("marks");
  }

  // -- the board at a seq --------------------------------------------------------

  /** The event with `seq`, if it is loaded. */
  event(seq) {
    return this.events.get(seq) ?? null;
  }

  /** Whether the board at `seq` can be folded here, without the server. */
  foldable(seq) {
    const base = this.#baseFor(seq);
    return base !== null && seq - base <= MAX_LOCAL_FOLD;
  }

  /**
   * The board as it was right after event `seq`: {store (a BoardStore),
   * at (the event's time, when known), local (folded here)}. `signal`
   * aborts a request that is no longer wanted.
   * @param {number} seq @param {{signal?: AbortSignal}} [options]
   */
  async boardAt(seq, { signal } = {}) {
    const base = this.#baseFor(seq);
    if (base !== null && seq - base <= MAX_LOCAL_FOLD) {
      const store = storeOf(this.states.get(base), base);
      for (let s = base + 1; s <= seq; s += 1) store.apply(this.events.get(s));
      return { store, at: this.events.get(seq)?.at ?? null, local: true };
    }
    const [body, page] = await Promise.all([
      this.fetchJSON(`${this.base}/state/?at=${seq}`, { signal }),
      seq > 0 ? this.fetchJSON(`${this.base}/events/?since=${seq - 1}&limit=1`, { signal }) : null,
    ]);
    this.#keep(seq, body.state);
    return { store: storeOf(body.state, seq), at: page?.events?.[0]?.at ?? null, local: false };
  }

  // The nearest known state at or before `seq` with every event after it
  // up to `seq` loaded; null when there is none.
  #baseFor(seq) {
    let best = null;
    for (const known of this.states.keys()) {
      if (known > seq || (best !== null && known <= best)) continue;
      if (known === seq || (known >= this.start && seq <= this.end)) best = known;
    }
    return best;
  }

  #keep(seq, state) {
    this.states.delete(seq);
    this.states.set(seq, state);
    while (this.states.size > KEEP_STATES) {
      // The oldest kept, but never the loaded part's start: it words pages.
      const victim = [...this.states.keys()].find((s) => s !== this.start);
      this.states.delete(victim);
    }
  }

  // -- the server -----------------------------------------------------------------

  async #state(seq) {
    const body = await this.fetchJSON(`${this.base}/state/?at=${seq}`);
    return body.state;
  }

  // Every event after `since` (up to `upto`, else to the head), page by page.
  async #eventsAfter(since, upto = Infinity) {
    const events = [];
    let after = since;
    for (;;) {
      const limit = Math.min(MAX_PAGE, upto === Infinity ? MAX_PAGE : upto - after);
      if (limit <= 0) break;
      const body = await this.fetchJSON(`${this.base}/events/?since=${after}&limit=${limit}`);
      const page = body.events ?? [];
      events.push(...page);
      if (!page.length || !body.next) break;
      after = page.at(-1).seq;
    }
    return events;
  }

  #changed(reason, event = null) {
    this.dispatchEvent(new CustomEvent("change", { detail: { reason, event } }));
  }
}

function storeOf(state, seq) {
  const store = new BoardStore();
  store.load(state, seq);
  return store;
}

function mergeMarks(marks, more) {
  const bySeq = new Map(marks.map((m) => [m.seq, m]));
  for (const mark of more) bySeq.set(mark.seq, mark);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
