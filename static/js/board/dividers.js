// @ts-check
// Pivotal events as chapter breaks: a vertical line through each pivotal
// event across the whole height of the board, drawn under the stickies, with
// the event's name at the top of the screen, so the timeline reads as
// chapters whatever part of it is in view.

import { font } from "./textlayout.js";
import { t } from "./i18n.js";

const LINE = "rgba(232, 89, 12, 0.55)";
const LABEL_INK = "#8a3c0a";
const LABEL_FILL = "rgba(255, 244, 230, 0.94)";
const LABEL_EDGE = "rgba(232, 89, 12, 0.45)";
// Screen pixels: the label's text size, its distance from the top of the
// screen (below the phase guide's edge), and the longest name shown whole.
const LABEL_PX = 11.5;
const LABEL_TOP = 10;
const MAX_CHARS = 32;

/** The dividers of a board: one per pivotal event, {id, x, label}, left to right. */
export function pivotalDividers(stickies) {
  return stickies
    .filter((s) => s.kind === "event" && s.pivotal)
    .map((s) => ({ id: s.id, x: s.x + s.width / 2, label: shorten((s.text || "").split("\n")[0].trim() || t("Pivotal event")) }))
    .sort((a, b) => a.x - b.x || (a.id < b.id ? -1 : 1));
}

function shorten(text) {
  return [...text].length > MAX_CHARS ? `${[...text].slice(0, MAX_CHARS - 1).join("")}…` : text;
}

/**
 * Draw `dividers` in board units. `screenTop` is the board's y at the top of
 * the screen; `avoid` ({left, right, bottom}, board units), a panel over the
 * top of the canvas that labels go below.
 */
export function drawDividers(ctx, dividers, { zoom, view, screenTop, avoid = null }) {
  if (!dividers.length) return;
  ctx.strokeStyle = LINE;
  ctx.lineWidth = Math.max(3, 2 / zoom);
  ctx.beginPath();
  for (const d of dividers) {
    if (d.x < view.x || d.x > view.x + view.width) continue;
    ctx.moveTo(d.x, view.y);
    ctx.lineTo(d.x, view.y + view.height);
  }
  ctx.stroke();
  if (zoom < 0.08) return;
  const size = LABEL_PX / zoom;
  const pad = 5 / zoom;
  const top = screenTop + LABEL_TOP / zoom;
  ctx.font = font(size, 600);
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  let lastRight = -Infinity;
  for (const d of dividers) {
    if (d.x < view.x || d.x > view.x + view.width) continue;
    const width = ctx.measureText(d.label).width + 2 * pad;
    const x = d.x + 4 / zoom;
    let y = top;
    if (avoid && x < avoid.right && x + width > avoid.left) y = Math.max(y, avoid.bottom + 8 / zoom);
    // Labels of dividers close together would overlap: the later one waits below.
    if (x < lastRight) y += size * 2.2;
    lastRight = Math.max(lastRight, x + width);
    ctx.fillStyle = LABEL_FILL;
    ctx.strokeStyle = LABEL_EDGE;
    ctx.lineWidth = 1 / zoom;
    ctx.beginPath();
    ctx.roundRect(x, y, width, size * 1.8, size * 0.5);
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = LABEL_INK;
    ctx.fillText(d.label, x + pad, y + size * 0.92);
  }
}
