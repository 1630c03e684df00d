// @ts-check
// Dot voting, as rules: what a vote session lets a person do and what the
// screen shows of it. Pure functions of the board's `voting` setting
// ({id, votes, kinds, started_at, revealed}) and its votes ({sticky, member,
// created_at}); vote_panel.js puts them on the page.
//
// The server decides (storming/commands.py vote_cast, _check_ballot); these
// mirror its rules so that the page can say why before asking, and so that it
// counts what the server counts: only votes cast since the vote opened.

import { kindOf } from "./kinds.js";
import { format, t, tn } from "./i18n.js";
import { VOTE_DEFAULTS } from "./vocabulary.js";

// The dialog offers 1..MAX_VOTES each (the server takes up to 20; more than
// ten dots each turns a vote into a survey).
export const MAX_VOTES = 10;

// What is worth voting on in each phase (VOTE_DEFAULTS, from the server's
// vocabulary): a phase this page does not know starts as the first one does.
const FALLBACK = VOTE_DEFAULTS.find;

/** The vote dialog's starting values for `phase`: {votes, kinds}. */
export function voteDefaults(phase) {
  const chosen = VOTE_DEFAULTS[phase] || FALLBACK;
  return { votes: chosen.votes, kinds: [...chosen.kinds] };
}

/**
 * What is wrong with the settings of a vote about to open, as a sentence, or
 * null when it can open. `votes` may be the raw text of the field.
 */
export function voteSettingsError({ votes, kinds }, knownKinds) {
  const text = String(votes ?? "").trim();
  if (!/^\d+$/.test(text)) return format(t("Give the number of votes each person has, a whole number from 1 to %(max)s."), { max: MAX_VOTES });
  const n = Number(text);
  if (n < 1 || n > MAX_VOTES) return format(t("Each person can have from 1 to %(max)s votes."), { max: MAX_VOTES });
  if (!Array.isArray(kinds) || !kinds.length) return t("Choose at least one kind of sticky to vote on.");
  const unknown = kinds.filter((kind) => !knownKinds.includes(kind));
  if (unknown.length) return format(t("There is no kind of sticky called %(kinds)s."), { kinds: unknown.join(", ") });
  return null;
}

/** Whether `vote` was cast in this vote session (not in an earlier one). */
export function inSession(vote, voting) {
  return Boolean(voting) && vote.created_at >= voting.started_at;
}

/** The votes of this session, from any iterable of votes. */
export function sessionVotes(votes, voting) {
  if (!voting) return [];
  return [...votes].filter((vote) => inSession(vote, voting));
}

/** How many votes `member` has left in this session. */
export function votesLeft(votes, voting, member) {
  if (!voting) return 0;
  const used = sessionVotes(votes, voting).filter((vote) => vote.member === member).length;
  return Math.max(0, voting.votes - used);
}

/**
 * Which votes the canvas counts, as a predicate for `scene.voteFilter`, or
 * null for all of them (no vote open). During a session only its votes count;
 * until the reveal, only my own: nobody follows the crowd's dots.
 */
export function voteFilter(voting, me) {
  if (!voting) return null;
  if (voting.revealed) return (vote) => inSession(vote, voting);
  return (vote) => vote.member === me && inSession(vote, voting);
}

/** "hot spots and domain events": the kinds of a vote, in words. */
export function kindsInWords(kinds) {
  const words = [...kinds].map((kind) => plural(kindOf(kind).label.toLowerCase()));
  if (words.length <= 1) return words.join("");
  return format(t("%(list)s and %(last)s"), { list: words.slice(0, -1).join(t(", ")), last: words.at(-1) });
}

function plural(word) {
  // Only English words take an -s (a label in Chinese has no plural).
  if (!/^[a-z ]+$/.test(word)) return word;
  if (/(s|x|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

/**
 * What a click on `sticky` does in a vote session for `member`:
 * {action: "cast" | "retract" | "recast"} or {refused: "<why>"}. "recast" is
 * a vote from an earlier session on the same sticky: taken back and cast
 * again, so that it counts in this one.
 */
export function ballot(sticky, voting, votes, member) {
  if (!voting) return { refused: t("No vote is open.") };
  if (voting.revealed) return { refused: t("The votes are counted: this vote is over.") };
  votes = [...votes]; // read twice below: an iterator (a Map's values) only once
  const mine = votes.find((vote) => vote.sticky === sticky.id && vote.member === member);
  if (mine && inSession(mine, voting)) return { action: "retract" };
  if (!voting.kinds.includes(sticky.kind)) {
    const refused = t("This vote is on %(kinds)s only, not on %(kind)s.");
    return { refused: format(refused, { kinds: kindsInWords(voting.kinds), kind: plural(kindOf(sticky.kind).label.toLowerCase()) }) };
  }
  if (votesLeft(votes, voting, member) < 1) {
    const n = voting.votes;
    const refused = tn("You have used your %(count)s vote: take one back to vote for something else.", "You have used your %(count)s votes: take one back to vote for something else.", n);
    return { refused: format(refused, { count: n }) };
  }
  return { action: mine ? "recast" : "cast" };
}

/**
 * The result of a session: the stickies with votes, most first (ties in
 * reading order: top to bottom, left to right), each {id, kind, text, count,
 * rank}; equal counts share a rank.
 */
export function results(stickies, votes, voting) {
  const counts = new Map();
  for (const vote of sessionVotes(votes, voting)) counts.set(vote.sticky, (counts.get(vote.sticky) || 0) + 1);
  /** @type {{id: string, kind: string, text: string, count: number, x: number, y: number, rank?: number}[]} */
  const rows = [];
  for (const [id, count] of counts) {
    const sticky = stickies.get(id);
    if (sticky) rows.push({ id, kind: sticky.kind, text: sticky.text, count, x: sticky.x, y: sticky.y });
  }
  rows.sort((a, b) => b.count - a.count || a.y - b.y || a.x - b.x || (a.id < b.id ? -1 : 1));
  let rank = 0;
  rows.forEach((row, i) => {
    if (i === 0 || row.count !== rows[i - 1].count) rank = i + 1;
    row.rank = rank;
  });
  return rows.map(({ id, kind, text, count, rank: r }) => ({ id, kind, text, count, rank: r }));
}

/** Per member, how many of their votes they have used: [{member, used}]. */
export function turnout(votes, voting) {
  const used = new Map();
  for (const vote of sessionVotes(votes, voting)) used.set(vote.member, (used.get(vote.member) || 0) + 1);
  return [...used].map(([member, n]) => ({ member, used: n }));
}
