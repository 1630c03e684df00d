// @ts-check
// A dot vote on the page: the facilitator's dialog that opens it, the chip
// everyone sees while it runs (votes left, counts hidden), voting by click,
// the dots on the canvas (only my own until the reveal), and the results.
//
// The rules are voting.js; the server decides (vote.open, vote.cast,
// vote.reveal, vote.close). Everything here follows the store's `voting`
// setting, so every page shows the same session, a reconnect included.

import { hitTest } from "./hit.js";
import { KINDS, isFrame, kindOf } from "./kinds.js";
import {
  MAX_VOTES,
  ballot,
  kindsInWords,
  results,
  sessionVotes,
  turnout,
  voteDefaults,
  voteFilter,
  voteSettingsError,
  votesLeft,
} from "./voting.js";
import { format, t, tn } from "./i18n.js";
import { buttonById, closest, dialogById, every, first, formById, inputById } from "./dom.js";

// A press that moves further than this (screen pixels) is a pan, not a vote.
const CLICK_SLOP = 6;
const DIM = "rgba(246, 247, 249, 0.72)";

export class VotePanel {
  constructor(app) {
    this.app = app;
    const $ = (id) => document.getElementById(id);
    this.el = {
      chip: $("vote-chip"),
      chipText: $("vote-chip-text"),
      mode: $("vote-mode"),
      resultsOpen: $("vote-results-open"),
      status: $("facilitate-vote-status"),
      turnout: $("facilitate-turnout"),
      start: $("vote-start"),
      reveal: $("vote-reveal"),
      close: $("vote-close"),
      dialog: dialogById("vote-dialog"),
      form: formById("vote-form"),
      count: inputById("vote-count"),
      kinds: $("vote-kinds"),
      candidates: $("vote-candidates"),
      error: $("vote-error"),
      submit: buttonById("vote-open"),
      results: $("vote-results"),
      resultsSummary: $("vote-results-summary"),
      resultsList: $("vote-results-list"),
    };
    // The session this page has seen ({id, revealed}), to tell what changed.
    this.seen = null;
    this.voteMode = false;
    // The last results shown: kept when the vote closes, to talk them over.
    this.lastRows = [];
    this.press = null;
    this.el.count.max = String(MAX_VOTES);
    this.buildKinds();
    this.wire();
    app.renderer.addLayer("over", (ctx, info) => this.draw(ctx, info));
    app.store.addEventListener("change", (e) => this.changed(e.detail || {}));
    this.changed({ reason: "init" });
  }

  get voting() {
    return this.app.store.board?.voting ?? null;
  }

  get me() {
    return this.app.me.member;
  }

  // -- wiring ------------------------------------------------------------------

  wire() {
    const { app, el } = this;
    el.start.addEventListener("click", () => this.openDialog());
    el.reveal.addEventListener("click", () => this.run("vote.reveal", {}, t("reveal the votes")));
    el.close.addEventListener("click", () => this.run("vote.close", {}, t("close the vote")));
    el.mode.addEventListener("click", () => this.setVoteMode(!this.voteMode));
    el.resultsOpen.addEventListener("click", () => this.showResults(el.results.hidden));
    el.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    el.form.addEventListener("input", () => this.checkDialog({ quiet: true }));
    el.form.addEventListener("change", () => this.checkDialog({ quiet: true }));
    el.results.addEventListener("click", (e) => {
      if (closest(e, "[data-vote-results=close]")) this.showResults(false);
      const row = closest(e, "[data-result]");
      if (row) app.focusSticky(row.dataset.result);
    });

    // The selection bar's Vote button (and any other caller) votes by the
    // session's rules while a vote is open.
    const plainToggle = app.commands.toggleVote;
    app.commands.toggleVote = () => {
      const [id] = app.scene.selection;
      if (id && this.voting) this.vote(id);
      else plainToggle();
    };

    // Voting by click: a press on a sticky votes (or takes the vote back)
    // instead of selecting it; a press on the background still pans.
    const canvas = document.getElementById("board-canvas");
    app.stage.addEventListener("pointerdown", (e) => this.pointerDown(e, canvas), { capture: true });
    window.addEventListener("pointerup", (e) => this.pointerUp(e), { capture: true });
    app.stage.addEventListener(
      "dblclick",
      (e) => {
        if (this.voteMode && e.target === canvas && this.stickyAt(e, canvas)) e.stopPropagation();
      },
      { capture: true },
    );
    // After pointer.js has set its cursor: say what a click will do.
    canvas.addEventListener("pointermove", (e) => {
      if (!this.voteMode || e.buttons) return;
      // No hover outline with its link handle: a click votes, it does not link.
      if (app.scene.hoverId) {
        app.scene.hoverId = null;
        app.renderer.request();
      }
      const hit = this.stickyAt(e, canvas);
      if (hit) canvas.style.cursor = this.voting.kinds.includes(hit.kind) ? "pointer" : "not-allowed";
    });
  }

  /** The sticky under a pointer event on the canvas, or null. */
  stickyAt(e, canvas) {
    const rect = canvas.getBoundingClientRect();
    const { viewport, scene } = this.app;
    const point = viewport.toWorld(e.clientX - rect.left, e.clientY - rect.top);
    const hit = hitTest(scene, point, viewport.zoom, { handles: false });
    return hit && hit.type === "sticky" ? scene.sticky(hit.id) : null;
  }

  pointerDown(e, canvas) {
    if (!this.voteMode || e.target !== canvas || e.button !== 0 || e.shiftKey) return;
    const sticky = this.stickyAt(e, canvas);
    if (!sticky) return;
    e.stopPropagation();
    e.preventDefault();
    canvas.focus({ preventScroll: true });
    this.press = { id: sticky.id, x: e.clientX, y: e.clientY, pointer: e.pointerId };
  }

  pointerUp(e) {
    const press = this.press;
    if (!press || press.pointer !== e.pointerId) return;
    this.press = null;
    if (Math.hypot(e.clientX - press.x, e.clientY - press.y) <= CLICK_SLOP) this.vote(press.id);
  }

  // -- voting ------------------------------------------------------------------

  /** Vote for sticky `id`, or take my vote back, by this session's rules. */
  vote(id) {
    const { app } = this;
    const sticky = app.scene.sticky(id);
    if (!sticky) return;
    if (!app.scene.canWrite) {
      app.toasts.show(t("You can look at this board but not vote on it."));
      return;
    }
    const decision = ballot(sticky, this.voting, app.store.votes.values(), this.me);
    if (decision.refused) {
      app.toasts.error(decision.refused);
      return;
    }
    if (decision.action === "cast") app.actions.vote(id, true);
    else if (decision.action === "retract") app.actions.vote(id, false);
    else {
      // A vote from an earlier session: back and again, as one step.
      app.actions.step(() => {
        app.actions.vote(id, false);
        app.actions.vote(id, true);
      });
    }
  }

  setVoteMode(on) {
    const voting = this.voting;
    this.voteMode = Boolean(on && voting && !voting.revealed && this.app.scene.canWrite);
    this.el.mode.setAttribute("aria-pressed", String(this.voteMode));
    this.el.mode.textContent = this.voteMode ? t("Voting by click") : t("Vote by clicking");
    this.el.mode.title = this.voteMode
      ? t("A click on a sticky votes for it (again: takes the vote back). Press to select and move stickies instead.")
      : t("Press, then click stickies to vote for them");
    this.app.board.classList.toggle("board--voting", this.voteMode);
    this.app.renderer.request();
  }

  // -- following the store -----------------------------------------------------

  /** @param {{reason?: string, event?: object}} change what the store says changed */
  changed({ reason, event }) {
    const voting = this.voting;
    const seen = this.seen;
    // What changed in the session since this page last looked.
    const opened = voting && (!seen || seen.id !== voting.id);
    const revealed = voting && voting.revealed && !(seen && seen.id === voting.id && seen.revealed);
    const closed = seen && !voting;
    this.seen = voting ? { id: voting.id, revealed: Boolean(voting.revealed) } : null;

    this.app.scene.setVoteFilter(voteFilter(voting, this.me));
    const live = reason === "event";
    const who = live && event ? this.nameOf(event.by) : null;
    if (opened) {
      this.lastRows = [];
      this.showResults(false);
      this.setVoteMode(!voting.revealed);
      if (live) {
        this.app.toasts.show(
          format(tn("%(name)s opened a dot vote: %(count)s vote each on %(kinds)s.", "%(name)s opened a dot vote: %(count)s votes each on %(kinds)s.", voting.votes), {
            name: who || t("The facilitator"),
            count: voting.votes,
            kinds: kindsInWords(voting.kinds),
          }),
        );
      }
    }
    if (revealed) {
      this.setVoteMode(false);
      this.showResults(true);
      if (live && !opened) this.app.toasts.show(t("The votes are revealed."));
    }
    if (closed) {
      this.setVoteMode(false);
      if (live) this.app.toasts.show(t("The dot vote is closed."));
    }
    if (voting && this.voteMode && (voting.revealed || !this.app.scene.canWrite)) this.setVoteMode(false);
    this.render();
  }

  /** My role changed: a viewer cannot vote, a participant again can. */
  roleChanged() {
    const voting = this.voting;
    this.setVoteMode(Boolean(voting && !voting.revealed && this.app.scene.canWrite));
    this.render();
  }

  nameOf(member) {
    if (member === this.me) return t("You");
    return this.app.presence.nameOf(member)?.name || null;
  }

  // -- showing it --------------------------------------------------------------

  render() {
    const { el, app } = this;
    const voting = this.voting;
    const votes = [...app.store.votes.values()];
    const canWrite = app.scene.canWrite;

    el.chip.hidden = !voting;
    el.mode.hidden = !voting || voting.revealed || !canWrite;
    el.resultsOpen.hidden = !voting || !voting.revealed;
    el.resultsOpen.setAttribute("aria-expanded", String(!el.results.hidden));
    if (voting) {
      const each = format(t("%(count)s each on %(kinds)s"), { count: voting.votes, kinds: kindsInWords(voting.kinds) });
      if (voting.revealed) {
        const cast = sessionVotes(votes, voting).length;
        setText(el.chipText, format(tn("revealed: %(count)s vote cast (%(each)s).", "revealed: %(count)s votes cast (%(each)s).", cast), { count: cast, each }));
      } else if (!canWrite) {
        setText(el.chipText, format(t("on: %(each)s. You are watching; counts show after the reveal."), { each }));
      } else {
        const left = votesLeft(votes, voting, this.me);
        const text = t("on: %(each)s. You have %(left)s of %(votes)s left; others' votes show after the reveal.");
        setText(el.chipText, format(text, { each, left, votes: voting.votes }));
      }
      el.chip.dataset.left = voting.revealed ? "" : String(votesLeft(votes, voting, this.me));
    }

    // The facilitator's panel.
    el.start.hidden = Boolean(voting);
    el.reveal.hidden = !voting || voting.revealed;
    el.close.hidden = !voting;
    if (!voting) {
      setText(el.status, t("No vote is open. A dot vote picks what to talk about first."));
      el.turnout.hidden = true;
    } else {
      const cast = sessionVotes(votes, voting).length;
      setText(el.status, voting.revealed
        ? format(tn("Revealed: %(count)s vote cast. Close the vote once the group has talked the results over.", "Revealed: %(count)s votes cast. Close the vote once the group has talked the results over.", cast), { count: cast })
        : format(tn("Open: %(votes)s each on %(kinds)s. %(count)s vote cast, hidden until you reveal them.", "Open: %(votes)s each on %(kinds)s. %(count)s votes cast, hidden until you reveal them.", cast), {
          votes: voting.votes,
          kinds: kindsInWords(voting.kinds),
          count: cast,
        }));
      const used = turnout(votes, voting);
      el.turnout.hidden = !used.length;
      el.turnout.replaceChildren(
        ...used
          .map(({ member, used: n }) => ({ name: this.nameOf(member) || t("Someone who left"), n }))
          .sort((a, b) => b.n - a.n || a.name.localeCompare(b.name))
          .map(({ name, n }) => {
            const item = document.createElement("li");
            item.className = "facilitate-turnout__item";
            const who = document.createElement("span");
            who.textContent = name;
            const count = document.createElement("span");
            count.className = "count";
            count.textContent = format(t("%(used)s of %(votes)s"), { used: n, votes: voting.votes });
            item.append(who, count);
            return item;
          }),
      );
    }
    if (voting && voting.revealed) this.renderResults();
    else if (!voting && !el.results.hidden) this.renderResults({ closed: true });
  }

  renderResults({ closed = false } = {}) {
    const { el, app } = this;
    const voting = this.voting;
    if (voting) this.lastRows = results(app.store.stickies, app.store.votes.values(), voting);
    const rows = this.lastRows;
    const total = rows.reduce((sum, row) => sum + row.count, 0);
    const summary = closed
      ? format(t("The vote is closed. %(votes)s went to %(stickies)s."), { votes: votesIn(total), stickies: stickiesIn(rows.length) })
      : rows.length
        ? format(t("%(votes)s on %(stickies)s, most first. Choose one to go to it."), { votes: votesIn(total), stickies: stickiesIn(rows.length) })
        : t("Nobody voted.");
    // Rebuilt only when the results change (the board changes all the
    // time): a reader keeps their place and the focus stays on its row.
    const key = JSON.stringify([summary, rows]);
    if (key === this.shownKey) return;
    this.shownKey = key;
    el.resultsSummary.textContent = summary;
    const focused = /** @type {HTMLElement | null | undefined} */ (document.activeElement?.closest?.("[data-result]"))?.dataset.result;
    el.resultsList.replaceChildren(
      ...rows.map((row) => {
        const item = document.createElement("li");
        item.className = "vote-result";
        const button = document.createElement("button");
        button.type = "button";
        button.className = "vote-result__button";
        button.dataset.result = row.id;
        const rank = document.createElement("span");
        rank.className = "vote-result__rank";
        rank.textContent = String(row.rank);
        const swatch = document.createElement("span");
        swatch.className = `kind-swatch kind-${row.kind}`;
        swatch.setAttribute("aria-hidden", "true");
        const text = document.createElement("span");
        text.className = "vote-result__text";
        text.textContent = row.text || format(t("(%(kind)s, no text)"), { kind: kindOf(row.kind).label });
        const count = document.createElement("span");
        count.className = "vote-result__count";
        count.textContent = votesIn(row.count);
        button.append(rank, swatch, text, count);
        item.append(button);
        return item;
      }),
    );
    if (focused) first(el.resultsList, `[data-result="${CSS.escape(focused)}"]`)?.focus();
  }

  showResults(show) {
    const { el } = this;
    if (show) this.renderResults({ closed: !this.voting });
    el.results.hidden = !show;
    el.resultsOpen.setAttribute("aria-expanded", String(show));
  }

  /** Dim what cannot be voted on while voting by click. */
  draw(ctx, { view }) {
    const voting = this.voting;
    if (!this.voteMode || !voting) return;
    const { scene } = this.app;
    ctx.fillStyle = DIM;
    for (const id of scene.ordered().notes) {
      const s = scene.sticky(id);
      if (!s || isFrame(s) || voting.kinds.includes(s.kind)) continue;
      if (s.x > view.x + view.width || s.y > view.y + view.height || s.x + s.width < view.x || s.y + s.height < view.y) continue;
      ctx.fillRect(s.x - 1, s.y - 1, s.width + 2, s.height + 2);
    }
  }

  // -- the facilitator's dialog and commands ----------------------------------------

  buildKinds() {
    this.el.kinds.replaceChildren(
      ...KINDS.map((k) => {
        const item = document.createElement("li");
        const label = document.createElement("label");
        label.className = "check vote-form__kind";
        const box = document.createElement("input");
        box.type = "checkbox";
        box.name = "kinds";
        box.value = k.kind;
        const swatch = document.createElement("span");
        swatch.className = `kind-swatch kind-${k.kind}`;
        swatch.setAttribute("aria-hidden", "true");
        label.append(box, swatch, document.createTextNode(` ${k.label}`));
        item.append(label);
        return item;
      }),
    );
  }

  openDialog() {
    const { el, app } = this;
    const defaults = voteDefaults(app.store.board?.phase || app.board.dataset.phase);
    el.count.value = String(defaults.votes);
    for (const box of this.kindBoxes()) box.checked = defaults.kinds.includes(box.value);
    el.error.hidden = true;
    el.error.textContent = "";
    el.submit.disabled = false;
    this.checkDialog({ quiet: true });
    el.dialog.showModal();
    el.count.focus();
    el.count.select();
  }

  /** The dialog's kinds to vote on (its checkboxes named "kinds"). */
  kindBoxes() {
    return /** @type {HTMLInputElement[]} */ (every(this.el.form, 'input[name="kinds"]'));
  }

  settings() {
    const kinds = this.kindBoxes().filter((box) => box.checked).map((box) => box.value);
    return { votes: this.el.count.value, kinds };
  }

  /** Check the dialog's fields; say what is wrong (not while typing: `quiet`). */
  checkDialog({ quiet = false } = {}) {
    const { el, app } = this;
    const settings = this.settings();
    const candidates = [...app.store.stickies.values()].filter((s) => settings.kinds.includes(s.kind)).length;
    el.candidates.textContent = settings.kinds.length
      ? format(tn("%(count)s sticky on the board can be voted on.", "%(count)s stickies on the board can be voted on.", candidates), { count: candidates })
      : "";
    const error = voteSettingsError(settings, KINDS.map((k) => k.kind));
    if (!error) {
      el.error.hidden = true;
      el.count.removeAttribute("aria-invalid");
    } else if (!quiet) {
      el.error.textContent = error;
      el.error.hidden = false;
      // The count is wrong unless the kinds are (none chosen).
      if (settings.kinds.length) el.count.setAttribute("aria-invalid", "true");
    }
    return error ? null : { votes: Number(settings.votes), kinds: settings.kinds };
  }

  async submit() {
    const { el } = this;
    const settings = this.checkDialog();
    if (!settings) return;
    el.submit.disabled = true;
    try {
      await this.app.connection.command("vote.open", settings);
      el.dialog.close();
    } catch (error) {
      el.error.textContent = format(t("The vote did not open: %(error)s."), { error: error?.message || t("the server refused it") });
      el.error.hidden = false;
    } finally {
      el.submit.disabled = false;
    }
  }

  async run(name, data, what) {
    try {
      await this.app.connection.command(name, data);
    } catch (error) {
      this.app.toasts.error(format(t("Could not %(what)s: %(error)s."), { what, error: error?.message || t("the server refused it") }));
    }
  }
}

/** Change a live region's words only when they change: no repeat announcements. */
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function votesIn(n) {
  return format(tn("%(count)s vote", "%(count)s votes", n), { count: n });
}

function stickiesIn(n) {
  return format(tn("%(count)s sticky", "%(count)s stickies", n), { count: n });
}
