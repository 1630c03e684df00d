// @ts-check
// Where everyone looks: this page tells the others where it looks (the
// `view` message), follows someone's view (a click on their avatar, or a
// facilitator's Follow me), and answers a facilitator's Bring everyone to me
// and Spotlight. The facilitator's side of those calls is here too.
//
// Whom to follow and when to stop is follow.js; the messages are the
// protocol's `views` and `signal` (docs/protocol.md).

import { NOT_FOLLOWING, cameraFor, follow, glide, movedAway, viewOf, viewOnSticky } from "./follow.js";
import { initials } from "./presence.js";
import { format, t } from "./i18n.js";
import { every } from "./dom.js";

// Views go out at most this often (ms): cursors, drags, views and signals
// share one rate on the server (60 a second), and cursors take 30 of it.
const VIEW_MS = 100;
const GREY = "#868e96";

export class Room {
  constructor(app) {
    this.app = app;
    const $ = (id) => document.getElementById(id);
    this.el = {
      avatars: $("avatars"),
      here: $("here-list"),
      chip: $("follow-chip"),
      chipText: $("follow-chip-text"),
      chipMark: $("follow-chip-mark"),
      stop: $("follow-stop"),
      spot: $("spotlight-chip"),
      spotText: $("spotlight-chip-text"),
      spotMark: $("spotlight-chip-mark"),
      spotGo: $("spotlight-go"),
      spotEnd: $("spotlight-end"),
      summon: $("room-summon"),
      followMe: $("room-follow"),
      followHint: $("room-follow-hint"),
      spotlight: $("room-spotlight"),
      spotlightHint: $("room-spotlight-hint"),
    };
    this.state = NOT_FOLLOWING;
    this.views = new Map(); // member -> their last view {x, y, zoom, name, color}
    this.present = new Set();
    this.members = [];
    this.placed = null; // the camera this page last put, to tell the person's own moves
    this.target = null; // the camera being glided to
    this.gliding = false;
    this.size = { width: app.viewport.width, height: app.viewport.height };
    this.followMe = false;
    this.spotlight = null; // {id, member, name, color, mine}
    this.viewTimer = null;
    this.lastViewAt = -Infinity;
    this.wire();
    app.renderer.addLayer("top", (ctx, info) => this.draw(ctx, info));
  }

  get me() {
    return this.app.me.member;
  }

  wire() {
    const { app, el } = this;
    const { connection, viewport } = app;
    viewport.addEventListener("change", () => this.viewportChanged());
    connection.addEventListener("status", (e) => {
      if (e.detail.status === "live") this.queueView();
    });
    connection.addEventListener("presence", (e) => this.presenceChanged(e.detail.members || []));
    connection.addEventListener("views", (e) => this.viewsCame(e.detail.views || []));
    connection.addEventListener("signal", (e) => this.signalCame(e.detail));
    app.store.addEventListener("change", () => this.storeChanged());

    // A click on someone's avatar (or their row in People) follows them.
    const choose = (e) => {
      const button = e.target.closest("[data-follow]");
      if (button) this.choose(button.dataset.follow);
    };
    el.avatars.addEventListener("click", choose);
    el.here?.addEventListener("click", choose);
    el.stop.addEventListener("click", () => this.dispatch({ type: "stop" }));
    el.spotGo.addEventListener("click", () => this.goToSpotlight());
    el.spotEnd.addEventListener("click", () => this.toggleSpotlight());
    el.summon.addEventListener("click", () => this.summon());
    el.followMe.addEventListener("click", () => this.setFollowMe(!this.followMe));
    el.spotlight.addEventListener("click", () => this.toggleSpotlight());
    app.scene.addEventListener("selection", () => this.renderTools());
    this.renderTools();
  }

  // -- telling the others where I look ---------------------------------------------

  queueView() {
    if (this.viewTimer) return;
    const wait = Math.max(0, this.lastViewAt + VIEW_MS - performance.now());
    this.viewTimer = setTimeout(() => {
      this.viewTimer = null;
      this.lastViewAt = performance.now();
      const view = viewOf(this.app.viewport);
      this.app.connection.view(view.x, view.y, view.zoom);
    }, wait);
  }

  viewportChanged() {
    const vp = this.app.viewport;
    const resized = vp.width !== this.size.width || vp.height !== this.size.height;
    this.size = { width: vp.width, height: vp.height };
    if (this.state.leader && movedAway(this.placed, vp)) {
      // The person moved the board themselves: they look around on their own.
      this.target = null;
      this.dispatch({ type: "moved" });
    } else if (this.state.leader && resized) {
      const view = this.views.get(this.state.leader);
      if (view) this.place(cameraFor(view, vp.width, vp.height));
    }
    this.queueView();
  }

  // -- following --------------------------------------------------------------------

  choose(member) {
    const who = this.members.find((m) => m.member === member);
    if (!who) return;
    this.dispatch({ type: "choose", member, name: who.name, color: who.color });
  }

  dispatch(action) {
    const before = this.state;
    this.state = follow(before, action, this.me);
    if (this.state.leader && this.state.leader !== before.leader) {
      // From here on, a move of the board that this page did not make is the person's own.
      const vp = this.app.viewport;
      this.placed = { x: vp.x, y: vp.y, zoom: vp.zoom };
      const view = this.views.get(this.state.leader);
      if (view) this.glideTo(view);
    }
    if (!this.state.leader) this.target = null;
    this.renderFollow();
    this.decorate();
    return before;
  }

  viewsCame(views) {
    for (const view of views) {
      this.views.set(view.member, view);
      if (view.member === this.state.leader) this.glideTo(view);
    }
  }

  glideTo(view) {
    const vp = this.app.viewport;
    this.target = cameraFor(view, vp.width, vp.height);
    if (document.hidden) {
      // No animation frames in a hidden tab: jump.
      this.place(this.target);
      this.target = null;
      return;
    }
    if (this.gliding) return;
    this.gliding = true;
    const step = () => {
      if (!this.target) {
        this.gliding = false;
        return;
      }
      const next = glide(vp, this.target, vp.width, vp.height);
      this.place(next || this.target);
      if (!next) {
        this.target = null;
        this.gliding = false;
        return;
      }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  /** Put the camera at `camera`: a move this page makes, not the person. */
  place(camera) {
    const vp = this.app.viewport;
    this.placed = { x: camera.x, y: camera.y, zoom: camera.zoom };
    vp.x = camera.x;
    vp.y = camera.y;
    vp.zoom = camera.zoom;
    vp.changed();
  }

  renderFollow() {
    const { el, state } = this;
    el.chip.hidden = !state.leader;
    if (!state.leader) return;
    el.chipMark.style.background = state.color || GREY;
    setText(
      el.chipText,
      format(state.why === "asked" ? t("Following %(name)s: they asked everyone to follow their view.") : t("Following %(name)s's view."), { name: state.name }),
    );
    el.stop.setAttribute("aria-label", format(t("Stop following %(name)s"), { name: state.name }));
    el.stop.title = t("Or move the board yourself");
  }

  // -- who is here --------------------------------------------------------------------

  presenceChanged(members) {
    this.members = members;
    const now = new Set(members.map((m) => m.member));
    const newcomers = [...now].filter((m) => !this.present.has(m) && m !== this.me);
    this.present = now;
    for (const member of this.views.keys()) if (!now.has(member)) this.views.delete(member);
    if (newcomers.length) {
      // Someone new may want to follow me: they need to know where I look,
      // and whether I asked the room to follow me or look at a sticky.
      this.queueView();
      if (this.followMe) this.app.connection.signal("follow", { on: true });
      if (this.spotlight?.mine) this.app.connection.signal("spotlight", { id: this.spotlight.id });
    }
    const { leader, name } = this.state;
    this.dispatch({ type: "present", members: [...now] });
    if (leader && !this.state.leader) this.app.toasts.show(format(t("%(name)s left: you are no longer following."), { name: name || t("The person you followed") }));
    if (this.spotlight && !this.spotlight.mine && !now.has(this.spotlight.member)) this.setSpotlight(null);
    this.decorate();
  }

  /** Avatars and People rows become buttons that follow their person. */
  decorate() {
    const { el, state } = this;
    for (const item of every(el.avatars, "li[data-member]")) {
      const member = item.dataset.member;
      if (member === this.me) continue;
      const who = this.members.find((m) => m.member === member);
      if (!who) continue;
      let button = item.querySelector("button");
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.className = "avatar__follow";
        button.dataset.follow = member;
        button.textContent = item.textContent || initials(who.name);
        item.textContent = "";
        item.append(button);
      }
      const on = state.leader === member;
      item.classList.toggle("avatar--followed", on);
      button.setAttribute("aria-pressed", String(on));
      button.setAttribute("aria-label", format(on ? t("Stop following %(name)s") : t("Follow %(name)s"), { name: who.name }));
      button.title = format(on ? t("Following %(name)s (click to stop)") : t("Follow %(name)s's view"), { name: who.name });
    }
    if (!el.here) return;
    for (const item of every(el.here, "li[data-here]")) {
      const member = item.dataset.here;
      if (member === this.me) continue;
      const who = this.members.find((m) => m.member === member);
      if (!who) continue;
      let button = /** @type {HTMLButtonElement | null} */ (item.querySelector("[data-follow]"));
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.className = "button button--quiet button--small here-follow";
        button.dataset.follow = member;
        item.append(button);
      }
      const on = state.leader === member;
      button.textContent = on ? t("Stop following") : t("Follow");
      button.setAttribute("aria-pressed", String(on));
      button.setAttribute("aria-label", format(on ? t("Stop following %(name)s") : t("Follow %(name)s"), { name: who.name }));
    }
  }

  // -- a facilitator's calls, received -------------------------------------------------

  signalCame(signal) {
    const { app } = this;
    if (signal.member === this.me) return;
    const name = signal.name || t("The facilitator");
    if (signal.kind === "summon") {
      this.dispatch({ type: "summon", member: signal.member });
      this.glideTo({ x: signal.x, y: signal.y, zoom: signal.zoom });
      app.toasts.show(format(t("%(name)s brought everyone to their view."), { name }));
    } else if (signal.kind === "follow") {
      const before = this.dispatch({ type: "signal", member: signal.member, name, color: signal.color, on: signal.on });
      if (signal.on && this.state.leader === signal.member && before.leader !== signal.member) {
        app.toasts.show(format(t("%(name)s asks everyone to follow their view. Move the board yourself, or press Stop, to look around on your own."), { name }));
      } else if (!signal.on && before.leader === signal.member && !this.state.leader) {
        app.toasts.show(format(t("%(name)s stopped leading: you look around on your own again."), { name }));
      }
    } else if (signal.kind === "spotlight") {
      if (signal.id === null) {
        if (this.spotlight && this.spotlight.member === signal.member) this.setSpotlight(null);
        return;
      }
      // The same spotlight again (repeated for someone who just joined):
      // whoever looked away from it keeps looking where they are.
      const again = this.spotlight && this.spotlight.id === signal.id && this.spotlight.member === signal.member;
      this.setSpotlight({ id: signal.id, member: signal.member, name, color: signal.color, mine: false });
      if (again) return;
      this.dispatch({ type: "summon", member: signal.member });
      this.goToSpotlight();
    }
  }

  // -- spotlight -------------------------------------------------------------------------

  setSpotlight(spotlight) {
    this.spotlight = spotlight;
    this.renderSpotlight();
    this.renderTools();
    this.app.renderer.request();
  }

  goToSpotlight() {
    const sticky = this.spotlight && this.app.scene.sticky(this.spotlight.id);
    if (!sticky) return;
    const vp = this.app.viewport;
    this.glideTo(viewOnSticky(sticky, vp.zoom, vp));
  }

  renderSpotlight() {
    const { el, spotlight } = this;
    const sticky = spotlight && this.app.scene.sticky(spotlight.id);
    el.spot.hidden = !sticky;
    if (!sticky) return;
    const text = quoted(sticky.text);
    el.spotMark.style.background = spotlight.color || GREY;
    setText(el.spotText, spotlight.mine ? format(t("You spotlight %(text)s for everyone."), { text }) : format(t("%(name)s spotlights %(text)s."), { name: spotlight.name, text }));
    el.spotEnd.hidden = !spotlight.mine;
  }

  storeChanged() {
    const spotlight = this.spotlight;
    if (spotlight && !this.app.scene.sticky(spotlight.id)) {
      // The sticky is gone: nothing left to look at.
      if (spotlight.mine) this.app.connection.signal("spotlight", { id: null });
      this.setSpotlight(null);
    } else if (spotlight) {
      this.renderSpotlight();
    }
  }

  /** The spotlight: the rest of the board dimmed, the sticky ringed. */
  draw(ctx, { zoom, view }) {
    const spotlight = this.spotlight;
    const s = spotlight && this.app.scene.sticky(spotlight.id);
    if (!s) return;
    const pad = 10 / zoom;
    const hole = { x: s.x - pad, y: s.y - pad, width: s.width + 2 * pad, height: s.height + 2 * pad };
    const path = new Path2D();
    path.rect(view.x, view.y, view.width, view.height);
    path.roundRect(hole.x, hole.y, hole.width, hole.height, 8 / zoom);
    ctx.fillStyle = "rgba(20, 25, 40, 0.28)";
    ctx.fill(path, "evenodd");
    ctx.strokeStyle = spotlight.color || GREY;
    ctx.lineWidth = 4 / zoom;
    ctx.beginPath();
    ctx.roundRect(hole.x, hole.y, hole.width, hole.height, 8 / zoom);
    ctx.stroke();
  }

  // -- the facilitator's side ----------------------------------------------------------

  summon() {
    const view = viewOf(this.app.viewport);
    if (!this.app.connection.signal("summon", view)) return this.offline();
    this.app.toasts.show(t("Everyone's view jumped to yours."));
  }

  setFollowMe(on) {
    if (!this.app.connection.signal("follow", { on })) return this.offline();
    this.followMe = on;
    if (on) this.queueView();
    this.renderTools();
  }

  toggleSpotlight() {
    const { app } = this;
    if (this.spotlight?.mine) {
      app.connection.signal("spotlight", { id: null });
      this.setSpotlight(null);
      return;
    }
    const ids = [...app.scene.selection].filter((id) => app.scene.sticky(id));
    if (ids.length !== 1) {
      app.toasts.show(t("Select one sticky to spotlight it."));
      return;
    }
    if (!app.connection.signal("spotlight", { id: ids[0] })) return this.offline();
    const mine = this.members.find((m) => m.member === this.me);
    this.setSpotlight({ id: ids[0], member: this.me, name: t("You"), color: mine?.color, mine: true });
  }

  offline() {
    this.app.toasts.error(t("Not connected: the room did not hear that. Try again when the board is live."));
  }

  renderTools() {
    const { el, app } = this;
    el.followMe.setAttribute("aria-pressed", String(this.followMe));
    el.followMe.textContent = this.followMe ? t("Stop leading") : t("Follow me");
    el.followHint.textContent = this.followMe
      ? t("Everyone follows your view, except those who moved away.")
      : t("Everyone's view follows yours until you stop, or they move away.");
    const mine = Boolean(this.spotlight?.mine);
    const one = [...app.scene.selection].filter((id) => app.scene.sticky(id)).length === 1;
    el.spotlight.setAttribute("aria-pressed", String(mine));
    el.spotlight.textContent = mine ? t("End the spotlight") : t("Spotlight the selected sticky");
    el.spotlightHint.textContent = mine
      ? t("Everyone sees it lit up until you end it.")
      : one
        ? t("Takes everyone to it, lit up until you end it.")
        : t("Select a sticky first.");
  }

  /** I am no longer a facilitator: my calls to the room end here. */
  roleChanged(role) {
    if (role === "facilitator") return;
    this.followMe = false;
    if (this.spotlight?.mine) this.setSpotlight(null);
    this.renderTools();
  }
}

function quoted(text) {
  const words = String(text || "").replace(/\s+/g, " ").trim();
  if (!words) return t("a sticky");
  return format(t("“%(text)s”"), { text: words.length > 60 ? `${words.slice(0, 57)}…` : words });
}

/** Change a live region's words only when they change: no repeat announcements. */
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}
