// @ts-check
// What each workshop phase is for and when it is done, shown above the
// canvas so the group knows what to do now (docs/event-storming.md). The
// phases' names are the server's (vocabulary.js).

import { format, t } from "./i18n.js";
import { phaseLabel } from "./vocabulary.js";

export const PHASES = {
  find: {
    title: phaseLabel("find"),
    doing: t("Everyone writes business facts in the past tense, one per orange sticky, alone and in silence, placed roughly in time. Park arguments on red hot spots."),
    done: t("New stickies slow down and everyone has posted."),
  },
  order: {
    title: phaseLabel("order"),
    doing: t("Left to right in time, parallel flows top to bottom. Merge true duplicates, mark 2 to 4 pivotal events, turn arguments into hot spots."),
    done: t("Every event is placed, duplicates are merged or marked, pivotal events are marked."),
  },
  attribute: {
    title: phaseLabel("attribute"),
    doing: t("Who or what causes each event: an actor's command, a policy (“whenever X, then Y”), an external system or time; what they looked at (read model). Tell the story aloud, and backwards."),
    done: t("Every command has a trigger, every policy has an event in and a command out, the story has no gaps."),
  },
  aggregate: {
    title: phaseLabel("aggregate"),
    doing: t("Draw aggregate frames around what accepts or rejects each command and emits its events. Name them late, after their behaviour."),
    done: t("Each command targets one aggregate or system; each aggregate has commands in and events out."),
  },
  bound: {
    title: phaseLabel("bound"),
    doing: t("Frame candidate contexts along pivotal events, swimlanes and shifts in language; name each after its language, not a team."),
    done: t("Every event and aggregate sits in exactly one context."),
  },
  review: {
    title: phaseLabel("review"),
    doing: t("Walk through the derived model and its checks; fix what they flag on the board. Facilitators freeze a version in the admin."),
    done: t("The checks show no errors and the group agrees with the story."),
  },
};

const HIDDEN_KEY = "board-phase-guide-hidden";
// The guide stays a few lines tall: the rest is in the checks' own panel.
const MAX_COUNTS = 3;

/** The guide panel above the canvas: the current phase's aim and finish line. */
export class PhaseGuide {
  constructor({ panel, toggle }) {
    this.panel = panel;
    this.toggle = toggle;
    this.phase = null;
    this.counted = null;
    this.hidden = sessionStorage.getItem(HIDDEN_KEY) === "1";
    toggle.addEventListener("click", () => this.setHidden(!this.hidden));
    this.setHidden(this.hidden);
  }

  show(phase) {
    if (phase === this.phase) return;
    this.phase = phase;
    // What is still open, if it was counted for this phase already.
    this.#showProgress();
    const guide = PHASES[phase];
    if (!guide) return;
    this.panel.querySelector("[data-guide=title]").textContent = guide.title;
    this.panel.querySelector("[data-guide=doing]").textContent = guide.doing;
    this.panel.querySelector("[data-guide=done]").textContent = guide.done;
  }

  /**
   * What is still open before the phase is done, counted by whoever checks
   * the board (checks.js): `items` of {count, one, many, severity} ("3" and
   * "events not in the past tense"), [] when nothing is left, null when not
   * known (not counted yet, or the count is out of reach). It shows while
   * the guide shows that phase: a count may come before the guide has
   * caught up with the phase, or after it has moved on.
   */
  progress(phase, items) {
    this.counted = { phase, items };
    this.#showProgress();
  }

  #showProgress() {
    const items = this.counted && this.counted.phase === this.phase ? this.counted.items : null;
    let line = this.panel.querySelector("[data-guide=progress]");
    if (!line) {
      line = document.createElement("p");
      line.className = "phase-guide__progress";
      line.dataset.guide = "progress";
      this.panel.querySelector("[data-guide=body]").append(line);
    }
    line.hidden = items === null;
    line.classList.toggle("phase-guide__progress--clear", Boolean(items && !items.length));
    if (!items) return line.replaceChildren();
    if (!items.length) return line.replaceChildren(t("The checks find nothing left to fix."));
    const label = document.createElement("span");
    label.className = "phase-guide__label";
    label.textContent = t("Still open:");
    const shown = items.slice(0, MAX_COUNTS).map(({ count, one, many, severity }, i) => {
      const item = document.createElement("span");
      item.className = `phase-guide__count phase-guide__count--${severity}`;
      item.textContent = `${count} ${count === 1 ? one : many}${i < items.length - 1 ? t(",") : ""}`;
      return item;
    });
    const rest = items.length - shown.length;
    line.replaceChildren(label, " ", ...shown.flatMap((item) => [item, " "]), rest > 0 ? format(t("and %(count)s more."), { count: rest }) : "");
  }

  setHidden(hidden) {
    this.hidden = hidden;
    sessionStorage.setItem(HIDDEN_KEY, hidden ? "1" : "0");
    this.panel.querySelector("[data-guide=body]").hidden = hidden;
    this.toggle.setAttribute("aria-expanded", String(!hidden));
    this.toggle.textContent = hidden ? t("Show the phase guide") : t("Hide");
  }
}
