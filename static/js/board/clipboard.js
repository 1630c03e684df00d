// @ts-check
// Copy, paste and duplicate stickies (with the links between them).
//
// Copies go to the system clipboard as JSON (so they paste into another board
// or tab) and are also kept here, for browsers that refuse clipboard reads.
// Plain text pasted onto the board becomes one event per line.

import { newId } from "./connection.js";
import { bounds } from "./geometry.js";
import { format, t } from "./i18n.js";

const FORMAT = "event-storming-stickies";
const MAX_PASTE = 200;
const OFFSET = 24;

export class Clipboard {
  constructor({ scene, actions, pointer, toasts }) {
    this.scene = scene;
    this.actions = actions;
    this.pointer = pointer;
    this.toasts = toasts;
    this.buffer = null;
  }

  /** The selection as a clipboard document, or null. */
  collect() {
    const stickies = [...this.scene.selection].map((id) => this.scene.sticky(id)).filter(Boolean);
    if (!stickies.length) return null;
    const ids = new Set(stickies.map((s) => s.id));
    const links = this.scene.links().filter((l) => ids.has(l.from) && ids.has(l.to));
    return {
      format: FORMAT,
      stickies: stickies.map(({ id, kind, text, x, y, width, height, fields }) => ({
        id, kind, text, x, y, width, height, fields,
      })),
      links: links.map(({ from, to }) => ({ from, to })),
    };
  }

  copy(event = null) {
    const doc = this.collect();
    if (!doc) return false;
    this.buffer = doc;
    const text = JSON.stringify(doc);
    if (event && event.clipboardData) {
      event.clipboardData.setData("text/plain", text);
      event.preventDefault();
    } else if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).catch(() => {});
    }
    return true;
  }

  /** Paste from a paste event's data, else from the last copy. */
  paste(event = null) {
    let doc = this.buffer;
    const text = event && event.clipboardData ? event.clipboardData.getData("text/plain") : "";
    if (text) {
      doc = parse(text) || fromText(text) || doc;
      event.preventDefault();
    }
    if (doc) this.place(doc, this.pointer.anchor());
    return Boolean(doc);
  }

  duplicate() {
    const doc = this.collect();
    if (!doc) return;
    const box = bounds(doc.stickies);
    this.place(doc, { x: box.x + box.width / 2 + OFFSET, y: box.y + box.height / 2 + OFFSET });
  }

  /** Create copies of `doc`'s stickies centred on `at`, and select them. */
  place(doc, at) {
    if (!this.scene.canWrite) return;
    const stickies = doc.stickies.slice(0, MAX_PASTE);
    if (doc.stickies.length > MAX_PASTE) this.toasts.show(format(t("Pasted the first %(count)s stickies."), { count: MAX_PASTE }));
    const box = bounds(stickies.map((s) => ({ width: 160, height: 160, ...s })));
    const dx = at.x - (box.x + box.width / 2);
    const dy = at.y - (box.y + box.height / 2);
    const fresh = new Map();
    this.actions.step(() => this.#send(stickies, doc.links || [], dx, dy, fresh));
    this.scene.select([...fresh.values()]);
  }

  #send(stickies, links, dx, dy, fresh) {
    for (const s of stickies) {
      const id = newId();
      fresh.set(s.id, id);
      this.actions.create(s.kind, (s.x ?? 0) + dx, (s.y ?? 0) + dy, {
        id, text: s.text || "", width: s.width, height: s.height, fields: s.fields,
      });
    }
    // Sent after the stickies on the same socket, so the server knows both ends.
    for (const link of links) {
      if (fresh.has(link.from) && fresh.has(link.to)) {
        this.actions.link(fresh.get(link.from), fresh.get(link.to));
      }
    }
  }
}

function parse(text) {
  try {
    const doc = JSON.parse(text);
    if (doc && doc.format === FORMAT && Array.isArray(doc.stickies)) return doc;
  } catch {
    // Not ours: plain text.
  }
  return null;
}

function fromText(text) {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(0, 50);
  if (!lines.length) return null;
  return {
    format: FORMAT,
    stickies: lines.map((line, i) => ({
      id: `line-${i}`, kind: "event", text: line.slice(0, 500), x: i * 180, y: 0, width: 160, height: 160,
    })),
    links: [],
  };
}
