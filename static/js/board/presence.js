// @ts-check
// Who is here: avatars with initials in each person's colour, and their live
// cursors with names. Names are shown with textContent only.

import { format, t } from "./i18n.js";
import { roleLabel } from "./roles.js";
import { every } from "./dom.js";

const CURSOR_TTL = 10000;

export function initials(name) {
  const words = String(name || "?").trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : (words[0] || "?").slice(0, 2);
  return letters.toUpperCase();
}

export class Presence {
  constructor({ avatars, cursors, viewport, me }) {
    this.avatarList = avatars;
    this.layer = cursors;
    this.viewport = viewport;
    this.me = me;
    this.members = new Map();
    this.cursors = new Map();
    viewport.addEventListener("change", () => this.placeAll());
    setInterval(() => this.expire(), 2000);
  }

  setMe(me) {
    this.me = me;
  }

  update(members) {
    this.members = new Map(members.map((m) => [m.member, m]));
    const list = this.avatarList;
    list.replaceChildren();
    const sorted = [...members].sort((a, b) => (a.member === this.me?.member ? -1 : b.member === this.me?.member ? 1 : 0));
    for (const m of sorted) {
      const item = document.createElement("li");
      item.className = "avatar";
      // Features find a person's avatar by it (follow: room.js).
      item.dataset.member = m.member;
      if (m.member === this.me?.member) item.classList.add("avatar--me");
      item.style.background = m.color || "#868e96";
      item.textContent = initials(m.name);
      const name = m.member === this.me?.member ? format(t("%(name)s (you)"), { name: m.name }) : m.name;
      const role = roleLabel(m.role).toLowerCase();
      item.title = `${name} · ${role}`;
      item.setAttribute("aria-label", `${name}${t(", ")}${role}`);
      list.append(item);
    }
    // The People popover: who is here now, and marks in the members list.
    const here = document.getElementById("here-list");
    if (here) {
      here.replaceChildren(
        ...sorted.map((m) => {
          const item = document.createElement("li");
          item.className = "member-list__item";
          item.dataset.here = m.member;
          const dot = document.createElement("span");
          dot.className = "here-dot";
          dot.style.background = m.color || "#868e96";
          const name = document.createElement("span");
          name.className = "member-list__name";
          name.textContent = m.member === this.me?.member ? format(t("%(name)s (you)"), { name: m.name }) : m.name;
          const role = document.createElement("span");
          role.className = "member-list__role";
          role.textContent = roleLabel(m.role).toLowerCase();
          item.append(dot, name, role);
          return item;
        }),
      );
    }
    const count = document.getElementById("here-count");
    if (count) count.textContent = String(members.length);
    // The members list (People) marks who is here now.
    for (const item of every(document, ".member-list__item[data-member]")) {
      item.classList.toggle("member-list__item--here", this.members.has(item.dataset.member));
    }
    for (const id of [...this.cursors.keys()]) {
      if (!this.members.has(id)) this.removeCursor(id);
    }
  }

  nameOf(member) {
    return this.members.get(member);
  }

  moveCursors(cursors) {
    for (const c of cursors) {
      if (c.member === this.me?.member) continue;
      let entry = this.cursors.get(c.member);
      if (!entry) {
        const el = document.createElement("div");
        el.className = "cursor";
        const arrow = document.createElement("span");
        arrow.className = "cursor__arrow";
        const label = document.createElement("span");
        label.className = "cursor__name";
        el.append(arrow, label);
        this.layer.append(el);
        entry = { el, arrow, label };
        this.cursors.set(c.member, entry);
      }
      entry.x = c.x;
      entry.y = c.y;
      entry.at = performance.now();
      entry.label.textContent = c.name || "someone";
      entry.label.style.background = c.color || "#868e96";
      entry.arrow.style.borderTopColor = c.color || "#868e96";
      this.place(entry);
    }
  }

  place(entry) {
    const p = this.viewport.toScreen(entry.x, entry.y);
    entry.el.style.transform = `translate(${p.x}px, ${p.y}px)`;
    entry.el.hidden = p.x < -50 || p.y < -50 || p.x > this.viewport.width + 50 || p.y > this.viewport.height + 50;
  }

  placeAll() {
    this.cursors.forEach((entry) => this.place(entry));
  }

  removeCursor(member) {
    const entry = this.cursors.get(member);
    if (entry) entry.el.remove();
    this.cursors.delete(member);
  }

  expire() {
    const now = performance.now();
    for (const [member, entry] of this.cursors) {
      if (now - entry.at > CURSOR_TTL) this.removeCursor(member);
    }
  }
}
