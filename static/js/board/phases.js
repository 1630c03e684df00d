// What each workshop phase is for and when it is done, shown above the
// canvas so the group knows what to do now (shared/EVENT_STORMING.md).

export const PHASES = {
  find: {
    title: "Find events",
    doing: "Everyone writes business facts in the past tense, one per orange sticky, alone and in silence, placed roughly in time. Park arguments on red hot spots.",
    done: "New stickies slow down and everyone has posted.",
  },
  order: {
    title: "Order the timeline",
    doing: "Left to right in time, parallel flows top to bottom. Merge true duplicates, mark 2 to 4 pivotal events, turn arguments into hot spots.",
    done: "Every event is placed, duplicates are merged or marked, pivotal events are marked.",
  },
  attribute: {
    title: "Attribute causes",
    doing: "Who or what causes each event: an actor's command, a policy (\u201cwhenever X, then Y\u201d), an external system or time; what they looked at (read model). Tell the story aloud, and backwards.",
    done: "Every command has a trigger, every policy has an event in and a command out, the story has no gaps.",
  },
  aggregate: {
    title: "Find aggregates",
    doing: "Draw aggregate frames around what accepts or rejects each command and emits its events. Name them late, after their behaviour.",
    done: "Each command targets one aggregate or system; each aggregate has commands in and events out.",
  },
  bound: {
    title: "Draw bounded contexts",
    doing: "Frame candidate contexts along pivotal events, swimlanes and shifts in language; name each after its language, not a team.",
    done: "Every event and aggregate sits in exactly one context.",
  },
  review: {
    title: "Review the model",
    doing: "Walk through the derived model and its checks; fix what they flag on the board. Facilitators freeze a version in the admin.",
    done: "The checks show no errors and the group agrees with the story.",
  },
};

const HIDDEN_KEY = "board-phase-guide-hidden";

/** The guide panel above the canvas: the current phase's aim and finish line. */
export class PhaseGuide {
  constructor({ panel, toggle }) {
    Object.assign(this, { panel, toggle, phase: null });
    this.hidden = sessionStorage.getItem(HIDDEN_KEY) === "1";
    toggle.addEventListener("click", () => this.setHidden(!this.hidden));
    this.setHidden(this.hidden);
  }

  show(phase) {
    if (phase === this.phase) return;
    this.phase = phase;
    const guide = PHASES[phase];
    if (!guide) return;
    this.panel.querySelector("[data-guide=title]").textContent = guide.title;
    this.panel.querySelector("[data-guide=doing]").textContent = guide.doing;
    this.panel.querySelector("[data-guide=done]").textContent = guide.done;
  }

  setHidden(hidden) {
    this.hidden = hidden;
    sessionStorage.setItem(HIDDEN_KEY, hidden ? "1" : "0");
    this.panel.querySelector("[data-guide=body]").hidden = hidden;
    this.toggle.setAttribute("aria-expanded", String(!hidden));
    this.toggle.textContent = hidden ? "Show the phase guide" : "Hide";
  }
}
