// @ts-check
// What is under a point of the board: a handle, a sticky, a link or a frame.
//
// Stickies are found before links and links before frames: frames lie behind
// everything and are picked only by their title bar or their border, so that
// the inside of a frame behaves like the background (pan, select, create).
// A frame's title tab is drawn above the notes, so it is found before them.
// Handles never reach over another note: a point over a note picks the note.

import { contains, distanceToSegment } from "./geometry.js";
import { isFrame } from "./kinds.js";
import { frameTitle, linkEnds, linkHandle, resizeHandle } from "./render.js";

export function frameTitleHeight(frame, z) {
  return Math.min(Math.max(48, 30 / z), frame.height / 2);
}

export function hitTest(scene, point, z, { handles = true } = {}) {
  if (handles && scene.canWrite) {
    const candidates = [];
    if (scene.selection.size === 1) candidates.push(scene.sticky([...scene.selection][0]));
    if (scene.hoverId) candidates.push(scene.sticky(scene.hoverId));
    for (const s of candidates) {
      if (!s) continue;
      if (scene.selection.size === 1 && scene.selection.has(s.id)) {
        const r = resizeHandle(s, z);
        const slack = 4 / z;
        if (
          point.x >= r.x - slack && point.x <= r.x + r.width + slack &&
          point.y >= r.y - slack && point.y <= r.y + r.height + slack &&
          !noteAt(scene, point, s.id)
        ) return { type: "resize", id: s.id };
      }
      const h = linkHandle(s, z, scene);
      if (h.r && Math.hypot(point.x - h.x, point.y - h.y) <= h.reach && !noteAt(scene, point)) {
        return { type: "link-handle", id: s.id };
      }
    }
  }
  const { frames, notes } = scene.ordered();
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = scene.sticky(frames[i]);
    if (!f || !contains(f, point)) continue;
    const title = frameTitle(f, z);
    if (title && contains(title.box, point)) return { type: "sticky", id: f.id, frame: true };
  }
  // Selected stickies are drawn on top (render.js), so they are hit first.
  for (const id of scene.selection) {
    const s = scene.sticky(id);
    if (s && !isFrame(s) && contains(s, point)) return { type: "sticky", id };
  }
  for (let i = notes.length - 1; i >= 0; i--) {
    const s = scene.sticky(notes[i]);
    if (s && contains(s, point)) return { type: "sticky", id: s.id };
  }
  const reach = 7 / z;
  for (const link of scene.links()) {
    const a = scene.sticky(link.from);
    const b = scene.sticky(link.to);
    if (!a || !b) continue;
    const [p, q] = linkEnds(a, b);
    if (distanceToSegment(point, p, q) <= reach) return { type: "link", id: link.id };
  }
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = scene.sticky(frames[i]);
    if (!f || !contains({ x: f.x - reach, y: f.y - reach, width: f.width + 2 * reach, height: f.height + 2 * reach }, point)) continue;
    const inTitle = point.y <= f.y + frameTitleHeight(f, z);
    const onBorder =
      point.x - f.x <= reach || f.x + f.width - point.x <= reach ||
      point.y - f.y <= reach || f.y + f.height - point.y <= reach;
    if (inTitle || onBorder) return { type: "sticky", id: f.id, frame: true };
  }
  return null;
}

/** Whether a note other than `except` lies under `point`. */
function noteAt(scene, point, except = null) {
  for (const id of scene.ordered().notes) {
    if (id === except) continue;
    const s = scene.sticky(id);
    if (s && contains(s, point)) return true;
  }
  return false;
}

/** Stickies lying wholly inside `box` (a rubber band). */
export function inside(scene, box) {
  const { frames, notes } = scene.ordered();
  const found = [];
  for (const id of [...frames, ...notes]) {
    const s = scene.sticky(id);
    if (
      s && s.x >= box.x && s.y >= box.y &&
      s.x + s.width <= box.x + box.width && s.y + s.height <= box.y + box.height
    ) found.push(id);
  }
  return found;
}

/** The sticky a link being drawn would end on: the topmost under `point`. */
export function linkTarget(scene, point, from) {
  const { frames, notes } = scene.ordered();
  for (const list of [notes, frames]) {
    for (let i = list.length - 1; i >= 0; i--) {
      const s = scene.sticky(list[i]);
      if (s && s.id !== from && contains(s, point)) return s.id;
    }
  }
  return null;
}
