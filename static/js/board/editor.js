// @ts-check
// Editing a sticky's text in place: a <textarea> laid over the sticky.
//
// Enter saves, Shift+Enter starts a new line, Escape cancels, clicking
// elsewhere saves. A new sticky is a local draft until its text is saved, so
// creating one is a single `sticky.create` (one step to undo) and an empty
// draft leaves nothing behind. The edit carries the version the user started
// from: if someone changed the text meanwhile, the server answers `conflict`
// and the toast shows their text.

import { newId } from "./connection.js";
import { kindOf } from "./kinds.js";

export class Editor {
  constructor({ textarea, viewport, scene, actions, canvas }) {
    this.textarea = textarea;
    this.viewport = viewport;
    this.scene = scene;
    this.actions = actions;
    this.canvas = canvas;
    this.active = null;
    textarea.addEventListener("keydown", (e) => this.key(e));
    textarea.addEventListener("blur", () => {
      if (this.active) this.commit({ refocus: false });
    });
    viewport.addEventListener("change", () => this.place());
  }

  edit(id) {
    const sticky = this.scene.sticky(id);
    if (!sticky || !this.scene.canWrite) return;
    this.open({ id, draft: false, version: sticky.version, original: sticky.text || "" });
  }

  /** Start a new sticky of `kind` centred on board point `point`. */
  createAt(kind, point) {
    const k = kindOf(kind);
    const draft = {
      id: newId(), kind, text: "", x: Math.round(point.x - k.width / 2), y: Math.round(point.y - k.height / 2),
      width: k.width, height: k.height, fields: [], pivotal: false, event_style: "state", version: 0,
    };
    this.scene.draft = draft;
    this.scene.select([draft.id]);
    this.open({ id: draft.id, draft: true, version: null, original: "" });
  }

  open(state) {
    if (this.active) this.commit({ refocus: false });
    this.active = state;
    this.scene.editingId = state.id;
    const sticky = this.scene.sticky(state.id);
    const k = kindOf(sticky.kind);
    this.textarea.value = state.original;
    this.textarea.style.background = k.fill;
    this.textarea.classList.toggle("sticky-editor--frame", Boolean(k.frame));
    this.textarea.hidden = false;
    this.place();
    this.textarea.focus({ preventScroll: true });
    this.textarea.select();
    this.scene.changed();
  }

  /** Keep the textarea over its sticky as the view pans and zooms. */
  place() {
    if (!this.active) return;
    const sticky = this.scene.sticky(this.active.id);
    if (!sticky) {
      this.cancel();
      return;
    }
    const z = this.viewport.zoom;
    const k = kindOf(sticky.kind);
    const topLeft = this.viewport.toScreen(sticky.x, sticky.y);
    const height = k.frame ? Math.min(sticky.height, 64) : sticky.height - 18;
    const style = this.textarea.style;
    style.left = `${topLeft.x}px`;
    style.top = `${topLeft.y + (k.frame ? 8 : 18) * z}px`;
    style.width = `${sticky.width * z}px`;
    style.height = `${height * z}px`;
    style.fontSize = `${(k.frame ? 22 : 17) * z}px`;
    style.padding = `${4 * z}px ${10 * z}px`;
  }

  key(e) {
    e.stopPropagation();
    if (e.key === "Escape") {
      e.preventDefault();
      this.cancel();
    } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.commit();
    }
  }

  commit({ refocus = true } = {}) {
    const state = this.active;
    if (!state) return;
    const text = this.textarea.value;
    this.close(refocus);
    if (state.draft) {
      const draft = this.scene.draft;
      this.scene.draft = null;
      if (draft && text.trim()) {
        this.actions.create(draft.kind, draft.x, draft.y, { id: draft.id, text });
        this.scene.select([draft.id]);
      } else {
        this.scene.clearSelection();
      }
    } else if (text !== state.original) {
      this.actions.update(state.id, { text }, state.version);
    }
    this.scene.invalidate();
  }

  cancel() {
    const state = this.active;
    if (!state) return;
    this.close(true);
    if (state.draft) {
      this.scene.draft = null;
      this.scene.clearSelection();
    }
    this.scene.invalidate();
  }

  close(refocus) {
    this.active = null;
    this.scene.editingId = null;
    this.textarea.hidden = true;
    if (refocus) this.canvas.focus({ preventScroll: true });
  }
}
