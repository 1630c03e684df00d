// @ts-check
// Word-wrapping text for the canvas, with a cache.
//
// Measuring text is the expensive part of drawing a sticky, so the layout of
// each (text, box size) is computed once and reused on every frame until the
// text or the size changes.

// System fonts only, Latin first, then Chinese (as app.css --cjk): a Han
// character falls through to the first CJK font the system has.
const CJK_FAMILIES = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei"';
export const FONT_FAMILY = `system-ui, -apple-system, "Segoe UI", Roboto, Arial, ${CJK_FAMILIES}, sans-serif`;
export const MONO_FAMILY = `ui-monospace, SFMono-Regular, Menlo, Consolas, ${CJK_FAMILIES}, monospace`;
const SIZES = [22, 20, 18, 16, 14, 13, 12, 11, 10, 9, 8];
const LINE = 1.25;
const CACHE_LIMIT = 6000;

const cache = new Map();
let measureContext = null;

function context() {
  if (!measureContext) {
    measureContext = document.createElement("canvas").getContext("2d");
  }
  return measureContext;
}

export function font(size, weight = 500) {
  return `${weight} ${size}px ${FONT_FAMILY}`;
}

// Characters of East Asian width "W" or "F" (CJK, kana, Hangul, full-width
// forms, most emoji): text in those scripts may break between characters.
const WIDE = /[\u1100-\u115F\u231A\u231B\u2329\u232A\u23E9-\u23EC\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uA960-\uA97F\uAC00-\uD7A3\uF900-\uFAFF\uFE10-\uFE19\uFE30-\uFE6F\uFF01-\uFF60\uFFE0-\uFFE6]|[\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u;
const MARK = /[\p{Mn}\p{Me}\p{Cf}]/u;
// A line may not start with these, nor end with those (kinsoku shori).
const NO_START = new Set([..."、。，．：；？！）」』】〕〉》〗〙〛｝］｠’”…‥ーゝゞ々〻・,.;:!?)]}%ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"]);
const NO_END = new Set([..."（「『【〔〈《〖〘〚｛［｟‘“([{"]);

function canBreak(before, after) {
  if (!WIDE.test(before) && !WIDE.test(after)) return false;
  return !(MARK.test(after) || NO_START.has(after) || NO_END.has(before));
}

/** White space runs, and pieces of words a line may break after. */
function tokens(paragraph) {
  const found = [];
  for (const word of paragraph.split(/(\s+)/)) {
    if (!word) continue;
    if (/^\s+$/.test(word) || /^[\x00-\x7f]*$/.test(word)) {
      found.push(word);
      continue;
    }
    const chars = [...word];
    let start = 0;
    for (let i = 1; i < chars.length; i++) {
      if (canBreak(chars[i - 1], chars[i])) {
        found.push(chars.slice(start, i).join(""));
        start = i;
      }
    }
    found.push(chars.slice(start).join(""));
  }
  return found;
}

/** The lines of `text` within `maxWidth`; `broken` when a word had to be cut.
 * @returns {string[] & {broken: boolean}} */
function wrap(ctx, text, maxWidth) {
  const lines = Object.assign(/** @type {string[]} */ ([]), { broken: false });
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const token of tokens(paragraph)) {
      const candidate = line + token;
      if (!line || ctx.measureText(candidate).width <= maxWidth) {
        line = candidate;
      } else {
        lines.push(line.trimEnd());
        line = token.trimStart();
      }
      // A word wider than the box is broken by characters (the first word of
      // a paragraph too).
      while (ctx.measureText(line.trimEnd()).width > maxWidth && [...line].length > 1) {
        const chars = [...line];
        let cut = chars.length - 1;
        while (cut > 1 && ctx.measureText(chars.slice(0, cut).join("")).width > maxWidth) cut--;
        while (cut > 1 && MARK.test(chars[cut])) cut--; // a mark stays with its letter
        const head = chars.slice(0, cut).join("");
        if (!head.trim()) break; // only white space would go: wrapped next time
        lines.broken = true;
        lines.push(head.trimEnd());
        line = chars.slice(cut).join("").trimStart();
      }
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

/**
 * The largest font size (from 22 down to 8 board units) at which `text` fits
 * `width` x `height`, and its lines. At the smallest size the lines that do
 * not fit are cut, the last one ending in an ellipsis.
 */
export function layout(text, width, height, weight = 500) {
  const key = `${weight}|${width}|${height}|${text}`;
  let result = cache.get(key);
  if (result) return result;
  const ctx = context();
  for (const size of SIZES) {
    ctx.font = font(size, weight);
    const lines = wrap(ctx, text, width);
    const lineHeight = size * LINE;
    // Smaller type rather than a word cut in two, as long as there is room.
    const fits = lines.length * lineHeight <= height && !lines.broken;
    if (fits || size === SIZES[SIZES.length - 1]) {
      const max = Math.max(1, Math.floor(height / lineHeight));
      /** @type {string[]} */
      let shown = lines;
      if (lines.length > max) {
        shown = lines.slice(0, max);
        shown[max - 1] = `${shown[max - 1].replace(/.{0,2}$/u, "")}…`;
      }
      result = { size, lineHeight, lines: shown };
      break;
    }
  }
  if (cache.size > CACHE_LIMIT) cache.clear();
  cache.set(key, result);
  return result;
}
