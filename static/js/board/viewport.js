// @ts-check
// The camera over the infinite board: which board point is at the screen's
// top-left corner (`x`, `y`) and how many screen pixels a board unit takes
// (`zoom`). Dispatches `change` whenever the view moves.

export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 4;

export class Viewport extends EventTarget {
  constructor() {
    super();
    this.x = 0;
    this.y = 0;
    this.zoom = 1;
    this.width = 1;
    this.height = 1;
  }

  resize(width, height) {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
    this.changed();
  }

  toWorld(sx, sy) {
    return { x: this.x + sx / this.zoom, y: this.y + sy / this.zoom };
  }

  toScreen(wx, wy) {
    return { x: (wx - this.x) * this.zoom, y: (wy - this.y) * this.zoom };
  }

  /** The part of the board on screen, in board units. */
  visible(margin = 0) {
    const m = margin / this.zoom;
    return {
      x: this.x - m,
      y: this.y - m,
      width: this.width / this.zoom + 2 * m,
      height: this.height / this.zoom + 2 * m,
    };
  }

  panBy(dx, dy) {
    this.x -= dx / this.zoom;
    this.y -= dy / this.zoom;
    this.changed();
  }

  /** Zoom by `factor` keeping the board point under (sx, sy) in place. */
  zoomAt(sx, sy, factor) {
    this.setZoom(this.zoom * factor, sx, sy);
  }

  setZoom(zoom, sx = this.width / 2, sy = this.height / 2) {
    const anchor = this.toWorld(sx, sy);
    this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
    this.x = anchor.x - sx / this.zoom;
    this.y = anchor.y - sy / this.zoom;
    this.changed();
  }

  centreOn(wx, wy) {
    this.x = wx - this.width / 2 / this.zoom;
    this.y = wy - this.height / 2 / this.zoom;
    this.changed();
  }

  /**
   * Show all of `box` with some room around it, never zooming past 100%.
   * `insets` (screen pixels) keep it clear of controls floating over the
   * canvas, such as the palette on the left.
   */
  fit(box, { left = 48, right = 48, top = 48, bottom = 48 } = {}) {
    if (!box) {
      this.zoom = 1;
      this.centreOn(0, 0);
      return;
    }
    const width = Math.max(50, this.width - left - right);
    const height = Math.max(50, this.height - top - bottom);
    const zx = width / Math.max(box.width, 1);
    const zy = height / Math.max(box.height, 1);
    this.zoom = Math.min(1, MAX_ZOOM, Math.max(MIN_ZOOM, Math.min(zx, zy)));
    // The box's centre goes to the centre of the free area.
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    this.x = cx - (left + width / 2) / this.zoom;
    this.y = cy - (top + height / 2) / this.zoom;
    this.changed();
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }

  toJSON() {
    return { x: this.x, y: this.y, zoom: this.zoom };
  }
}
