// @ts-check
// The nine sticky kinds: colours, default sizes and labels.
//
// Which kinds there are, their labels (in the page's language), sizes and
// whether they are frames come from the server's vocabulary (vocabulary.js).
// Colours come from app.css (`--kind-<kind>` and `--kind-<kind>-edge`) so the
// legend, the palette and the canvas can never disagree; the values here are
// only the fallback when the stylesheet is missing. The tag is the small
// word in a sticky's corner.

import { t } from "./i18n.js";
import { KIND_LIST } from "./vocabulary.js";

const STYLES = {
  event: { tag: t("EVENT"), fill: "#fed7aa", edge: "#f59f4d" },
  command: { tag: t("COMMAND"), fill: "#bfdbfe", edge: "#4a9ee8" },
  actor: { tag: t("ACTOR"), fill: "#fef9c3", edge: "#e5c935" },
  policy: { tag: t("POLICY"), fill: "#c4b5fd", edge: "#8b74f0" },
  external_system: { tag: t("SYSTEM"), fill: "#fce7f3", edge: "#f08cb8" },
  read_model: { tag: t("READ MODEL"), fill: "#bbf7d0", edge: "#4cc47a" },
  hotspot: { tag: t("HOT SPOT"), fill: "#f783ac", edge: "#d6336c" },
  aggregate: { tag: t("AGGREGATE"), fill: "#fff3bf", edge: "#e0b400" },
  context: { tag: t("BOUNDED CONTEXT"), fill: "#e7f5ff", edge: "#74b4e6" },
};
const PLAIN = { fill: "#eeeeee", edge: "#999999" };

export const KINDS = KIND_LIST.map((k) => ({
  ...PLAIN,
  tag: k.label.toUpperCase(),
  ...STYLES[k.kind],
  ...k,
}));

const BY_KIND = new Map(KINDS.map((k) => [k.kind, k]));
const UNKNOWN = { kind: "?", label: t("Sticky"), tag: t("STICKY"), ...PLAIN, width: 160, height: 160 };

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
