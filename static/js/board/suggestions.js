// @ts-check
// Links the layout suggests in the attribute phase. A process reads left to
// right on a row (Process Modelling's "picture that explains everything"):
//
//   event -> policy -> command, event -> read model -> actor -> command,
//   command -> external system -> event, command -> event
//
// so a sticky's nearest neighbour to its right on the same row is what it
// leads to, when the grammar of links allows that pair; an actor standing
// just above a command issues it; a read model informs the actor of the
// command it stands by (or that command, when it has no actor). Nothing is
// suggested that the grammar does not allow (the table below mirrors
// modeling/derive.py GRAMMAR) or that is already linked either way.
//
// Pure: plain stickies ({id, kind, text, x, y, width, height}) and links
// ({from, to}) in, suggestions out.

import { centre } from "./geometry.js";
import { t } from "./i18n.js";

// (from kind, to kind) -> what the link means: modeling/derive.py GRAMMAR.
export const GRAMMAR = new Map([
  ["actor>command", t("issues")],
  ["actor>policy", t("manages")],
  ["external_system>command", t("triggers")],
  ["external_system>event", t("triggers")],
  ["external_system>policy", t("triggers")],
  ["command>event", t("results in")],
  ["command>external_system", t("invoked on")],
  ["command>aggregate", t("invoked on")],
  ["aggregate>event", t("produces")],
  ["event>policy", t("activates")],
  ["event>read_model", t("updates")],
  ["event>event", t("leads to")],
  ["policy>command", t("issues")],
  ["read_model>actor", t("informs")],
  ["read_model>command", t("informs")],
  ["read_model>policy", t("informs")],
]);

// The pairs a row suggests, left to right. Not event -> event (a direct
// consequence is worth saying aloud, not guessing), not to frames (a command
// belongs to its aggregate by standing in its frame), and read models have
// their own rule.
const ROW_PAIRS = new Set([
  "command>event",
  "command>external_system",
  "external_system>event",
  "external_system>policy",
  "event>policy",
  "event>read_model",
  "policy>command",
  "actor>command",
]);

// Kinds that take part in the flow; hot spots annotate, frames contain.
const FLOW = new Set(["event", "command", "actor", "policy", "external_system", "read_model"]);

// How far (board units, edge to edge) a neighbour may stand and still count.
export const REACH = 240;
// How far an actor may stand above its command.
export const ABOVE = 120;

export function allowed(fromKind, toKind) {
  return GRAMMAR.has(`${fromKind}>${toKind}`);
}

/**
 * The links the layout suggests: [{from, to, meaning}], ordered by where
 * they start (left to right, top to bottom). `links` are the board's links;
 * a pair already linked, either way, is never suggested.
 */
export function suggestLinks(stickies, links = [], { reach = REACH } = {}) {
  const flow = stickies.filter((s) => FLOW.has(s.kind));
  const byX = [...flow].sort((a, b) => a.x - b.x);
  const linked = new Set();
  for (const l of links) {
    linked.add(`${l.from}>${l.to}`);
    linked.add(`${l.to}>${l.from}`);
  }
  const found = new Map();
  const add = (from, to) => {
    const key = `${from.id}>${to.id}`;
    if (from.id === to.id || linked.has(key) || found.has(key) || !allowed(from.kind, to.kind)) return;
    found.set(key, { from: from.id, to: to.id, meaning: GRAMMAR.get(`${from.kind}>${to.kind}`), at: from });
  };

  const right = new Map();
  for (const a of flow) {
    const b = rightNeighbour(a, byX, reach);
    if (b) right.set(a.id, b);
  }

  // Actors of each command: linked already, or standing beside or above it.
  const actorsOf = new Map();
  const noteActor = (command, actor) => {
    if (!actorsOf.has(command)) actorsOf.set(command, []);
    if (!actorsOf.get(command).some((a) => a.id === actor.id)) actorsOf.get(command).push(actor);
  };
  const byId = new Map(stickies.map((s) => [s.id, s]));
  for (const l of links) {
    const from = byId.get(l.from);
    const to = byId.get(l.to);
    if (from?.kind === "actor" && to?.kind === "command") noteActor(to.id, from);
  }

  for (const a of flow) {
    if (a.kind === "read_model") continue;
    const b = right.get(a.id);
    if (b && ROW_PAIRS.has(`${a.kind}>${b.kind}`)) {
      add(a, b);
      if (a.kind === "actor") noteActor(b.id, a);
    }
  }
  for (const actor of flow.filter((s) => s.kind === "actor")) {
    const command = commandBelow(actor, flow);
    if (command) {
      add(actor, command);
      noteActor(command.id, actor);
    }
  }

  // A read model informs whoever decides next to it.
  for (const model of flow.filter((s) => s.kind === "read_model")) {
    if (links.some((l) => l.from === model.id && informs(byId.get(l.to)))) continue;
    let target = right.get(model.id);
    if (!target || !["actor", "command", "policy"].includes(target.kind)) target = nearestCommand(model, flow, reach);
    if (!target) continue;
    const actors = target.kind === "command" ? actorsOf.get(target.id) || [] : [];
    if (actors.length) for (const actor of actors) add(model, actor);
    else add(model, target);
  }

  return [...found.values()]
    .sort((p, q) => p.at.x - q.at.x || p.at.y - q.at.y || cmp(p.from, q.from) || cmp(p.to, q.to))
    .map(({ from, to, meaning }) => ({ from, to, meaning }));
}

function informs(sticky) {
  return Boolean(sticky) && ["actor", "command", "policy"].includes(sticky.kind);
}

/** The nearest flow sticky to the right of `a` on its row, within reach. */
function rightNeighbour(a, byX, reach) {
  const limit = a.x + a.width + reach;
  let best = null;
  for (const b of byX) {
    if (b.x > limit) break;
    if (b.id === a.id) continue;
    const slack = Math.min(a.width, b.width) / 4;
    const gap = b.x - (a.x + a.width);
    if (gap < -slack || centre(b).x <= centre(a).x || !sameRow(a, b)) continue;
    const dy = Math.abs(centre(a).y - centre(b).y);
    if (!best || gap < best.gap || (gap === best.gap && dy < best.dy)) best = { b, gap, dy };
  }
  return best && best.b;
}

function sameRow(a, b) {
  const overlap = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return overlap >= Math.min(a.height, b.height) / 2;
}

/** The command just below an actor: in its column, at most ABOVE under it. */
function commandBelow(actor, flow) {
  let best = null;
  for (const c of flow) {
    if (c.kind !== "command") continue;
    const overlap = Math.min(actor.x + actor.width, c.x + c.width) - Math.max(actor.x, c.x);
    if (overlap < Math.min(actor.width, c.width) / 2) continue;
    const gap = c.y - (actor.y + actor.height);
    if (gap < -actor.height / 2 || gap > ABOVE) continue;
    if (!best || gap < best.gap) best = { c, gap };
  }
  return best && best.c;
}

/** The command nearest to `model` (edge to edge, within reach), or null. */
function nearestCommand(model, flow, reach) {
  let best = null;
  for (const c of flow) {
    if (c.kind !== "command") continue;
    const dx = Math.max(0, c.x - (model.x + model.width), model.x - (c.x + c.width));
    const dy = Math.max(0, c.y - (model.y + model.height), model.y - (c.y + c.height));
    const d = Math.hypot(dx, dy);
    if (d <= reach && (!best || d < best.d)) best = { c, d };
  }
  return best && best.c;
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
