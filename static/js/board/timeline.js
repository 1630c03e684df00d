// @ts-check
// Where stickies go when the group lines them up: align and distribute a
// selection, and tidy the timeline (events left to right in their order,
// evenly spaced, one row per swimlane). Pure functions of plain boxes
// ({id, kind, x, y, width, height}, board units, x/y the top-left corner):
// each returns the moves [{id, x, y}] to make, only for what changes, so the
// page sends them as one batch (one undo step).

import { bounds, centre, contains, intersects } from "./geometry.js";

// Board units between two events of a tidied row.
export const GAP = 40;
// A sticky this close above or below an event (or a sticky stacked on it) is
// part of that event's column and moves with it.
export const STACK_GAP = 40;

export const ALIGN_MODES = ["left", "centre", "right", "top", "middle", "bottom"];

/** Line `boxes` up on the selection's left, centre or right edge (or top,
 * middle, bottom). Fewer than two: nothing to line up. */
export function alignMoves(boxes, mode) {
  if (!ALIGN_MODES.includes(mode)) throw new Error(`unknown alignment ${mode}`);
  if (boxes.length < 2) return [];
  const b = bounds(boxes);
  const place = {
    left: () => ({ x: b.x }),
    centre: (s) => ({ x: b.x + (b.width - s.width) / 2 }),
    right: (s) => ({ x: b.x + b.width - s.width }),
    top: () => ({ y: b.y }),
    middle: (s) => ({ y: b.y + (b.height - s.height) / 2 }),
    bottom: (s) => ({ y: b.y + b.height - s.height }),
  }[mode];
  return changes(boxes.map((s) => ({ id: s.id, x: s.x, y: s.y, ...place(s) })), boxes);
}

/**
 * Spread `boxes` evenly along an axis ("horizontal" or "vertical"), in their
 * current order: the first and the last stay, the ones between get equal gaps.
 * When they do not fit between the two ends without overlapping, they are laid
 * out GAP apart from the first one instead.
 */
export function distributeMoves(boxes, axis) {
  if (axis !== "horizontal" && axis !== "vertical") throw new Error(`unknown axis ${axis}`);
  if (boxes.length < 2) return [];
  const [pos, size, other] = axis === "horizontal" ? ["x", "width", "y"] : ["y", "height", "x"];
  const order = [...boxes].sort(
    (a, b) => a[pos] + a[size] / 2 - (b[pos] + b[size] / 2) || a[other] - b[other] || cmp(a.id, b.id),
  );
  const first = order[0];
  const last = order.at(-1);
  const span = Math.max(...order.map((s) => s[pos] + s[size])) - first[pos];
  const total = order.reduce((sum, s) => sum + s[size], 0);
  let gap = (span - total) / (order.length - 1);
  if (gap < 0 || (order.length === 2 && intersects(first, last))) gap = GAP;
  let at = first[pos];
  const moved = order.map((s) => {
    const move = { id: s.id, x: s.x, y: s.y, [pos]: at };
    at += s[size] + gap;
    return move;
  });
  return changes(moved, boxes);
}

/**
 * Add to `moves` the stickies that sit inside a moved frame (their centre in
 * it) and are not moved themselves: a frame carries its contents, as when it
 * is dragged. Each follows the smallest moved frame holding it.
 */
export function carryContents(moves, stickies) {
  const byId = new Map(stickies.map((s) => [s.id, s]));
  const moved = new Map(moves.map((m) => [m.id, m]));
  const frames = moves
    .map((m) => byId.get(m.id))
    .filter((s) => s && (s.kind === "aggregate" || s.kind === "context"))
    .sort((a, b) => a.width * a.height - b.width * b.height);
  if (!frames.length) return moves;
  const carried = [];
  for (const s of stickies) {
    if (moved.has(s.id)) continue;
    const frame = frames.find((f) => f.id !== s.id && contains(f, centre(s)));
    if (!frame) continue;
    const m = moved.get(frame.id);
    carried.push({ id: s.id, x: Math.round(s.x + m.x - frame.x), y: Math.round(s.y + m.y - frame.y) });
  }
  return [...moves, ...carried];
}

/** The lane whose band holds height `y`, or null. */
export function laneAt(lanes, y) {
  return lanes.find((lane) => y >= lane.y && y < lane.y + lane.height) || null;
}

/**
 * Tidy the timeline: the events (kind "event"; only those in `only`, a Set
 * of ids, when given) left to right in their current order by x, evenly
 * spaced, one row per swimlane. An event belongs to the lane its centre is
 * in, and sits centred in that lane; events outside every lane share one row
 * at their median height (below the lanes if that row would cross one).
 * Events of different rows that stood side by side (centres less than half a
 * step apart) stay in one column, so parallel flows keep their timing; two
 * events of one row never share a column, so none overlaps another.
 *
 * What is stacked on an event (hot spots on it, a command or an actor just
 * above or below it, and what is stacked on those) moves with it.
 */
export function tidyTimeline(stickies, lanes = [], { gap = GAP, only = null } = {}) {
  const events = stickies.filter((s) => s.kind === "event" && (!only || only.has(s.id)));
  if (!events.length) return [];
  const rowOf = new Map();
  for (const e of events) rowOf.set(e.id, laneAt(lanes, centre(e).y));

  const free = events.filter((e) => !rowOf.get(e.id));
  let freeTop = 0;
  let freeHeight = 0;
  if (free.length) {
    freeHeight = Math.max(...free.map((e) => e.height));
    freeTop = median(free.map((e) => e.y + e.height / 2)) - freeHeight / 2;
    const band = { x: 0, y: freeTop, width: 1, height: freeHeight };
    if (lanes.some((lane) => intersects(band, { x: 0, y: lane.y, width: 1, height: lane.height }))) {
      freeTop = Math.max(...lanes.map((lane) => lane.y + lane.height)) + gap;
    }
  }
  const topOf = (e) => {
    const lane = rowOf.get(e.id);
    return lane ? lane.y + (lane.height - e.height) / 2 : freeTop + (freeHeight - e.height) / 2;
  };

  const step = Math.max(...events.map((e) => e.width)) + gap;
  const left = Math.min(...events.map((e) => e.x));
  const order = [...events].sort(
    (a, b) => centre(a).x - centre(b).x || centre(a).y - centre(b).y || cmp(a.id, b.id),
  );
  const columns = [];
  const placed = new Map();
  for (const e of order) {
    const row = rowOf.get(e.id)?.id ?? null;
    const box = { x: 0, y: topOf(e), width: 1, height: e.height };
    let column = columns.at(-1);
    const joins =
      column &&
      !column.rows.has(row) &&
      centre(e).x - column.x < step / 2 &&
      !column.boxes.some((b) => intersects(b, box));
    if (!joins) {
      column = { x: centre(e).x, rows: new Set(), boxes: [] };
      columns.push(column);
    }
    column.rows.add(row);
    column.boxes.push(box);
    placed.set(e.id, { id: e.id, x: left + (columns.length - 1) * step, y: box.y });
  }

  const moves = [...placed.values()];
  const owners = stackedOn(stickies, events);
  const byId = new Map(stickies.map((s) => [s.id, s]));
  for (const [id, owner] of owners) {
    const s = byId.get(id);
    const e = byId.get(owner);
    const to = placed.get(owner);
    moves.push({ id, x: s.x + to.x - e.x, y: s.y + to.y - e.y });
  }
  return changes(moves, stickies);
}

/**
 * Which event each non-event sticky is stacked on (id -> event id): a hot
 * spot overlapping an event, or a note in the event's column (overlapping it
 * by half the narrower width) lying on it or no more than STACK_GAP above or
 * below it, or so stacked on a note already stacked on it. Frames and events
 * never are.
 */
export function stackedOn(stickies, events) {
  const owners = new Map();
  const loose = stickies.filter((s) => s.kind !== "event" && s.kind !== "aggregate" && s.kind !== "context");
  let anchors = events.map((e) => ({ box: e, owner: e.id }));
  while (anchors.length) {
    const next = [];
    for (const s of loose) {
      if (owners.has(s.id)) continue;
      let best = null;
      for (const a of anchors) {
        if (!stacked(s, a.box)) continue;
        const d = distance(s, a.box);
        if (!best || d < best.d) best = { owner: a.owner, d };
      }
      if (best) {
        owners.set(s.id, best.owner);
        next.push({ box: s, owner: best.owner });
      }
    }
    anchors = next;
  }
  return owners;
}

function stacked(s, on) {
  if (s.kind === "hotspot" && intersects(s, on)) return true;
  const overlap = Math.min(s.x + s.width, on.x + on.width) - Math.max(s.x, on.x);
  if (overlap < Math.min(s.width, on.width) / 2) return false;
  // Negative when they overlap vertically: lying on it counts too.
  const gap = Math.max(s.y - (on.y + on.height), on.y - (s.y + s.height));
  return gap <= STACK_GAP;
}

function distance(a, b) {
  const p = centre(a);
  const q = centre(b);
  return Math.hypot(p.x - q.x, p.y - q.y);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounded moves, leaving out those that would not move anything. */
function changes(moves, stickies) {
  const byId = new Map(stickies.map((s) => [s.id, s]));
  const out = [];
  for (const m of moves) {
    const s = byId.get(m.id);
    const x = Math.round(m.x);
    const y = Math.round(m.y);
    if (!s || s.x !== x || s.y !== y) out.push({ id: m.id, x, y });
  }
  return out;
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
