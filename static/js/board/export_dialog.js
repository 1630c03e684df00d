// @ts-check
// The export dialog: pick a format and the live model or a frozen version,
// look at what the export makes (the package's files and their code, the
// AsyncAPI and Markdown text, the Mermaid diagram drawn here, the picture of
// the board), then download it. Files come from the REST preview; every text
// goes into the page as text.

import { format as fill, t, tn } from "./i18n.js";

const MERMAID = "/static/vendor/mermaid/mermaid.min.js";
const PICTURES = new Set(["svg", "png"]);
const DIAGRAM = "model.mmd";

export class ExportDialog {
  constructor({ dialog, boardId, fetchJSON = defaultFetch }) {
    this.dialog = dialog;
    this.boardId = boardId;
    this.fetchJSON = fetchJSON;
    const $ = (id) => dialog.querySelector(`#${id}`);
    this.form = $("export-form");
    this.source = $("export-source");
    this.packageField = $("export-package-field");
    this.packageInput = $("export-package");
    this.download = $("export-download");
    this.what = $("export-what");
    this.notes = $("export-notes");
    this.status = $("export-status");
    this.filesBox = $("export-files");
    this.tree = $("export-tree");
    this.path = $("export-path");
    this.code = $("export-code");
    this.picture = $("export-picture");
    this.image = $("export-image");
    this.caption = $("export-caption");
    this.files = [];
    this.request = 0;
    this.objectURL = null;
    this.form.addEventListener("change", () => this.refresh());
    this.packageInput.addEventListener("input", () => this.debouncedRefresh());
    this.form.addEventListener("submit", (e) => e.preventDefault());
    this.tree.addEventListener("click", (e) => {
      const button = e.target.closest("button[data-path]");
      if (button) this.show(button.dataset.path);
    });
    this.download.addEventListener("click", (e) => {
      if (this.format() === "png") {
        e.preventDefault();
        this.downloadPNG();
      }
    });
  }

  format() {
    return this.form.elements.format.value;
  }

  async open() {
    this.dialog.showModal();
    await this.loadVersions();
    await this.refresh();
  }

  async loadVersions() {
    try {
      const versions = await this.fetchJSON(`/api/boards/${this.boardId}/versions/`);
      const chosen = this.source.value;
      for (const option of [...this.source.options].slice(1)) option.remove();
      for (const v of versions) {
        const option = document.createElement("option");
        option.value = String(v.number);
        option.textContent = v.note
        ? fill(t("Version %(number)s (seq %(seq)s: %(note)s)"), { number: v.number, seq: v.seq, note: v.note })
        : fill(t("Version %(number)s (seq %(seq)s)"), { number: v.number, seq: v.seq });
        this.source.append(option);
      }
      this.source.value = chosen;
    } catch {
      // The live model is always there; versions are a bonus.
    }
  }

  query() {
    const format = this.format();
    const params = new URLSearchParams({ format: format === "png" ? "svg" : format });
    const name = this.packageInput.value.trim();
    if (format === "python" && name) params.set("package", name);
    return params;
  }

  downloadURL() {
    const version = this.source.value;
    const base = version
      ? `/api/boards/${this.boardId}/versions/${version}/export/`
      : `/api/boards/${this.boardId}/export/`;
    return `${base}?${this.query()}`;
  }

  debouncedRefresh() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 400);
  }

  async refresh() {
    const format = this.format();
    this.packageField.hidden = format !== "python";
    this.download.href = this.downloadURL();
    this.download.textContent = format === "python" || !["svg", "png", "json"].includes(format)
      ? t("Download zip")
      : fill(t("Download %(format)s"), { format: format.toUpperCase() });
    const params = this.query();
    if (this.source.value) params.set("version", this.source.value);
    const request = ++this.request;
    this.status.textContent = t("Preparing the preview…");
    let preview;
    try {
      preview = await this.fetchJSON(`/api/boards/${this.boardId}/export/preview/?${params}`);
    } catch (error) {
      if (request !== this.request) return;
      this.status.textContent = error.message;
      this.filesBox.hidden = this.picture.hidden = true;
      this.download.setAttribute("aria-disabled", "true");
      return;
    }
    if (request !== this.request) return; // a newer choice is on its way
    this.download.removeAttribute("aria-disabled");
    this.files = preview.files;
    this.notes.hidden = !preview.notes.length;
    this.notes.textContent = preview.notes.join(" ");
    this.status.textContent = "";
    const count = preview.files.length;
    this.what.textContent = PICTURES.has(format) ? "" : fill(tn("%(count)s file", "%(count)s files", count), { count });
    if (PICTURES.has(format)) await this.showPicture(preview.files[0].text, format);
    else if (format === "mermaid") await this.showDiagram();
    else this.showFiles(format);
  }

  showFiles(format) {
    this.picture.hidden = true;
    this.filesBox.hidden = false;
    this.tree.replaceChildren(...this.treeItems());
    const first =
      this.files.find((f) => f.path === "README.md") ||
      this.files.find((f) => f.path.endsWith(".yaml") || f.path.endsWith(".md")) ||
      this.files[0];
    if (first) this.show(first.path);
    this.dialog.dataset.preview = format;
  }

  /** The files as a tree: a folder once, then its files beneath it. */
  treeItems() {
    const items = [];
    let folder = null;
    for (const file of this.files) {
      const parts = file.path.split("/");
      const here = parts.slice(0, -1).join("/");
      if (here !== folder) {
        folder = here;
        if (here) {
          const li = document.createElement("li");
          li.className = "file-tree__folder";
          li.textContent = `${here}/`;
          items.push(li);
        }
      }
      items.push(this.item(file, here ? 1 : 0));
    }
    return items;
  }

  item(file, depth) {
    const li = document.createElement("li");
    li.style.setProperty("--depth", String(depth));
    const button = document.createElement("button");
    button.type = "button";
    button.className = "file-tree__file";
    button.dataset.path = file.path;
    button.textContent = file.path.split("/").pop();
    button.title = file.path;
    if (file.user_owned) {
      const badge = document.createElement("span");
      badge.className = "badge badge--yours";
      badge.textContent = t("yours");
      badge.title = t("Created once; a re-export never replaces it");
      button.append(" ", badge);
    }
    li.append(button);
    return li;
  }

  show(path) {
    const file = this.files.find((f) => f.path === path);
    if (!file) return;
    for (const b of this.tree.querySelectorAll("button[data-path]")) {
      b.setAttribute("aria-current", String(b.dataset.path === path));
    }
    this.path.textContent = path;
    this.code.textContent = file.text ?? fill(t("(%(size)s bytes of binary data)"), { size: file.size });
  }

  async showDiagram() {
    const file = this.files.find((f) => f.path === DIAGRAM);
    this.filesBox.hidden = false;
    this.tree.replaceChildren(...this.treeItems());
    this.show(DIAGRAM);
    try {
      const mermaid = await loadMermaid();
      const { svg } = await mermaid.render(`export-diagram-${this.request}`, file.text);
      this.setImage(svg, t("The model as a Mermaid flowchart, drawn by mermaid in this page."));
      // At its own size: the flowchart is made to be read, and scrolled.
      const box = /viewBox="[-\d.]+ [-\d.]+ ([\d.]+) /.exec(svg);
      if (box) this.image.style.width = `${Math.min(1500, Math.round(Number(box[1])))}px`;
      this.dialog.dataset.preview = "mermaid";
    } catch (error) {
      this.picture.hidden = true;
      this.status.textContent = fill(t("The diagram could not be drawn: %(error)s"), { error: error.message || error });
    }
  }

  async showPicture(svg, format) {
    this.filesBox.hidden = true;
    this.setImage(svg, format === "png"
      ? t("The board as it looks; the PNG is made from this picture in your browser.")
      : t("The board as it looks."));
    this.dialog.dataset.preview = format;
  }

  setImage(svg, caption) {
    if (this.objectURL) URL.revokeObjectURL(this.objectURL);
    this.svg = svg;
    this.objectURL = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
    this.image.style.removeProperty("width");
    this.image.src = this.objectURL;
    this.image.alt = caption;
    this.caption.textContent = caption;
    this.picture.hidden = false;
  }

  async downloadPNG() {
    if (!this.svg) return;
    const image = new Image();
    const url = URL.createObjectURL(new Blob([this.svg], { type: "image/svg+xml" }));
    try {
      image.src = url;
      await image.decode();
      const scale = Math.min(2, 16000 / Math.max(image.naturalWidth, image.naturalHeight, 1));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(image.naturalWidth * scale);
      canvas.height = Math.round(image.naturalHeight * scale);
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = (this.files[0]?.path || "board.svg").replace(/\.svg$/, ".png");
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      this.lastPNG = { width: canvas.width, height: canvas.height, bytes: blob.size };
    } finally {
      URL.revokeObjectURL(url);
    }
  }
}

let mermaidLoading = null;

function loadMermaid() {
  if (!mermaidLoading) {
    mermaidLoading = new Promise((resolve, reject) => {
      if (window.mermaid) return resolve(window.mermaid);
      const script = document.createElement("script");
      script.src = MERMAID;
      script.onload = () => {
        window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
        resolve(window.mermaid);
      };
      script.onerror = () => reject(new Error(t("mermaid did not load")));
      document.head.append(script);
    });
  }
  return mermaidLoading;
}

async function defaultFetch(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.message || fill(t("The server answered %(status)s."), { status: response.status }));
  return body;
}
