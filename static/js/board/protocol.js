// @ts-check
// The board's websocket protocol, client side (docs/protocol.md): every
// message this page sends is built here, and the types it reads are named
// here. storming/protocol.py is the server's side: its parse() reads what
// these builders make, its builders make what SERVER_MESSAGES lists.
// connection.js carries the messages (ordering, retries, rate); this module
// says only what they look like.

/** The protocol this client speaks. The server's welcome says its own; on a
 * mismatch (a page older than the server) the client stops rather than
 * misread messages, and the page asks the person to reload. */
export const PROTOCOL_VERSION = 1;

/** Stickies in one drag frame (storming/protocol.py MAX_GROUP_DRAG). */
export const MAX_GROUP_DRAG = 100;

/** Every type the server sends (storming/protocol.py SERVER_MESSAGES);
 * connection.js dispatches on each. */
export const SERVER_MESSAGES = Object.freeze([
  "welcome",
  "event",
  "events",
  "ack",
  "error",
  "presence",
  "cursor",
  "drag",
  "views",
  "signal",
  "membership",
  "ping",
  "status",
  "chunk",
]);

/** @typedef {{id: string, x: number, y: number}} DragItem */

/**
 * A command: `id` is its idempotency key (the same id sent again is applied
 * once).
 * @param {string} id
 * @param {string} name
 * @param {object | null | undefined} data
 */
export function command(id, name, data) {
  return { type: "command", id, name, data: data ?? {} };
}

/** Where my cursor is, in board units.
 * @param {number} x @param {number} y */
export function cursor(x, y) {
  return { type: "cursor", x, y };
}

/** Where I look: the centre of my screen and my zoom.
 * @param {number} x @param {number} y @param {number} zoom */
export function view(x, y, zoom) {
  return { type: "view", x, y, zoom };
}

/**
 * Where the stickies being dragged are: one sticky is a plain drag, more a
 * group (at most MAX_GROUP_DRAG; the rest wait for the next frame, or for
 * the drop's command). Null when there is nothing to say.
 * @param {DragItem[]} items
 */
export function drag(items) {
  if (items.length === 0) return null;
  if (items.length === 1) {
    const [{ id, x, y }] = items;
    return { type: "drag", id, x, y };
  }
  return {
    type: "drag",
    drags: items.slice(0, MAX_GROUP_DRAG).map(({ id, x, y }) => ({ id, x, y })),
  };
}

/**
 * A facilitator's call to the room: `summon` {x, y, zoom}, `follow` {on} or
 * `spotlight` {id}.
 * @param {"summon" | "follow" | "spotlight"} kind
 * @param {Record<string, unknown>} fields
 */
export function signal(kind, fields) {
  return { type: "signal", kind, ...fields };
}

/** The answer to the server's ping. @param {string} nonce */
export function pong(nonce) {
  return { type: "pong", nonce };
}

/**
 * Piece `n` (0-based) of `of` of a message too large for one frame.
 * @param {string} id @param {number} n @param {number} of @param {string} data
 */
export function chunk(id, n, of, data) {
  return { type: "chunk", id, n, of, data };
}

/**
 * A frame's text as `chunk` frames of at most `pieceChars` characters each,
 * encoded, in order.
 * @param {string} frame @param {string} id @param {number} pieceChars
 */
export function pieces(frame, id, pieceChars) {
  const parts = [];
  for (let start = 0; start < frame.length; start += pieceChars) {
    parts.push(frame.slice(start, start + pieceChars));
  }
  return parts.map((data, n) => JSON.stringify(chunk(id, n, parts.length, data)));
}
