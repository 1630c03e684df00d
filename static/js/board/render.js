// @ts-check
// Draws the board on a <canvas>: frames, then stickies, then links, then the
// frames' titles (so that nothing in a frame hides its name), then the
// selection and whatever is being dragged.
//
// Why a canvas: a board of thousands of stickies pans and zooms at full frame
// rate when each frame only draws what is on screen, and text drawn through a
// scaled 2D context is rasterised at the final size, so it stays crisp at any
// zoom. Drawing happens at most once per animation frame, only when something
// changed. Each frame's cost is recorded in `stats` (see perf.js).

import { centre, edgePoint, intersects } from "./geometry.js";
import { kindOf } from "./kinds.js";
import { FONT_FAMILY, MONO_FAMILY, font, layout } from "./textlayout.js";
import { format, t } from "./i18n.js";

const INK = "#1f2430";
const SOFT_INK = "rgba(31, 36, 48, 0.6)";
const SELECT = "#1c7ed6";
const LINK = "#5b6272";
// Below this many screen pixels, text is drawn as grey bars: unreadable anyway,
// and bars cost a fraction of it.
const MIN_TEXT_PX = 4.5;
const PAD = 10;
const TAG_HEIGHT = 18;
// Below this zoom, stickies are drawn as plain patches of their colour.
const FAR = 0.1;

// Handle sizes in screen pixels at full size; `slack` widens what a press hits.
export const HANDLE = { resize: 9, link: 7, linkOffset: 18, slack: 5 };
// Below this many screen pixels of radius a link handle is not worth showing.
const MIN_HANDLE_PX = 1.5;

export class Renderer {
  constructor(canvas, { scene, viewport, stage }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d", { alpha: false });
    this.scene = scene;
    this.viewport = viewport;
    this.stage = stage;
    this.dpr = 1;
    this.scheduled = false;
    this.stats = { draws: [], visible: 0, total: 0 };
    this.members = new Map();
    this.onDraw = null;
    // What features draw besides the stickies (see features.js), in board
    // coordinates, each `(ctx, {zoom, view})`: `under` after the frames and
    // before the notes (lanes, dividers), `over` after the links (badges,
    // suggested links), `top` last (spotlights).
    this.layers = { under: [], over: [], top: [] };
  }

  /** Add a feature's drawing to a layer; returns the function that removes it. */
  addLayer(name, draw) {
    this.layers[name].push(draw);
    this.request();
    return () => {
      this.layers[name] = this.layers[name].filter((d) => d !== draw);
      this.request();
    };
  }

  #drawLayer(name, info) {
    for (const draw of this.layers[name]) {
      this.ctx.save();
      draw(this.ctx, info);
      this.ctx.restore();
    }
  }

  resize() {
    const rect = this.stage.getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(rect.width * this.dpr);
    this.canvas.height = Math.round(rect.height * this.dpr);
    this.viewport.resize(rect.width, rect.height);
    this.request();
  }

  request() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  draw() {
    const started = performance.now();
    const { ctx, viewport: vp, scene } = this;
    const z = vp.zoom;
    const dpr = this.dpr;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#f6f7f9";
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.drawGrid();
    ctx.setTransform(dpr * z, 0, 0, dpr * z, -vp.x * z * dpr, -vp.y * z * dpr);

    const view = vp.visible(40);
    const { frames, notes } = scene.ordered();
    let visible = 0;
    for (const id of frames) {
      const s = scene.sticky(id);
      if (s && intersects(s, view)) {
        this.drawFrame(s, z);
        visible++;
      }
    }
    const info = { zoom: z, view };
    this.#drawLayer("under", info);
    if (z < FAR) {
      visible += this.drawFar(notes, view);
    } else {
      // What the user holds or moves is drawn last, on top of its neighbours.
      const above = [];
      for (const id of notes) {
        const s = scene.sticky(id);
        if (!s || !intersects(s, view)) continue;
        visible++;
        if (scene.selection.has(id) || scene.preview.has(id) || scene.remoteDrags.has(id)) above.push(s);
        else this.drawSticky(s, z);
      }
      for (const s of above) this.drawSticky(s, z);
    }
    if (scene.draft) this.drawSticky(scene.draft, z);
    this.drawLinks(view, z);
    // Titles after the notes and links: what sits in a frame never hides its name.
    for (const id of frames) {
      const s = scene.sticky(id);
      if (s && intersects(s, view)) this.drawFrameTitle(s, z);
    }
    this.#drawLayer("over", info);
    this.drawRemoteDrags(z);
    this.drawSelection(z);
    this.drawBand(z);
    this.drawLinkDraft(z);
    this.#drawLayer("top", info);

    this.stats.visible = visible;
    this.stats.total = frames.length + notes.length;
    const spent = performance.now() - started;
    this.stats.draws.push(spent);
    if (this.stats.draws.length > 1200) this.stats.draws.splice(0, 600);
    if (this.onDraw) this.onDraw();
  }

  /**
   * From far away a sticky is a patch of colour: one path per colour draws
   * them all, instead of one call (and one change of fill) per sticky.
   */
  drawFar(notes, view) {
    const { ctx, scene } = this;
    const byColour = new Map();
    let visible = 0;
    for (const id of notes) {
      const s = scene.sticky(id);
      if (!s || !intersects(s, view)) continue;
      const fill = kindOf(s.kind).fill;
      let path = byColour.get(fill);
      if (!path) byColour.set(fill, (path = new Path2D()));
      path.rect(s.x, s.y, s.width, s.height);
      visible++;
    }
    for (const [fill, path] of byColour) {
      ctx.fillStyle = fill;
      ctx.fill(path);
    }
    return visible;
  }

  // A dot grid, spaced so that dots never crowd when zoomed out.
  drawGrid() {
    const { ctx, viewport: vp, dpr } = this;
    let step = 32;
    while (step * vp.zoom < 16) step *= 4;
    const px = step * vp.zoom * dpr;
    const offX = (-vp.x * vp.zoom * dpr) % px;
    const offY = (-vp.y * vp.zoom * dpr) % px;
    const size = Math.max(1, Math.round(1.5 * dpr));
    ctx.fillStyle = "#d5d9e0";
    for (let x = offX; x < this.canvas.width; x += px) {
      for (let y = offY; y < this.canvas.height; y += px) {
        ctx.fillRect(x, y, size, size);
      }
    }
  }

  drawFrame(s, z) {
    const { ctx } = this;
    const k = kindOf(s.kind);
    ctx.globalAlpha = s.kind === "context" ? 0.55 : 0.75;
    ctx.fillStyle = k.fill;
    ctx.beginPath();
    ctx.roundRect(s.x, s.y, s.width, s.height, 12);
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.lineWidth = Math.max(2, 1.5 / z);
    ctx.strokeStyle = k.edge;
    // Dashes cost much to draw; from afar they would not show anyway.
    if (s.kind === "context" && z >= FAR) ctx.setLineDash([14, 8]);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  /** A frame's name on a tab of its colour, drawn above everything in it. */
  drawFrameTitle(s, z) {
    const title = frameTitle(s, z);
    if (!title) return;
    const { ctx } = this;
    const k = kindOf(s.kind);
    const { box, size } = title;
    ctx.fillStyle = k.fill;
    ctx.strokeStyle = k.edge;
    ctx.lineWidth = 1 / z;
    ctx.beginPath();
    ctx.roundRect(box.x, box.y, box.width, box.height, Math.min(8, size * 0.3));
    ctx.fill();
    ctx.stroke();
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    if (title.tag) {
      ctx.fillStyle = SOFT_INK;
      ctx.font = font(size * 0.55, 700);
      ctx.fillText(title.tag, title.x, title.tagY);
    }
    if (s.id !== this.scene.editingId) {
      ctx.fillStyle = INK;
      ctx.font = font(size, 700);
      ctx.fillText(title.text, title.x, title.top);
    }
  }

  drawSticky(s, z) {
    const { ctx } = this;
    const k = kindOf(s.kind);
    const tilted = s.kind === "hotspot";
    if (tilted) {
      const c = centre(s);
      ctx.save();
      ctx.translate(c.x, c.y);
      ctx.rotate(-0.035);
      ctx.translate(-c.x, -c.y);
    }
    if (z > 0.25) {
      ctx.fillStyle = "rgba(20, 25, 40, 0.10)";
      ctx.fillRect(s.x + 1, s.y + 3, s.width, s.height);
    }
    ctx.fillStyle = k.fill;
    ctx.fillRect(s.x, s.y, s.width, s.height);
    if (s.pivotal) {
      ctx.fillStyle = k.edge;
      ctx.fillRect(s.x + s.width - 8, s.y, 8, s.height);
    }
    if (z * 9 >= MIN_TEXT_PX) {
      ctx.fillStyle = SOFT_INK;
      ctx.font = font(9, 700);
      ctx.textBaseline = "top";
      ctx.textAlign = "left";
      ctx.fillText(s.pivotal ? format(t("%(tag)s · PIVOTAL"), { tag: k.tag }) : k.tag, s.x + PAD, s.y + 7);
    }
    if (s.id !== this.scene.editingId) this.drawText(s, z);
    const count = this.scene.voteCount(s.id);
    if (count && z > 0.2) {
      const r = 11;
      const cx = s.x + s.width - r - 6;
      const cy = s.y + r + 5;
      ctx.fillStyle = "#e8590c";
      ctx.beginPath();
      ctx.arc(cx, cy, r, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = "#fff";
      ctx.font = font(12, 700);
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(String(count), cx, cy + 0.5);
    }
    if (tilted) ctx.restore();
  }

  /**
   * Lay out the text of every sticky in idle moments, a slice at a time, so
   * that zooming out over a big board finds the layouts ready.
   */
  warm() {
    const ids = [...this.scene.ordered().notes];
    const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 50));
    const step = () => {
      for (const id of ids.splice(0, 150)) {
        const s = this.scene.sticky(id);
        if (s) textBox(s);
      }
      if (ids.length) idle(step);
    };
    idle(step);
  }

  drawText(s, z) {
    const { ctx } = this;
    const fields = Array.isArray(s.fields) ? s.fields : [];
    const box = textBox(s);
    if (!box) return;
    const { text, innerWidth, innerHeight, weight } = box;
    const top = s.y + TAG_HEIGHT + (innerHeight - text.lines.length * text.lineHeight) / 2;
    const midX = s.x + PAD + innerWidth / 2;
    if (text.size * z < MIN_TEXT_PX) {
      // Bars thinner than a pixel cost as much as any and show nothing.
      if (text.size * z < 1.5) return;
      ctx.fillStyle = "rgba(31, 36, 48, 0.25)";
      text.lines.forEach((line, i) => {
        const w = Math.min(innerWidth, line.length * text.size * 0.5);
        ctx.fillRect(midX - w / 2, top + i * text.lineHeight + text.size * 0.2, w, text.size * 0.6);
      });
      return;
    }
    ctx.fillStyle = INK;
    ctx.font = font(text.size, weight);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    text.lines.forEach((line, i) => ctx.fillText(line, midX, top + i * text.lineHeight));
    if (fields.length && 11 * z >= MIN_TEXT_PX) {
      ctx.textAlign = "left";
      ctx.font = `500 10.5px ${MONO_FAMILY}`;
      ctx.fillStyle = SOFT_INK;
      const y0 = s.y + s.height - PAD - Math.min(fields.length, 4) * 13;
      fields.slice(0, 4).forEach((f, i) => {
        const label = i === 3 && fields.length > 4 ? format(t("+%(count)s more"), { count: fields.length - 3 }) : fieldLabel(f);
        ctx.fillText(fitLine(ctx, label, innerWidth), s.x + PAD, y0 + i * 13);
      });
    }
  }

  drawLinks(view, z) {
    const { ctx, scene } = this;
    // From afar, arrows would be a mesh hiding the stickies: left out.
    if (z < 0.12) return;
    const head = Math.min(Math.max(12, 9 / z), 40);
    for (const link of scene.links()) {
      const a = scene.sticky(link.from);
      const b = scene.sticky(link.to);
      if (!a || !b) continue;
      const box = {
        x: Math.min(a.x, b.x), y: Math.min(a.y, b.y),
        width: Math.max(a.x + a.width, b.x + b.width) - Math.min(a.x, b.x),
        height: Math.max(a.y + a.height, b.y + b.height) - Math.min(a.y, b.y),
      };
      if (!intersects(box, view)) continue;
      const selected = scene.selectedLinks.has(link.id);
      const [p, q] = linkEnds(a, b);
      drawArrow(ctx, p, q, head, selected ? SELECT : LINK, selected ? Math.max(3, 2.5 / z) : Math.max(2, 1.25 / z));
    }
  }

  /**
   * Other people's live drags: an outline per sticky, and one name tag per
   * person, on the corner of all they move (a group moves under one name).
   */
  drawRemoteDrags(z) {
    const { ctx, scene } = this;
    const groups = new Map();
    for (const [id, drag] of scene.remoteDrags) {
      const s = scene.sticky(id);
      if (!s) continue;
      const colour = drag.color || "#868e96";
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2.5 / z;
      ctx.strokeRect(s.x - 3 / z, s.y - 3 / z, s.width + 6 / z, s.height + 6 / z);
      const group = groups.get(drag.member || id);
      if (!group) groups.set(drag.member || id, { x: s.x, y: s.y, name: drag.name, colour });
      else Object.assign(group, { x: Math.min(group.x, s.x), y: Math.min(group.y, s.y) });
    }
    for (const { x, y, name, colour } of groups.values()) {
      if (name) label(ctx, name, x - 3 / z, y - 6 / z, colour, z);
    }
  }

  drawSelection(z) {
    const { ctx, scene } = this;
    ctx.lineWidth = 2 / z;
    ctx.strokeStyle = SELECT;
    const hover = scene.hoverId && !scene.selection.has(scene.hoverId) ? scene.sticky(scene.hoverId) : null;
    if (hover) {
      ctx.globalAlpha = 0.45;
      ctx.strokeRect(hover.x - 2 / z, hover.y - 2 / z, hover.width + 4 / z, hover.height + 4 / z);
      ctx.globalAlpha = 1;
    }
    for (const id of scene.selection) {
      const s = scene.sticky(id);
      if (s) ctx.strokeRect(s.x - 2 / z, s.y - 2 / z, s.width + 4 / z, s.height + 4 / z);
    }
    if (!scene.canWrite) return;
    const single = scene.selection.size === 1 ? scene.sticky([...scene.selection][0]) : null;
    for (const s of [single, hover]) {
      if (!s || scene.editingId === s.id) continue;
      const h = linkHandle(s, z, scene);
      if (!h.r) continue;
      ctx.fillStyle = "#fff";
      ctx.strokeStyle = SELECT;
      ctx.lineWidth = Math.min(2 / z, h.r * 0.4);
      ctx.beginPath();
      ctx.arc(h.x, h.y, h.r, 0, Math.PI * 2);
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = SELECT;
      ctx.beginPath();
      ctx.arc(h.x, h.y, h.r * 0.36, 0, Math.PI * 2);
      ctx.fill();
    }
    if (single) {
      const r = resizeHandle(single, z);
      ctx.fillStyle = "#fff";
      ctx.fillRect(r.x, r.y, r.width, r.height);
      ctx.strokeRect(r.x, r.y, r.width, r.height);
    }
  }

  drawBand(z) {
    const band = this.scene.band;
    if (!band) return;
    const { ctx } = this;
    ctx.fillStyle = "rgba(28, 126, 214, 0.08)";
    ctx.fillRect(band.x, band.y, band.width, band.height);
    ctx.strokeStyle = SELECT;
    ctx.lineWidth = 1 / z;
    ctx.strokeRect(band.x, band.y, band.width, band.height);
  }

  drawLinkDraft(z) {
    const draft = this.scene.linkDraft;
    if (!draft) return;
    const { ctx, scene } = this;
    const from = scene.sticky(draft.from);
    if (!from) return;
    const target = draft.target ? scene.sticky(draft.target) : null;
    if (target) {
      ctx.strokeStyle = SELECT;
      ctx.lineWidth = 3 / z;
      ctx.strokeRect(target.x - 3 / z, target.y - 3 / z, target.width + 6 / z, target.height + 6 / z);
    }
    const [p, q] = target ? linkEnds(from, target) : [edgePoint(from, draft.point), draft.point];
    ctx.setLineDash([8 / z, 6 / z]);
    drawArrow(ctx, p, q, Math.max(12, 9 / z), SELECT, 2 / z);
    ctx.setLineDash([]);
  }
}

/** Where a sticky's text goes and its layout; null when there is none. */
function textBox(s) {
  const fields = Array.isArray(s.fields) ? s.fields : [];
  const innerWidth = s.width - 2 * PAD - (s.pivotal ? 8 : 0);
  const fieldSpace = fields.length ? Math.min(fields.length, 4) * 13 + 8 : 0;
  const innerHeight = s.height - TAG_HEIGHT - PAD - fieldSpace;
  if (innerWidth <= 4 || innerHeight <= 4 || (!s.text && !fields.length)) return null;
  const weight = s.pivotal ? 700 : 500;
  return { text: layout(s.text || "", innerWidth, innerHeight, weight), innerWidth, innerHeight, weight };
}

function fieldLabel(field) {
  if (typeof field === "string") return field;
  return field.type ? `${field.name}: ${field.type}` : field.name;
}

function fitLine(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let cut = text.length;
  while (cut > 1 && ctx.measureText(`${text.slice(0, cut)}…`).width > width) cut--;
  return `${text.slice(0, cut)}…`;
}

function label(ctx, text, x, y, colour, z) {
  ctx.save();
  ctx.font = `600 ${12 / z}px ${FONT_FAMILY}`;
  const w = ctx.measureText(text).width + 10 / z;
  const h = 18 / z;
  ctx.fillStyle = colour;
  ctx.fillRect(x, y - h, w, h);
  ctx.fillStyle = "#fff";
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  ctx.fillText(text, x + 5 / z, y - h / 2);
  ctx.restore();
}

/** An arrow from p to q with a filled head; `dash` ([on, off]) dashes its line. */
export function drawArrow(ctx, p, q, head, colour, width, dash = null) {
  const angle = Math.atan2(q.y - p.y, q.x - p.x);
  const base = { x: q.x - Math.cos(angle) * head * 0.8, y: q.y - Math.sin(angle) * head * 0.8 };
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  if (dash) ctx.setLineDash(dash);
  ctx.beginPath();
  ctx.moveTo(p.x, p.y);
  ctx.lineTo(base.x, base.y);
  ctx.stroke();
  if (dash) ctx.setLineDash([]);
  ctx.fillStyle = colour;
  ctx.beginPath();
  ctx.moveTo(q.x, q.y);
  ctx.lineTo(q.x - head * Math.cos(angle - 0.45), q.y - head * Math.sin(angle - 0.45));
  ctx.lineTo(q.x - head * Math.cos(angle + 0.45), q.y - head * Math.sin(angle + 0.45));
  ctx.closePath();
  ctx.fill();
}

/** The two points a link's arrow runs between: where it leaves each box. */
export function linkEnds(a, b) {
  return [edgePoint(a, centre(b)), edgePoint(b, centre(a))];
}

/**
 * How big handles are at zoom `z`, as a share of their full size on screen:
 * full from 60% up; further out they shrink with the stickies (to 40%), so
 * that over a packed timeline a handle fits between two stickies instead of
 * lying on the next one.
 */
export function handleScale(z) {
  return Math.min(1, Math.max(0.4, z / 0.6));
}

/**
 * The link handle of sticky `s`: a disc beside its right edge, {x, y, r} and
 * `reach` (the radius a press hits), in board units. Given the scene, a note
 * nearer than that puts the handle in the gap, shrunk to fit it; r = 0 means
 * there is no room for one (the L key still links).
 */
export function linkHandle(s, z, scene = null) {
  const k = handleScale(z);
  const right = s.x + s.width;
  const y = s.y + s.height / 2;
  let r = (HANDLE.link * k) / z;
  let x = right + (HANDLE.linkOffset * k) / z;
  const room = scene ? roomRight(scene, s, y, r, x + r) : Infinity;
  if (room < x + r - right) {
    x = right + room / 2;
    r = Math.min(r, room / 2);
    if (r * z < MIN_HANDLE_PX) r = 0;
  }
  return { x, y, r, reach: r && r + (HANDLE.slack * k) / z };
}

/** Free board right of `s`'s edge, around height y ± r, up to `limit`. */
function roomRight(scene, s, y, r, limit) {
  const right = s.x + s.width;
  let room = Infinity;
  for (const id of scene.ordered().notes) {
    if (id === s.id) continue;
    const o = scene.sticky(id);
    if (!o || o.x > limit || o.x + o.width <= right || o.y > y + r || o.y + o.height < y - r) continue;
    room = Math.min(room, Math.max(0, o.x - right));
  }
  return room;
}

/**
 * Where a frame's name goes at zoom `z` (board units), or null when it would
 * be too small to read: the tag (above 30%), the first line of its text, and
 * the tab behind both. The name grows as the frame shrinks on screen.
 */
export function frameTitle(s, z) {
  const size = Math.min(Math.max(20, 13 / z), s.height / 4);
  if (size * z < MIN_TEXT_PX) return null;
  const ctx = measurer();
  ctx.font = font(size, 700);
  const first = s.text.split("\n")[0] || (s.text ? "" : "(unnamed)");
  const text = fitLine(ctx, first, s.width - 28);
  let width = ctx.measureText(text).width;
  const tag = z > 0.3 ? kindOf(s.kind).tag : null;
  if (tag) {
    ctx.font = font(size * 0.55, 700);
    width = Math.max(width, ctx.measureText(tag).width);
  }
  const top = tag ? s.y + 12 + size * 0.7 : s.y + 10;
  const pad = Math.min(8, size * 0.3);
  const box = {
    x: s.x + 14 - pad,
    y: s.y + 10 - pad * 0.75,
    width: Math.min(width + 2 * pad, s.width - 28 + 2 * pad),
    height: top + size * 1.15 - s.y - 10 + pad * 1.5,
  };
  return { size, tag, text, x: s.x + 14, tagY: s.y + 10, top, box };
}

let measuring = null;
function measurer() {
  measuring ||= document.createElement("canvas").getContext("2d");
  return measuring;
}

export function resizeHandle(s, z) {
  const size = (HANDLE.resize * handleScale(z)) / z;
  return { x: s.x + s.width - size / 2, y: s.y + s.height - size / 2, width: size, height: size };
}
