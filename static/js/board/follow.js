// @ts-check
// Following someone's view, as rules: whom this page follows and why, what
// ends it, and the camera arithmetic. Pure; room.js wires it to the page.
//
// A view ({x, y, zoom}, from the `views` messages) is the centre of that
// person's screen in board units and their zoom: screens differ in size, so
// a follower puts the same point in the middle of their own.
//
// Following comes two ways: I chose someone (a click on their avatar), or a
// facilitator asked the room to follow them ("Follow me", the `follow`
// signal). Either ends when I move the view myself or press Stop; the second
// also when the facilitator stops. Someone who left a facilitator's follow
// is not pulled back in by a repeat of the same call (the facilitator's page
// repeats it for people who join late), only by a new one after a stop.

import { MAX_ZOOM, MIN_ZOOM } from "./viewport.js";

export const NOT_FOLLOWING = Object.freeze({ leader: null, name: "", color: "", why: null, optedOut: Object.freeze([]) });

/**
 * The next follow state after `action`:
 * - {type: "choose", member, name, color}: I clicked their avatar (again: stop);
 * - {type: "stop"}: the Stop button;
 * - {type: "moved"}: I panned or zoomed myself;
 * - {type: "signal", member, name, color, on}: a facilitator's Follow me;
 * - {type: "summon", member}: a facilitator's Bring everyone to me;
 * - {type: "present", members}: who is here now (a leader who left is not followed).
 * `me` is my own member id: nobody follows themselves.
 */
export function follow(state, action, me) {
  const optedOut = new Set(state.optedOut);
  const stop = () => ({ ...NOT_FOLLOWING, optedOut: [...optedOut] });
  switch (action.type) {
    case "choose":
      if (action.member === me) return state;
      // Leaving a facilitator's follow for someone else is leaving it too.
      if (state.leader && state.why === "asked") optedOut.add(state.leader);
      if (state.leader === action.member) return stop();
      return { leader: action.member, name: action.name, color: action.color, why: "chosen", optedOut: [...optedOut] };
    case "stop":
    case "moved":
      if (!state.leader) return state;
      if (state.why === "asked") optedOut.add(state.leader);
      return stop();
    case "signal":
      if (action.member === me) return state;
      if (!action.on) {
        optedOut.delete(action.member);
        if (state.leader === action.member && state.why === "asked") return stop();
        return { ...state, optedOut: [...optedOut] };
      }
      if (optedOut.has(action.member)) return state;
      if (state.leader === action.member) return { ...state, why: "asked" };
      return { leader: action.member, name: action.name, color: action.color, why: "asked", optedOut: [...optedOut] };
    case "summon":
      // Come to the facilitator: following someone else would carry me off.
      if (state.leader && state.leader !== action.member) return stop();
      return state;
    case "present":
      if (state.leader && !action.members.includes(state.leader)) return stop();
      return state;
    default:
      return state;
  }
}

/** The view a page shows: the board point at the centre of its screen, and its zoom. */
export function viewOf(viewport) {
  return {
    x: viewport.x + viewport.width / 2 / viewport.zoom,
    y: viewport.y + viewport.height / 2 / viewport.zoom,
    zoom: viewport.zoom,
  };
}

/** The camera ({x, y, zoom}: top-left corner and zoom) that shows `view` on a
 * screen of `width` x `height`. */
export function cameraFor(view, width, height) {
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.zoom));
  return { x: view.x - width / 2 / zoom, y: view.y - height / 2 / zoom, zoom };
}

/**
 * Whether the camera moved away from where this page last put it: the person
 * panned or zoomed. A resize keeps the top-left corner and the zoom, so it is
 * not a move.
 */
export function movedAway(placed, viewport) {
  if (!placed) return false;
  const near = (a, b) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
  return !(near(placed.x, viewport.x) && near(placed.y, viewport.y) && near(placed.zoom, viewport.zoom));
}

/**
 * One step of a glide from camera `from` towards `to` (a share `t` of the
 * way, in view terms so the zoom and the centre move together); null once
 * close enough to jump.
 */
export function glide(from, to, width, height, t = 0.35) {
  const a = viewOf({ ...from, width, height });
  const b = viewOf({ ...to, width, height });
  const close = Math.abs(a.zoom - b.zoom) / b.zoom < 0.002 && Math.hypot(a.x - b.x, a.y - b.y) * b.zoom < 0.5;
  if (close) return null;
  const zoom = a.zoom * (b.zoom / a.zoom) ** t;
  return cameraFor({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, zoom }, width, height);
}

/** The view that brings `sticky` into the middle of the screen, at a zoom
 * where it can be read (keeping the current one when it is already fine). */
/**
 * @param {{x: number, y: number, width: number, height: number}} sticky
 * @param {number} zoom
 * @param {{width?: number, height?: number}} [screen] the screen's size
 */
export function viewOnSticky(sticky, zoom, { width, height } = {}) {
  let z = Math.max(zoom, 0.6);
  if (width && height) {
    // Not so close that the sticky (a large frame) does not fit.
    const fit = Math.min((width * 0.8) / sticky.width, (height * 0.8) / sticky.height);
    z = Math.min(z, Math.max(MIN_ZOOM, fit));
  }
  return { x: sticky.x + sticky.width / 2, y: sticky.y + sticky.height / 2, zoom: Math.min(MAX_ZOOM, z) };
}
