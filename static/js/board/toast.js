// @ts-check
// Short messages at the bottom of the board: refusals, conflicts, notices.
// Text only (textContent): a conflict quotes what someone else wrote.

import { t } from "./i18n.js";

const LIFETIME = 7000;
const MAX_SHOWN = 4;

export class Toasts {
  constructor(root) {
    this.root = root;
  }

  show(message, { kind = "info", detail = "", lifetime = LIFETIME, action = null } = {}) {
    const toast = document.createElement("div");
    toast.className = `toast toast--${kind}`;
    const text = document.createElement("p");
    text.className = "toast__text";
    text.textContent = message;
    toast.append(text);
    if (detail) {
      const quote = document.createElement("blockquote");
      quote.className = "toast__detail";
      quote.textContent = detail;
      toast.append(quote);
    }
    if (action) {
      // One thing to do about it, such as reloading the page.
      const button = document.createElement("button");
      button.type = "button";
      button.className = "toast__action";
      button.textContent = action.label;
      button.addEventListener("click", () => action.run());
      toast.append(button);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("aria-label", t("Dismiss"));
    close.textContent = "×";
    close.addEventListener("click", () => toast.remove());
    toast.append(close);
    this.root.append(toast);
    while (this.root.children.length > MAX_SHOWN) this.root.firstElementChild.remove();
    if (lifetime) setTimeout(() => toast.remove(), lifetime);
    return toast;
  }

  error(message, detail) {
    return this.show(message, { kind: "error", detail });
  }
}
