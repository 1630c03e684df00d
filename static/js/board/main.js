// @ts-check
// The board page: wires the store and the connection to the canvas and the
// controls around it. Each module holds one part; this one only connects them.

import { Actions } from "./actions.js";
import { Clipboard } from "./clipboard.js";
import { BoardConnection } from "./connection.js";
import { Editor } from "./editor.js";
import { ExportDialog } from "./export_dialog.js";
import { FEATURES } from "./features.js";
import { bounds, intersects } from "./geometry.js";
import { Inspector } from "./inspector.js";
import { Keyboard } from "./keyboard.js";
import { kindOf, readColours } from "./kinds.js";
import { Minimap } from "./minimap.js";
import { Outline } from "./outline.js";
import { PhaseGuide } from "./phases.js";
import { PointerControl } from "./pointer.js";
import { Presence } from "./presence.js";
import { Renderer } from "./render.js";
import { Scene } from "./scene.js";
import { SelectionBar } from "./selbar.js";
import { Status } from "./status.js";
import { BoardStore } from "./store.js";
import { Toasts } from "./toast.js";
import { Viewport } from "./viewport.js";
import { format, t } from "./i18n.js";
import { canWrite as mayWrite } from "./vocabulary.js";
import { closest, detail, dialogById, every, inputById } from "./dom.js";

const board = document.getElementById("board");
const $ = (id) => document.getElementById(id);
const boardId = board.dataset.boardId;
const stage = $("stage");
const canvas = $("board-canvas");

readColours();

const me = {
  member: board.dataset.memberId,
  role: board.dataset.role,
  can_write: board.dataset.canWrite === "true",
};
const store = new BoardStore();
const connection = new BoardConnection({ boardId });
const viewport = new Viewport();
const scene = new Scene(store);
scene.canWrite = me.can_write;
const toasts = new Toasts($("toasts"));
const actions = new Actions({ connection, scene, toasts, me });
const renderer = new Renderer(canvas, { scene, viewport, stage });
const editor = new Editor({ textarea: $("sticky-editor"), viewport, scene, actions, canvas });
const pointer = new PointerControl({ canvas, viewport, scene, actions, connection, editor, board });
const clipboard = new Clipboard({ scene, actions, pointer, toasts });
const presence = new Presence({ avatars: $("avatars"), cursors: $("cursors"), viewport, me });
const minimap = new Minimap($("minimap"), { scene, viewport });
const inspector = new Inspector({ panel: $("inspector"), scene, actions });
const selectionBar = new SelectionBar({ bar: $("selection-bar"), scene, viewport, me });
const status = new Status({
  board,
  connection: $("connection"),
  phaseSteps: $("phase-steps"),
  phaseSelect: $("phase-select"),
  lockButton: $("lock-toggle"),
  lockedBadge: $("locked-badge"),
  notice: $("readonly-notice"),
  timer: $("timer"),
});
const phaseGuide = new PhaseGuide({ panel: $("phase-guide"), toggle: $("phase-guide-toggle") });
const outline = new Outline({
  panel: $("outline"),
  body: $("outline-body"),
  count: $("sticky-count"),
  scene,
  onFocus: (id) => focusSticky(id),
});

// -- commands shared by the keyboard, the toolbars and the panels ------------

// Deleting more stickies than this asks first: a stray Delete key must not
// clear a board (the others on it cannot undo that; only its author can).
const CONFIRM_DELETE_OVER = 20;

const commands = {
  async deleteSelection() {
    if (!scene.canWrite) return;
    let ids = [...scene.selection].filter((id) => scene.sticky(id));
    const links = [...scene.selectedLinks];
    if (ids.length > CONFIRM_DELETE_OVER) {
      if (!(await confirmDelete(ids.length)) || !scene.canWrite) return;
      // Someone else may have deleted some of them meanwhile.
      ids = ids.filter((id) => scene.sticky(id));
    }
    if (ids.length) actions.remove(ids);
    for (const id of links) actions.unlink(id);
    scene.clearSelection();
  },
  fit() {
    const { frames, notes } = scene.ordered();
    const box = bounds([...frames, ...notes].map((id) => scene.sticky(id)).filter(Boolean));
    // Keep clear of the palette on the left.
    const stageLeft = stage.getBoundingClientRect().left;
    const left = Math.max(48, $("palette").getBoundingClientRect().right - stageLeft + 24);
    viewport.fit(box, { left });
  },
  /** Select the next (1) or previous (-1) sticky, reading order. */
  cycle(direction) {
    const { notes, frames } = scene.ordered();
    const all = [...notes, ...frames].map((id) => scene.sticky(id)).filter(Boolean);
    if (!all.length) return;
    all.sort((a, b) => Math.round(a.y / 120) - Math.round(b.y / 120) || a.x - b.x);
    const current = all.findIndex((s) => scene.selection.has(s.id));
    const next = current < 0 ? (direction > 0 ? 0 : all.length - 1) : (current + direction + all.length) % all.length;
    focusSticky(all[next].id, { keepFocus: true });
  },
  details() {
    if (scene.selection.size === 1) inspector.open([...scene.selection][0]);
  },
  linkSelected() {
    const ids = [...scene.selection];
    if (ids.length === 2) actions.link(ids[0], ids[1]);
    else toasts.show(t("Select two stickies (the first one is where the arrow starts), then press L."));
  },
  help() {
    dialogById("help-dialog").showModal();
  },
  togglePivotal() {
    const [id] = scene.selection;
    const s = id && scene.sticky(id);
    if (s && s.kind === "event") actions.update(id, { pivotal: !s.pivotal });
  },
  toggleVote() {
    const [id] = scene.selection;
    if (id) actions.vote(id, !scene.hasVoted(id, me.member));
  },
};

new Keyboard({ board, canvas, scene, viewport, actions, pointer, editor, clipboard, commands });

let deleteDialog = null;
/** Ask whether to delete `count` stickies, in a modal <dialog>: true to go on. */
function confirmDelete(count) {
  if (!deleteDialog) {
    deleteDialog = document.createElement("dialog");
    deleteDialog.className = "dialog dialog--confirm";
    deleteDialog.id = "delete-dialog";
    deleteDialog.setAttribute("aria-labelledby", "delete-title");
    deleteDialog.setAttribute("aria-describedby", "delete-what");
    const body = document.createElement("div");
    body.className = "dialog__body";
    const title = Object.assign(document.createElement("h2"), { id: "delete-title" });
    const what = Object.assign(document.createElement("p"), { id: "delete-what" });
    what.textContent = t("They go for everyone on the board. You can bring them back with Ctrl+Z.");
    const buttons = document.createElement("div");
    buttons.className = "dialog__actions";
    // Cancel has the focus: Enter or Escape by reflex keeps the stickies.
    const cancel = Object.assign(document.createElement("button"), {
      type: "button", className: "button button--quiet", textContent: t("Cancel"), autofocus: true,
    });
    const remove = Object.assign(document.createElement("button"), {
      type: "button", className: "button button--danger", value: "delete",
    });
    cancel.addEventListener("click", () => deleteDialog.close());
    remove.addEventListener("click", () => deleteDialog.close("delete"));
    // A click on the backdrop is a no, as for the page's other dialogs.
    deleteDialog.addEventListener("click", (e) => {
      if (e.target === deleteDialog) deleteDialog.close();
    });
    buttons.append(cancel, remove);
    body.append(title, what, buttons);
    deleteDialog.append(body);
    board.append(deleteDialog);
  }
  deleteDialog.querySelector("h2").textContent = format(t("Delete %(count)s stickies?"), { count });
  deleteDialog.querySelector("button[value=delete]").textContent = format(t("Delete %(count)s stickies"), { count });
  deleteDialog.returnValue = "";
  deleteDialog.showModal();
  return new Promise((resolve) => {
    deleteDialog.addEventListener("close", () => resolve(deleteDialog.returnValue === "delete"), { once: true });
  });
}

function focusSticky(id, { keepFocus = false } = {}) {
  const s = scene.sticky(id);
  if (!s) return;
  scene.select([id]);
  if (!intersects(s, viewport.visible(-60))) viewport.centreOn(s.x + s.width / 2, s.y + s.height / 2);
  if (!keepFocus) canvas.focus({ preventScroll: true });
}

function canWrite() {
  const locked = Boolean(store.board && store.board.locked);
  // No role: removed from the board (roles_panel.js), nothing to change.
  return Boolean(me.role) && mayWrite(me.role, locked);
}

function refreshBoardState() {
  scene.canWrite = canWrite();
  /** @type {{phase: string, locked?: boolean, timer?: {ends_at: string} | null}} */
  const settings = store.board || { phase: board.dataset.phase };
  status.boardState(settings, { role: me.role, canWrite: scene.canWrite });
  phaseGuide.show(settings.phase);
  const timerToggle = $("timer-toggle");
  if (timerToggle) {
    const running = Boolean(settings.timer && Date.parse(settings.timer.ends_at) > Date.now());
    timerToggle.textContent = running ? t("Stop") : t("Start");
    timerToggle.setAttribute("aria-label", running ? t("Stop the timer") : t("Start the timer"));
    timerToggle.setAttribute("aria-pressed", String(running));
  }
}

function announce() {
  const ids = [...scene.selection];
  let text = "";
  if (ids.length === 1) {
    const s = scene.sticky(ids[0]);
    if (s) {
      const fill = { kind: kindOf(s.kind).label, text: s.text || t("no text") };
      text = format(s.pivotal ? t("%(kind)s, pivotal: %(text)s") : t("%(kind)s: %(text)s"), fill);
    }
  } else if (ids.length > 1) {
    text = format(t("%(count)s stickies selected"), { count: ids.length });
  } else if (scene.selectedLinks.size) {
    text = t("Link selected");
  }
  $("canvas-announce").textContent = text;
}

// -- the store: the board as the server has it ------------------------------

let loaded = false;
store.addEventListener("change", (e) => {
  const change = detail(e) || {};
  scene.reconcile();
  scene.invalidate();
  scene.pruneSelection();
  if (change.reason === "reset") {
    outline.reset();
    renderer.warm();
    if (!loaded) {
      loaded = true;
      restoreView();
    }
  } else {
    outline.update(change.stickies || []);
  }
  minimap.schedule();
  refreshBoardState();
  inspector.refresh();
  // The sticky being edited may have moved, grown or gone meanwhile.
  editor.place();
});

// -- the connection ----------------------------------------------------------

connection.addEventListener("status", (e) => status.connection(detail(e).status, detail(e).pending));
connection.addEventListener("welcome", (e) => {
  const message = detail(e).message;
  Object.assign(me, message.me || {});
  // A welcome with `events` (a resume) hands them out as `event`s next.
  if (message.state) store.load(message.state, message.seq);
  presence.update(message.presence || []);
  refreshBoardState();
});
connection.addEventListener("event", (e) => {
  try {
    store.apply(detail(e).message);
  } catch (error) {
    // Out of step with the server: a fresh state puts it right.
    console.error(error);
    toasts.show(t("This board fell out of step with the server; reloading it."));
    connection.resync();
  }
});
connection.addEventListener("presence", (e) => presence.update(detail(e).members || []));
connection.addEventListener("cursor", (e) => presence.moveCursors(detail(e).cursors || []));
connection.addEventListener("drag", (e) => {
  for (const drag of detail(e).drags || []) {
    if (drag.member !== me.member) scene.remoteDrag(drag, presence.nameOf(drag.member));
  }
});
// Refusals of our commands are reported where they were sent (actions.js);
// these are the errors that belong to no command.
connection.addEventListener("error", (e) => {
  if (detail(e).code !== "rate_limited") toasts.error(detail(e).message || t("The server refused that."));
});
connection.addEventListener("outdated", () => {
  toasts.show(t("The server was updated: reload the page to go on. Your unsaved changes are kept."), {
    kind: "error",
    lifetime: 0,
    action: { label: t("Reload"), run: () => globalThis.location.reload() },
  });
  status.connection("offline");
});
connection.addEventListener("denied", () => {
  toasts.show(t("You no longer have access to this board."), { kind: "error", lifetime: 0 });
  status.connection("offline");
});

// -- the view -----------------------------------------------------------------

const VIEW_KEY = `board-view:${boardId}`;

function restoreView() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(VIEW_KEY) || "null");
    if (saved && Number.isFinite(saved.zoom)) {
      viewport.zoom = saved.zoom;
      viewport.x = saved.x;
      viewport.y = saved.y;
      viewport.changed();
      return;
    }
  } catch {
    // A broken saved view: fit instead.
  }
  commands.fit();
}

let saveTimer = null;
viewport.addEventListener("change", () => {
  renderer.request();
  $("zoom-level").textContent = `${Math.round(viewport.zoom * 100)}%`;
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => sessionStorage.setItem(VIEW_KEY, JSON.stringify(viewport)), 300);
});
scene.addEventListener("change", () => renderer.request());
scene.addEventListener("selection", () => {
  announce();
  inspector.refresh();
  outline.markSelected(scene.selection);
});
renderer.onDraw = () => selectionBar.update({ busy: Boolean(pointer.gesture && pointer.gesture.type !== "none") });
new ResizeObserver(() => renderer.resize()).observe(stage);
// Moving the window to a screen of another pixel density: redraw sharp.
function watchDensity() {
  matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`).addEventListener(
    "change",
    () => {
      renderer.resize();
      watchDensity();
    },
    { once: true },
  );
}
watchDensity();
setInterval(() => scene.expireRemoteDrags(), 1000);

// -- controls around the canvas (delegated from the board root) ---------------

let cascade = 0;
function createFromPalette(kind, point = null) {
  if (!scene.canWrite) return;
  const k = kindOf(kind);
  if (!point) {
    // Repeated clicks fan out instead of piling up on one spot.
    const centre = viewport.toWorld(viewport.width / 2, viewport.height / 2);
    const step = (cascade++ % 6) * 24;
    point = { x: centre.x + step, y: centre.y + step };
  }
  editor.createAt(k.kind, point);
}

board.addEventListener("click", (e) => {
  const kindButton = closest(e, "[data-kind]");
  if (kindButton && kindButton.closest("#palette")) {
    createFromPalette(kindButton.dataset.kind);
    return;
  }
  const toolButton = closest(e, "[data-tool]");
  if (toolButton) {
    pointer.setTool(toolButton.dataset.tool);
    return;
  }
  const button = closest(e, "[data-action]");
  if (!button) return;
  const z = viewport.zoom;
  switch (button.dataset.action) {
    case "zoom-in": viewport.setZoom(z * 1.25); break;
    case "zoom-out": viewport.setZoom(z / 1.25); break;
    case "zoom-reset": viewport.setZoom(1); break;
    case "zoom-fit": commands.fit(); break;
    case "undo": actions.undo(); break;
    case "redo": actions.redo(); break;
    case "edit": if (scene.selection.size === 1) editor.edit([...scene.selection][0]); break;
    case "details": commands.details(); break;
    case "pivotal": commands.togglePivotal(); break;
    case "vote": commands.toggleVote(); break;
    case "delete": commands.deleteSelection(); break;
    case "outline-close": toggleOutline(false); break;
    case "dialog-close": button.closest("dialog").close(); break;
    default: break;
  }
});

// Dragging a palette button onto the board drops a sticky where it is let go.
let paletteDrag = null;
$("palette").addEventListener("pointerdown", (e) => {
  const button = closest(e, "[data-kind]");
  if (button && e.button === 0 && scene.canWrite) paletteDrag = { kind: button.dataset.kind, x: e.clientX, y: e.clientY };
});
document.addEventListener("pointerup", (e) => {
  const drag = paletteDrag;
  paletteDrag = null;
  if (!drag || Math.hypot(e.clientX - drag.x, e.clientY - drag.y) < 8) return;
  const rect = canvas.getBoundingClientRect();
  if (document.elementFromPoint(e.clientX, e.clientY) !== canvas) return;
  createFromPalette(drag.kind, viewport.toWorld(e.clientX - rect.left, e.clientY - rect.top));
});

// The palette folds to its swatches, to leave the board more room.
const palette = $("palette");
const COMPACT_KEY = "board-palette-compact";
function setCompact(compact) {
  palette.classList.toggle("palette--compact", compact);
  const toggle = $("palette-fold");
  toggle.setAttribute("aria-pressed", String(compact));
  toggle.setAttribute("aria-label", compact ? t("Show the kinds' names") : t("Hide the kinds' names"));
  toggle.title = toggle.getAttribute("aria-label");
  localStorage.setItem(COMPACT_KEY, compact ? "1" : "");
}
$("palette-fold").addEventListener("click", () => setCompact(!palette.classList.contains("palette--compact")));
setCompact(localStorage.getItem(COMPACT_KEY) === "1");

board.addEventListener("toolchange", (e) => {
  for (const b of every(board, "[data-tool]")) {
    b.setAttribute("aria-pressed", String(b.dataset.tool === detail(e).tool));
  }
  board.dataset.tool = detail(e).tool;
});

function toggleOutline(show) {
  const panel = $("outline");
  panel.hidden = !show;
  $("outline-toggle").setAttribute("aria-expanded", String(show));
  outline.markSelected(scene.selection);
}
$("outline-toggle").addEventListener("click", () => toggleOutline($("outline").hidden));
$("help-open").addEventListener("click", () => commands.help());
$("share-open")?.addEventListener("click", () => dialogById("share-dialog").showModal());
const exportDialog = new ExportDialog({ dialog: $("export-dialog"), boardId });
$("export-open").addEventListener("click", () => exportDialog.open());
$("phase-select")?.addEventListener("change", (e) => actions.phase(/** @type {HTMLSelectElement} */ (e.target).value));
$("lock-toggle")?.addEventListener("click", () => actions.lock(!(store.board && store.board.locked)));
$("timer-toggle")?.addEventListener("click", (e) => {
  if (/** @type {Element} */ (e.currentTarget).getAttribute("aria-pressed") === "true") actions.timer(null);
  else actions.timer(Number(inputById("timer-minutes").value) * 60);
});
for (const dialog of document.querySelectorAll("dialog")) {
  // A click on the backdrop (outside the dialog's box) closes it.
  dialog.addEventListener("click", (e) => {
    if (e.target === dialog) {
      const r = dialog.getBoundingClientRect();
      if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) dialog.close();
    }
  });
}

// -- features ---------------------------------------------------------------------

const app = {
  board, boardId, me, stage, store, scene, viewport, renderer, connection, actions,
  toasts, commands, focusSticky, inspector, outline, phaseGuide, presence, status, minimap,
};
// A feature that changes my role in `me` (a `membership` message) asks the
// page to show what I may do now: controls, the read-only notice.
app.refreshBoardState = refreshBoardState;
for (const install of FEATURES) install(app);

// -- start ----------------------------------------------------------------------

refreshBoardState();
status.connection("connecting");
renderer.resize();
connection.connect();

// For tests and debugging in the console: the live objects of this page.
window.boardApp = { ...app, exportDialog };
