// @ts-check
// Mouse, pen, touch and wheel on the canvas: pan, zoom, select, move, resize,
// draw links (a deliberate drag from a sticky's handle), and double-click to
// create or edit.
//
// One gesture at a time, kept in `this.gesture`. Moves are shown locally
// (scene.preview) and sent as ephemeral `drag` messages while the pointer
// moves; the drop sends one `sticky.move` per sticky. Moving a frame carries
// the stickies whose centre lies inside it, as people expect of a frame.

import { boxFrom } from "./geometry.js";
import { hitTest, inside, linkTarget } from "./hit.js";
import { isFrame } from "./kinds.js";

const DRAG_THRESHOLD = 4;
// A link starts only after this many screen pixels of drag from the handle:
// a press meant for a sticky that lands on a handle must not draw links.
const LINK_THRESHOLD = 12;
const MIN_SIZE = 40;

/** @typedef {{x: number, y: number}} Point */
/**
 * The gesture under way: `type` says which ("pan", "press", "drag", "band",
 * "resize", "link", "pinch", "none"), and which of the rest it uses.
 * @typedef {object} Gesture
 * @property {string} type
 * @property {string} [id] the sticky pressed, resized or linked from
 * @property {string} [from]
 * @property {string[]} [ids] the stickies dragged
 * @property {Map<string, Point>} [origins] where each dragged sticky started
 * @property {Point} [start]
 * @property {Point} [startWorld]
 * @property {Point} [last]
 * @property {boolean} [moved]
 * @property {boolean} [drawing]
 * @property {boolean} [add]
 * @property {boolean} [wasSelected]
 * @property {boolean} [toggled]
 * @property {Set<string>} [before]
 * @property {{width: number, height: number}} [origin]
 * @property {number} [distance] between the two fingers of a pinch
 * @property {Point} [mid] between the two fingers of a pinch
 */

export class PointerControl {
  constructor({ canvas, viewport, scene, actions, connection, editor, board }) {
    this.canvas = canvas;
    this.viewport = viewport;
    this.scene = scene;
    this.actions = actions;
    this.connection = connection;
    this.editor = editor;
    this.board = board;
    this.tool = "hand";
    this.space = false;
    /** @type {Gesture | null} */
    this.gesture = null;
    this.touches = new Map();
    this.lastPoint = null;
    this.createKind = "event";

    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    canvas.addEventListener("pointerup", (e) => this.up(e));
    canvas.addEventListener("pointercancel", (e) => this.cancel(e));
    canvas.addEventListener("pointerleave", () => this.leave());
    canvas.addEventListener("dblclick", (e) => this.doubleClick(e));
    canvas.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    canvas.addEventListener("contextmenu", (e) => e.preventDefault());
  }

  screen(e) {
    const rect = this.canvas.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  }

  world(e) {
    const s = this.screen(e);
    return this.viewport.toWorld(s.x, s.y);
  }

  /** Where new things go: under the pointer when it is on the board. */
  anchor() {
    if (this.lastPoint) return this.lastPoint;
    return this.viewport.toWorld(this.viewport.width / 2, this.viewport.height / 2);
  }

  setTool(tool) {
    this.tool = tool;
    this.updateCursor(null);
    this.board.dispatchEvent(new CustomEvent("toolchange", { detail: { tool } }));
  }

  setSpace(down) {
    this.space = down;
    this.updateCursor(null);
  }

  // -- pointer events -------------------------------------------------------

  down(e) {
    if (e.pointerType === "touch") {
      this.touches.set(e.pointerId, this.screen(e));
      if (this.touches.size === 2) {
        this.cancelGesture();
        this.gesture = { type: "pinch", ...this.pinchState() };
        return;
      }
    }
    if (this.editor.active) this.editor.commit();
    this.canvas.focus({ preventScroll: true });
    const screen = this.screen(e);
    const point = this.viewport.toWorld(screen.x, screen.y);
    this.canvas.setPointerCapture(e.pointerId);
    if (e.button === 1 || this.space || (e.button === 2)) {
      this.gesture = { type: "pan", last: screen, start: screen, moved: e.button !== 0 };
      this.updateCursor(null);
      return;
    }
    if (e.button !== 0) return;
    const z = this.viewport.zoom;
    const hit = hitTest(this.scene, point, z);
    const write = this.scene.canWrite;
    if (hit && hit.type === "resize" && write) {
      const s = this.scene.sticky(hit.id);
      this.gesture = { type: "resize", id: hit.id, start: point, origin: { width: s.width, height: s.height } };
      return;
    }
    if (hit && hit.type === "link-handle" && write) {
      this.gesture = { type: "link", from: hit.id, start: screen, drawing: false };
      return;
    }
    if (hit && hit.type === "link") {
      if (e.shiftKey) this.scene.selectLink(hit.id, { add: true });
      else this.scene.selectLink(hit.id);
      this.gesture = { type: "none" };
      return;
    }
    if (hit && hit.type === "sticky") {
      const wasSelected = this.scene.selection.has(hit.id);
      if (e.shiftKey || e.metaKey || e.ctrlKey) this.scene.toggle(hit.id);
      else if (!wasSelected) this.scene.select([hit.id]);
      this.gesture = {
        type: "press", id: hit.id, start: screen, startWorld: point, wasSelected,
        toggled: e.shiftKey || e.metaKey || e.ctrlKey,
      };
      return;
    }
    if (e.shiftKey || this.tool === "select") {
      this.gesture = { type: "band", start: point, add: e.shiftKey, before: new Set(this.scene.selection) };
      return;
    }
    this.gesture = { type: "pan", last: screen, start: screen, moved: false };
    this.updateCursor(null);
  }

  move(e) {
    if (e.pointerType === "touch" && this.touches.has(e.pointerId)) {
      this.touches.set(e.pointerId, this.screen(e));
      if (this.gesture && this.gesture.type === "pinch") {
        this.pinch();
        return;
      }
    }
    const screen = this.screen(e);
    const point = this.viewport.toWorld(screen.x, screen.y);
    this.lastPoint = point;
    const g = this.gesture;
    // While dragging, the drag messages say where the pointer is.
    if (!g || g.type !== "drag") this.connection.cursor(Math.round(point.x), Math.round(point.y));
    if (!g) {
      this.hover(point);
      return;
    }
    if (g.type === "pan") {
      this.viewport.panBy(screen.x - g.last.x, screen.y - g.last.y);
      g.last = screen;
      if (Math.hypot(screen.x - g.start.x, screen.y - g.start.y) > DRAG_THRESHOLD) g.moved = true;
    } else if (g.type === "press") {
      if (Math.hypot(screen.x - g.start.x, screen.y - g.start.y) > DRAG_THRESHOLD && this.scene.canWrite) {
        this.startDrag(g);
        this.drag(point);
      }
    } else if (g.type === "drag") {
      this.drag(point);
    } else if (g.type === "band") {
      this.scene.band = boxFrom(g.start, point);
      const found = inside(this.scene, this.scene.band);
      const ids = g.add ? [...g.before, ...found] : found;
      this.scene.select(ids);
    } else if (g.type === "resize") {
      const width = Math.max(MIN_SIZE, Math.round(g.origin.width + point.x - g.start.x));
      const height = Math.max(MIN_SIZE, Math.round(g.origin.height + point.y - g.start.y));
      this.scene.preview.set(g.id, { width, height });
      this.scene.changed();
    } else if (g.type === "link") {
      if (!g.drawing && Math.hypot(screen.x - g.start.x, screen.y - g.start.y) < LINK_THRESHOLD) return;
      g.drawing = true;
      this.scene.linkDraft = { from: g.from, point, target: linkTarget(this.scene, point, g.from) };
      this.scene.changed();
    }
  }

  up(e) {
    this.touches.delete(e.pointerId);
    const g = this.gesture;
    this.gesture = null;
    if (!g) return;
    if (g.type === "pinch") {
      return;
    }
    if (g.type === "pan") {
      if (!g.moved) this.scene.clearSelection();
    } else if (g.type === "press") {
      // A plain click on one of several selected stickies selects just it.
      if (!g.toggled && g.wasSelected && this.scene.selection.size > 1) this.scene.select([g.id]);
    } else if (g.type === "drag") {
      this.drop(g);
    } else if (g.type === "band") {
      this.scene.band = null;
      this.scene.changed();
    } else if (g.type === "resize") {
      const size = this.scene.preview.get(g.id);
      if (size) {
        const sticky = this.scene.sticky(g.id);
        this.actions.update(g.id, size, sticky.version);
        this.scene.preview.delete(g.id);
        this.scene.changed();
      }
    } else if (g.type === "link") {
      // A click or a short drag on the handle makes nothing.
      const target = g.drawing && this.scene.linkDraft && this.scene.linkDraft.target;
      this.scene.linkDraft = null;
      this.scene.changed();
      if (target) {
        this.actions.link(g.from, target);
      }
    }
    this.updateCursor(this.world(e));
    // Redraw: the selection toolbar hides during gestures and comes back now.
    this.scene.changed();
  }

  cancel(e) {
    this.touches.delete(e.pointerId);
    this.cancelGesture();
  }

  cancelGesture() {
    const g = this.gesture;
    this.gesture = null;
    if (!g) return;
    if (g.type === "drag" || g.type === "resize") {
      for (const id of g.ids || [g.id]) this.scene.preview.delete(id);
    }
    this.scene.band = null;
    this.scene.linkDraft = null;
    this.scene.changed();
  }

  leave() {
    if (!this.gesture && this.scene.hoverId) {
      this.scene.hoverId = null;
      this.scene.changed();
    }
    this.lastPoint = null;
  }

  hover(point) {
    const hit = hitTest(this.scene, point, this.viewport.zoom);
    let id = null;
    if (hit && (hit.type === "sticky" || hit.type === "link-handle" || hit.type === "resize")) id = hit.id;
    if (id !== this.scene.hoverId) {
      this.scene.hoverId = id;
      this.scene.changed();
    }
    this.updateCursor(point, hit);
  }

  updateCursor(point, hit = undefined) {
    let cursor = this.tool === "hand" ? "grab" : "default";
    if (this.space || (this.gesture && this.gesture.type === "pan")) {
      cursor = this.gesture && this.gesture.type === "pan" ? "grabbing" : "grab";
    } else if (point) {
      if (hit === undefined) hit = hitTest(this.scene, point, this.viewport.zoom);
      if (hit) {
        cursor = {
          resize: "nwse-resize", "link-handle": "crosshair", link: "pointer",
          sticky: this.scene.canWrite ? "move" : "pointer",
        }[hit.type] || cursor;
      }
    }
    this.canvas.style.cursor = cursor;
  }

  // -- moving stickies --------------------------------------------------------

  startDrag(g) {
    const ids = new Set(this.scene.selection);
    if (!ids.has(g.id)) ids.add(g.id);
    for (const id of [...ids]) {
      const s = this.scene.sticky(id);
      if (s && isFrame(s)) for (const inner of this.scene.contentsOf(id)) ids.add(inner);
    }
    const origins = new Map();
    for (const id of ids) {
      const s = this.scene.sticky(id);
      if (s) origins.set(id, { x: s.x, y: s.y });
    }
    Object.assign(g, { type: "drag", ids: [...origins.keys()], origins });
  }

  drag(point) {
    const g = this.gesture;
    const dx = point.x - g.startWorld.x;
    const dy = point.y - g.startWorld.y;
    for (const [id, o] of g.origins) {
      this.scene.preview.set(id, { x: Math.round(o.x + dx), y: Math.round(o.y + dy) });
    }
    // Others see the whole group move live: the connection sends the
    // positions of one tick as one frame; the drop commits the moves.
    for (const id of g.origins.keys()) {
      const p = this.scene.preview.get(id);
      if (p) this.connection.drag(id, p.x, p.y);
    }
    this.scene.changed();
  }

  drop(g) {
    const moves = [];
    for (const [id, o] of g.origins) {
      const p = this.scene.preview.get(id);
      if (p && (p.x !== o.x || p.y !== o.y)) moves.push({ id, x: p.x, y: p.y });
    }
    // Tracked as pending first, so nothing jumps back before the server answers.
    if (moves.length) this.actions.move(moves);
    for (const id of g.origins.keys()) this.scene.preview.delete(id);
    this.scene.changed();
  }

  // -- creating ---------------------------------------------------------------

  doubleClick(e) {
    const point = this.world(e);
    const hit = hitTest(this.scene, point, this.viewport.zoom, { handles: false });
    if (hit && hit.type === "sticky") {
      this.scene.select([hit.id]);
      if (this.scene.canWrite) this.editor.edit(hit.id);
      return;
    }
    if (hit || !this.scene.canWrite) return;
    this.editor.createAt(this.createKind, point);
  }

  // -- wheel and pinch ----------------------------------------------------------

  wheel(e) {
    e.preventDefault();
    const screen = this.screen(e);
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.viewport.height : 1;
    if (e.ctrlKey || e.metaKey) {
      // Trackpad pinches arrive as ctrl+wheel with small deltas; mouse wheels
      // with large ones: the exponential makes both feel right.
      const delta = Math.max(-50, Math.min(50, e.deltaY * unit));
      this.viewport.zoomAt(screen.x, screen.y, Math.exp(-delta * 0.01));
    } else {
      let dx = e.deltaX * unit;
      let dy = e.deltaY * unit;
      if (e.shiftKey && !dx) [dx, dy] = [dy, 0];
      this.viewport.panBy(-dx, -dy);
    }
  }

  pinchState() {
    const [a, b] = [...this.touches.values()];
    return { distance: Math.hypot(a.x - b.x, a.y - b.y), mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } };
  }

  pinch() {
    if (this.touches.size < 2) return;
    const now = this.pinchState();
    const g = this.gesture;
    this.viewport.panBy(now.mid.x - g.mid.x, now.mid.y - g.mid.y);
    if (g.distance > 0) this.viewport.zoomAt(now.mid.x, now.mid.y, now.distance / g.distance);
    g.distance = now.distance;
    g.mid = now.mid;
  }
}
