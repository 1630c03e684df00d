// @ts-check
// The board's state around the canvas: connection indicator (with changes
// waiting to be sent), phase steps, lock, timer and the read-only notice.

import { format, t, tn } from "./i18n.js";

const LABELS = {
  connecting: t("Connecting…"),
  live: t("Live"),
  reconnecting: t("Reconnecting…"),
  offline: t("Offline"),
};

// "reconnecting" is also what the page shows while its socket is open but
// the server cannot reach the other servers: changes are still saved then.
const TITLES = {
  live: t("Changes are shared as you make them"),
  reconnecting: t("Your changes are kept and saved as soon as the server takes them; others' changes may show up late"),
  offline: t("Changes are kept and sent when the connection is back"),
};

export class Status {
  constructor({ board, connection: indicator, phaseSteps, phaseSelect, lockButton, lockedBadge, notice, timer }) {
    this.board = board;
    this.indicator = indicator;
    this.phaseSteps = phaseSteps;
    this.phaseSelect = phaseSelect;
    this.lockButton = lockButton;
    this.lockedBadge = lockedBadge;
    this.notice = notice;
    this.timer = timer;
    this.timerHandle = null;
  }

  connection(status, pending = 0) {
    const el = this.indicator;
    el.className = `connection connection--${status}`;
    let text = LABELS[status] || status;
    if (pending) text += ` · ${format(tn("%(count)s change waiting", "%(count)s changes waiting", pending), { count: pending })}`;
    el.textContent = text;
    el.title = TITLES[status] || TITLES.offline;
  }

  /**
   * The phase steps, the lock and the timer as the board's settings say.
   * @param {{phase: string, locked?: boolean, timer?: {ends_at: string} | null}} settings
   * @param {{role: string | null, canWrite: boolean}} me
   */
  boardState({ phase, locked, timer }, { role, canWrite }) {
    for (const step of this.phaseSteps.children) {
      const current = step.dataset.phase === phase;
      step.classList.toggle("phase-steps__step--current", current);
      if (current) step.setAttribute("aria-current", "step");
      else step.removeAttribute("aria-current");
    }
    if (this.phaseSelect && document.activeElement !== this.phaseSelect) this.phaseSelect.value = phase;
    this.board.dataset.phase = phase;
    this.board.dataset.locked = String(Boolean(locked));
    this.lockedBadge.hidden = !locked;
    if (this.lockButton) {
      this.lockButton.textContent = locked ? t("Unlock") : t("Lock");
      this.lockButton.setAttribute("aria-pressed", String(Boolean(locked)));
    }
    this.notice.hidden = canWrite;
    this.notice.querySelector('[data-when="locked"]').hidden = !(locked && role !== "viewer");
    this.notice.querySelector('[data-when="viewer"]').hidden = role !== "viewer";
    this.board.classList.toggle("board--readonly", !canWrite);
    for (const control of this.board.querySelectorAll("[data-needs-write]")) control.disabled = !canWrite;
    this.showTimer(timer);
  }

  showTimer(timer) {
    clearInterval(this.timerHandle);
    if (!timer || !timer.ends_at) {
      this.timer.hidden = true;
      return;
    }
    const ends = Date.parse(timer.ends_at);
    const tick = () => {
      const left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      this.timer.hidden = false;
      this.timer.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
      this.timer.classList.toggle("timer--done", left === 0);
      if (!left) clearInterval(this.timerHandle);
    };
    tick();
    this.timerHandle = setInterval(tick, 1000);
  }
}
