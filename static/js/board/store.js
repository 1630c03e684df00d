// @ts-check
// The board's state in the browser, folded from the server's board events.
//
// `apply` mirrors `storming/state.py` `apply` event for event: the server's
// log is the truth and this is a projection of it, so the two must agree to
// the byte (tests/storming/test_js_client.py folds the same log with both and
// compares `snapshot()` with Python's `storming.state.snapshot`).
//
// The store knows nothing of sockets; `follow(connection)` wires it to a
// BoardConnection. Objects in the maps are replaced, never mutated, when they
// change, so a view can tell what changed by identity.

import { EVENT_NAMES } from "./vocabulary.js";

// The board event names the server appends (storming/commands.py EVENT_NAMES).
const BOARD_EVENTS = EVENT_NAMES;

export function voteKey(sticky, member) {
  return `${sticky}:${member}`;
}

function emptyBoard() {
  return { phase: "find", locked: false, timer: null, voting: null, lanes: [] };
}

// Python compares str by code point; every key sorted here (ISO timestamps,
// UUIDs) is ASCII, where `<` on UTF-16 code units gives the same order.
function compareKeys(a, b) {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

function sortedBy(values, key) {
  return [...values].sort((a, b) => compareKeys(key(a), key(b)));
}

function copy(value) {
  return structuredClone(value);
}

function without(object, ...names) {
  const rest = { ...object };
  for (const name of names) delete rest[name];
  return rest;
}

export class BoardStore extends EventTarget {
  constructor() {
    super();
    this.seq = 0;
    this.board = emptyBoard();
    this.stickies = new Map();
    this.links = new Map();
    this.votes = new Map();
    // sticky id -> Set of link ids / vote keys touching it: deleting a sticky
    // takes its links and votes along without scanning the whole board.
    this.linkIndex = new Map();
    this.voteIndex = new Map();
  }

  // -- loading and applying ----------------------------------------------------

  /** Replace everything with `state` (the `state` of a `welcome`) at `seq`. */
  load(state, seq) {
    const before = [...this.stickies.keys()];
    const beforeLinks = [...this.links.keys()];
    this.seq = seq ?? 0;
    this.board = { ...emptyBoard(), ...copy(state?.board ?? {}) };
    this.stickies = new Map();
    this.links = new Map();
    this.votes = new Map();
    this.linkIndex = new Map();
    this.voteIndex = new Map();
    for (const sticky of state?.stickies ?? []) this.stickies.set(sticky.id, copy(sticky));
    for (const link of state?.links ?? []) this.#putLink(copy(link));
    for (const vote of state?.votes ?? []) this.#putVote(copy(vote));
    // Old and new ids both: a view must drop what is gone and draw what came.
    const stickies = new Set([...before, ...this.stickies.keys()]);
    const links = new Set([...beforeLinks, ...this.links.keys()]);
    this.#changed({ reason: "reset", event: null, stickies: [...stickies], links: [...links] });
  }

  /**
   * Apply one `event` message. Returns false for a message at or below the
   * current seq (a duplicate), true once applied. Throws, leaving the state
   * as it was, on what Python's `apply` raises for: an unknown event name, or
   * an update or move of a sticky that is not there.
   */
  apply(message) {
    const { seq, name } = message;
    if (Number.isInteger(seq) && seq <= this.seq) return false;
    if (!BOARD_EVENTS.has(name)) throw new Error(`unknown board event ${JSON.stringify(name)}`);
    const data = copy(message.data ?? {});
    if ((name === "sticky.updated" || name === "sticky.moved") && !this.stickies.has(data.id)) {
      throw new Error(`no sticky ${data.id} to patch with ${name}`);
    }
    const affected = { stickies: new Set(), links: new Set() };
    this.#applyEvent(name, data, affected);
    if (Number.isInteger(seq)) this.seq = seq;
    this.#changed({
      reason: "event",
      event: message,
      stickies: [...affected.stickies],
      links: [...affected.links],
    });
    return true;
  }

  #applyEvent(name, data, affected) {
    switch (name) {
      case "sticky.created":
        return this.#addSticky(data, affected);
      case "sticky.updated":
      case "sticky.moved":
        return this.#patchSticky(data, affected);
      case "sticky.deleted":
        return this.#dropSticky(data.id, affected);
      case "link.created":
        affected.links.add(data.id);
        return this.#putLink(data);
      case "link.deleted":
        affected.links.add(data.id);
        return this.#removeLink(data.id);
      case "vote.cast":
        affected.stickies.add(data.sticky);
        return this.#putVote(data);
      case "vote.retracted":
        affected.stickies.add(data.sticky);
        return this.#removeVote(voteKey(data.sticky, data.member));
      case "phase.changed":
        return this.#setBoard({ phase: data.phase });
      case "timer.started":
        return this.#setBoard({ timer: { seconds: data.seconds, ends_at: data.ends_at } });
      case "timer.stopped":
        return this.#setBoard({ timer: null });
      case "board.locked":
        return this.#setBoard({ locked: true });
      case "board.unlocked":
        return this.#setBoard({ locked: false });
      case "voting.opened":
        return this.#setBoard({ voting: { ...data, revealed: false } });
      case "voting.revealed":
        return this.#setBoard({ voting: { ...(this.board?.voting ?? {}), revealed: true } });
      case "voting.closed":
        return this.#setBoard({ voting: null });
      case "lanes.changed":
        return this.#setBoard({ lanes: copy(data.lanes ?? []) });
    }
  }

  // A created sticky may carry the links and votes it had (undo of a delete).
  #addSticky(data, affected) {
    const sticky = without(data, "links", "votes");
    // Logged before events had a style: the server's default (state.py).
    sticky.event_style ??= "state";
    this.stickies.set(sticky.id, sticky);
    affected.stickies.add(sticky.id);
    for (const link of data.links ?? []) {
      this.#putLink(link);
      affected.links.add(link.id);
    }
    for (const vote of data.votes ?? []) {
      this.#putVote(vote);
      affected.stickies.add(vote.sticky);
    }
  }

  #patchSticky(data, affected) {
    const sticky = this.stickies.get(data.id);
    this.stickies.set(data.id, { ...sticky, ...without(data, "id") });
    affected.stickies.add(data.id);
  }

  // Links and votes go with their sticky, as in `state._drop_sticky`.
  #dropSticky(stickyId, affected) {
    this.stickies.delete(stickyId);
    affected.stickies.add(stickyId);
    for (const linkId of [...(this.linkIndex.get(stickyId) ?? [])]) {
      this.#removeLink(linkId);
      affected.links.add(linkId);
    }
    for (const key of [...(this.voteIndex.get(stickyId) ?? [])]) this.#removeVote(key);
  }

  #setBoard(changes) {
    this.board = { ...this.board, ...changes };
  }

  // -- links and votes with their index ---------------------------------------

  #putLink(link) {
    // Same id again replaces the link; its old ends must leave the index.
    this.#removeLink(link.id);
    this.links.set(link.id, link);
    for (const end of [link.from, link.to]) indexAdd(this.linkIndex, end, link.id);
  }

  #removeLink(linkId) {
    const link = this.links.get(linkId);
    if (!link) return;
    this.links.delete(linkId);
    for (const end of [link.from, link.to]) indexRemove(this.linkIndex, end, linkId);
  }

  #putVote(vote) {
    const key = voteKey(vote.sticky, vote.member);
    this.votes.set(key, vote);
    indexAdd(this.voteIndex, vote.sticky, key);
  }

  #removeVote(key) {
    const vote = this.votes.get(key);
    if (!vote) return;
    this.votes.delete(key);
    indexRemove(this.voteIndex, vote.sticky, key);
  }

  // -- reading -----------------------------------------------------------------

  /** The canonical form of the state: what Python's `state.snapshot` gives. */
  snapshot() {
    return copy({
      board: this.board,
      stickies: sortedBy(this.stickies.values(), (s) => [s.created_at, s.id]),
      links: sortedBy(this.links.values(), (l) => [l.created_at, l.id]),
      votes: sortedBy(this.votes.values(), (v) => [v.sticky, v.member]),
    });
  }

  /** Links from or to the sticky, by id (as `MemoryView.links_of`). */
  linksOf(stickyId) {
    const ids = this.linkIndex.get(stickyId) ?? [];
    return sortedBy(
      [...ids].map((id) => this.links.get(id)),
      (l) => [l.id],
    );
  }

  /** Votes for the sticky, by member (as `MemoryView.votes_of`). */
  votesOf(stickyId) {
    const keys = this.voteIndex.get(stickyId) ?? [];
    return sortedBy(
      [...keys].map((key) => this.votes.get(key)),
      (v) => [v.member],
    );
  }

  /**
   * Keep this store in step with a BoardConnection: load every welcome that
   * carries a full state (the first, and a `reset` on a reconnect, which is
   * also a welcome), apply every event. Returns a function that stops.
   */
  follow(connection) {
    const onWelcome = ({ detail }) => {
      if (detail.message.state) this.load(detail.message.state, detail.message.seq);
    };
    const onEvent = ({ detail }) => this.apply(detail.message);
    connection.addEventListener("welcome", onWelcome);
    connection.addEventListener("event", onEvent);
    return () => {
      connection.removeEventListener("welcome", onWelcome);
      connection.removeEventListener("event", onEvent);
    };
  }

  #changed(detail) {
    this.dispatchEvent(new CustomEvent("change", { detail }));
  }
}

function indexAdd(index, key, value) {
  let values = index.get(key);
  if (!values) index.set(key, (values = new Set()));
  values.add(value);
}

function indexRemove(index, key, value) {
  const values = index.get(key);
  if (!values) return;
  values.delete(value);
  if (values.size === 0) index.delete(key);
}
