// @ts-check
// The workshop's vocabulary, as the server keeps it (storming/vocabulary.py
// for_page): kinds with their labels and sizes, phases, roles, board event
// names, the undoable ones, who may write, limits, the dot vote's defaults. The page renders it once
// (json_script, labels in the page's language); the other modules read it
// from here and keep no copies.
//
// Node tests have no page: they set globalThis.boardVocabulary first
// (tests/js/vocabulary_setup.mjs, from tests/js/vocabulary.json, which a
// pytest keeps equal to for_page()).

function fromPage() {
  const element = globalThis.document?.getElementById("board-vocabulary");
  return element ? JSON.parse(element.textContent) : null;
}

const data = fromPage() ?? globalThis.boardVocabulary;
if (!data) throw new Error("the board's vocabulary is missing (#board-vocabulary)");

export const VOCABULARY = data;
export const KIND_LIST = data.kinds;
export const PHASE_LIST = data.phases;
export const ROLE_LIST = data.roles;
export const EVENT_NAMES = new Set(data.events);
export const UNDOABLE_EVENTS = new Set(data.undoable);
export const LIMITS = data.limits;
/** The dot vote's starting point by phase: {votes, kinds}.
 * @type {Record<string, {votes: number, kinds: string[]}>} */
export const VOTE_DEFAULTS = data.vote_defaults;

/** Whether `role` may change the board (`locked` or not): access.py can_write. */
export function canWrite(role, locked) {
  return (locked ? data.write.locked : data.write.open).includes(role);
}

/** A phase's label in the page's language; the phase's name when unknown. */
export function phaseLabel(phase) {
  return PHASE_LIST.find((p) => p.phase === phase)?.label ?? phase;
}
