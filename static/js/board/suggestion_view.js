// @ts-check
// Suggested links on the page: in the attribute phase (or whenever someone
// turns them on) the links suggestLinks reads from the layout are drawn
// dashed over the board, each with a "+" in its middle; a click on one adds
// the link, and the layout panel lists them with "Add" each and "Add all"
// (one batch: one undo takes them all back).

import { distanceToSegment } from "./geometry.js";
import { hitTest } from "./hit.js";
import { kindOf } from "./kinds.js";
import { drawArrow, linkEnds } from "./render.js";
import { suggestLinks } from "./suggestions.js";
import { font } from "./textlayout.js";
import { format, t, tn } from "./i18n.js";

const COLOUR = "#7048e8";
const SOFT = "rgba(112, 72, 232, 0.75)";
// Below this zoom suggestions are not drawn: a board seen whole is a map.
const FAR = 0.15;
const MAX_LISTED = 60;

export class SuggestionView extends EventTarget {
  constructor(app, { toggle, list, count, addAll, hint }) {
    super();
    this.app = app;
    this.toggle = toggle;
    this.list = list;
    this.count = count;
    this.addAll = addAll;
    this.hint = hint;
    this.phase = null;
    this.on = false;
    this.memo = null;
    this.hover = null;
    this.listed = null;

    app.renderer.addLayer("over", (ctx, info) => this.draw(ctx, info));
    toggle.addEventListener("change", () => this.setOn(toggle.checked));
    addAll.addEventListener("click", () => this.acceptAll());
    list.addEventListener("click", (e) => {
      const item = e.target.closest("[data-from]");
      if (!item) return;
      const suggestion = { from: item.dataset.from, to: item.dataset.to };
      if (e.target.closest("[data-suggestion-add]")) this.accept(suggestion);
      else if (e.target.closest("[data-suggestion-show]")) this.showPair(suggestion);
    });
    const canvas = document.getElementById("board-canvas");
    // Before the canvas's own handling (capture on its parent): a press on a
    // dashed link adds it instead of panning or selecting.
    app.stage.addEventListener(
      "pointerdown",
      (e) => {
        if (e.target !== canvas || e.button !== 0 || e.shiftKey || e.ctrlKey || e.metaKey || e.altKey) return;
        const found = this.canAccept() && this.hit(this.#world(e));
        if (!found) return;
        e.stopPropagation();
        e.preventDefault();
        this.accept(found);
      },
      true,
    );
    // After the canvas's own handling (it sets the cursor): a hand over a dashed link.
    app.stage.addEventListener("pointermove", (e) => {
      if (e.target !== canvas) return;
      const found = this.visible() ? this.hit(this.#world(e)) : null;
      const key = found ? `${found.from}>${found.to}` : null;
      if (key !== (this.hover && `${this.hover.from}>${this.hover.to}`)) {
        this.hover = found;
        app.renderer.request();
      }
      if (found && this.canAccept()) canvas.style.cursor = "pointer";
    });
  }

  #world(e) {
    const rect = e.target.getBoundingClientRect();
    return this.app.viewport.toWorld(e.clientX - rect.left, e.clientY - rect.top);
  }

  /** The board's phase changed: suggestions show by default in the attribute phase only. */
  setPhase(phase) {
    if (phase === this.phase) return;
    this.phase = phase;
    this.setOn(phase === "attribute");
  }

  setOn(on) {
    this.on = on;
    this.toggle.checked = on;
    this.app.board.dataset.suggestions = on ? "on" : "off";
    this.app.renderer.request();
    this.render();
  }

  visible() {
    return this.on && !this.app.scene.showingPast;
  }

  canAccept() {
    return this.visible() && this.app.scene.canWrite;
  }

  /** The suggestions for the board as shown, worked out once per change of it. */
  current() {
    const { scene, store } = this.app;
    const ordered = scene.ordered();
    const moving = scene.preview.size > 0 || scene.remoteDrags.size > 0;
    const links = scene.links();
    const key = { ordered, seq: scene.store.seq, ops: scene.ops?.size ?? 0, links: links.length, liveSeq: store.seq };
    const m = this.memo;
    if (!moving && m && m.key.ordered === key.ordered && m.key.seq === key.seq && m.key.ops === key.ops && m.key.links === key.links && m.key.liveSeq === key.liveSeq) {
      return m.suggestions;
    }
    const stickies = [...ordered.frames, ...ordered.notes].map((id) => scene.sticky(id)).filter(Boolean);
    const suggestions = suggestLinks(stickies, links);
    this.memo = { key, suggestions };
    return suggestions;
  }

  // -- the canvas --------------------------------------------------------------------

  draw(ctx, { zoom, view }) {
    if (!this.visible() || zoom < FAR) return;
    const { scene } = this.app;
    const hoverKey = this.hover && `${this.hover.from}>${this.hover.to}`;
    for (const s of this.current()) {
      const a = scene.sticky(s.from);
      const b = scene.sticky(s.to);
      if (!a || !b) continue;
      const [p, q] = linkEnds(a, b);
      const box = { x: Math.min(p.x, q.x), y: Math.min(p.y, q.y), width: Math.abs(p.x - q.x), height: Math.abs(p.y - q.y) };
      if (box.x > view.x + view.width || box.x + box.width < view.x || box.y > view.y + view.height || box.y + box.height < view.y) continue;
      const hovered = hoverKey === `${s.from}>${s.to}`;
      dashedArrow(ctx, p, q, zoom, hovered);
      plus(ctx, midpoint(p, q), zoom, hovered);
      if (hovered) caption(ctx, this.canAccept() ? `${s.meaning} · click to add` : s.meaning, midpoint(p, q), zoom);
    }
  }

  /** The suggestion under board point `point`, or null (a sticky there wins). */
  hit(point) {
    const { scene, viewport } = this.app;
    const z = viewport.zoom;
    if (!this.visible() || z < FAR) return null;
    const under = hitTest(scene, point, z);
    if (under && !(under.type === "sticky" && under.frame)) return null;
    let best = null;
    for (const s of this.current()) {
      const a = scene.sticky(s.from);
      const b = scene.sticky(s.to);
      if (!a || !b) continue;
      const [p, q] = linkEnds(a, b);
      const mid = midpoint(p, q);
      const d = Math.min(Math.hypot(point.x - mid.x, point.y - mid.y) - badgeRadius(z), distanceToSegment(point, p, q));
      if (d <= 7 / z && (!best || d < best.d)) best = { s, d };
    }
    return best && best.s;
  }

  // -- adding links -------------------------------------------------------------------

  accept({ from, to }) {
    if (!this.app.scene.canWrite) return;
    const ok = this.current().some((s) => s.from === from && s.to === to);
    if (!ok) return;
    this.hover = null;
    this.app.actions.link(from, to);
    this.app.scene.invalidate();
  }

  acceptAll() {
    const { actions, scene, toasts } = this.app;
    if (!scene.canWrite) return;
    const all = this.current();
    if (!all.length) return;
    actions.step(() => {
      for (const s of all) actions.link(s.from, s.to);
    });
    scene.invalidate();
    toasts.show(format(tn("Added %(count)s link. Ctrl+Z takes it back.", "Added %(count)s links. Ctrl+Z takes them back.", all.length), { count: all.length }));
  }

  showPair({ from, to }) {
    const { scene, viewport } = this.app;
    const a = scene.sticky(from);
    const b = scene.sticky(to);
    if (!a || !b) return;
    scene.select([from, to]);
    const mid = midpoint(
      { x: a.x + a.width / 2, y: a.y + a.height / 2 },
      { x: b.x + b.width / 2, y: b.y + b.height / 2 },
    );
    const v = viewport.visible(-80);
    if (mid.x < v.x || mid.x > v.x + v.width || mid.y < v.y || mid.y > v.y + v.height) viewport.centreOn(mid.x, mid.y);
  }

  // -- the list in the panel ------------------------------------------------------------

  render() {
    const all = this.visible() ? this.current() : [];
    const write = this.app.scene.canWrite;
    this.count.textContent = String(all.length);
    this.addAll.hidden = !write || all.length < 2;
    this.addAll.textContent = format(t("Add all %(count)s"), { count: all.length });
    if (!this.on) this.hint.textContent = t("Turn them on to see the links the layout suggests.");
    else if (!all.length) this.hint.textContent = t("Nothing to suggest: place a command just left of its event, an actor above its command, a policy between an event and a command.");
    else this.hint.textContent = write
      ? t("Read from the layout, within the grammar of links. Click a dashed link on the board, or add them here.")
      : t("Read from the layout, within the grammar of links.");
    const key = JSON.stringify([write, all.map((s) => [s.from, s.to, this.#label(s.from), this.#label(s.to)])]);
    if (key === this.listed) return;
    this.listed = key;
    this.list.replaceChildren(
      ...all.slice(0, MAX_LISTED).map((s) => this.#item(s, write)),
    );
    if (all.length > MAX_LISTED) {
      const more = document.createElement("li");
      more.className = "suggestion suggestion--more hint";
      more.textContent = format(t("and %(count)s more"), { count: all.length - MAX_LISTED });
      this.list.append(more);
    }
  }

  #label(id) {
    const s = this.app.scene.sticky(id);
    const text = (s?.text || "").split("\n")[0].trim();
    return text ? ([...text].length > 40 ? `${[...text].slice(0, 39).join("")}…` : text) : t("(no text)");
  }

  #item(s, write) {
    const { scene } = this.app;
    const li = document.createElement("li");
    li.className = "suggestion";
    li.dataset.from = s.from;
    li.dataset.to = s.to;
    const show = document.createElement("button");
    show.type = "button";
    show.className = "suggestion__show";
    show.dataset.suggestionShow = "";
    const end = (id) => {
      const span = document.createElement("span");
      span.className = "suggestion__end";
      const swatch = document.createElement("span");
      swatch.className = `kind-swatch kind-${scene.sticky(id)?.kind}`;
      swatch.setAttribute("aria-hidden", "true");
      const text = document.createElement("span");
      text.textContent = this.#label(id);
      span.append(swatch, text);
      return span;
    };
    const meaning = document.createElement("span");
    meaning.className = "suggestion__meaning";
    meaning.textContent = s.meaning;
    show.append(end(s.from), meaning, end(s.to));
    const kinds = format(t("%(kind)s “%(text)s” %(meaning)s %(other)s “%(otherText)s”"), {
      kind: kindOf(scene.sticky(s.from)?.kind).label,
      text: this.#label(s.from),
      meaning: s.meaning,
      other: kindOf(scene.sticky(s.to)?.kind).label.toLowerCase(),
      otherText: this.#label(s.to),
    });
    show.setAttribute("aria-label", format(t("Show: %(link)s"), { link: kinds }));
    li.append(show);
    if (write) {
      const add = document.createElement("button");
      add.type = "button";
      add.className = "button button--small button--quiet suggestion__add";
      add.dataset.suggestionAdd = "";
      add.textContent = t("Add");
      add.setAttribute("aria-label", format(t("Add the link: %(link)s"), { link: kinds }));
      li.append(add);
    }
    return li;
  }
}

function midpoint(p, q) {
  return { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
}

function badgeRadius(z) {
  return Math.min(9 / z, 40);
}

function dashedArrow(ctx, p, q, z, strong) {
  const head = Math.min(Math.max(11, 8 / z), 36);
  drawArrow(ctx, p, q, head, strong ? COLOUR : SOFT, (strong ? 3 : 2) / z, [9 / z, 6 / z]);
}

function plus(ctx, c, z, strong) {
  const r = badgeRadius(z);
  ctx.fillStyle = strong ? COLOUR : "#ffffff";
  ctx.strokeStyle = COLOUR;
  ctx.lineWidth = 1.5 / z;
  ctx.beginPath();
  ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
  ctx.fill();
  ctx.stroke();
  ctx.strokeStyle = strong ? "#ffffff" : COLOUR;
  ctx.lineWidth = 2 / z;
  ctx.beginPath();
  ctx.moveTo(c.x - r * 0.5, c.y);
  ctx.lineTo(c.x + r * 0.5, c.y);
  ctx.moveTo(c.x, c.y - r * 0.5);
  ctx.lineTo(c.x, c.y + r * 0.5);
  ctx.stroke();
}

function caption(ctx, text, c, z) {
  const size = 12 / z;
  const label = text;
  ctx.font = font(size, 600);
  const width = ctx.measureText(label).width + 12 / z;
  const x = c.x - width / 2;
  const y = c.y + badgeRadius(z) + 6 / z;
  ctx.fillStyle = COLOUR;
  ctx.beginPath();
  ctx.roundRect(x, y, width, size * 1.7, 4 / z);
  ctx.fill();
  ctx.fillStyle = "#ffffff";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(label, c.x, y + size * 0.85);
}
