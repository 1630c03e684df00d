// @ts-check
// The model's checks on the board: a badge on each flagged sticky, a panel
// listing the findings of the board's phase (what each check means and how to
// fix it, a click brings the sticky into view), and what is still open in
// the phase guide.
//
// The server derives the model and runs the checks (GET /api/boards/<id>/model/,
// open to every member); this module only shows them. It asks again a little
// after the board stops changing, rather than after each event: during a busy
// workshop a check run per keystroke would be wasted, and a finding a second
// late is no worse. The explanations come with the answer (`help`), so the
// words live in one place, modeling/checks.py.

import { bounds, intersects } from "./geometry.js";
import { PHASES } from "./phases.js";
import { font } from "./textlayout.js";
import { format, t, tn } from "./i18n.js";
import { closest, every, focused } from "./dom.js";

// Quiet time after the last change before the checks run again; while the
// board never goes quiet, they run this often all the same.
export const SETTLE_MS = 600;
export const MAX_WAIT_MS = 5000;
export const SEVERITIES = ["error", "warning", "hint"];
const TITLES = { error: t("Errors"), warning: t("Warnings"), hint: t("Hints") };
const COLOURS = {
  error: { fill: "#c92a2a", ink: "#ffffff" },
  warning: { fill: "#f59f00", ink: "#1f2430" },
  hint: { fill: "#5b6272", ink: "#ffffff" },
};
// Board events that cannot change the model: no need to check again.
const NOT_THE_MODEL = new Set([
  "vote.cast",
  "vote.retracted",
  "timer.started",
  "timer.stopped",
  "board.locked",
  "board.unlocked",
]);
// Below this zoom a badge shrinks to a dot; below FAR it is not drawn at all
// (a board seen whole is a map, not a list of problems).
const NEAR = 0.35;
const FAR = 0.12;
// A check with hundreds of findings would make the panel unusable.
const MAX_LISTED = 60;

export function install(app) {
  app.checks = new BoardChecks(app);
}

export class BoardChecks {
  constructor({ board, boardId, store, scene, viewport, renderer, toasts, focusSticky, phaseGuide, fetchJSON = getJSON }) {
    this.board = board;
    this.boardId = boardId;
    this.store = store;
    this.scene = scene;
    this.viewport = viewport;
    this.renderer = renderer;
    this.toasts = toasts;
    this.focusSticky = focusSticky;
    this.phaseGuide = phaseGuide;
    this.fetchJSON = fetchJSON;
    const $ = (id) => document.getElementById(id);
    this.panel = $("checks-panel");
    this.body = $("checks-body");
    this.phaseLabel = $("checks-phase");
    this.toggle = $("checks-toggle");
    this.toggleCount = $("checks-toggle-count");
    // The last answer: {seq, phase, findings, summary, help}; null before it.
    this.result = null;
    // sticky id -> {count, severity (the worst)}
    this.flags = new Map();
    this.request = 0;
    this.askedPhase = null;
    this.loaded = false;
    this.timer = null;
    this.waitingSince = null;
    this.error = null;
    this.active = null;

    renderer.addLayer("over", (ctx, view) => this.draw(ctx, view));
    store.addEventListener("change", (e) => this.changed(e.detail || {}));
    this.toggle.addEventListener("click", () => this.show(this.panel.hidden));
    this.panel.addEventListener("click", (e) => {
      if (closest(e, "[data-checks=close]")) this.show(false);
      const button = closest(e, "[data-finding]");
      if (button) this.focus(button.dataset.finding);
    });
    this.refresh();
  }

  /** The board's phase now: the store's once it has the board, else the page's. */
  phase() {
    return (this.loaded && this.store.board.phase) || this.board.dataset.phase;
  }

  // -- asking the server -------------------------------------------------------

  changed({ reason, event }) {
    if (reason === "reset") this.loaded = true;
    if (reason === "event" && event && NOT_THE_MODEL.has(event.name)) return;
    // A new phase means other checks: no reason to wait.
    if (this.askedPhase !== this.phase()) return this.refresh();
    clearTimeout(this.timer);
    const now = performance.now();
    this.waitingSince ??= now;
    const wait = Math.min(SETTLE_MS, Math.max(0, this.waitingSince + MAX_WAIT_MS - now));
    this.timer = setTimeout(() => {
      // The first load of the board (or a reconnect) after the checks already
      // ran on what it holds: nothing new to ask.
      const current = this.result && this.result.seq >= this.store.seq && this.result.phase === this.phase();
      if (current && !this.error) {
        this.waitingSince = null;
        return;
      }
      this.refresh();
    }, wait);
  }

  async refresh() {
    clearTimeout(this.timer);
    this.waitingSince = null;
    const phase = this.phase();
    this.askedPhase = phase;
    const request = ++this.request;
    let body;
    try {
      body = await this.fetchJSON(`/api/boards/${this.boardId}/model/?phase=${encodeURIComponent(phase)}`);
    } catch (error) {
      if (request !== this.request) return;
      this.error = error.message || String(error);
      this.phaseGuide.progress(phase, null);
      this.render();
      return;
    }
    if (request !== this.request) return; // a newer question is on its way
    this.error = null;
    this.result = {
      seq: body.seq,
      phase: body.phase,
      findings: body.findings.map((f) => ({ ...f, key: identity(f) })),
      summary: body.summary,
      help: body.help || {},
    };
    this.flags = flagsOf(this.result.findings);
    this.board.dataset.checksSeq = String(body.seq);
    this.renderer.request();
    this.phaseGuide.progress(body.phase, openItems(this.result));
    this.render();
  }

  // -- the badges on the canvas ------------------------------------------------

  draw(ctx, { zoom, view }) {
    if (zoom < FAR || !this.flags.size) return;
    for (const [id, flag] of this.flags) {
      const s = this.scene.sticky(id);
      if (s && intersects(s, view)) badge(ctx, s, flag, zoom);
    }
  }

  // -- the panel -------------------------------------------------------------------

  show(open) {
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    if (open) this.render();
  }

  render() {
    this.renderToggle();
    if (this.panel.hidden) return; // built when opened: a big board has many findings
    const phase = this.result ? this.result.phase : this.phase();
    this.phaseLabel.textContent = format(t("For the phase “%(phase)s”, as the board is now."), { phase: PHASES[phase]?.title ?? phase });
    if (this.error) {
      this.body.replaceChildren(paragraph(format(t("The checks could not run: %(error)s"), { error: this.error }), "checks-panel__empty"));
      return;
    }
    if (!this.result) {
      this.body.replaceChildren(paragraph(t("Checking the board…"), "checks-panel__empty"));
      return;
    }
    const { findings } = this.result;
    if (!findings.length) {
      this.body.replaceChildren(paragraph(t("Nothing to fix in this phase: the checks find no problem."), "checks-panel__empty checks-panel__empty--clear"));
      return;
    }
    // A new answer must not take the reader's place or focus in the list.
    const focus = focused();
    const finding = focus && this.body.contains(focus) ? focus.dataset.finding : null;
    const scrolled = this.body.scrollTop;
    const groups = SEVERITIES.map((severity) => this.group(severity)).filter(Boolean);
    this.body.replaceChildren(...groups);
    this.body.scrollTop = scrolled;
    if (finding) {
      const again = every(this.body, "[data-finding]").find((b) => b.dataset.finding === finding);
      again?.focus({ preventScroll: true });
    }
  }

  renderToggle() {
    const summary = this.result && !this.error ? this.result.summary : null;
    const total = summary ? SEVERITIES.reduce((n, s) => n + summary[s], 0) : 0;
    const worst = summary ? SEVERITIES.find((s) => summary[s]) : null;
    this.toggleCount.hidden = !summary;
    this.toggleCount.textContent = String(total);
    this.toggleCount.className = `count checks-count checks-count--${worst || "clear"}`;
    const said = summary
      ? countsText(summary) || t("nothing to fix")
      : t("not checked yet");
    const label = format(t("Checks: %(summary)s"), { summary: said });
    this.toggle.setAttribute("aria-label", label);
    this.toggle.title = label;
  }

  group(severity) {
    const findings = this.result.findings.filter((f) => f.severity === severity);
    if (!findings.length) return null;
    const section = document.createElement("section");
    section.className = `checks-group checks-group--${severity}`;
    const title = document.createElement("h3");
    title.className = "checks-group__title";
    title.append(`${TITLES[severity]} `, count(findings.length));
    section.append(title);
    const byCheck = new Map();
    for (const f of findings) {
      if (!byCheck.has(f.check)) byCheck.set(f.check, []);
      byCheck.get(f.check).push(f);
    }
    for (const [check, list] of byCheck) section.append(this.card(check, list, severity));
    return section;
  }

  card(check, findings, severity) {
    const help = this.result.help[check] || { title: check, explanation: "", fix: "" };
    const card = document.createElement("article");
    card.className = "check-card";
    card.dataset.check = check;
    const head = document.createElement("h4");
    head.className = "check-card__title";
    const id = document.createElement("span");
    id.className = `check-card__id check-card__id--${severity}`;
    id.textContent = check;
    head.append(id, ` ${help.title} `, count(findings.length));
    card.append(head);
    if (help.explanation) card.append(paragraph(help.explanation, "check-card__why"));
    if (help.fix) {
      const fix = paragraph("", "check-card__fix");
      const label = document.createElement("strong");
      label.textContent = t("To fix: ");
      fix.append(label, help.fix);
      card.append(fix);
    }
    const list = document.createElement("ul");
    list.className = "check-card__findings";
    for (const f of findings.slice(0, MAX_LISTED)) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "finding";
      button.dataset.finding = f.key;
      button.textContent = f.message;
      const onBoard = f.stickies.some((s) => this.scene.sticky(s));
      if (onBoard) button.title = t("Show it on the board");
      else button.disabled = true;
      if (this.active === f.key) button.setAttribute("aria-current", "true");
      item.append(button);
      list.append(item);
    }
    card.append(list);
    if (findings.length > MAX_LISTED) {
      card.append(paragraph(format(t("…and %(count)s more like these."), { count: findings.length - MAX_LISTED }), "hint"));
    }
    return card;
  }

  /** Bring a finding's stickies into view, clear of the panel, and select them. */
  focus(key) {
    const finding = this.result?.findings.find((f) => f.key === key);
    if (!finding) return;
    const ids = finding.stickies.filter((id) => this.scene.sticky(id));
    if (!ids.length) {
      this.toasts.show(t("That sticky is no longer on the board."));
      return;
    }
    const box = bounds(ids.map((id) => this.scene.sticky(id)));
    const stage = this.panel.parentElement.getBoundingClientRect();
    const panel = this.panel.getBoundingClientRect();
    const palette = document.getElementById("palette")?.getBoundingClientRect();
    this.viewport.fit(box, {
      left: Math.max(48, (palette ? palette.right - stage.left : 0) + 24),
      right: Math.max(48, stage.right - panel.left + 24),
      top: 96,
      bottom: 48,
    });
    this.focusSticky(ids[0]);
    if (ids.length > 1) this.scene.select(ids);
    this.active = key;
    for (const b of every(this.body, "[data-finding]")) {
      b.setAttribute("aria-current", String(b.dataset.finding === key));
    }
  }
}

// -- pure helpers ------------------------------------------------------------------

/** sticky id -> {count, severity}: how many findings touch it, the worst first. */
export function flagsOf(findings) {
  const flags = new Map();
  for (const f of findings) {
    for (const id of new Set(f.stickies)) {
      const flag = flags.get(id) || { count: 0, severity: f.severity };
      flag.count += 1;
      if (SEVERITIES.indexOf(f.severity) < SEVERITIES.indexOf(flag.severity)) flag.severity = f.severity;
      flags.set(id, flag);
    }
  }
  return flags;
}

/**
 * What is still open, per check, for the phase guide: the most serious and
 * most numerous first, in the check's own words ("2 commands without a trigger").
 */
export function openItems({ findings, help }) {
  const byCheck = new Map();
  for (const f of findings) {
    const item = byCheck.get(f.check) || { check: f.check, count: 0, severity: f.severity };
    item.count += 1;
    byCheck.set(f.check, item);
  }
  return [...byCheck.values()]
    .map((item) => ({ ...item, one: help[item.check]?.one ?? `${item.check} finding`, many: help[item.check]?.many ?? `${item.check} findings` }))
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || b.count - a.count);
}

function identity(finding) {
  return `${finding.check}:${finding.stickies.join(",")}:${finding.message}`;
}

/**
 * "2 errors, 1 hint": a checks summary's counts, worst first, in the page's
 * language (the review dialog says its versions' findings the same way).
 * @param {Record<string, number>} summary
 */
export function countsText(summary) {
  return SEVERITIES.filter((s) => summary[s])
    .map((s) => plural(summary[s], s))
    .join(t(", "));
}

/** @param {number} n @param {string} severity */
function plural(n, severity) {
  const text = {
    error: tn("%(count)s error", "%(count)s errors", n),
    warning: tn("%(count)s warning", "%(count)s warnings", n),
    hint: tn("%(count)s hint", "%(count)s hints", n),
  }[severity];
  return format(text, { count: n });
}

function count(n) {
  const span = document.createElement("span");
  span.className = "count";
  span.textContent = String(n);
  return span;
}

function paragraph(text, className) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  return p;
}

/**
 * A flag at the sticky's top-left corner, at a constant size on screen: the
 * number of findings in the colour of the worst. Zoomed out, a dot.
 */
function badge(ctx, s, { count: n, severity }, zoom) {
  const colour = COLOURS[severity];
  const unit = 1 / zoom;
  ctx.lineWidth = 2 * unit;
  ctx.strokeStyle = "#ffffff";
  ctx.fillStyle = colour.fill;
  if (zoom < NEAR) {
    ctx.beginPath();
    ctx.arc(s.x - 2 * unit, s.y - 2 * unit, 5 * unit, 0, Math.PI * 2);
    ctx.fill();
    ctx.stroke();
    return;
  }
  const text = n > 99 ? "99+" : String(n);
  ctx.font = font(12 * unit, 700);
  const height = 20 * unit;
  const width = Math.max(height, ctx.measureText(text).width + 10 * unit);
  // Astride the corner, clear of the kind's label inside the sticky.
  const x = s.x - width / 2 - 4 * unit;
  const y = s.y - height / 2 - 4 * unit;
  ctx.shadowColor = "rgba(20, 25, 40, 0.3)";
  ctx.shadowBlur = 3;
  ctx.beginPath();
  ctx.roundRect(x, y, width, height, height / 2);
  ctx.fill();
  ctx.shadowColor = "transparent";
  ctx.stroke();
  ctx.fillStyle = colour.ink;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(text, x + width / 2, y + height / 2 + 0.5 * unit);
}

async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.message || format(t("the server answered %(status)s"), { status: response.status }));
  return body;
}
