// @ts-check
// The board's history: a panel with a time slider over the log and the
// activity feed (who did what, newest first), the board as it was at any
// change, read-only, and, for facilitators, restoring the board to it.
//
// How the past is shown: the page keeps its live store, which goes on
// folding live events; a second BoardStore holds the board at the chosen
// seq and the scene is pointed at it (`scene.show(store)`), so the same
// renderer, minimap, outline and details panel show the past with no code
// of their own, and the scene is read-only while it does (scene.js). Going
// back to live points the scene at the live store again: what changed
// meanwhile is simply there.
//
// The words come from activity.js, the log and the boards of the past from
// history_log.js; this module is the DOM around them.

import {
  bannerText,
  clock,
  describeEntry,
  entriesOf,
  pointOf,
  restoreCommandId,
  restoreDiff,
  restoreItems,
  touchedBy,
} from "./activity.js";
import { newId } from "./connection.js";
import { bounds, intersects } from "./geometry.js";
import { HistoryLog } from "./history_log.js";
import { format, t, tn } from "./i18n.js";
import { buttonById, buttons, closest, detail, dialogById, every, first, focused, inputById } from "./dom.js";

// After the slider stops: quick when the board can be folded here, longer
// when the server must fold it (one request per pause, not per step).
const SETTLE_LOCAL_MS = 40;
const SETTLE_REMOTE_MS = 250;
// The feed is drawn again at most this often while events pour in.
const RENDER_MS = 150;
// Up to so many stickies of an entry are outlined one by one.
const MAX_OUTLINED = 40;

export function install(app) {
  app.history = new BoardHistory(app);
}

export class BoardHistory {
  constructor(app) {
    const { board, boardId, store, scene, viewport, renderer, connection, me } = app;
    this.app = app;
    this.board = board;
    this.boardId = boardId;
    this.store = store;
    this.scene = scene;
    this.viewport = viewport;
    this.renderer = renderer;
    this.connection = connection;
    this.me = me;
    const $ = (id) => document.getElementById(id);
    this.toggle = $("history-toggle");
    this.panel = $("history-panel");
    this.slider = inputById("history-slider");
    this.position = $("history-position");
    this.marksBox = $("history-marks");
    this.feed = $("history-feed");
    this.feedStatus = $("history-feed-status");
    this.olderButton = buttonById("history-older");
    this.banner = $("history-banner");
    this.bannerLabel = $("history-banner-text");
    this.restoreButton = buttonById("history-restore");
    this.dialog = dialogById("history-restore-dialog");
    this.colour = getComputedStyle(board).getPropertyValue("--history").trim() || "#e8590c";

    this.log = null;
    this.members = new Map();
    this.asked = new Set();
    // What the canvas shows: null (live) or {seq, at, store}.
    this.viewing = null;
    // The seq the slider asks for, and the request on its way.
    this.target = null;
    this.request = 0;
    this.abort = null;
    this.timer = null;
    this.renderTimer = null;
    this.highlight = new Set();
    this.activeKey = null;
    this.notice = null;
    this.headFrame = null;

    // The banner sits above the canvas, in the board's column (where the
    // read-only notice goes), so that it hides nothing on the board.
    app.stage.before(this.banner);

    renderer.addLayer("top", (ctx, info) => this.draw(ctx, info));
    this.toggle.addEventListener("click", () => this.show(this.panel.hidden));
    this.panel.addEventListener("click", (e) => this.clicked(e));
    // Only `input`: keys fire `change` at every step too, and each step must
    // not be a request.
    this.slider.addEventListener("input", () => this.goTo(Number(this.slider.value)));
    this.banner.addEventListener("click", (e) => {
      if (closest(e, "[data-history=live]")) this.live();
      if (closest(e, "[data-history=restore]")) this.confirmRestore();
    });
    this.dialog.addEventListener("click", (e) => {
      const button = /** @type {HTMLButtonElement | null} */ (closest(e, "button[value]"));
      if (button) this.dialog.close(button.value);
    });
    store.addEventListener("change", () => this.headMoved());
    connection.addEventListener("event", (e) => this.log?.live(e.detail.message));
    connection.addEventListener("membership", () => this.renderBanner());
    this.renderPosition();
  }

  get head() {
    return this.store.seq;
  }

  get facilitator() {
    return (this.connection.me?.role ?? this.me.role) === "facilitator";
  }

  // -- the panel -----------------------------------------------------------------

  show(open) {
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    if (!open) return;
    this.renderPosition();
    this.load();
  }

  async load() {
    if (!this.log) {
      this.log = new HistoryLog({ boardId: this.boardId, fetchJSON: getJSON });
      this.log.addEventListener("change", (e) => {
        if (detail(e).reason === "marks") this.renderMarks();
        else this.scheduleRender();
      });
      this.loadMembers();
    }
    if (this.log.loaded) return this.render();
    this.feedStatus.textContent = t("Reading the board's history…");
    try {
      await this.log.open(this.head);
    } catch (error) {
      this.feedStatus.textContent = format(t("The history could not be read: %(error)s"), { error: error.message });
      return;
    }
    this.render();
    this.log.scanPhases().catch(() => {});
  }

  async loadMembers() {
    try {
      const members = await getJSON(`/api/boards/${this.boardId}/members/`);
      for (const member of members) this.members.set(member.id, member.display_name);
      this.scheduleRender();
    } catch {
      // Names are a nicety: the feed says "Someone" without them.
    }
  }

  who(memberId) {
    if (!memberId) return t("Someone");
    if (memberId === this.me.member) return t("You");
    const name = this.members.get(memberId);
    if (name) return name;
    // Someone who joined after the list was read: read it again, once.
    if (!this.asked.has(memberId)) {
      this.asked.add(memberId);
      this.loadMembers();
    }
    return t("A former member");
  }

  clicked(e) {
    if (e.target.closest("[data-history=close]")) return this.show(false);
    if (e.target.closest("[data-history=older]")) return this.older();
    if (e.target.closest("[data-history=live]")) return this.live();
    const step = e.target.closest("[data-history-step]");
    if (step) {
      const from = this.viewing ? this.target ?? this.viewing.seq : this.head;
      return this.goTo(Math.max(0, Math.min(this.head, from + Number(step.dataset.historyStep))), { now: true });
    }
    const mark = e.target.closest("[data-mark]");
    if (mark) return this.goTo(Number(mark.dataset.mark), { now: true });
    const entry = e.target.closest("[data-entry]");
    if (entry) return this.openEntry(entry.dataset.entry);
  }

  async older() {
    this.olderButton.disabled = true;
    this.olderButton.textContent = t("Reading older changes…");
    try {
      await this.log.older();
    } catch (error) {
      this.app.toasts.error(format(t("The older changes could not be read: %(error)s"), { error: error.message }));
    }
    this.olderButton.disabled = false;
    this.render();
  }

  // -- moving in time ------------------------------------------------------------

  /**
   * Show the board as it was right after change `seq` (the live board at the
   * head). The slider moves at once; the board follows when the slider rests.
   */
  goTo(seq, { now = false, highlight = [], entryKey = null } = {}) {
    if (!Number.isInteger(seq) || seq < 0) return;
    this.activeKey = entryKey;
    this.highlight = new Set(highlight);
    if (seq >= this.head) return this.live();
    this.target = seq;
    this.slider.value = String(seq);
    this.renderPosition();
    clearTimeout(this.timer);
    const local = this.log?.loaded && this.log.foldable(seq);
    const wait = now ? 0 : local ? SETTLE_LOCAL_MS : SETTLE_REMOTE_MS;
    this.timer = setTimeout(() => this.fetch(seq), wait);
  }

  async fetch(seq) {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    const request = ++this.request;
    this.board.dataset.historyLoading = "true";
    if (!this.log) {
      // Viewing the past without the panel ever opened (a test, a link): the
      // log is read on the way.
      this.log = new HistoryLog({ boardId: this.boardId, fetchJSON: getJSON });
    }
    let past;
    try {
      past = await this.log.boardAt(seq, { signal: abort.signal });
    } catch (error) {
      if (request !== this.request) return;
      delete this.board.dataset.historyLoading;
      if (error.name !== "AbortError") this.app.toasts.error(format(t("The board at change %(seq)s could not be read: %(error)s"), { seq, error: error.message }));
      return;
    }
    if (request !== this.request || this.target !== seq) return; // a newer question is on its way
    delete this.board.dataset.historyLoading;
    this.enter({ seq, at: past.at, store: past.store });
  }

  enter(viewing) {
    const first = !this.viewing;
    this.viewing = viewing;
    this.scene.show(viewing.store);
    this.board.classList.add("board--past");
    this.board.dataset.historySeq = String(viewing.seq);
    this.boardChanged();
    this.renderBanner();
    this.renderPosition();
    this.renderFeedPosition({ reveal: true });
    if (first) {
      this.notice = this.app.toasts.show(t("You are looking at the board's past: nothing can be changed until you go back to live."));
    }
    const shown = [...this.highlight].filter((id) => viewing.store.stickies.has(id));
    if (shown.length) this.bringIntoView(shown);
  }

  /** Back to the live board, with whatever changed meanwhile. */
  live() {
    clearTimeout(this.timer);
    this.abort?.abort();
    this.request += 1;
    this.target = null;
    this.highlight.clear();
    this.activeKey = null;
    delete this.board.dataset.historyLoading;
    this.notice?.remove();
    this.notice = null;
    if (this.viewing) {
      this.viewing = null;
      this.scene.show(null);
      this.board.classList.remove("board--past");
      delete this.board.dataset.historySeq;
      this.boardChanged();
    }
    this.renderBanner();
    this.renderPosition();
    this.renderFeedPosition();
  }

  // The parts of the page that draw the scene's board: told it is another.
  boardChanged() {
    const { app } = this;
    app.status.boardState(this.store.board || { phase: this.board.dataset.phase }, {
      role: this.connection.me?.role ?? this.me.role,
      canWrite: this.scene.canWrite,
    });
    app.outline.reset();
    app.inspector.refresh();
    app.minimap?.schedule();
    this.renderer.warm();
    this.renderer.request();
  }

  // Once a frame at most: a 2,000-sticky batch is 2,000 store changes.
  headMoved() {
    if (this.headFrame) return;
    this.headFrame = requestAnimationFrame(() => {
      this.headFrame = null;
      this.showHead();
    });
  }

  showHead() {
    if (this.viewing) {
      this.renderBanner();
    } else {
      this.slider.value = String(this.head);
    }
    this.renderPosition();
  }

  // -- the feed ------------------------------------------------------------------

  openEntry(key) {
    const entry = this.entries?.find((e) => String(e.key) === key);
    if (!entry) return;
    const hiddenBallot = this.hiddenBallot();
    const seq = pointOf(entry);
    this.goTo(seq, { now: true, highlight: touchedBy(entry, { hiddenBallot }), entryKey: entry.key });
    if (seq >= this.head) {
      // The newest change: the live board shows it; bring it into view.
      const ids = touchedBy(entry, { hiddenBallot }).filter((id) => this.scene.sticky(id));
      if (ids.length) this.bringIntoView(ids);
    }
  }

  hiddenBallot() {
    const voting = this.store.board?.voting;
    return voting && !voting.revealed ? voting.id ?? "open" : null;
  }

  scheduleRender() {
    if (this.renderTimer || this.panel.hidden) return;
    this.renderTimer = setTimeout(() => {
      this.renderTimer = null;
      this.render();
    }, RENDER_MS);
  }

  render() {
    this.renderPosition();
    this.renderMarks();
    if (this.panel.hidden || !this.log?.loaded) return;
    const hiddenBallot = this.hiddenBallot();
    this.entries = entriesOf(this.log.facts);
    const focus = focused();
    const entry = focus && this.feed.contains(focus) ? focus.dataset.entry : null;
    const scrolled = this.feed.scrollTop;
    const items = [];
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      items.push(this.item(this.entries[i], hiddenBallot));
    }
    this.feed.replaceChildren(...items);
    this.feed.scrollTop = scrolled;
    if (entry) first(this.feed, `[data-entry="${CSS.escape(entry)}"]`)?.focus({ preventScroll: true });
    this.feedStatus.textContent = this.entries.length ? "" : t("Nothing has happened on this board yet.");
    this.olderButton.hidden = this.log.complete;
    this.olderButton.textContent = t("Show older changes");
    first(this.panel, "[data-history=start]").hidden = !(this.log.complete && this.entries.length);
    this.renderFeedPosition();
  }

  item(entry, hiddenBallot) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "history-entry";
    button.dataset.entry = String(entry.key);
    button.dataset.first = String(entry.first);
    button.dataset.last = String(entry.last);
    const text = document.createElement("span");
    text.className = "history-entry__text";
    text.textContent = describeEntry(entry, { who: this.who(entry.by), hiddenBallot });
    const meta = document.createElement("span");
    meta.className = "history-entry__meta";
    const time = clock(entry.at);
    const changes = entry.first === entry.last ? `change ${entry.first}` : `changes ${entry.first}–${entry.last}`;
    meta.textContent = time ? `${time} · ${changes}` : changes;
    button.append(text, meta);
    button.title = t("Show the board at this point");
    li.append(button);
    return li;
  }

  /** Mark the entry being looked at, and dim those that had not happened yet. */
  renderFeedPosition({ reveal = false } = {}) {
    const seq = this.viewing ? this.viewing.seq : this.target ?? null;
    let current = null;
    for (const button of every(this.feed, "[data-entry]")) {
      const firstSeq = Number(button.dataset.first);
      const later = seq !== null && firstSeq > seq;
      button.classList.toggle("history-entry--later", later);
      if (this.activeKey !== null ? button.dataset.entry === String(this.activeKey) : !later && seq !== null && !current) {
        current = button;
      }
    }
    for (const button of this.feed.querySelectorAll("[aria-current]")) button.removeAttribute("aria-current");
    if (current && seq !== null) {
      current.setAttribute("aria-current", "true");
      if (reveal) current.scrollIntoView({ block: "nearest" });
    }
  }

  // -- the slider and its marks ------------------------------------------------------

  renderPosition() {
    const head = this.head;
    this.slider.max = String(head);
    this.slider.disabled = head === 0;
    const seq = this.viewing || this.target !== null ? this.target ?? this.viewing.seq : head;
    if (!this.viewing && this.target === null) this.slider.value = String(head);
    const at = this.viewing && this.viewing.seq === seq ? this.viewing.at : this.log?.event(seq)?.at ?? null;
    const time = clock(at);
    let text;
    if (seq >= head) text = head ? format(t("Live: change %(head)s"), { head }) : t("Live: no changes yet");
    else text = format(t("Change %(seq)s of %(head)s"), { seq, head });
    const when = document.createElement("span");
    when.className = "history-time__when";
    when.textContent = time;
    this.position.replaceChildren(text, " ", when);
    if (time) text += `, ${time}`;
    this.slider.setAttribute("aria-valuetext", text);
    buttons(this.panel, "[data-history=live]")[0].disabled = !this.viewing && this.target === null;
    for (const button of buttons(this.panel, "[data-history-step]")) {
      const delta = Number(button.dataset.historyStep);
      button.disabled = head === 0 || (delta < 0 ? seq <= 0 : seq >= head);
    }
    this.renderMarkPositions();
  }

  renderMarks() {
    const marks = this.log?.marks ?? [];
    const buttons = marks.map((mark) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `history-mark history-mark--${mark.phase}`;
      button.dataset.mark = String(mark.seq);
      const time = clock(mark.at);
      const label = time
        ? format(t("Phase “%(phase)s” from change %(seq)s (%(time)s)"), { phase: mark.title, seq: mark.seq, time })
        : format(t("Phase “%(phase)s” from change %(seq)s"), { phase: mark.title, seq: mark.seq });
      button.setAttribute("aria-label", label);
      button.title = label;
      return button;
    });
    this.marksBox.replaceChildren(...buttons);
    this.marksBox.hidden = !buttons.length;
    this.renderMarkPositions();
  }

  renderMarkPositions() {
    const head = Math.max(1, this.head);
    for (const button of every(this.marksBox, ":scope > *")) {
      button.style.left = `${(Number(button.dataset.mark) / head) * 100}%`;
    }
  }

  // -- the banner and restoring ------------------------------------------------------

  renderBanner() {
    const viewing = this.viewing;
    this.banner.hidden = !viewing;
    if (!viewing) return;
    this.bannerLabel.textContent = bannerText({ seq: viewing.seq, head: this.head, at: viewing.at });
    this.restoreButton.hidden = !this.facilitator;
  }

  async confirmRestore() {
    const viewing = this.viewing;
    if (!viewing || !this.facilitator) return;
    const diff = restoreDiff(viewing.store, this.store);
    const items = restoreItems(diff);
    const when = clock(viewing.at);
    const title = this.dialog.querySelector("#history-restore-title");
    const what = this.dialog.querySelector("#history-restore-what");
    const list = first(this.dialog, "#history-restore-items");
    const go = first(this.dialog, "button[value=restore]");
    title.textContent = format(t("Restore the board to change %(seq)s?"), { seq: viewing.seq });
    if (items.length) {
      const back = when
        ? format(t("The board goes back to how it was at change %(seq)s (%(time)s)."), { seq: viewing.seq, time: when })
        : format(t("The board goes back to how it was at change %(seq)s."), { seq: viewing.seq });
      what.textContent = `${back} ${items.length === 1 ? t("This changes for everyone at once:") : t("These change for everyone at once:")}`;
      list.replaceChildren(...items.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
    } else {
      what.textContent = t("The board's stickies, links and votes are as they were then: there is nothing to restore.");
      list.replaceChildren();
    }
    list.hidden = !items.length;
    go.hidden = !items.length;
    go.textContent = format(tn("Restore %(count)s change", "Restore %(count)s changes", diff.total), { count: diff.total });
    this.dialog.returnValue = "";
    this.dialog.showModal();
    const answer = await new Promise((resolve) => {
      this.dialog.addEventListener("close", () => resolve(this.dialog.returnValue), { once: true });
    });
    if (answer !== "restore" || this.viewing !== viewing) return;
    this.restore(viewing.seq);
  }

  async restore(seq) {
    this.restoreButton.disabled = true;
    try {
      await this.connection.command("board.restore", { seq }, { id: restoreCommandId(seq, newId()) });
    } catch (error) {
      this.app.toasts.error(error?.message || t("The board could not be restored."));
      return;
    } finally {
      this.restoreButton.disabled = false;
    }
    this.live();
    this.app.toasts.show(format(t("The board is back as it was at change %(seq)s. Ctrl+Z takes the restore back."), { seq }));
    // Back on the canvas, where Ctrl+Z undoes it.
    document.getElementById("board-canvas").focus({ preventScroll: true });
  }

  // -- on the canvas --------------------------------------------------------------------

  /** Bring `ids` into view, clear of the panel and the palette. */
  bringIntoView(ids) {
    const box = bounds(ids.map((id) => this.scene.sticky(id)).filter(Boolean));
    if (!box) return;
    const stage = this.app.stage.getBoundingClientRect();
    const panel = this.panel.hidden ? null : this.panel.getBoundingClientRect();
    const palette = document.getElementById("palette")?.getBoundingClientRect();
    this.viewport.fit(box, {
      left: Math.max(48, (palette ? palette.right - stage.left : 0) + 24),
      right: Math.max(48, panel ? stage.right - panel.left + 24 : 48),
      top: 96,
      bottom: 48,
    });
  }

  /**
   * The stickies of the entry looked at, in the history colour: each one
   * outlined when they are few and near; many, or from afar, a tint on each
   * and one frame around them all (a thousand dashed outlines are noise).
   */
  draw(ctx, { zoom, view }) {
    if (!this.viewing || !this.highlight.size) return;
    const unit = 1 / zoom;
    const shown = [...this.highlight].map((id) => this.scene.sticky(id)).filter(Boolean);
    if (!shown.length) return;
    ctx.strokeStyle = this.colour;
    ctx.fillStyle = this.colour;
    if (shown.length <= MAX_OUTLINED && zoom >= 0.25) {
      ctx.lineWidth = 4 * unit;
      ctx.setLineDash([10 * unit, 6 * unit]);
      const gap = 6 * unit;
      for (const s of shown) {
        if (!intersects(s, view)) continue;
        ctx.beginPath();
        ctx.roundRect(s.x - gap, s.y - gap, s.width + 2 * gap, s.height + 2 * gap, 8 * unit);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      return;
    }
    ctx.globalAlpha = 0.3;
    for (const s of shown) if (intersects(s, view)) ctx.fillRect(s.x, s.y, s.width, s.height);
    ctx.globalAlpha = 1;
    const box = bounds(shown);
    const gap = 12 * unit;
    ctx.lineWidth = 3 * unit;
    ctx.setLineDash([12 * unit, 8 * unit]);
    ctx.strokeRect(box.x - gap, box.y - gap, box.width + 2 * gap, box.height + 2 * gap);
    ctx.setLineDash([]);
  }
}

/** @param {string} url @param {{signal?: AbortSignal}} [options] */
async function getJSON(url, { signal } = {}) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.message || format(t("the server answered %(status)s"), { status: response.status }));
  return body;
}
