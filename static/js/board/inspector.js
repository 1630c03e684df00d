// @ts-check
// The details panel of one sticky: kind, text, pivotal, fields (for events
// and commands), description and code name, saved as one `sticky.update`
// carrying only what changed and the version the form was filled from.

import { FIELD_KINDS, kindOf } from "./kinds.js";
import { format, t } from "./i18n.js";

// What a sticky that never had a value holds (the server's defaults).
const BLANK = { pivotal: false, event_style: "state" };

export class Inspector {
  constructor({ panel, scene, actions }) {
    this.panel = panel;
    this.scene = scene;
    this.actions = actions;
    this.form = panel.querySelector("form");
    this.rows = panel.querySelector("#fields-rows");
    this.error = panel.querySelector("#inspector-error");
    this.meta = panel.querySelector("#inspector-meta");
    this.id = null;
    this.loaded = null;
    this.dirty = false;
    this.form.addEventListener("input", () => {
      this.dirty = true;
      this.showKind(this.form.elements.kind.value);
    });
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    this.form.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.close();
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) this.save();
    });
    panel.addEventListener("click", (e) => {
      const action = e.target.closest("[data-action]")?.dataset.action;
      if (action === "field-add") {
        this.addRow({ name: "", type: "" }).querySelector("input").focus();
        this.dirty = true;
      } else if (action === "field-remove") {
        e.target.closest("li").remove();
        this.dirty = true;
      } else if (action === "inspector-close") {
        this.close();
      }
    });
  }

  open(id) {
    this.id = id;
    this.panel.hidden = false;
    this.fill(true);
    this.form.elements.text.focus();
  }

  close() {
    this.panel.hidden = true;
    this.id = null;
    document.getElementById("board-canvas").focus({ preventScroll: true });
  }

  /** Follow the selection and the store while open (unless being edited). */
  refresh() {
    if (this.panel.hidden) return;
    const [id] = this.scene.selection;
    if (this.scene.selection.size !== 1 || !this.scene.sticky(id)) {
      if (!this.dirty) this.close();
      return;
    }
    if (id !== this.id) {
      this.id = id;
      this.fill(true);
    } else if (!this.dirty) {
      this.fill(false);
    }
  }

  fill(force) {
    const sticky = this.scene.sticky(this.id);
    if (!sticky) return;
    if (!force && this.loaded && this.loaded.version === sticky.version) return;
    this.loaded = { ...sticky, fields: (sticky.fields || []).map(normalise) };
    const el = this.form.elements;
    el.kind.value = sticky.kind;
    el.text.value = sticky.text || "";
    el.pivotal.checked = Boolean(sticky.pivotal);
    el.event_style.value = sticky.event_style || "state";
    el.description.value = sticky.description || "";
    el.code_name.value = sticky.code_name || "";
    this.rows.replaceChildren();
    for (const field of this.loaded.fields) this.addRow(field);
    this.showKind(sticky.kind);
    this.error.hidden = true;
    this.dirty = false;
    const read = !this.scene.canWrite;
    for (const control of this.form.querySelectorAll("input, textarea, select, button")) control.disabled = read;
    this.meta.textContent = format(t("%(kind)s · version %(version)s"), { kind: kindOf(sticky.kind).label, version: sticky.version ?? t("new") });
  }

  showKind(kind) {
    for (const part of this.panel.querySelectorAll("[data-for-kinds]")) {
      part.hidden = !part.dataset.forKinds.split(" ").includes(kind);
    }
    this.rows.closest("fieldset").hidden = !FIELD_KINDS.has(kind);
  }

  addRow(field) {
    const row = document.createElement("li");
    row.className = "fields-editor__row";
    const n = this.rows.childElementCount + 1;
    const name = input("name", field.name, format(t("Field %(n)s name"), { n }), t("name"));
    const type = input("type", field.type, format(t("Field %(n)s type"), { n }), t("type"));
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "tool";
    remove.dataset.action = "field-remove";
    remove.setAttribute("aria-label", format(t("Remove field %(n)s"), { n }));
    remove.textContent = "×";
    row.append(name, type, remove);
    this.rows.append(row);
    return row;
  }

  fields() {
    return [...this.rows.children]
      .map((row) => ({
        name: row.querySelector('[data-part="name"]').value.trim(),
        type: row.querySelector('[data-part="type"]').value.trim(),
      }))
      .filter((f) => f.name);
  }

  async save() {
    if (!this.id || !this.loaded || !this.scene.canWrite) return;
    const el = this.form.elements;
    const kind = el.kind.value;
    const wanted = {
      kind,
      text: el.text.value,
      description: el.description.value,
      code_name: el.code_name.value.trim(),
      pivotal: kind === "event" && el.pivotal.checked,
      event_style: kind === "event" ? el.event_style.value : "state",
    };
    if (FIELD_KINDS.has(kind)) wanted.fields = this.fields();
    const changes = {};
    for (const [name, value] of Object.entries(wanted)) {
      const before = name === "fields" ? this.loaded.fields : this.loaded[name];
      if (JSON.stringify(before ?? BLANK[name] ?? "") !== JSON.stringify(value)) changes[name] = value;
    }
    if (!Object.keys(changes).length) {
      this.dirty = false;
      return;
    }
    this.error.hidden = true;
    const ack = await this.actions.update(this.id, changes, this.loaded.version);
    if (ack) {
      this.dirty = false;
      this.meta.textContent = t("Saved.");
    } else {
      this.error.textContent = t("Not saved: see the message below the board. Your edits are still here.");
      this.error.hidden = false;
    }
  }
}

function normalise(field) {
  if (typeof field === "string") {
    const [name, ...type] = field.split(":");
    return { name: name.trim(), type: type.join(":").trim() };
  }
  return { name: field.name || "", type: field.type || "" };
}

function input(part, value, label, placeholder) {
  const el = document.createElement("input");
  el.type = "text";
  el.value = value || "";
  el.maxLength = 80;
  el.dataset.part = part;
  el.placeholder = placeholder;
  el.setAttribute("aria-label", label);
  el.autocomplete = "off";
  el.spellcheck = false;
  return el;
}
