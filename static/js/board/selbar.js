// @ts-check
// The small toolbar floating above the selection: edit, details, pivotal,
// vote and delete. It follows the selection as the view moves.
//
// Features add their own buttons to it (with `data-feature`, not
// `data-action`): before each update the bar sends them a `selectionbar`
// event ({stickies, links, write}) on which each shows or hides its buttons.

import { bounds } from "./geometry.js";
import { format, t } from "./i18n.js";

export class SelectionBar {
  constructor({ bar, scene, viewport, me }) {
    this.bar = bar;
    this.scene = scene;
    this.viewport = viewport;
    this.me = me;
    this.buttons = Object.fromEntries(
      [...bar.querySelectorAll("[data-action]")].map((b) => [b.dataset.action, b]),
    );
  }

  update({ busy = false } = {}) {
    const { scene } = this;
    const ids = [...scene.selection];
    const stickies = ids.map((id) => scene.sticky(id)).filter(Boolean);
    const links = [...scene.selectedLinks];
    if (busy || scene.editingId || (!stickies.length && !links.length)) {
      this.bar.hidden = true;
      return;
    }
    const single = stickies.length === 1 ? stickies[0] : null;
    const write = scene.canWrite;
    const b = this.buttons;
    b.edit.hidden = !single || !write;
    b.details.hidden = !single;
    b.pivotal.hidden = !single || single.kind !== "event" || !write;
    b.vote.hidden = !single || !write;
    b.delete.hidden = !write;
    if (single) {
      b.pivotal.setAttribute("aria-pressed", String(Boolean(single.pivotal)));
      const voted = scene.hasVoted(single.id, this.me.member);
      b.vote.setAttribute("aria-pressed", String(voted));
      b.vote.querySelector("[data-votes]").textContent = String(scene.voteCount(single.id));
    }
    b.delete.textContent = links.length && !stickies.length
      ? t("Delete link")
      : stickies.length > 1
        ? format(t("Delete %(count)s"), { count: stickies.length })
        : t("Delete");
    this.bar.dispatchEvent(new CustomEvent("selectionbar", { detail: { stickies, links, write } }));
    const visible = [...this.bar.querySelectorAll("[data-action], [data-feature]")].some((x) => !x.hidden);
    if (!visible) {
      this.bar.hidden = true;
      return;
    }
    let box = bounds(stickies);
    if (!box) {
      const link = scene.links().find((l) => l.id === links[0]);
      const ends = link ? [scene.sticky(link.from), scene.sticky(link.to)].filter(Boolean) : [];
      box = bounds(ends);
    }
    if (!box) {
      this.bar.hidden = true;
      return;
    }
    const top = this.viewport.toScreen(box.x + box.width / 2, box.y);
    const bottom = this.viewport.toScreen(box.x, box.y + box.height);
    this.bar.hidden = false;
    const height = this.bar.offsetHeight;
    const width = this.bar.offsetWidth;
    let y = top.y - height - 14;
    if (y < 8) y = Math.min(bottom.y + 14, this.viewport.height - height - 8);
    const x = Math.max(8, Math.min(this.viewport.width - width - 8, top.x - width / 2));
    this.bar.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }
}
