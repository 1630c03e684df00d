// @ts-check
// The board's layout tools, in one panel (the bar's "Layout" button) and on
// the canvas:
//  - arrange the selection: align (left, centre, right, top, middle, bottom)
//    and space it evenly (timeline.js);
//  - tidy the timeline: events left to right in their order, one row per
//    swimlane (timeline.js);
//  - swimlanes: bands under the stickies with their names at the left edge
//    (lane_view.js, lanes.js);
//  - pivotal events drawn as chapter breaks across the board (dividers.js);
//  - suggested links in the attribute phase (suggestion_view.js,
//    suggestions.js);
//  - frame the selection as an aggregate or a bounded context, with a
//    suggested name (framing.js).
// Every gesture that moves or makes several things is one batch: one Ctrl+Z
// takes it back whole, for everyone.

import { newId } from "./connection.js";
import { drawDividers, pivotalDividers } from "./dividers.js";
import { frameBox, frameKindFor, frameName } from "./framing.js";
import { kindOf } from "./kinds.js";
import { LaneView } from "./lane_view.js";
import { SuggestionView } from "./suggestion_view.js";
import { alignMoves, carryContents, distributeMoves, tidyTimeline } from "./timeline.js";
import { format, t, tn } from "./i18n.js";
import { LIMITS } from "./vocabulary.js";
import { buttonById, buttons, closest, detail, dialogById, every, first, formById, inputById } from "./dom.js";

// The largest sticky the server takes.
const MAX_SIZE = LIMITS.max_size;
const ALIGNED = {
  left: () => t("Their left edges are lined up already."),
  centre: () => t("Their centres are lined up already."),
  right: () => t("Their right edges are lined up already."),
  top: () => t("Their tops are lined up already."),
  middle: () => t("Their middles are lined up already."),
  bottom: () => t("Their bottoms are lined up already."),
};

export function install(app) {
  app.layout = new LayoutTools(app);
}

export class LayoutTools {
  constructor(app) {
    this.app = app;
    const $ = (id) => document.getElementById(id);
    this.panel = $("layout-panel");
    this.toggle = $("layout-toggle");
    this.arrangeHint = $("layout-arrange-hint");
    this.tidyButton = buttonById("layout-tidy");
    this.frameButton = buttonById("layout-frame-open");
    this.frameHint = $("layout-frame-hint");
    this.dialog = dialogById("layout-frame-dialog");
    this.form = formById("layout-frame-form");
    this.nameInput = inputById("layout-frame-name");
    this.why = $("layout-frame-why");
    this.frameError = $("layout-frame-error");
    this.bar = $("selection-bar");
    this.loaded = false;
    this.framing = null;

    this.lanes = new LaneView(app, {
      tags: $("lane-tags"),
      list: $("layout-lanes"),
      count: $("layout-lane-count"),
      addButton: $("layout-lane-add"),
      hint: $("layout-lanes-hint"),
      openPanel: () => this.show(true),
    });
    app.renderer.addLayer("under", (ctx, info) => this.drawDividers(ctx, info));
    this.suggestions = new SuggestionView(app, {
      toggle: $("layout-suggest-toggle"),
      list: $("layout-suggestions"),
      count: $("layout-suggest-count"),
      addAll: $("layout-suggest-all"),
      hint: $("layout-suggest-hint"),
    });

    this.toggle.addEventListener("click", () => this.show(this.panel.hidden));
    this.panel.addEventListener("click", (e) => this.panelClick(e));
    app.store.addEventListener("change", (e) => {
      if (e.detail?.reason === "reset") this.loaded = true;
      this.schedule();
    });
    app.scene.addEventListener("selection", () => this.schedule());
    this.bar.addEventListener("selectionbar", (e) => this.selectionBar(detail(e)));
    this.bar.addEventListener("click", (e) => {
      const button = closest(e, "[data-feature]");
      if (button?.dataset.feature === "arrange") this.show(true, "#layout-arrange [data-align]");
      if (button?.dataset.feature === "frame") this.openFrame();
    });
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.createFrame();
    });
    this.form.addEventListener("change", (e) => {
      if (/** @type {HTMLInputElement} */ (e.target).name === "kind") this.suggestName();
    });
    this.nameInput.addEventListener("input", () => {
      if (this.framing) this.framing.edited = true;
      this.#frameError(null);
    });
    // Other panels on the right side open and close: keep clear of them.
    const others = new MutationObserver(() => this.place());
    for (const panel of app.stage.querySelectorAll(".side-panel")) {
      if (panel !== this.panel) others.observe(panel, { attributes: true, attributeFilter: ["hidden"] });
    }
    this.refresh();
  }

  phase() {
    return (this.loaded && this.app.scene.store.board?.phase) || this.app.board.dataset.phase;
  }

  // -- the panel -----------------------------------------------------------------------

  show(open, focus = null) {
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    this.toggle.setAttribute("aria-pressed", String(open));
    if (!open) return;
    this.place();
    this.refresh();
    const target = focus ? this.panel.querySelector(focus) : null;
    (target && !target.disabled ? target : this.panel.querySelector(".side-panel__head button"))?.focus();
    if (target) target.closest("section")?.scrollIntoView({ block: "nearest" });
  }

  /** Right of the page's other side panels that are open, as they stack from the right. */
  place() {
    if (this.panel.hidden) return;
    const stage = this.app.stage.getBoundingClientRect();
    let right = 12;
    for (const other of this.app.stage.querySelectorAll(".side-panel")) {
      if (other === this.panel || other.hidden) continue;
      const r = other.getBoundingClientRect();
      if (r.width && r.left > stage.left + stage.width / 2) right = Math.max(right, stage.right - r.left + 12);
    }
    this.panel.style.right = `${Math.round(right)}px`;
  }

  panelClick(e) {
    const button = e.target.closest("button");
    if (!button) return;
    if (button.dataset.layout === "close") {
      this.show(false);
      this.toggle.focus();
    } else if (button.dataset.align) this.align(button.dataset.align);
    else if (button.dataset.distribute) this.distribute(button.dataset.distribute);
    else if (button === this.tidyButton) this.tidy();
    else if (button === this.frameButton) this.openFrame();
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.refresh();
    });
  }

  refresh() {
    const phase = this.phase();
    this.panel.dataset.phase = phase;
    this.suggestions.setPhase(phase);
    if (this.panel.hidden) return;
    const write = this.app.scene.canWrite;
    const selected = this.selected();
    for (const b of buttons(this.panel, "[data-align]")) b.disabled = !write || selected.length < 2;
    for (const b of buttons(this.panel, "[data-distribute]")) b.disabled = !write || selected.length < 3;
    this.arrangeHint.textContent = !write
      ? t("You can look at this board but not change it.")
      : selected.length < 2
        ? t("Select two or more stickies (Shift+click or Shift+drag) to line them up; three or more to space them evenly.")
        : format(t("%(count)s stickies selected."), { count: selected.length });
    const events = selected.filter((s) => s.kind === "event");
    this.tidyButton.textContent = events.length >= 2 ? format(t("Tidy the %(count)s selected events"), { count: events.length }) : t("Tidy the timeline");
    this.tidyButton.disabled = !write || !this.allStickies().some((s) => s.kind === "event");
    this.frameButton.disabled = !write || !selected.length;
    this.frameButton.textContent = frameKindFor(phase) === "context" ? t("Frame the selection as a bounded context…") : t("Frame the selection as an aggregate…");
    this.frameHint.textContent = selected.length
      ? format(tn("Around the %(count)s selected sticky, with a name to start from.", "Around the %(count)s selected stickies, with a name to start from.", selected.length), { count: selected.length })
      : t("Select what belongs together, then frame it as an aggregate or a bounded context.");
    this.suggestions.render();
    this.lanes.renderList();
  }

  selected() {
    const { scene } = this.app;
    return [...scene.selection].map((id) => scene.sticky(id)).filter(Boolean);
  }

  allStickies() {
    const { scene } = this.app;
    const { frames, notes } = scene.ordered();
    return [...frames, ...notes].map((id) => scene.sticky(id)).filter(Boolean);
  }

  // -- the selection bar's buttons ---------------------------------------------------------

  selectionBar({ stickies, write }) {
    const arrange = first(this.bar, '[data-feature="arrange"]');
    const frame = first(this.bar, '[data-feature="frame"]');
    const phase = this.phase();
    arrange.hidden = !write || stickies.length < 2;
    // Framing one frame of the very kind it would draw makes no sense.
    const kind = frameKindFor(phase);
    frame.hidden =
      !write || !stickies.length || (phase !== "aggregate" && phase !== "bound") || stickies.every((s) => s.kind === kind);
    const label = kind === "context" ? t("Frame as a bounded context") : t("Frame as an aggregate");
    if (frame.title !== label) frame.title = label;
  }

  // -- arranging ---------------------------------------------------------------------------

  #move(moves, done) {
    if (!moves.length) {
      this.app.toasts.show(done.none);
      return false;
    }
    this.app.actions.move(moves);
    if (done.some) this.app.toasts.show(done.some);
    return true;
  }

  align(mode) {
    if (!this.app.scene.canWrite) return;
    const boxes = this.selected();
    if (boxes.length < 2) return this.app.toasts.show(t("Select two or more stickies to line them up."));
    const moves = carryContents(alignMoves(boxes, mode), this.allStickies());
    this.#move(moves, { none: ALIGNED[mode]() });
  }

  distribute(axis) {
    if (!this.app.scene.canWrite) return;
    const boxes = this.selected();
    if (boxes.length < 3) return this.app.toasts.show(t("Select three or more stickies to space them evenly."));
    const moves = carryContents(distributeMoves(boxes, axis), this.allStickies());
    this.#move(moves, { none: t("They are evenly spaced already.") });
  }

  tidy() {
    if (!this.app.scene.canWrite) return;
    const all = this.allStickies();
    const chosen = this.selected().filter((s) => s.kind === "event");
    const only = chosen.length >= 2 ? new Set(chosen.map((s) => s.id)) : null;
    const count = only ? only.size : all.filter((s) => s.kind === "event").length;
    if (!count) return this.app.toasts.show(t("There are no events to put in order yet."));
    const moves = tidyTimeline(all, this.lanes.lanes(), { only });
    this.#move(moves, {
      none: t("The timeline is tidy already."),
      some: format(tn("Tidied %(count)s event. Ctrl+Z puts it back.", "Tidied %(count)s events. Ctrl+Z puts them back.", count), { count }),
    });
  }

  // -- pivotal dividers ----------------------------------------------------------------------

  drawDividers(ctx, { zoom, view }) {
    const { scene, viewport } = this.app;
    const dividers = pivotalDividers(scene.ordered().notes.map((id) => scene.sticky(id)).filter(Boolean));
    if (!dividers.length) return;
    const guide = document.getElementById("phase-guide");
    let avoid = null;
    if (guide && guide.offsetParent) {
      const stage = this.app.stage.getBoundingClientRect();
      const r = guide.getBoundingClientRect();
      const a = viewport.toWorld(r.left - stage.left, 0);
      const b = viewport.toWorld(r.right - stage.left, r.bottom - stage.top);
      avoid = { left: a.x, right: b.x, bottom: b.y };
    }
    drawDividers(ctx, dividers, { zoom, view, screenTop: viewport.y, avoid });
  }

  // -- framing ---------------------------------------------------------------------------------

  openFrame() {
    if (!this.app.scene.canWrite) return;
    const stickies = this.selected();
    if (!stickies.length) return this.app.toasts.show(t("Select the stickies that belong together first."));
    this.framing = { ids: stickies.map((s) => s.id), edited: false };
    const kind = frameKindFor(this.phase());
    for (const radio of this.kindRadios()) radio.checked = radio.value === kind;
    this.#frameError(null);
    this.suggestName();
    this.dialog.showModal();
    this.nameInput.focus();
    this.nameInput.select();
  }

  frameKind() {
    return this.kindRadios().find((radio) => radio.checked)?.value || "aggregate";
  }

  /** The frame dialog's choice of kind (its radio buttons named "kind"). */
  kindRadios() {
    return /** @type {HTMLInputElement[]} */ (every(this.form, 'input[name="kind"]'));
  }

  /** Put a name guessed from the selection in the field, unless the person typed one. */
  suggestName() {
    if (!this.framing) return;
    const { scene } = this.app;
    const stickies = this.framing.ids.map((id) => scene.sticky(id)).filter(Boolean);
    const kind = this.frameKind();
    const guess = frameName(stickies, kind);
    if (!this.framing.edited) this.nameInput.value = guess.name;
    const what = kindOf(kind).label.toLowerCase();
    if (guess.name) {
      let from = guess.from.slice(0, 4).map((text) => format(t("“%(text)s”"), { text: text.split("\n")[0] })).join(t(", "));
      if (guess.from.length > 4) from = format(t("%(names)s and %(count)s more"), { names: from, count: guess.from.length - 4 });
      this.why.textContent = format(t("Suggested from %(names)s. Name the %(kind)s after what it does, in the group's words."), { names: from, kind: what });
    } else {
      this.why.textContent = format(t("Nothing in the selection suggests a name: name the %(kind)s after what it does."), { kind: what });
    }
    this.form.querySelector("#layout-frame-create").textContent = format(t("Draw the %(kind)s"), { kind: what });
  }

  #frameError(message) {
    this.frameError.hidden = !message;
    this.frameError.textContent = message || "";
    if (message) this.nameInput.setAttribute("aria-invalid", "true");
    else this.nameInput.removeAttribute("aria-invalid");
  }

  createFrame() {
    const { scene, actions } = this.app;
    if (!this.framing || !scene.canWrite) return;
    const kind = this.frameKind();
    const what = kindOf(kind).label.toLowerCase();
    const name = this.nameInput.value.trim();
    if (!name) return this.#frameError(format(t("Give the %(kind)s a name: the group can change it later."), { kind: what }));
    if ([...name].length > 500) return this.#frameError(t("A name can be at most 500 characters."));
    const stickies = this.framing.ids.map((id) => scene.sticky(id)).filter(Boolean);
    if (!stickies.length) return this.#frameError(t("The selected stickies are gone: someone deleted them."));
    const box = frameBox(stickies);
    if (box.width > MAX_SIZE || box.height > MAX_SIZE) {
      return this.#frameError(format(t("The selection is too large for one frame (at most %(max)s board units across)."), { max: MAX_SIZE.toLocaleString("en") }));
    }
    const id = newId();
    actions.step(() => actions.create(kind, box.x, box.y, { id, text: name, width: box.width, height: box.height }));
    this.framing = null;
    this.dialog.close();
    scene.select([id]);
    document.getElementById("board-canvas").focus({ preventScroll: true });
    this.app.toasts.show(
      format(tn("%(kind)s “%(name)s” drawn around %(count)s sticky.", "%(kind)s “%(name)s” drawn around %(count)s stickies.", stickies.length), { kind: kindOf(kind).label, name, count: stickies.length }),
    );
  }
}
