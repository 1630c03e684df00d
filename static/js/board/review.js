// @ts-check
// Reviewed model versions from the board, for facilitators who are not staff:
// freeze the model (with a note), list the versions, see what changed between
// two of them. The same REST services the admin uses (modeling/api.py):
// POST/GET /api/boards/<id>/versions/, GET .../versions/diff/?from=&to=.
// Everyone on the board reads; only facilitators see the freeze form (the
// server says no to anyone else all the same).

import { countsText, SEVERITIES } from "./checks.js";
import { format, t, tn } from "./i18n.js";
import { closest, dialogById, every, formById, selectById } from "./dom.js";

const KINDS = [
  { key: "added", title: t("Added"), mark: "+" },
  { key: "removed", title: t("Removed"), mark: "−" },
  { key: "renamed", title: t("Renamed"), mark: "~" },
  { key: "changed", title: t("Changed"), mark: "~" },
];

export function install(app) {
  app.review = new ReviewDialog(app);
}

export class ReviewDialog {
  constructor({ boardId, toasts }) {
    const $ = (id) => document.getElementById(id);
    this.boardId = boardId;
    this.toasts = toasts;
    this.dialog = dialogById("review-dialog");
    this.freezeForm = formById("review-freeze");
    this.note = /** @type {HTMLTextAreaElement} */ ($("review-note"));
    this.freezeStatus = $("review-freeze-status");
    this.status = $("review-status");
    this.list = $("review-list");
    this.compareForm = $("review-compare");
    this.from = selectById("review-from");
    this.to = selectById("review-to");
    this.diff = $("review-diff");
    this.versions = [];
    this.request = 0;

    $("review-open").addEventListener("click", () => this.open());
    this.freezeForm?.addEventListener("submit", (e) => {
      e.preventDefault();
      this.freeze();
    });
    this.compareForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this.compare(Number(this.from.value), Number(this.to.value));
    });
    this.list.addEventListener("click", (e) => {
      const button = closest(e, "[data-compare]");
      if (!button) return;
      const [from, to] = button.dataset.compare.split("-").map(Number);
      this.compare(from, to);
    });
  }

  get base() {
    return `/api/boards/${this.boardId}/versions/`;
  }

  async open() {
    this.dialog.showModal();
    await this.load();
    // The latest change is what a review usually asks about.
    if (this.versions.length >= 2) {
      const [newest, before] = this.versions;
      await this.compare(before.number, newest.number);
    } else {
      this.showDiffHint();
    }
  }

  async load() {
    this.status.textContent = t("Loading the versions…");
    try {
      this.versions = await request(this.base);
    } catch (error) {
      this.status.textContent = format(t("The versions could not be read: %(error)s"), { error: error.message });
      return;
    }
    this.status.textContent = this.versions.length
      ? ""
      : t("No version yet. A facilitator freezes the model when the group agrees with it.");
    this.list.replaceChildren(...this.versions.map((v, i) => this.item(v, this.versions[i + 1])));
    this.fillChoices();
  }

  item(version, previous) {
    const li = document.createElement("li");
    li.className = "review__version";
    li.dataset.number = String(version.number);
    const head = document.createElement("div");
    head.className = "review__version-head";
    const name = document.createElement("strong");
    name.textContent = format(t("Version %(number)s"), { number: version.number });
    const when = document.createElement("span");
    when.className = "hint";
    when.textContent = `${formatTime(version.created_at)}${version.author ? ` · ${version.author}` : ""}`;
    head.append(name, when);
    li.append(head);
    if (version.note) {
      const note = document.createElement("p");
      note.className = "review__note";
      note.textContent = version.note;
      li.append(note);
    }
    const facts = document.createElement("p");
    facts.className = "review__facts";
    facts.append(
      `${[
        format(tn("%(count)s context", "%(count)s contexts", version.contexts), { count: version.contexts }),
        format(tn("%(count)s aggregate", "%(count)s aggregates", version.aggregates), { count: version.aggregates }),
        format(tn("%(count)s command", "%(count)s commands", version.commands), { count: version.commands }),
        format(tn("%(count)s event", "%(count)s events", version.events), { count: version.events }),
      ].join(t(", "))} · `,
      checksBadge(version.summary),
    );
    li.append(facts);
    if (previous) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button--quiet button--small";
      button.dataset.compare = `${previous.number}-${version.number}`;
      button.textContent = format(t("Changes since version %(number)s"), { number: previous.number });
      li.append(button);
    }
    return li;
  }

  fillChoices() {
    const chosen = [this.from.value, this.to.value];
    for (const select of [this.from, this.to]) {
      select.replaceChildren(
        ...this.versions.map((v) => {
          const option = document.createElement("option");
          option.value = String(v.number);
          option.textContent = format(t("Version %(number)s"), { number: v.number });
          return option;
        }),
      );
    }
    const numbers = this.versions.map((v) => String(v.number));
    this.from.value = numbers.includes(chosen[0]) ? chosen[0] : numbers[1] || numbers[0] || "";
    this.to.value = numbers.includes(chosen[1]) ? chosen[1] : numbers[0] || "";
    this.compareForm.hidden = this.versions.length < 2;
  }

  showDiffHint() {
    this.diff.replaceChildren(
      paragraph(
        this.versions.length
          ? t("With a second version, this shows what changed between them.")
          : t("Versions compared show here: what was added, removed, renamed and changed."),
        "hint",
      ),
    );
  }

  async freeze() {
    const form = this.freezeForm;
    const submit = /** @type {HTMLButtonElement} */ (form.querySelector("[type=submit]"));
    submit.disabled = true;
    this.freezeStatus.textContent = t("Freezing…");
    let version;
    let created;
    try {
      const token = /** @type {HTMLInputElement} */ (form.elements.namedItem("csrfmiddlewaretoken")).value;
      ({ body: version, created } = await request(this.base, {
        method: "POST",
        body: { note: this.note.value },
        headers: { "X-CSRFToken": token },
      }));
    } catch (error) {
      this.freezeStatus.textContent = error.message;
      return;
    } finally {
      submit.disabled = false;
    }
    if (created) {
      this.note.value = "";
      this.freezeStatus.textContent = format(t("Froze version %(number)s."), { number: version.number });
    } else {
      this.freezeStatus.textContent = format(t("The model has not changed since version %(number)s: no new version."), { number: version.number });
    }
    await this.load();
    const index = this.versions.findIndex((v) => v.number === version.number);
    const previous = this.versions[index + 1];
    if (created && previous) await this.compare(previous.number, version.number);
  }

  async compare(from, to) {
    if (!from || !to) return;
    this.from.value = String(from);
    this.to.value = String(to);
    const asked = ++this.request;
    this.diff.replaceChildren(paragraph(t("Comparing…"), "hint"));
    let result;
    try {
      result = await request(`${this.base}diff/?from=${from}&to=${to}`);
    } catch (error) {
      if (asked === this.request) this.diff.replaceChildren(paragraph(error.message, "hint"));
      return;
    }
    if (asked !== this.request) return;
    for (const b of every(this.list, "[data-compare]")) {
      b.setAttribute("aria-pressed", String(b.dataset.compare === `${from}-${to}`));
    }
    this.diff.replaceChildren(...renderDiff(result));
    this.dialog.dataset.diff = `${from}-${to}`;
  }
}

/**
 * The diff as sections (added, removed, renamed, changed), one line per
 * change. The lines are the server's own text (modeling/diff.py renders
 * them); each says by its first mark which section it belongs in.
 */
export function renderDiff(result) {
  const title = document.createElement("p");
  title.className = "review__diff-title";
  const { counts } = result;
  title.textContent = format(t("From version %(from)s to version %(to)s: "), { from: result.from, to: result.to });
  if (result.same) {
    title.append(t("the same model."));
    return [title];
  }
  const chips = KINDS.map(({ key, title: label }) => {
    const chip = document.createElement("span");
    chip.className = `review__chip review__chip--${counts[key] ? key : "none"}`;
    chip.textContent = `${counts[key]} ${label.toLowerCase()}`;
    return chip;
  });
  title.append(...chips.flatMap((chip, i) => (i ? [" ", chip] : [chip])));
  const lines = sortLines(result.text);
  const sections = KINDS.filter(({ key }) => lines[key].length).map(({ key, title: label, mark }) => {
    const section = document.createElement("section");
    section.className = `review__part review__part--${key}`;
    section.dataset.part = key;
    const heading = document.createElement("h4");
    heading.textContent = label;
    const list = document.createElement("ul");
    for (const line of lines[key]) {
      const li = document.createElement("li");
      const sign = document.createElement("span");
      sign.className = "review__mark";
      sign.setAttribute("aria-hidden", "true");
      sign.textContent = mark;
      li.append(sign, line);
      list.append(li);
    }
    section.append(heading, list);
    return section;
  });
  if (!sections.length) sections.push(paragraph(t("Nothing in the model changed but its place in the board's history."), "hint"));
  const raw = document.createElement("details");
  raw.className = "review__text";
  const summary = document.createElement("summary");
  summary.textContent = t("As text");
  const pre = document.createElement("pre");
  pre.textContent = result.text;
  raw.append(summary, pre);
  return [title, ...sections, raw];
}

/** The server's diff lines by kind of change, without their leading mark. */
export function sortLines(text) {
  const parts = { added: [], removed: [], renamed: [], changed: [] };
  for (const line of text.split("\n")) {
    if (line.startsWith("+ ")) parts.added.push(line.slice(2));
    else if (line.startsWith("- ")) parts.removed.push(line.slice(2));
    else if (line.startsWith("~ renamed ")) parts.renamed.push(line.slice(10));
    else if (line.startsWith("~ ")) parts.changed.push(line.slice(2));
  }
  return parts;
}

function checksBadge(summary) {
  const span = document.createElement("span");
  const worst = SEVERITIES.find((s) => summary[s]);
  span.className = `review__checks review__checks--${worst || "clear"}`;
  span.textContent = worst ? countsText(summary) : t("no findings");
  return span;
}

function paragraph(text, className) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  return p;
}

function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.valueOf())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** JSON over REST; a POST answers {body, created} (201 made a version, 200 did not).
 * @param {string} url
 * @param {{method?: string, body?: object, headers?: Record<string, string>}} [options] */
async function request(url, { method = "GET", body, headers = {} } = {}) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new Error(answer?.message || format(t("The server answered %(status)s."), { status: response.status }));
  return method === "POST" ? { body: answer, created: response.status === 201 } : answer;
}
