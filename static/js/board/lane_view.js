// @ts-check
// Swimlanes on the page: full-width bands drawn under the stickies, a tag
// with each lane's name at the left edge of the screen whatever the pan and
// zoom (drag it to move the lane, drag the grip under it to resize it; a
// click opens the lane's fields), and the list in the layout panel (name,
// top, height, remove; add a lane). Anyone who may write sets lanes; the
// others see them read-only.
//
// `lanes.set` replaces the whole list (lanes.js makes the next list). What
// this page sent shows at once and stays until the board has it, so a lane
// let go does not jump back while its event travels.

import { newId } from "./connection.js";
import { changeLane, checkLane, forCommand, MAX_LANES, newLane, removeLane, resizeLane } from "./lanes.js";
import { format, t } from "./i18n.js";

const FILLS = ["rgba(28, 126, 214, 0.055)", "rgba(91, 98, 114, 0.05)"];
const EDGE = "rgba(91, 98, 114, 0.38)";
// Screen pixels a press must travel before it moves a lane (less is a click).
const DRAG_THRESHOLD = 4;
// Screen pixels between the palette and the lanes' tags, and above a tag.
const TAG_LEFT = 10;
const TAG_INSET = 6;

export class LaneView {
  constructor(app, { tags, list, count, addButton, hint, openPanel }) {
    this.app = app;
    this.tags = tags;
    this.list = list;
    this.count = count;
    this.addButton = addButton;
    this.hint = hint;
    this.openPanel = openPanel;
    // The list this page sent and the board does not hold yet, or null.
    this.local = null;
    this.sending = 0;
    this.waitSeq = null;
    this.gesture = null;

    app.renderer.addLayer("under", (ctx, info) => this.draw(ctx, info));
    app.store.addEventListener("change", () => this.storeChanged());
    app.scene.addEventListener("change", () => this.refreshIfShownChanged());
    addButton.addEventListener("click", () => this.add());
    list.addEventListener("change", (e) => {
      const row = e.target.closest("[data-lane]");
      if (row && e.target.matches("input")) this.saveRow(row);
    });
    list.addEventListener("click", (e) => {
      const remove = e.target.closest("[data-lane-remove]");
      if (remove) this.remove(remove.closest("[data-lane]").dataset.lane);
    });
    tags.addEventListener("pointerdown", (e) => this.pointerDown(e));
    tags.addEventListener("click", (e) => {
      // A keyboard "click" (Enter, Space) opens the lane's fields; a pointer
      // click is handled by pointerup (it may have been a drag).
      const tag = e.target.closest("[data-lane-tag]");
      if (tag && e.detail === 0) this.edit(tag.dataset.laneTag);
    });
    this.shown = null;
    this.renderList();
  }

  /** The lanes as shown: what this page sent, else the board's (or the past board's). */
  lanes() {
    const { scene } = this.app;
    if (scene.showingPast) return scene.store.board?.lanes ?? [];
    return this.local ?? scene.store.board?.lanes ?? [];
  }

  get canWrite() {
    return this.app.scene.canWrite;
  }

  storeChanged() {
    if (this.local && this.waitSeq !== null && this.app.store.seq >= this.waitSeq) this.#settle();
    this.renderList();
    this.app.renderer.request();
  }

  refreshIfShownChanged() {
    // The scene may show another board (history) or turn read-only (a lock).
    const key = `${this.app.scene.store === this.app.store}:${this.canWrite}`;
    if (key !== this.shown) {
      this.shown = key;
      this.renderList();
    }
  }

  #settle() {
    this.local = null;
    this.waitSeq = null;
  }

  // -- drawing -------------------------------------------------------------------

  draw(ctx, { zoom, view }) {
    const lanes = [...this.lanes()].sort((a, b) => a.y - b.y);
    lanes.forEach((lane, i) => {
      if (lane.y > view.y + view.height || lane.y + lane.height < view.y) return;
      ctx.fillStyle = FILLS[i % 2];
      ctx.fillRect(view.x, lane.y, view.width, lane.height);
      ctx.strokeStyle = EDGE;
      ctx.lineWidth = 1.25 / zoom;
      ctx.beginPath();
      ctx.moveTo(view.x, lane.y);
      ctx.lineTo(view.x + view.width, lane.y);
      ctx.moveTo(view.x, lane.y + lane.height);
      ctx.lineTo(view.x + view.width, lane.y + lane.height);
      ctx.stroke();
    });
    this.placeTags(lanes);
  }

  /** Each lane's tag at the left edge of the screen, inside the lane's band. */
  placeTags(lanes) {
    const { viewport } = this.app;
    const palette = document.getElementById("palette");
    const stage = this.app.stage.getBoundingClientRect();
    const left = palette ? Math.max(TAG_LEFT, palette.getBoundingClientRect().right - stage.left + TAG_LEFT) : TAG_LEFT;
    const seen = new Set();
    for (const lane of lanes) {
      seen.add(lane.id);
      const { tag, grip } = this.#tagOf(lane);
      const top = viewport.toScreen(0, lane.y).y;
      const bottom = viewport.toScreen(0, lane.y + lane.height).y;
      const onScreen = bottom > 0 && top < viewport.height;
      tag.hidden = !onScreen;
      grip.hidden = !onScreen || !this.canWrite || bottom > viewport.height - 4;
      if (!onScreen) continue;
      const height = tag.offsetHeight || 26;
      let y = Math.max(top + TAG_INSET, TAG_INSET);
      y = Math.min(y, bottom - height - TAG_INSET);
      if (bottom - top < height + 2 * TAG_INSET) y = (top + bottom) / 2 - height / 2;
      tag.style.transform = `translate(${Math.round(left)}px, ${Math.round(y)}px)`;
      grip.style.transform = `translate(${Math.round(left)}px, ${Math.round(bottom)}px)`;
    }
    for (const tag of [...this.tags.querySelectorAll("[data-lane-tag]")]) {
      if (!seen.has(tag.dataset.laneTag)) tag.remove();
    }
    for (const grip of [...this.tags.querySelectorAll("[data-lane-grip]")]) {
      if (!seen.has(grip.dataset.laneGrip)) grip.remove();
    }
  }

  #tagOf(lane) {
    let tag = this.tags.querySelector(`[data-lane-tag="${CSS.escape(lane.id)}"]`);
    let grip = this.tags.querySelector(`[data-lane-grip="${CSS.escape(lane.id)}"]`);
    if (!tag) {
      tag = document.createElement("button");
      tag.type = "button";
      tag.className = "lane-tag";
      tag.dataset.laneTag = lane.id;
      grip = document.createElement("button");
      grip.type = "button";
      grip.className = "lane-grip";
      grip.dataset.laneGrip = lane.id;
      grip.tabIndex = -1;
      this.tags.append(tag, grip);
    }
    const name = lane.name || t("Unnamed lane");
    if (tag.textContent !== name) tag.textContent = name;
    tag.classList.toggle("lane-tag--unnamed", !lane.name);
    tag.classList.toggle("lane-tag--readonly", !this.canWrite);
    const label = this.canWrite
      ? format(t("Lane %(name)s: drag to move it, press to edit it"), { name })
      : format(t("Lane %(name)s"), { name });
    if (tag.getAttribute("aria-label") !== label) tag.setAttribute("aria-label", label);
    grip.setAttribute("aria-label", format(t("Resize lane %(name)s: drag"), { name }));
    grip.title = t("Drag to resize the lane");
    return { tag, grip };
  }

  // -- dragging a tag (move) or a grip (resize) ---------------------------------------

  pointerDown(e) {
    const tag = e.target.closest("[data-lane-tag]");
    const grip = e.target.closest("[data-lane-grip]");
    if ((!tag && !grip) || e.button !== 0) return;
    const id = tag ? tag.dataset.laneTag : grip.dataset.laneGrip;
    const lane = this.lanes().find((l) => l.id === id);
    if (!lane) return;
    e.preventDefault();
    const target = tag || grip;
    target.setPointerCapture(e.pointerId);
    const base = this.lanes();
    this.gesture = { id, resize: Boolean(grip), startY: e.clientY, lane, base, moved: false };
    const move = (ev) => {
      const g = this.gesture;
      if (!g || !this.canWrite) return;
      const dy = ev.clientY - g.startY;
      if (!g.moved && Math.abs(dy) < DRAG_THRESHOLD) return;
      g.moved = true;
      const by = dy / this.app.viewport.zoom;
      g.result = g.resize
        ? resizeLane(g.base, id, g.lane.y + g.lane.height + by)
        : changeLane(g.base, id, { y: Math.round(g.lane.y + by) });
      this.local = g.result;
      this.app.board.classList.add("board--moving-lane");
      this.app.renderer.request();
    };
    const up = () => {
      target.removeEventListener("pointermove", move);
      target.removeEventListener("pointerup", up);
      target.removeEventListener("pointercancel", up);
      this.app.board.classList.remove("board--moving-lane");
      const g = this.gesture;
      this.gesture = null;
      if (!g) return;
      if (g.moved && g.result) this.send(g.result);
      else if (!g.resize) this.edit(id);
    };
    target.addEventListener("pointermove", move);
    target.addEventListener("pointerup", up);
    target.addEventListener("pointercancel", up);
  }

  // -- the list in the panel ------------------------------------------------------------

  renderList() {
    const lanes = [...this.lanes()].sort((a, b) => a.y - b.y);
    const write = this.canWrite;
    this.count.textContent = String(lanes.length);
    this.addButton.hidden = !write;
    this.addButton.disabled = lanes.length >= MAX_LANES;
    this.hint.textContent = write
      ? t("Parallel flows, top to bottom. Drag a lane's name on the board to move it, the bar under it to resize it; or type its top and height here (board units).")
      : lanes.length
        ? t("The lanes of this board. Only people who may change the board set them.")
        : t("No swimlanes on this board.");
    const rows = new Map([...this.list.querySelectorAll("[data-lane]")].map((row) => [row.dataset.lane, row]));
    lanes.forEach((lane, index) => {
      let row = rows.get(lane.id);
      rows.delete(lane.id);
      if (!row) row = this.#newRow(lane);
      if (this.list.children[index] !== row) this.list.insertBefore(row, this.list.children[index] || null);
      for (const input of row.querySelectorAll("input")) {
        input.disabled = !write;
        // Leave alone what someone is typing or fixing.
        if (document.activeElement === input || input.getAttribute("aria-invalid") === "true") continue;
        const value = String(lane[input.dataset.field] ?? "");
        if (input.value !== value) input.value = value;
      }
      row.querySelector("[data-lane-remove]").hidden = !write;
      row.querySelector("[data-lane-remove]").setAttribute("aria-label", format(t("Remove the lane %(name)s"), { name: lane.name || t("(unnamed)") }));
    });
    for (const row of rows.values()) row.remove();
  }

  #newRow(lane) {
    const row = document.createElement("li");
    row.className = "lane-row";
    row.dataset.lane = lane.id;
    const fields = document.createElement("div");
    fields.className = "lane-row__fields";
    const field = (name, label, extra) => {
      const box = document.createElement("div");
      box.className = `field lane-row__field lane-row__field--${name}`;
      const input = document.createElement("input");
      input.type = "text";
      input.id = `lane-${name}-${lane.id}`;
      input.dataset.field = name;
      input.autocomplete = "off";
      Object.assign(input, extra);
      const text = document.createElement("label");
      text.htmlFor = input.id;
      text.textContent = label;
      box.append(text, input);
      return box;
    };
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "tool lane-row__remove";
    remove.dataset.laneRemove = "";
    remove.textContent = "×";
    const error = document.createElement("p");
    error.className = "form-error lane-row__error";
    error.setAttribute("role", "alert");
    error.hidden = true;
    fields.append(
      field("name", t("Name"), { maxLength: 120, spellcheck: true }),
      field("y", t("Top"), { inputMode: "numeric" }),
      field("height", t("Height"), { inputMode: "numeric" }),
      remove,
    );
    row.append(fields, error);
    return row;
  }

  /** Check a row's fields and send the lane as typed; a mistake is said and sends nothing. */
  saveRow(row) {
    if (!this.canWrite) return;
    const id = row.dataset.lane;
    const value = (name) => row.querySelector(`[data-field="${name}"]`).value;
    const checked = checkLane({ name: value("name"), y: value("y"), height: value("height") });
    const error = row.querySelector(".lane-row__error");
    for (const input of row.querySelectorAll("input")) input.removeAttribute("aria-invalid");
    if (checked.error) {
      error.textContent = checked.error;
      error.hidden = false;
      const input = row.querySelector(`[data-field="${checked.field}"]`);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", error.id || (error.id = `lane-error-${id}`));
      return;
    }
    error.hidden = true;
    error.textContent = "";
    const lanes = this.lanes();
    const lane = lanes.find((l) => l.id === id);
    if (!lane) return;
    const { name, y, height } = checked.lane;
    if (lane.name === name && lane.y === y && lane.height === height) return;
    this.send(changeLane(lanes, id, checked.lane));
  }

  add() {
    if (!this.canWrite) return;
    const { viewport, scene } = this.app;
    const lanes = this.lanes();
    const stickies = scene.ordered().notes.map((id) => scene.sticky(id)).filter(Boolean);
    const centre = viewport.toWorld(viewport.width / 2, viewport.height / 2);
    const lane = newLane(lanes, { id: newId(), stickies, fallbackY: centre.y });
    if (!lane) {
      this.app.toasts.show(format(t("A board holds at most %(count)s swimlanes."), { count: MAX_LANES }));
      return;
    }
    this.send([...lanes, lane]);
    this.renderList();
    const input = this.list.querySelector(`[data-lane="${CSS.escape(lane.id)}"] [data-field="name"]`);
    input?.focus();
    input?.select();
    // Bring the new lane into view if it is off screen.
    const top = viewport.toScreen(0, lane.y).y;
    const bottom = viewport.toScreen(0, lane.y + lane.height).y;
    if (bottom < 0 || top > viewport.height) viewport.centreOn(centre.x, lane.y + lane.height / 2);
  }

  remove(id) {
    if (!this.canWrite) return;
    const lanes = this.lanes();
    if (!lanes.some((l) => l.id === id)) return;
    this.send(removeLane(lanes, id));
    this.renderList();
    this.addButton.focus();
  }

  /** Open the panel at lane `id`'s fields. */
  edit(id) {
    this.openPanel();
    this.renderList();
    const input = this.list.querySelector(`[data-lane="${CSS.escape(id)}"] [data-field="name"]`);
    if (!input) return;
    input.scrollIntoView({ block: "nearest" });
    input.focus();
    if (!input.disabled) input.select();
  }

  /** Send `lanes` as the board's whole list; shown at once, taken back if refused. */
  async send(lanes) {
    const clean = forCommand(lanes);
    const mine = ++this.sending;
    this.local = clean;
    this.waitSeq = null;
    this.app.renderer.request();
    const ack = await this.app.actions.send("lanes.set", { lanes: clean });
    if (mine !== this.sending) return;
    if (!ack) this.#settle();
    else if (this.app.store.seq >= ack.seq) this.#settle();
    else this.waitSeq = ack.seq;
    this.renderList();
    this.app.renderer.request();
  }
}
