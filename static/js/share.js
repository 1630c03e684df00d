// @ts-check
// The share panel's Copy button: copies the invite link to the clipboard.
//
// Wired by delegation from the document, so it needs no inline handlers (the
// pages will run under a strict Content-Security-Policy). Where the Clipboard
// API is missing or refused (plain http, old browsers), the link is selected
// so that the person can copy it with the keyboard.

import { t } from "./board/i18n.js";

const COPIED = t("Link copied.");
const SELECTED = t("Link selected: press Ctrl+C (⌘C on a Mac) to copy it.");

function statusFor(button) {
  const id = button.dataset.copyStatus;
  return id ? document.getElementById(id) : null;
}

function say(button, text) {
  const status = statusFor(button);
  if (status) {
    status.textContent = text;
  }
}

function selectAll(input) {
  input.focus();
  input.select();
  input.setSelectionRange(0, input.value.length);
}

export async function copyFrom(input, button) {
  const clipboard = navigator.clipboard;
  if (clipboard && window.isSecureContext) {
    try {
      await clipboard.writeText(input.value);
      say(button, COPIED);
      return true;
    } catch {
      // Permission refused or no user activation: fall back to selecting.
    }
  }
  selectAll(input);
  say(button, SELECTED);
  return false;
}

function onClick(event) {
  const button = event.target.closest("[data-copy-target]");
  if (!button) {
    return;
  }
  const input = document.getElementById(button.dataset.copyTarget);
  if (!input) {
    return;
  }
  event.preventDefault();
  copyFrom(input, button);
}

function onFocus(event) {
  // A click into the read-only link selects it whole, ready to copy.
  const input = event.target;
  if (input instanceof HTMLInputElement && input.readOnly && input.id) {
    if (document.querySelector(`[data-copy-target="${CSS.escape(input.id)}"]`)) {
      selectAll(input);
    }
  }
}

document.addEventListener("click", onClick);
document.addEventListener("focusin", onFocus);
