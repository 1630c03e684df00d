// @ts-check
// Roles on a board, as rules: the three roles in words, what the REST API's
// refusals mean to a facilitator, and what a change of my own role (the
// `membership` message) means for my page. Pure; roles_panel.js wires them.

import { format, t } from "./i18n.js";
import { ROLE_LIST } from "./vocabulary.js";

// The roles and their names are the server's (vocabulary.js), but a viewer
// is plain "Viewer", without "(read-only)": role names go into sentences
// ("Pat is now a viewer.").
const SHORT = { viewer: t("Viewer") };
export const ROLES = ROLE_LIST.map(({ role, label }) => ({ role, label: SHORT[role] ?? label }));

export function roleLabel(role) {
  return ROLES.find((r) => r.role === role)?.label ?? t("No longer a member");
}

/** Django's CSRF token from a cookie string (`document.cookie`), or "". */
export function csrfToken(cookie) {
  for (const part of String(cookie || "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "csrftoken") return decodeURIComponent(rest.join("="));
  }
  return "";
}

/**
 * A refusal of the members API as a sentence for the Share dialog: the
 * server's own message (one error shape, api_errors.py) when there is one.
 */
export function refusal(status, body, what) {
  const message = body && typeof body.message === "string" ? body.message.trim() : "";
  if (message) return format(t("Could not %(what)s: %(message)s."), { what, message }).replace(/\.\.$/, ".").replace(/。\.$/, "。");
  if (status === 403) return format(t("Could not %(what)s: only a facilitator can change members."), { what });
  if (status === 404) return format(t("Could not %(what)s: that person is no longer a member of this board."), { what });
  if (status === 0) return format(t("Could not %(what)s: the server cannot be reached. Nothing changed."), { what });
  return format(t("Could not %(what)s (the server answered %(status)s). Nothing changed."), { what, status });
}

/**
 * What a `membership` message does to my page, given my role before it:
 * {removed, role, canWrite, text} where `text` tells me what happened
 * (null when nothing did).
 */
export function membershipChange(before, message) {
  if (!message.role) {
    return {
      removed: true,
      role: null,
      canWrite: false,
      text: message.message || t("A facilitator removed you from this board."),
    };
  }
  const role = message.role;
  const canWrite = Boolean(message.can_write);
  let text = null;
  if (role !== before) {
    if (role === "viewer") text = t("A facilitator made you a viewer: you can look at the board but not change it.");
    else if (role === "participant") {
      text = before === "viewer"
        ? t("A facilitator made you a participant: you can change the board again.")
        : t("A facilitator made you a participant.");
    } else if (role === "facilitator") {
      text = t("A facilitator made you a facilitator: the facilitation tools are yours. Reload the page for the lock, timer and sharing controls.");
    }
  }
  return { removed: false, role, canWrite, text };
}
