// Word-wrapping text for the canvas, with a cache.
//
// Measuring text is the expensive part of drawing a sticky, so the layout of
// each (text, box size) is computed once and reused on every frame until the
// text or the size changes.

export const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
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

function wrap(ctx, text, maxWidth) {
  const lines = [];
  lines.broken = false;
  for (const paragraph of text.split("\n")) {
    const words = paragraph.split(/(\s+)/).filter((w) => w.length);
    let line = "";
    for (const word of words) {
      const candidate = line + word;
      if (!line || ctx.measureText(candidate).width <= maxWidth) {
        line = candidate;
        continue;
      }
      lines.push(line.trimEnd());
      line = word.trimStart();
      // A single word wider than the box is broken by characters.
      while (ctx.measureText(line).width > maxWidth && line.length > 1) {
        lines.broken = true;
        let cut = line.length - 1;
        while (cut > 1 && ctx.measureText(line.slice(0, cut)).width > maxWidth) cut--;
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
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
