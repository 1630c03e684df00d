// @ts-check
// Every change the user makes, as a board command.
//
// Each command is tracked in the scene until its event is in the store, so the
// screen shows the change at once (and keeps showing it while offline); a
// refusal takes it back and says why. Conflicts quote the sticky's current
// text (the `details` of the `conflict` error), so nobody loses words silently.

import { newId } from "./connection.js";
import { isFrame, kindOf } from "./kinds.js";
import { format, t } from "./i18n.js";

export class Actions {
  constructor({ connection, scene, toasts, me }) {
    this.connection = connection;
    this.scene = scene;
    this.toasts = toasts;
    this.me = me;
    // The commands of the action being collected by `step`, or null.
    this.collecting = null;
  }

  /**
   * Run `fn`, sending every change it makes as one `batch`: all or nothing
   * on the server, one undo step, one round trip. Resolves when it is acked.
   */
  step(fn) {
    if (this.collecting) return fn();
    const collected = [];
    this.collecting = collected;
    let result;
    try {
      result = fn();
    } finally {
      this.collecting = null;
    }
    this.#flushStep(collected);
    return Promise.resolve(result);
  }

  #flushStep(collected) {
    if (collected.length === 1) {
      const [one] = collected;
      this.#sendNow(one.name, one.data, one.op).then(one.resolve);
      return;
    }
    if (!collected.length) return;
    const opIds = collected.map(({ op }) => {
      const opId = newId();
      if (op) this.scene.track(opId, op);
      return op ? opId : null;
    });
    const commands = collected.map(({ name, data }) => ({ name, data }));
    this.connection.command("batch", { commands }, { id: newId() }).then(
      (ack) => {
        // The batch's events have the seqs first .. seq, in command order.
        opIds.forEach((opId, n) => opId && this.scene.settle(opId, ack.first + n));
        for (const item of collected) item.resolve(ack);
      },
      (error) => {
        for (const opId of opIds) if (opId) this.scene.drop(opId);
        const failed = collected[error?.details?.index ?? 0] ?? collected[0];
        this.report(failed.name, error || {});
        for (const item of collected) item.resolve(null);
      },
    );
  }

  /** Send command `name`; resolves to the ack, or null when refused. */
  send(name, data, op = null) {
    if (this.collecting) {
      return new Promise((resolve) => this.collecting.push({ name, data, op, resolve }));
    }
    return this.#sendNow(name, data, op);
  }

  #sendNow(name, data, op) {
    const opId = newId();
    if (op) this.scene.track(opId, op);
    return this.connection.command(name, data, { id: opId }).then(
      (ack) => {
        this.scene.settle(opId, ack.seq);
        return ack;
      },
      (error) => {
        this.scene.drop(opId);
        this.report(name, error || {});
        return null;
      },
    );
  }

  report(name, error) {
    const sticky = error.details && error.details.sticky;
    if (error.code === "conflict" && sticky) {
      const what = kindOf(sticky.kind).label.toLowerCase();
      this.toasts.error(
        `${error.message || t("Someone changed this first.")} ${format(t("The %(kind)s now reads:"), { kind: what })}`,
        sticky.text || t("(no text)"),
      );
    } else if ((name === "undo" || name === "redo") && error.code === "not_found") {
      this.toasts.show(error.message || (name === "undo" ? t("Nothing to undo.") : t("Nothing to redo.")));
    } else {
      this.toasts.error(error.message || format(t("Could not %(command)s."), { command: name }));
    }
  }

  /**
   * @param {string} kind @param {number} x @param {number} y
   * @param {{id?: string, text?: string, width?: number, height?: number, fields?: object}} [options]
   */
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
      return Number(fa) - Number(fb);
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

  /** Take back my last action, however many changes it made (the server
   * keeps them as one group). */
  undo() {
    return this.send("undo", {});
  }

  redo() {
    return this.send("redo", {});
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
