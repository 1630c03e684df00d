// @ts-check
// The overview in the corner: every sticky as a dot of its colour, the part
// on screen as a rectangle. Click or drag on it to go there.
//
// The stickies are painted into an offscreen bitmap at most a few times a
// second (after board changes); moving the view only redraws the rectangle.

import { bounds } from "./geometry.js";
import { kindOf } from "./kinds.js";

const REPAINT_MS = 250;

export class Minimap {
  constructor(canvas, { scene, viewport }) {
    this.canvas = canvas;
    this.scene = scene;
    this.viewport = viewport;
    this.ctx = canvas.getContext("2d");
    this.dpr = window.devicePixelRatio || 1;
    this.cssWidth = canvas.width;
    this.cssHeight = canvas.height;
    canvas.width = this.cssWidth * this.dpr;
    canvas.height = this.cssHeight * this.dpr;
    this.bitmap = document.createElement("canvas");
    this.bitmap.width = canvas.width;
    this.bitmap.height = canvas.height;
    this.world = null;
    this.timer = null;
    this.dirty = true;
    viewport.addEventListener("change", () => this.draw());
    let dragging = false;
    canvas.addEventListener("pointerdown", (e) => {
      dragging = true;
      canvas.setPointerCapture(e.pointerId);
      this.go(e);
    });
    canvas.addEventListener("pointermove", (e) => dragging && this.go(e));
    canvas.addEventListener("pointerup", () => (dragging = false));
  }

  schedule() {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.paint();
      this.draw();
    }, REPAINT_MS);
  }

  /** The board area the map shows: all stickies and the view, with a margin. */
  area() {
    const { frames, notes } = this.scene.ordered();
    const boxes = [];
    for (const id of frames) boxes.push(this.scene.sticky(id));
    for (const id of notes) boxes.push(this.scene.sticky(id));
    const content = bounds(boxes.filter(Boolean)) || { x: -500, y: -300, width: 1000, height: 600 };
    const margin = 200;
    return { x: content.x - margin, y: content.y - margin, width: content.width + 2 * margin, height: content.height + 2 * margin };
  }

  paint() {
    this.dirty = false;
    const area = this.area();
    const w = this.bitmap.width;
    const h = this.bitmap.height;
    const scale = Math.min(w / area.width, h / area.height);
    this.world = { ...area, scale, ox: (w - area.width * scale) / 2, oy: (h - area.height * scale) / 2 };
    const ctx = this.bitmap.getContext("2d");
    ctx.clearRect(0, 0, w, h);
    const { frames, notes } = this.scene.ordered();
    for (const list of [frames, notes]) {
      for (const id of list) {
        const s = this.scene.sticky(id);
        if (!s) continue;
        const k = kindOf(s.kind);
        ctx.fillStyle = k.frame ? k.fill : k.edge;
        const p = this.project(s.x, s.y);
        ctx.fillRect(p.x, p.y, Math.max(1.5, s.width * scale), Math.max(1.5, s.height * scale));
      }
    }
  }

  project(x, y) {
    const m = this.world;
    return { x: m.ox + (x - m.x) * m.scale, y: m.oy + (y - m.y) * m.scale };
  }

  draw() {
    if (!this.world || this.dirty) this.paint();
    const { ctx } = this;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(this.bitmap, 0, 0);
    const view = this.viewport.visible();
    const p = this.project(view.x, view.y);
    ctx.strokeStyle = "#1c7ed6";
    ctx.lineWidth = 1.5 * this.dpr;
    ctx.fillStyle = "rgba(28, 126, 214, 0.08)";
    const w = view.width * this.world.scale;
    const h = view.height * this.world.scale;
    ctx.fillRect(p.x, p.y, w, h);
    ctx.strokeRect(p.x, p.y, w, h);
  }

  go(e) {
    if (!this.world) return;
    const rect = this.canvas.getBoundingClientRect();
    const px = ((e.clientX - rect.left) / rect.width) * this.canvas.width;
    const py = ((e.clientY - rect.top) / rect.height) * this.canvas.height;
    const m = this.world;
    this.viewport.centreOn(m.x + (px - m.ox) / m.scale, m.y + (py - m.oy) / m.scale);
  }
}
