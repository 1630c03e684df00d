// @ts-check
// What the canvas shows: the store's board plus what only this browser knows.
//
// The store holds the board as the server decided it. On top of it the scene
// keeps this user's selection and the changes still on their way:
//  - `preview`: positions and sizes while the user drags or resizes;
//  - pending operations, sent but not yet in the store, so that a moved
//    sticky does not jump back while its `sticky.move` travels (or waits
//    offline), and a new sticky shows at once;
//  - other people's live drags (`remoteDrags`).
// `sticky(id)` and `ordered()` give the stickies as they should be drawn.
//
// `show(store)` points the scene at another store: the board as it was at
// an earlier seq (history.js). The live store keeps folding events; the
// scene is read-only then and leaves out what belongs to the live board
// only (changes on their way, other people's drags).

import { centre, contains } from "./geometry.js";
import { isFrame } from "./kinds.js";

const REMOTE_DRAG_TTL = 4000;

export class Scene extends EventTarget {
  constructor(store) {
    super();
    this.store = store;
    this.live = store;
    this.selection = new Set();
    this.selectedLinks = new Set();
    this.preview = new Map();
    this.remoteDrags = new Map();
    this.ops = new Map();
    this.overrides = new Map();
    this.creates = new Map();
    this.deletes = new Set();
    this.linkCreates = new Map();
    this.linkDeletes = new Set();
    this.draft = null;
    this.editingId = null;
    this.band = null;
    this.linkDraft = null;
    this.hoverId = null;
    this.writable = false;
    // Which votes the canvas counts: a predicate over votes, or null for all.
    // A dot vote sets it (voting.js voteFilter): until the reveal each person
    // sees only their own dots. Set it with setVoteFilter, which redraws.
    this.voteFilter = null;
    this._ordered = null;
  }

  /** Whether the user may change the board: never while it shows the past. */
  get canWrite() {
    return this.writable && !this.showingPast;
  }

  set canWrite(value) {
    this.writable = value;
  }

  get showingPast() {
    return this.store !== this.live;
  }

  /** Show `store` (the board at an earlier seq), or the live board with null. */
  show(store) {
    this.store = store ?? this.live;
    this.preview.clear();
    this.remoteDrags.clear();
    this.draft = null;
    this.band = null;
    this.linkDraft = null;
    this.hoverId = null;
    this.selection.clear();
    this.selectedLinks.clear();
    this.invalidate();
    this.dispatchEvent(new Event("selection"));
  }

  // -- reading ------------------------------------------------------------

  /** A sticky as it should be drawn now, or undefined. */
  sticky(id) {
    if (this.showingPast) return this.store.stickies.get(id);
    if (this.deletes.has(id)) return undefined;
    let sticky = this.store.stickies.get(id) || this.creates.get(id);
    if (!sticky) return this.draft && this.draft.id === id ? this.draft : undefined;
    const override = this.overrides.get(id);
    const preview = this.preview.get(id);
    const remote = this.remoteDrags.get(id);
    if (override || preview || remote) {
      sticky = { ...sticky, ...override };
      if (remote && !preview) Object.assign(sticky, { x: remote.x, y: remote.y });
      if (preview) Object.assign(sticky, preview);
    }
    return sticky;
  }

  /** Every sticky in drawing order: frames (largest first), then the rest. */
  ordered() {
    if (!this._ordered) {
      const frames = [];
      const notes = [];
      const past = this.showingPast;
      const add = (sticky) => {
        if (!past && this.deletes.has(sticky.id)) return;
        (isFrame(sticky) ? frames : notes).push(sticky.id);
      };
      this.store.stickies.forEach(add);
      if (!past) {
        this.creates.forEach((sticky, id) => {
          if (!this.store.stickies.has(id)) add(sticky);
        });
      }
      const area = (id) => {
        const s = this.sticky(id);
        return s ? s.width * s.height : 0;
      };
      frames.sort((a, b) => area(b) - area(a));
      this._ordered = { frames, notes };
    }
    return this._ordered;
  }

  /** How many dot votes sticky `id` shows (counted once per board change;
   * only those `voteFilter` lets through). */
  voteCount(id) {
    if (!this._votes) {
      this._votes = new Map();
      this.store.votes.forEach((vote) => {
        if (this.voteFilter && !this.voteFilter(vote)) return;
        this._votes.set(vote.sticky, (this._votes.get(vote.sticky) || 0) + 1);
      });
    }
    return this._votes.get(id) || 0;
  }

  /** Whether member `me` has voted for sticky `id`. */
  hasVoted(id, me) {
    for (const vote of this.store.votes.values()) {
      if (vote.sticky === id && vote.member === me) return true;
    }
    return false;
  }

  links() {
    if (this.showingPast) return [...this.store.links.values()];
    const links = [];
    this.store.links.forEach((link) => {
      if (!this.linkDeletes.has(link.id)) links.push(link);
    });
    this.linkCreates.forEach((link) => {
      if (!this.store.links.has(link.id)) links.push(link);
    });
    return links;
  }

  /** Stickies (frames included) whose centre lies inside frame `frameId`. */
  contentsOf(frameId) {
    const frame = this.sticky(frameId);
    if (!frame) return [];
    const { frames, notes } = this.ordered();
    const inside = [];
    for (const id of [...frames, ...notes]) {
      if (id === frameId) continue;
      const sticky = this.sticky(id);
      if (sticky && contains(frame, centre(sticky))) inside.push(id);
    }
    return inside;
  }

  // -- changing what is shown --------------------------------------------

  setVoteFilter(filter) {
    this.voteFilter = filter;
    this._votes = null;
    this.changed();
  }

  invalidate() {
    this._ordered = null;
    this._votes = null;
    this.changed();
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }

  select(ids, { add = false } = {}) {
    if (!add) {
      this.selection.clear();
      this.selectedLinks.clear();
    }
    for (const id of ids) this.selection.add(id);
    this.changed();
    this.dispatchEvent(new Event("selection"));
  }

  selectLink(id, { add = false } = {}) {
    if (!add) {
      this.selection.clear();
      this.selectedLinks.clear();
    }
    this.selectedLinks.add(id);
    this.changed();
    this.dispatchEvent(new Event("selection"));
  }

  toggle(id) {
    if (this.selection.has(id)) this.selection.delete(id);
    else this.selection.add(id);
    this.changed();
    this.dispatchEvent(new Event("selection"));
  }

  clearSelection() {
    if (!this.selection.size && !this.selectedLinks.size) return;
    this.selection.clear();
    this.selectedLinks.clear();
    this.changed();
    this.dispatchEvent(new Event("selection"));
  }

  /** Drop selected ids that no longer exist (someone deleted them). */
  pruneSelection() {
    let pruned = false;
    for (const id of this.selection) {
      if (!this.sticky(id)) {
        this.selection.delete(id);
        pruned = true;
      }
    }
    for (const id of this.selectedLinks) {
      if (!this.store.links.has(id) && !this.linkCreates.has(id)) {
        this.selectedLinks.delete(id);
        pruned = true;
      }
    }
    if (pruned) this.dispatchEvent(new Event("selection"));
  }

  remoteDrag({ member, id, x, y }, who) {
    if (this.showingPast) return;
    this.remoteDrags.set(id, { x, y, member, name: who?.name, color: who?.color, at: performance.now() });
    this.changed();
  }

  /** Forget other people's drags that went quiet (their drop never came). */
  expireRemoteDrags(now = performance.now()) {
    let expired = false;
    for (const [id, drag] of this.remoteDrags) {
      if (now - drag.at > REMOTE_DRAG_TTL) {
        this.remoteDrags.delete(id);
        expired = true;
      }
    }
    if (expired) this.changed();
  }

  // -- pending operations -------------------------------------------------

  /**
   * Note an operation sent to the server: `op` is {create} | {id, patch} |
   * {delete} | {link} | {unlink}. It shows until the store has caught up with
   * its event (`settle`) or the server refused it (`drop`).
   */
  track(opId, op) {
    this.ops.set(opId, { ...op, seq: null });
    this.recompute();
  }

  settle(opId, seq) {
    const op = this.ops.get(opId);
    if (!op) return;
    op.seq = seq;
    this.reconcile();
  }

  drop(opId) {
    if (this.ops.delete(opId)) this.recompute();
  }

  /** Forget the operations whose events the store has applied. */
  reconcile() {
    const seq = this.live.seq;
    let done = false;
    for (const [opId, op] of this.ops) {
      if (op.seq !== null && op.seq <= seq) {
        this.ops.delete(opId);
        done = true;
      }
    }
    if (done) this.recompute();
    for (const id of this.remoteDrags.keys()) {
      // A drop from someone else arrives as a move: their drag is over.
      const sticky = this.live.stickies.get(id);
      const drag = this.remoteDrags.get(id);
      if (!sticky || (sticky.x === drag.x && sticky.y === drag.y)) this.remoteDrags.delete(id);
    }
  }

  recompute() {
    this.overrides.clear();
    this.creates.clear();
    this.deletes.clear();
    this.linkCreates.clear();
    this.linkDeletes.clear();
    for (const op of this.ops.values()) {
      if (op.create) this.creates.set(op.create.id, op.create);
      if (op.patch) this.overrides.set(op.id, { ...this.overrides.get(op.id), ...op.patch });
      if (op.delete) this.deletes.add(op.delete);
      if (op.link) this.linkCreates.set(op.link.id, op.link);
      if (op.unlink) this.linkDeletes.add(op.unlink);
    }
    this.invalidate();
  }
}
