// Keyboard shortcuts for the board (see the help dialog for the list).
//
// Shortcuts act only when the focus is not in a text field, a select or an
// open dialog, so typing is never hijacked. Ctrl and Cmd are the same key.

import { KINDS } from "./kinds.js";

const NUDGE = 10;
const NUDGE_FAR = 80;

export class Keyboard {
  constructor({ board, canvas, scene, viewport, actions, pointer, editor, clipboard, commands }) {
    Object.assign(this, { board, canvas, scene, viewport, actions, pointer, editor, clipboard, commands });
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

  down(e) {
    if (!this.ours(e.target)) return;
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key;
    const write = this.scene.canWrite;
    const lower = key.length === 1 ? key.toLowerCase() : key;

    if (key === " " && !mod) {
      // Space held: the pointer pans. Buttons keep their own Space.
      if (e.target instanceof HTMLButtonElement) return;
      e.preventDefault();
      if (!e.repeat) this.pointer.setSpace(true);
      return;
    }
    if (mod && lower === "z") {
      e.preventDefault();
      if (write) (e.shiftKey ? this.actions.redo() : this.actions.undo());
      return;
    }
    if (mod && lower === "y") {
      e.preventDefault();
      if (write) this.actions.redo();
      return;
    }
    if (mod && lower === "a") {
      e.preventDefault();
      const { frames, notes } = this.scene.ordered();
      this.scene.select([...frames, ...notes]);
      return;
    }
    if (mod && lower === "d") {
      e.preventDefault();
      if (write) this.clipboard.duplicate();
      return;
    }
    if (mod && lower === "v") {
      // The paste event normally follows and does the work; without one
      // (no clipboard access), paste what was copied here.
      this.pasted = false;
      setTimeout(() => {
        if (!this.pasted && write) this.clipboard.paste();
      }, 60);
      return;
    }
    if (mod && (lower === "c" || lower === "x")) {
      // The copy/cut events do the work; make sure they have something to do.
      if (!this.scene.selection.size) return;
      this.copied = false;
      setTimeout(() => {
        if (this.copied) return;
        this.clipboard.copy();
        if (lower === "x" && write) this.commands.deleteSelection();
      }, 60);
      return;
    }
    if (mod && (key === "=" || key === "+")) {
      e.preventDefault();
      this.viewport.setZoom(this.viewport.zoom * 1.25);
      return;
    }
    if (mod && key === "-") {
      e.preventDefault();
      this.viewport.setZoom(this.viewport.zoom / 1.25);
      return;
    }
    if (mod && key === "0") {
      e.preventDefault();
      this.viewport.setZoom(1);
      return;
    }
    if (mod || e.altKey) return;

    if (key === "Delete" || key === "Backspace") {
      e.preventDefault();
      if (write) this.commands.deleteSelection();
    } else if (key === "Escape") {
      this.pointer.cancelGesture();
      this.scene.clearSelection();
    } else if (key === "Enter" || key === "F2") {
      e.preventDefault();
      const [id] = this.scene.selection;
      if (id && this.scene.selection.size === 1 && write) this.editor.edit(id);
      else if (!id) this.commands.cycle(1);
    } else if (e.code === "Digit1" && e.shiftKey) {
      this.commands.fit();
    } else if (/^[1-9]$/.test(key) && write) {
      e.preventDefault();
      const kind = KINDS[Number(key) - 1].kind;
      this.editor.createAt(kind, this.pointer.anchor());
    } else if (key === "+" || key === "=") {
      this.viewport.setZoom(this.viewport.zoom * 1.25);
    } else if (key === "-" || key === "_") {
      this.viewport.setZoom(this.viewport.zoom / 1.25);
    } else if (key === "0") {
      this.viewport.setZoom(1);
    } else if (key === "]") {
      this.commands.cycle(1);
    } else if (key === "[") {
      this.commands.cycle(-1);
    } else if (lower === "h") {
      this.pointer.setTool("hand");
    } else if (lower === "v") {
      this.pointer.setTool("select");
    } else if (lower === "i") {
      // Not typed into the details panel that takes the focus.
      e.preventDefault();
      this.commands.details();
    } else if (lower === "l" && write) {
      this.commands.linkSelected();
    } else if (key === "?") {
      this.commands.help();
    } else if (key.startsWith("Arrow")) {
      e.preventDefault();
      const step = e.shiftKey ? NUDGE_FAR : NUDGE;
      const dx = key === "ArrowLeft" ? -step : key === "ArrowRight" ? step : 0;
      const dy = key === "ArrowUp" ? -step : key === "ArrowDown" ? step : 0;
      if (this.scene.selection.size && write) this.nudge(dx, dy);
      else this.viewport.panBy(-dx * 4, -dy * 4);
    }
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
