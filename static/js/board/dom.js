// @ts-check
// Typed lookups in the board page's HTML, for the type check (tools/jscheck):
// the DOM's own answers are the widest types (Element, HTMLElement,
// EventTarget), and the board's markup is known to hold HTML elements of the
// kinds named here (templates/storming/board.html). One cast here instead of
// one at every use.

/** @param {string} id */
export function dialogById(id) {
  return /** @type {HTMLDialogElement} */ (document.getElementById(id));
}

/** @param {string} id */
export function inputById(id) {
  return /** @type {HTMLInputElement} */ (document.getElementById(id));
}

/** @param {string} id */
export function formById(id) {
  return /** @type {HTMLFormElement} */ (document.getElementById(id));
}

/** @param {string} id */
export function buttonById(id) {
  return /** @type {HTMLButtonElement} */ (document.getElementById(id));
}

/** @param {string} id */
export function selectById(id) {
  return /** @type {HTMLSelectElement} */ (document.getElementById(id));
}

/**
 * The element matching `selector` nearest the event's target (itself or an
 * ancestor); null when there is none, or when the target is not an element
 * (the window, the document).
 * @param {Event} event @param {string} selector
 */
export function closest(event, selector) {
  const target = event.target instanceof Element ? event.target : null;
  return /** @type {HTMLElement | null} */ (target?.closest(selector) ?? null);
}

/** The first element in `root` matching `selector`, or null.
 * @param {ParentNode} root @param {string} selector */
export function first(root, selector) {
  return /** @type {HTMLElement | null} */ (root.querySelector(selector));
}

/** Every element in `root` matching `selector`, in document order.
 * @param {ParentNode} root @param {string} selector */
export function every(root, selector) {
  return [.../** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll(selector))];
}

/** The buttons in `root` matching `selector`.
 * @param {ParentNode} root @param {string} selector */
export function buttons(root, selector) {
  return [.../** @type {NodeListOf<HTMLButtonElement>} */ (root.querySelectorAll(selector))];
}

/** The selects in `root` matching `selector`.
 * @param {ParentNode} root @param {string} selector */
export function selects(root, selector) {
  return [.../** @type {NodeListOf<HTMLSelectElement>} */ (root.querySelectorAll(selector))];
}

/** The focused element, if any. */
export function focused() {
  return /** @type {HTMLElement | null} */ (document.activeElement);
}

/** What a CustomEvent carries (BoardConnection's, BoardStore's events).
 * @param {Event} event */
export function detail(event) {
  return /** @type {CustomEvent} */ (event).detail;
}
