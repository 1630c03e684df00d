// Every change the user makes, as a board command.
//
// Each command is tracked in the scene until its event is in the store, so the
// screen shows the change at once (and keeps showing it while offline); a
// refusal takes it back and says why. Conflicts quote the sticky's current
// text (the `details` of the `conflict` error), so nobody loses words silently.

import { newId } from "./connection.js";
import { isFrame, kindOf } from "./kinds.js";

// Commands whose events land on the sender's undo stack on the server.
const UNDOABLE = new Set([
  "sticky.create",
  "sticky.update",
  "sticky.move",
  "sticky.delete",
  "link.create",
  "link.delete",
  "vote.cast",
  "vote.retract",
]);

export class Actions {
  constructor({ connection, scene, toasts, me }) {
    this.connection = connection;
    this.scene = scene;
    this.toasts = toasts;
    this.me = me;
    // One entry per user action, counting the changes it made: the server
    // undoes one event per `undo`, the person expects Ctrl+Z to take back a
    // whole group move or paste at once.
    this.undoSteps = [];
    this.redoSteps = [];
    this.collecting = null;
  }

  /** Run `fn`, counting every change it sends as one undo step. */
  step(fn) {
    if (this.collecting) return fn();
    const step = { count: 0 };
    this.collecting = step;
    try {
      return fn();
    } finally {
      this.collecting = null;
      if (step.count) this.undoSteps.push(step);
    }
  }

  /** Send command `name`; resolves to the ack, or null when refused. */
  send(name, data, op = null) {
    const opId = newId();
    if (op) this.scene.track(opId, op);
    const step = UNDOABLE.has(name) ? this.#count() : null;
    return this.connection.command(name, data, { id: opId }).then(
      (ack) => {
        this.scene.settle(opId, ack.seq);
        return ack;
      },
      (error) => {
        this.scene.drop(opId);
        // A refused change is not on the server's stack: do not undo for it.
        if (step) step.count -= 1;
        this.report(name, error || {});
        return null;
      },
    );
  }

  #count() {
    this.redoSteps = [];
    if (this.collecting) {
      this.collecting.count += 1;
      return this.collecting;
    }
    const step = { count: 1 };
    this.undoSteps.push(step);
    return step;
  }

  report(name, error) {
    const sticky = error.details && error.details.sticky;
    if (error.code === "conflict" && sticky) {
      const what = kindOf(sticky.kind).label.toLowerCase();
      this.toasts.error(
        `${error.message || "Someone changed this first."} The ${what} now reads:`,
        sticky.text || "(no text)",
      );
    } else if ((name === "undo" || name === "redo") && error.code === "not_found") {
      this.toasts.show(error.message || `Nothing to ${name}.`);
    } else {
      this.toasts.error(error.message || `Could not ${name}.`);
    }
  }

  create(kind, x, y, { id = newId(), text = "", width, height, fields } = {}) {
    const k = kindOf(kind);
    const data = { id, kind, text, x: round(x), y: round(y) };
    if (width !== undefined) data.width = width;
    if (height !== undefined) data.height = height;
    if (fields && fields.length) data.fields = fields;
    const sticky = {
      width: k.width, height: k.height, fields: [], pivotal: false, event_style: "state", description: "",
      code_name: "", version: 0, author: this.me.member, ...data,
    };
    return this.send("sticky.create", data, { create: sticky });
  }

  /** Change sticky `id`; `version` is the one the user saw when they began. */
  update(id, changes, version) {
    const data = { id, ...changes };
    if (version !== undefined && version !== null) data.version = version;
    return this.send("sticky.update", data, { id, patch: changes });
  }

  move(moves) {
    return this.step(() =>
      Promise.all(
        moves.map(({ id, x, y }) =>
          this.send("sticky.move", { id, x: round(x), y: round(y) }, { id, patch: { x: round(x), y: round(y) } }),
        ),
      ),
    );
  }

  remove(ids) {
    // Delete the small ones first: a frame's undo then comes back last.
    const sorted = [...ids].sort((a, b) => {
      const fa = isFrame(this.scene.sticky(a) || {});
      const fb = isFrame(this.scene.sticky(b) || {});
      return fa - fb;
    });
    return this.step(() => Promise.all(sorted.map((id) => this.send("sticky.delete", { id }, { delete: id }))));
  }

  link(from, to, id = newId()) {
    return this.send("link.create", { id, from, to }, { link: { id, from, to } });
  }

  unlink(id) {
    return this.send("link.delete", { id }, { unlink: id });
  }

  vote(id, cast) {
    return this.send(cast ? "vote.cast" : "vote.retract", { id });
  }

  /** Take back the last action, however many changes it made. */
  undo() {
    return this.#replay("undo", this.undoSteps, this.redoSteps);
  }

  redo() {
    return this.#replay("redo", this.redoSteps, this.undoSteps);
  }

  #replay(name, from, to) {
    const step = from.pop() ?? { count: 1 };
    const count = Math.max(1, step.count);
    to.push({ count });
    const sent = [];
    for (let i = 0; i < count; i += 1) sent.push(this.send(name, {}));
    return Promise.all(sent);
  }

  phase(phase) {
    return this.send("phase.set", { phase });
  }

  lock(locked) {
    return this.send(locked ? "board.lock" : "board.unlock", {});
  }

  /** Start a timer of `seconds` for everyone, or stop it with null. */
  timer(seconds) {
    return seconds ? this.send("timer.start", { seconds }) : this.send("timer.stop", {});
  }
}

// Whole board units: positions read well in exports and diffs.
function round(value) {
  return Math.round(value);
}
