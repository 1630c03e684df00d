// @ts-check
// The outline: every sticky as a list item, grouped by kind.
//
// It is the board for screen readers and keyboard users (a button per sticky
// selects it and brings it into view) and a quick index for everyone. The
// server renders it first; from then on it follows the store, item by item.

import { KINDS } from "./kinds.js";
import { t } from "./i18n.js";

export class Outline {
  constructor({ panel, body, count, scene, onFocus }) {
    this.panel = panel;
    this.body = body;
    this.count = count;
    this.scene = scene;
    this.groups = new Map();
    this.items = new Map();
    for (const section of body.querySelectorAll(".outline__group")) {
      this.groups.set(section.dataset.kind, section);
      for (const item of section.querySelectorAll(".outline__item")) this.items.set(item.dataset.id, item);
    }
    body.addEventListener("click", (e) => {
      const item = e.target.closest(".outline__item");
      if (item) onFocus(item.dataset.id);
    });
  }

  /** Rebuild from the store (after a load or a resync). */
  reset() {
    for (const item of this.items.values()) item.remove();
    this.items.clear();
    this.scene.store.stickies.forEach((s) => this.upsert(s));
    this.counts();
  }

  /** Bring the items of stickies `ids` up to date. */
  update(ids) {
    for (const id of ids) {
      const sticky = this.scene.store.stickies.get(id);
      if (sticky) this.upsert(sticky);
      else this.remove(id);
    }
    this.counts();
  }

  upsert(sticky) {
    let item = this.items.get(sticky.id);
    if (!item) {
      item = document.createElement("li");
      item.dataset.id = sticky.id;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "outline__button";
      item.append(button);
      this.items.set(sticky.id, item);
    }
    item.className = `outline__item kind-${sticky.kind}${sticky.pivotal ? " outline__item--pivotal" : ""}`;
    item.firstElementChild.textContent = sticky.text || t("(no text)");
    const group = this.groups.get(sticky.kind);
    const list = group && group.querySelector(".outline__list");
    if (list && item.parentElement !== list) list.append(item);
  }

  remove(id) {
    const item = this.items.get(id);
    if (item) item.remove();
    this.items.delete(id);
  }

  counts() {
    let total = 0;
    for (const { kind } of KINDS) {
      const group = this.groups.get(kind);
      if (!group) continue;
      const n = group.querySelector(".outline__list").childElementCount;
      total += n;
      group.hidden = n === 0;
      group.querySelector(".count").textContent = String(n);
    }
    this.count.textContent = String(total);
  }

  markSelected(selection) {
    for (const item of this.panel.querySelectorAll(".outline__item--selected")) {
      item.classList.remove("outline__item--selected");
    }
    if (this.panel.hidden) return;
    for (const id of selection) {
      const item = this.items.get(id);
      if (item) item.classList.add("outline__item--selected");
    }
  }
}
