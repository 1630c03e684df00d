// @ts-check
// Roles on the page: the Share dialog's list of members, where a facilitator
// sets each one's role or removes them (the members API), and what a change
// of my own role (the `membership` message) does to this page: read-only for
// a viewer, editable again for a participant, stopped when I am removed.

import { ROLES, csrfToken, membershipChange, refusal, roleLabel } from "./roles.js";
import { format, t } from "./i18n.js";
import { closest, dialogById, first, focused, selects } from "./dom.js";

// The page's controls that only a facilitator's page has (board.html).
const FACILITATOR_ONLY = [".board-bar__session", "#phase-select", "#share-open"];

export class RolesPanel {
  /** @param {any} app the page's live objects (main.js)
   * @param {{onRole?: (change: object) => void}} [options] onRole: told each change of my role */
  constructor(app, { onRole = () => {} } = {}) {
    this.app = app;
    this.onRole = onRole;
    const $ = (id) => document.getElementById(id);
    this.list = $("role-list");
    this.error = $("role-error");
    this.status = $("role-status");
    this.removed = dialogById("removed-dialog");
    this.removedText = $("removed-text");
    app.connection.addEventListener("membership", (e) => this.membership(e.detail || {}));
    if (!this.list) return; // not a facilitator's page: no Share dialog
    $("share-open")?.addEventListener("click", () => this.refresh());
    this.list.addEventListener("change", (e) => {
      const select = closest(e, "[data-role-select]");
      if (select) this.setRole(select);
    });
    this.list.addEventListener("click", (e) => {
      const remove = closest(e, "[data-role-remove]");
      if (remove) this.remove(remove.closest("[data-member-id]"));
      const keep = closest(e, "[data-role-keep]");
      if (keep) this.unconfirm(keep.closest("[data-member-id]"), { focus: true });
    });
    for (const select of selects(this.list, "[data-role-select]")) select.dataset.role = select.value;
  }

  get url() {
    return `/api/boards/${this.app.boardId}/members/`;
  }

  // -- the REST API -----------------------------------------------------------------

  async request(method, url, body) {
    const token = csrfToken(document.cookie) || /** @type {HTMLInputElement | null} */ (document.querySelector("#share-dialog [name=csrfmiddlewaretoken]"))?.value || "";
    const headers = { Accept: "application/json", "X-CSRFToken": token };
    if (body) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, { method, credentials: "same-origin", headers, body: body && JSON.stringify(body) });
    } catch {
      return { ok: false, status: 0, body: null };
    }
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch {
        data = null;
      }
    }
    return { ok: response.ok, status: response.status, body: data };
  }

  /** The members as the server has them now (people join while the dialog is closed). */
  async refresh() {
    const answer = await this.request("GET", this.url);
    if (answer.ok && Array.isArray(answer.body)) this.render(answer.body);
  }

  render(members) {
    const me = this.list.dataset.me;
    const rows = members.map((person) => {
      const row = document.createElement("li");
      row.className = "member-list__item role-row";
      row.dataset.memberId = person.id;
      const name = document.createElement("span");
      name.className = "member-list__name role-row__name";
      name.textContent = person.display_name;
      row.append(name);
      if (person.id === me) row.append(badge(t("you"), "badge--you"));
      if (person.is_guest) row.append(badge(t("guest"), "badge--guest"));
      const controls = document.createElement("span");
      controls.className = "role-row__controls";
      const label = document.createElement("label");
      label.className = "visually-hidden";
      label.htmlFor = `role-${person.id}`;
      label.textContent = format(t("Role of %(name)s"), { name: person.display_name });
      const select = document.createElement("select");
      select.id = `role-${person.id}`;
      select.className = "role-row__select";
      select.dataset.roleSelect = "";
      for (const { role, label: text } of ROLES) select.append(new Option(text, role, false, role === person.role));
      select.dataset.role = person.role;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button button--quiet button--small role-row__remove";
      remove.dataset.roleRemove = "";
      remove.textContent = t("Remove");
      remove.setAttribute("aria-label", format(t("Remove %(name)s from the board"), { name: person.display_name }));
      controls.append(label, select, remove);
      row.append(controls);
      return row;
    });
    // Keep the focus where it was, if that person is still listed.
    const active = focused();
    const kept = active && this.list.contains(active)
      ? { id: /** @type {HTMLElement | null} */ (active.closest("[data-member-id]"))?.dataset.memberId, remove: active.matches("[data-role-remove]") }
      : null;
    this.list.replaceChildren(...rows);
    if (kept?.id) {
      const row = first(this.list, `[data-member-id="${CSS.escape(kept.id)}"]`);
      if (row) first(row, kept.remove ? "[data-role-remove]" : "[data-role-select]")?.focus();
    }
  }

  nameIn(row) {
    return row.querySelector(".role-row__name")?.textContent || "this person";
  }

  say(text) {
    this.error.hidden = true;
    this.error.textContent = "";
    this.status.textContent = text;
  }

  fail(text) {
    this.status.textContent = "";
    this.error.textContent = text;
    this.error.hidden = false;
  }

  busy(row, on) {
    for (const control of row.querySelectorAll("select, button")) control.disabled = on;
  }

  async setRole(select) {
    const row = select.closest("[data-member-id]");
    const name = this.nameIn(row);
    const role = select.value;
    const before = select.dataset.role;
    this.busy(row, true);
    const answer = await this.request("PATCH", `${this.url}${row.dataset.memberId}/`, { role });
    this.busy(row, false);
    if (answer.ok) {
      select.dataset.role = role;
      this.say(format(t("%(name)s is now a %(role)s."), { name, role: roleLabel(role).toLowerCase() }));
    } else {
      // Nothing changed on the server: nor here.
      select.value = before;
      this.fail(refusal(answer.status, answer.body, format(t("make %(name)s a %(role)s"), { name, role: roleLabel(role).toLowerCase() })));
      if (answer.status === 404) this.refresh();
    }
    select.focus();
  }

  async remove(row) {
    const name = this.nameIn(row);
    const button = row.querySelector("[data-role-remove]");
    if (row.dataset.confirm !== "true") {
      // A removal is not undone by a click: ask once, in place.
      row.dataset.confirm = "true";
      button.textContent = format(t("Remove %(name)s?"), { name });
      button.classList.add("button--danger");
      button.classList.remove("button--quiet");
      button.setAttribute("aria-label", format(t("Yes, remove %(name)s from the board"), { name }));
      const keep = document.createElement("button");
      keep.type = "button";
      keep.className = "button button--quiet button--small";
      keep.dataset.roleKeep = "";
      keep.textContent = t("Keep");
      keep.setAttribute("aria-label", format(t("Keep %(name)s on the board"), { name }));
      button.after(keep);
      this.say(format(t("Remove %(name)s? They lose access at once."), { name }));
      return;
    }
    this.busy(row, true);
    const answer = await this.request("DELETE", `${this.url}${row.dataset.memberId}/`);
    if (answer.ok) {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      this.say(format(t("%(name)s was removed from the board."), { name }));
      next?.querySelector("[data-role-select]")?.focus();
    } else {
      this.busy(row, false);
      this.unconfirm(row, { focus: true });
      this.fail(refusal(answer.status, answer.body, format(t("remove %(name)s"), { name })));
      if (answer.status === 404) this.refresh();
    }
  }

  unconfirm(row, { focus = false } = {}) {
    if (!row) return;
    const button = row.querySelector("[data-role-remove]");
    delete row.dataset.confirm;
    row.querySelector("[data-role-keep]")?.remove();
    button.textContent = t("Remove");
    button.classList.remove("button--danger");
    button.classList.add("button--quiet");
    button.setAttribute("aria-label", format(t("Remove %(name)s from the board"), { name: this.nameIn(row) }));
    if (focus) button.focus();
  }

  // -- my own role ----------------------------------------------------------------------

  membership(message) {
    const { app } = this;
    if (message.member && message.member !== app.me.member) return;
    const change = membershipChange(app.me.role, message);
    app.me.role = change.role;
    app.me.can_write = change.canWrite;
    app.refreshBoardState?.();
    this.showRole(change.role);
    this.onRole(change);
    if (change.removed) {
      // The server closes the socket (4403); stop here, for good.
      app.connection.close();
      app.scene.clearSelection();
      for (const dialog of document.querySelectorAll("dialog[open]")) /** @type {HTMLDialogElement} */ (dialog).close();
      this.removedText.textContent = change.text;
      this.removed.showModal();
      app.board.classList.add("board--removed");
      return;
    }
    // The Share dialog's controls are a facilitator's: no use to me now.
    const share = /** @type {HTMLDialogElement | null} */ (document.getElementById("share-dialog"));
    if (change.role !== "facilitator" && share?.open) share.close();
    if (change.text) app.toasts.show(change.text, { lifetime: 12000 });
  }

  /** The header's role badge and the facilitator-only controls follow my role. */
  showRole(role) {
    const badgeEl = document.querySelector(".board-bar__title > .badge");
    if (badgeEl && ROLES.some((r) => badgeEl.classList.contains(`badge--${r.role}`))) {
      for (const r of ROLES) badgeEl.classList.remove(`badge--${r.role}`);
      if (role) badgeEl.classList.add(`badge--${role}`);
      badgeEl.textContent = roleLabel(role);
    }
    for (const selector of FACILITATOR_ONLY) {
      const element = first(document, selector);
      if (element) element.hidden = role !== "facilitator";
    }
  }
}

function badge(text, modifier) {
  const el = document.createElement("span");
  el.className = `badge ${modifier}`;
  el.textContent = text;
  return el;
}
