// The nine sticky kinds: colours, default sizes and labels.
//
// Colours come from app.css (`--kind-<kind>` and `--kind-<kind>-edge`) so the
// legend, the palette and the canvas can never disagree; the values here are
// only the fallback when the stylesheet is missing. Sizes match
// storming/vocabulary.py's DEFAULT_SIZE, so a sticky looks the same before and
// after the server has answered.

export const KINDS = [
  { kind: "event", label: "Domain event", tag: "EVENT", fill: "#fed7aa", edge: "#f59f4d", width: 160, height: 160 },
  { kind: "command", label: "Command", tag: "COMMAND", fill: "#bfdbfe", edge: "#4a9ee8", width: 160, height: 160 },
  { kind: "actor", label: "Actor", tag: "ACTOR", fill: "#fef9c3", edge: "#e5c935", width: 160, height: 80 },
  { kind: "policy", label: "Policy", tag: "POLICY", fill: "#c4b5fd", edge: "#8b74f0", width: 240, height: 160 },
  { kind: "external_system", label: "External system", tag: "SYSTEM", fill: "#fce7f3", edge: "#f08cb8", width: 240, height: 160 },
  { kind: "read_model", label: "Read model", tag: "READ MODEL", fill: "#bbf7d0", edge: "#4cc47a", width: 160, height: 160 },
  { kind: "hotspot", label: "Hot spot", tag: "HOT SPOT", fill: "#f783ac", edge: "#d6336c", width: 160, height: 160 },
  { kind: "aggregate", label: "Aggregate", tag: "AGGREGATE", fill: "#fff3bf", edge: "#e0b400", width: 640, height: 400, frame: true },
  { kind: "context", label: "Bounded context", tag: "BOUNDED CONTEXT", fill: "#e7f5ff", edge: "#74b4e6", width: 1280, height: 800, frame: true },
];

const BY_KIND = new Map(KINDS.map((k) => [k.kind, k]));
const UNKNOWN = { kind: "?", label: "Sticky", tag: "STICKY", fill: "#eeeeee", edge: "#999999", width: 160, height: 160 };

export function kindOf(name) {
  return BY_KIND.get(name) || UNKNOWN;
}

export function isFrame(sticky) {
  return Boolean(kindOf(sticky.kind).frame);
}

// Kinds whose stickies carry a list of data fields.
export const FIELD_KINDS = new Set(["event", "command"]);

/** Take the colours from the stylesheet's custom properties. */
export function readColours(root = document.documentElement) {
  const style = getComputedStyle(root);
  for (const k of KINDS) {
    const fill = style.getPropertyValue(`--kind-${k.kind}`).trim();
    const edge = style.getPropertyValue(`--kind-${k.kind}-edge`).trim();
    if (fill) k.fill = fill;
    if (edge) k.edge = edge;
  }
}
