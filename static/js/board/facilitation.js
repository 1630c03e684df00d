// @ts-check
// The facilitator's tools: a dot vote (vote_panel.js), bringing the room
// together (room.js: follow someone, Bring everyone to me, Follow me,
// Spotlight) and roles (roles_panel.js). This module wires them to the page:
// the bar's Facilitate button and its panel, and a change of my role.

import { RolesPanel } from "./roles_panel.js";
import { Room } from "./room.js";
import { VotePanel } from "./vote_panel.js";
import { closest, first } from "./dom.js";

export function install(app) {
  app.facilitation = new Facilitation(app);
}

export class Facilitation {
  constructor(app) {
    this.app = app;
    this.toggle = document.getElementById("facilitate-toggle");
    this.panel = document.getElementById("facilitate-panel");
    this.votes = new VotePanel(app);
    this.room = new Room(app);
    this.roles = new RolesPanel(app, { onRole: (change) => this.roleChanged(change) });
    this.toggle.addEventListener("click", () => this.show(this.panel.hidden));
    this.panel.addEventListener("click", (e) => {
      if (closest(e, "[data-facilitate=close]")) this.show(false, { focus: true });
    });
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.show(false, { focus: true });
    });
  }

  show(open, { focus = false } = {}) {
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    if (open) first(this.panel, "button:not([hidden])")?.focus();
    else if (focus) this.toggle.focus();
  }

  roleChanged({ role }) {
    const facilitator = role === "facilitator";
    this.toggle.hidden = !facilitator;
    if (!facilitator) this.show(false);
    this.room.roleChanged(role);
    this.votes.roleChanged();
  }
}
