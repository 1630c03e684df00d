// @ts-check
// Keyboard shortcuts for the board (see the help dialog for the list).
//
// Shortcuts act only when the focus is not in a text field, a select or an
// open dialog, so typing is never hijacked. Ctrl and Cmd are the same key.

import { KINDS } from "./kinds.js";

const NUDGE = 10;
const NUDGE_FAR = 80;
const ZOOM_STEP = 1.25;

/** @typedef {(keyboard: Keyboard, e: KeyboardEvent) => void} Handler */

/** What a handler does, with the browser's own action for the key prevented.
 * @param {(keyboard: Keyboard, e: KeyboardEvent) => void} action @returns {Handler} */
const prevent = (action) => (keyboard, e) => {
  e.preventDefault();
  action(keyboard, e);
};

/** @param {(keyboard: Keyboard, e: KeyboardEvent) => void} action @returns {Handler} */
const ifWrite = (action) => (keyboard, e) => {
  if (keyboard.scene.canWrite) action(keyboard, e);
};

/** @type {Handler} */
const zoomIn = (keyboard) => keyboard.zoomBy(ZOOM_STEP);
/** @type {Handler} */
const zoomOut = (keyboard) => keyboard.zoomBy(1 / ZOOM_STEP);
/** @type {Handler} */
const zoomReset = (keyboard) => keyboard.viewport.setZoom(1);

/** With Ctrl or Cmd, by key (letters lower case): the browser's own
 * shortcuts these replace are prevented; other keys are left to it.
 * @type {Record<string, Handler>} */
const WITH_MOD = {
  z: prevent(ifWrite((k, e) => (e.shiftKey ? k.actions.redo() : k.actions.undo()))),
  y: prevent(ifWrite((k) => k.actions.redo())),
  a: prevent((k) => {
    const { frames, notes } = k.scene.ordered();
    k.scene.select([...frames, ...notes]);
  }),
  d: prevent(ifWrite((k) => k.clipboard.duplicate())),
  v: (k) => k.pasteLater(),
  c: (k) => k.copyLater(false),
  x: (k) => k.copyLater(true),
  "=": prevent(zoomIn),
  "+": prevent(zoomIn),
  "-": prevent(zoomOut),
  0: prevent(zoomReset),
};

/** Without a modifier (Shift aside), by key (letters lower case); digits
 * and Shift+1 are handled before (Keyboard.down).
 * @type {Record<string, Handler>} */
const PLAIN = {
  Delete: prevent(ifWrite((k) => k.commands.deleteSelection())),
  Backspace: prevent(ifWrite((k) => k.commands.deleteSelection())),
  Escape: (k) => {
    k.pointer.cancelGesture();
    k.scene.clearSelection();
  },
  Enter: (k, e) => k.enter(e),
  F2: (k, e) => k.enter(e),
  "+": zoomIn,
  "=": zoomIn,
  "-": zoomOut,
  _: zoomOut,
  0: zoomReset,
  "]": (k) => k.commands.cycle(1),
  "[": (k) => k.commands.cycle(-1),
  h: (k) => k.pointer.setTool("hand"),
  v: (k) => k.pointer.setTool("select"),
  // Prevented: not typed into the details panel that takes the focus.
  i: prevent((k) => k.commands.details()),
  l: ifWrite((k) => k.commands.linkSelected()),
  "?": (k) => k.commands.help(),
  ArrowLeft: (k, e) => k.arrow(e),
  ArrowRight: (k, e) => k.arrow(e),
  ArrowUp: (k, e) => k.arrow(e),
  ArrowDown: (k, e) => k.arrow(e),
};

export class Keyboard {
  constructor({ board, canvas, scene, viewport, actions, pointer, editor, clipboard, commands }) {
    this.board = board;
    this.canvas = canvas;
    this.scene = scene;
    this.viewport = viewport;
    this.actions = actions;
    this.pointer = pointer;
    this.editor = editor;
    this.clipboard = clipboard;
    this.commands = commands;
    // Whether the copy/cut or paste event came after Ctrl+C/X/V (copyLater).
    this.copied = false;
    this.pasted = false;
    this.nudges = new Map();
    this.nudgeTimer = null;
    document.addEventListener("keydown", (e) => this.down(e));
    document.addEventListener("keyup", (e) => this.up(e));
    document.addEventListener("copy", (e) => {
      if (this.ours(e.target) && this.scene.selection.size) {
        this.copied = true;
        this.clipboard.copy(e);
      }
    });
    document.addEventListener("cut", (e) => {
      if (this.ours(e.target) && this.scene.canWrite && this.clipboard.copy(e)) {
        this.copied = true;
        this.commands.deleteSelection();
      }
    });
    document.addEventListener("paste", (e) => {
      if (this.ours(e.target) && this.scene.canWrite) {
        this.pasted = true;
        this.clipboard.paste(e);
      }
    });
    window.addEventListener("blur", () => this.pointer.setSpace(false));
  }

  /** Whether a key press at `target` is meant for the board. */
  ours(target) {
    if (document.querySelector("dialog[open]")) return false;
    if (!(target instanceof Element)) return true;
    if (target.closest("input, textarea, select, [contenteditable], dialog, .side-panel")) return false;
    return true;
  }

  /** @param {KeyboardEvent} e */
  down(e) {
    if (!this.ours(e.target)) return;
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key;
    const lower = key.length === 1 ? key.toLowerCase() : key;
    if (key === " " && !mod) return this.space(e);
    if (mod) return WITH_MOD[lower]?.(this, e);
    if (e.altKey) return;
    // Shift+1 is "!" on most layouts but "1" on some (AZERTY): fit first.
    if (e.code === "Digit1" && e.shiftKey) return this.commands.fit();
    if (/^[1-9]$/.test(key)) return this.create(e);
    PLAIN[lower]?.(this, e);
  }

  /** Space held: the pointer pans. Buttons keep their own Space.
   * @param {KeyboardEvent} e */
  space(e) {
    if (e.target instanceof HTMLButtonElement) return;
    e.preventDefault();
    if (!e.repeat) this.pointer.setSpace(true);
  }

  /** A digit makes a sticky of that kind (the legend's order) at the pointer.
   * @param {KeyboardEvent} e */
  create(e) {
    if (!this.scene.canWrite) return;
    e.preventDefault();
    const kind = KINDS[Number(e.key) - 1].kind;
    this.editor.createAt(kind, this.pointer.anchor());
  }

  /** The copy/cut events do the work; make sure they have something to do.
   * @param {boolean} cut */
  copyLater(cut) {
    if (!this.scene.selection.size) return;
    this.copied = false;
    setTimeout(() => {
      if (this.copied) return;
      this.clipboard.copy();
      if (cut && this.scene.canWrite) this.commands.deleteSelection();
    }, 60);
  }

  /** The paste event normally follows and does the work; without one (no
   * clipboard access), paste what was copied here. */
  pasteLater() {
    this.pasted = false;
    setTimeout(() => {
      if (!this.pasted && this.scene.canWrite) this.clipboard.paste();
    }, 60);
  }

  /** Enter or F2: edit the one selected sticky, or with none go to the first.
   * @param {KeyboardEvent} e */
  enter(e) {
    e.preventDefault();
    const [id] = this.scene.selection;
    if (id && this.scene.selection.size === 1 && this.scene.canWrite) this.editor.edit(id);
    else if (!id) this.commands.cycle(1);
  }

  /** Arrows move the selection (Shift: further), or with none pan the board.
   * @param {KeyboardEvent} e */
  arrow(e) {
    e.preventDefault();
    const key = e.key;
    const step = e.shiftKey ? NUDGE_FAR : NUDGE;
    const dx = key === "ArrowLeft" ? -step : key === "ArrowRight" ? step : 0;
    const dy = key === "ArrowUp" ? -step : key === "ArrowDown" ? step : 0;
    if (this.scene.selection.size && this.scene.canWrite) this.nudge(dx, dy);
    else this.viewport.panBy(-dx * 4, -dy * 4);
  }

  /** @param {number} factor */
  zoomBy(factor) {
    this.viewport.setZoom(this.viewport.zoom * factor);
  }

  up(e) {
    if (e.key === " ") this.pointer.setSpace(false);
  }

  /**
   * Arrow keys move the selection. A held key sends one `sticky.move` per
   * sticky when it is released (or pauses), not one per repeat.
   */
  nudge(dx, dy) {
    for (const id of this.scene.selection) {
      const s = this.scene.sticky(id);
      if (!s) continue;
      const at = this.scene.preview.get(id) || { x: s.x, y: s.y };
      this.scene.preview.set(id, { x: at.x + dx, y: at.y + dy });
    }
    this.scene.changed();
    clearTimeout(this.nudgeTimer);
    this.nudgeTimer = setTimeout(() => this.flushNudge(), 350);
  }

  flushNudge() {
    const moves = [];
    for (const id of this.scene.selection) {
      const p = this.scene.preview.get(id);
      if (p) moves.push({ id, x: p.x, y: p.y });
    }
    if (moves.length) this.actions.move(moves);
    for (const { id } of moves) this.scene.preview.delete(id);
    this.scene.changed();
  }
}
