// @ts-check
// Swimlanes: the timeline's horizontal bands, one flow of events each. The
// board keeps them as one list (`lanes.set` replaces it whole; see
// docs/protocol.md "Swimlanes"); these pure functions make the next
// list from the last one, and check what a person typed before anything is
// sent, with the same limits as the server (storming/commands.py lanes_set).

import { format, t } from "./i18n.js";
import { LIMITS } from "./vocabulary.js";

export const MAX_LANES = LIMITS.lanes;
export const MAX_NAME = LIMITS.lane_name;
// A lane is as tall as a sticky may be, and lies on the board.
export const MIN_HEIGHT = LIMITS.min_size;
export const MAX_HEIGHT = LIMITS.max_size;
export const MAX_COORDINATE = LIMITS.coordinate;
// A new lane holds a row of stickies with room around them.
export const DEFAULT_HEIGHT = 240;

/** The lanes as `lanes.set` takes them, top-down. */
export function forCommand(lanes) {
  return [...lanes]
    .sort((a, b) => a.y - b.y)
    .map(({ id, name, y, height }) => ({ id, name, y: Math.round(y), height: Math.round(height) }));
}

/**
 * A new lane {id, name, y, height} to add to `lanes`: under the lowest lane,
 * as tall as it; the first one around the events (`stickies` of kind
 * "event"), or at `fallbackY` on an empty board. Null when there are
 * already MAX_LANES.
 * @param {{y: number, height: number}[]} lanes
 * @param {{id?: string, stickies?: {kind: string, y: number, height?: number}[], fallbackY?: number}} [options]
 */
export function newLane(lanes, { id, stickies = [], fallbackY = 0 } = {}) {
  if (lanes.length >= MAX_LANES) return null;
  const name = format(t("Lane %(n)s"), { n: lanes.length + 1 });
  if (lanes.length) {
    const last = [...lanes].sort((a, b) => a.y + a.height - (b.y + b.height)).at(-1);
    return { id, name, y: Math.round(last.y + last.height), height: last.height };
  }
  const events = stickies.filter((s) => s.kind === "event");
  if (events.length) {
    const top = Math.min(...events.map((s) => s.y));
    const tallest = Math.max(...events.map((s) => s.height));
    const height = Math.max(DEFAULT_HEIGHT, tallest + 80);
    return { id, name, y: Math.round(top - (height - tallest) / 2), height };
  }
  return { id, name, y: Math.round(fallbackY - DEFAULT_HEIGHT / 2), height: DEFAULT_HEIGHT };
}

/**
 * Check a lane's fields as typed (strings or numbers): {lane} with clean
 * values, or {error, field} saying what is wrong in words a person reads.
 */
export function checkLane({ name = "", y, height }) {
  const clean = String(name).trim();
  if (clean.length > MAX_NAME) {
    return { field: "name", error: format(t("A lane's name can be at most %(max)s characters (this one has %(count)s)."), { max: MAX_NAME, count: clean.length }) };
  }
  const top = number(y);
  if (top === null) return { field: "y", error: t("The lane's top must be a number of board units, such as 0 or -240.") };
  if (Math.abs(top) > MAX_COORDINATE) return { field: "y", error: t("The lane's top is too far off the board.") };
  const tall = number(height);
  if (tall === null) return { field: "height", error: t("The lane's height must be a number of board units, such as 240.") };
  if (tall < MIN_HEIGHT || tall > MAX_HEIGHT) {
    return { field: "height", error: format(t("A lane's height must be between %(min)s and %(max)s board units."), { min: MIN_HEIGHT, max: MAX_HEIGHT }) };
  }
  return { lane: { name: clean, y: Math.round(top), height: Math.round(tall) } };
}

function number(value) {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  const text = String(value ?? "").trim();
  if (!/^[-+]?\d+(\.\d+)?$/.test(text)) return null;
  return Number(text);
}

/** `lanes` with lane `id` changed by `changes`. */
export function changeLane(lanes, id, changes) {
  return lanes.map((lane) => (lane.id === id ? { ...lane, ...changes } : lane));
}

export function removeLane(lanes, id) {
  return lanes.filter((lane) => lane.id !== id);
}

/** `lanes` with lane `id`'s bottom edge dragged to `bottom` (kept at least MIN_HEIGHT tall). */
export function resizeLane(lanes, id, bottom) {
  return lanes.map((lane) =>
    lane.id === id ? { ...lane, height: Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.round(bottom - lane.y))) } : lane,
  );
}

/** Whether two lists of lanes are the same (ids, names and bands). */
export function sameLanes(a, b) {
  const x = forCommand(a);
  const y = forCommand(b);
  return x.length === y.length && x.every((lane, i) => JSON.stringify(lane) === JSON.stringify(y[i]));
}
