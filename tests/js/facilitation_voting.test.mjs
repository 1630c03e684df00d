// Dot voting rules (static/js/board/voting.js): defaults per phase, the
// settings a vote opens with, what counts and what shows, and the results.

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import { PHASE_LIST, VOTE_DEFAULTS } from "../../static/js/board/vocabulary.js";
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  MAX_VOTES,
  ballot,
  kindsInWords,
  results,
  sessionVotes,
  voteDefaults,
  voteFilter,
  voteSettingsError,
  votesLeft,
  turnout,
} from "../../static/js/board/voting.js";

const KINDS = ["event", "command", "actor", "policy", "external_system", "read_model", "hotspot", "aggregate", "context"];
const ANN = "m-ann";
const PAT = "m-pat";
const BEFORE = "2026-01-01T09:00:00.000000Z";
const OPENED = "2026-01-01T10:00:00.000000Z";
const LATER = "2026-01-01T10:00:05.000000Z";

const voting = (extra = {}) => ({ id: "v1", votes: 2, kinds: ["event", "hotspot"], started_at: OPENED, revealed: false, ...extra });
const vote = (sticky, member, created_at = LATER) => ({ sticky, member, created_at });
const sticky = (id, kind = "event", extra = {}) => ({ id, kind, text: `note ${id}`, x: 0, y: 0, ...extra });

describe("vote defaults", () => {
  it("puts hot spots and events to the vote while finding and ordering events", () => {
    assert.deepEqual(voteDefaults("find"), { votes: 3, kinds: ["event", "hotspot"] });
    assert.deepEqual(voteDefaults("order").kinds, ["event", "hotspot"]);
  });

  it("always includes hot spots, and the phase's own kinds later on", () => {
    for (const phase of ["find", "order", "attribute", "aggregate", "bound", "review"]) {
      assert.ok(voteDefaults(phase).kinds.includes("hotspot"), phase);
    }
    assert.ok(voteDefaults("aggregate").kinds.includes("aggregate"));
    assert.ok(voteDefaults("bound").kinds.includes("context"));
  });

  it("has the server's defaults for every phase, and the first phase's for one it does not know", () => {
    for (const { phase } of PHASE_LIST) assert.deepEqual(voteDefaults(phase), VOTE_DEFAULTS[phase], phase);
    assert.deepEqual(voteDefaults("no-such-phase"), voteDefaults("find"));
  });

  it("gives a copy: changing it does not change the next defaults", () => {
    voteDefaults("find").kinds.push("actor");
    assert.deepEqual(voteDefaults("find").kinds, ["event", "hotspot"]);
  });

  it("falls back to events and hot spots for an unknown phase", () => {
    assert.deepEqual(voteDefaults("nonsense"), { votes: 3, kinds: ["event", "hotspot"] });
  });
});

describe("vote settings", () => {
  it("accepts 1 to MAX_VOTES votes on known kinds", () => {
    assert.equal(voteSettingsError({ votes: "1", kinds: ["event"] }, KINDS), null);
    assert.equal(voteSettingsError({ votes: MAX_VOTES, kinds: ["hotspot", "event"] }, KINDS), null);
  });

  it("refuses no number, a fraction, zero and too many, saying the range", () => {
    for (const votes of ["", "abc", "2.5", "-1", "0", String(MAX_VOTES + 1)]) {
      const error = voteSettingsError({ votes, kinds: ["event"] }, KINDS);
      assert.match(error, /1 to 10/, votes);
    }
  });

  it("refuses a vote on nothing, or on a kind that does not exist", () => {
    assert.match(voteSettingsError({ votes: 3, kinds: [] }, KINDS), /at least one kind/);
    assert.match(voteSettingsError({ votes: 3, kinds: ["event", "wish"] }, KINDS), /wish/);
  });
});

describe("what counts and what shows", () => {
  const votes = [vote("a", ANN), vote("b", PAT), vote("a", PAT, BEFORE)];

  it("counts only the votes cast since the vote opened", () => {
    assert.deepEqual(sessionVotes(votes, voting()).map((v) => v.sticky + v.member), ["am-ann", "bm-pat"]);
    assert.deepEqual(sessionVotes(votes, null), []);
  });

  it("knows how many votes each person has left", () => {
    assert.equal(votesLeft(votes, voting(), ANN), 1);
    assert.equal(votesLeft(votes, voting(), PAT), 1);
    assert.equal(votesLeft(votes, voting(), "m-new"), 2);
    assert.equal(votesLeft([vote("a", ANN), vote("b", ANN), vote("c", ANN)], voting(), ANN), 0);
  });

  it("shows only my own dots until the reveal, everyone's of this vote after it, all without a vote", () => {
    const hidden = voteFilter(voting(), ANN);
    assert.deepEqual(votes.filter(hidden), [votes[0]]);
    const shown = voteFilter(voting({ revealed: true }), ANN);
    assert.deepEqual(votes.filter(shown), [votes[0], votes[1]]);
    assert.equal(voteFilter(null, ANN), null);
  });

  it("counts who has voted how much, without saying where", () => {
    assert.deepEqual(turnout(votes, voting()), [{ member: ANN, used: 1 }, { member: PAT, used: 1 }]);
  });
});

describe("a ballot", () => {
  it("casts on an allowed kind, and takes back my vote of this session", () => {
    assert.deepEqual(ballot(sticky("a"), voting(), [], ANN), { action: "cast" });
    assert.deepEqual(ballot(sticky("a"), voting(), [vote("a", ANN)], ANN), { action: "retract" });
  });

  it("casts again a vote of an earlier session, so that it counts in this one", () => {
    assert.deepEqual(ballot(sticky("a"), voting(), [vote("a", ANN, BEFORE)], ANN), { action: "recast" });
  });

  it("refuses other kinds, naming the kinds of the vote", () => {
    const { refused } = ballot(sticky("c", "command"), voting(), [], ANN);
    assert.equal(refused, "This vote is on domain events and hot spots only, not on commands.");
  });

  it("refuses a vote past my allowance, and says how to go on", () => {
    const { refused } = ballot(sticky("c"), voting(), [vote("a", ANN), vote("b", ANN)], ANN);
    assert.equal(refused, "You have used your 2 votes: take one back to vote for something else.");
    // Someone else's votes do not count against mine.
    assert.deepEqual(ballot(sticky("c"), voting(), [vote("a", PAT), vote("b", PAT)], ANN), { action: "cast" });
  });

  it("takes the votes as any iterable, such as the store's Map values", () => {
    const votes = new Map([["a", vote("a", ANN)], ["b", vote("b", ANN)]]);
    assert.match(ballot(sticky("c"), voting(), votes.values(), ANN).refused, /used your 2 votes/);
  });

  it("refuses everything once the votes are shown, or with no vote open", () => {
    assert.match(ballot(sticky("a"), voting({ revealed: true }), [vote("a", ANN)], ANN).refused, /over/);
    assert.match(ballot(sticky("a"), null, [], ANN).refused, /No vote/);
  });
});

describe("results", () => {
  it("lists the voted stickies, most votes first, ties sharing a rank in reading order", () => {
    const stickies = new Map([
      ["a", sticky("a", "event", { x: 400, y: 0 })],
      ["b", sticky("b", "hotspot", { x: 0, y: 0 })],
      ["c", sticky("c", "event", { x: 0, y: 300 })],
      ["d", sticky("d")],
    ]);
    const votes = [
      vote("a", ANN), vote("b", PAT), vote("c", ANN), vote("c", PAT), vote("c", "m-x"),
      vote("a", "m-x"), vote("b", "m-y"), vote("d", ANN, BEFORE),
      vote("gone", PAT),
    ];
    const rows = results(stickies, votes, voting());
    assert.deepEqual(rows.map((r) => [r.id, r.count, r.rank]), [["c", 3, 1], ["b", 2, 2], ["a", 2, 2]]);
    assert.equal(rows[0].text, "note c");
  });

  it("is empty before anyone voted", () => {
    assert.deepEqual(results(new Map([["a", sticky("a")]]), [], voting()), []);
  });
});

describe("kinds in words", () => {
  it("reads as a list", () => {
    assert.equal(kindsInWords(["hotspot"]), "hot spots");
    assert.equal(kindsInWords(["hotspot", "policy", "external_system"]), "hot spots, policies and external systems");
  });
});
