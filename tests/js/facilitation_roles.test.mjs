// Roles (static/js/board/roles.js): the CSRF token, refusals in words, and
// what a change of my own role means for my page.

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { csrfToken, membershipChange, refusal, roleLabel } from "../../static/js/board/roles.js";

describe("the CSRF token", () => {
  it("is read from the cookie string", () => {
    assert.equal(csrfToken("sessionid=abc; csrftoken=T0k%3Den; theme=dark"), "T0k=en");
    assert.equal(csrfToken("csrftoken=plain"), "plain");
    assert.equal(csrfToken("sessionid=abc"), "");
    assert.equal(csrfToken(""), "");
  });
});

describe("refusals", () => {
  it("quote the server's message", () => {
    assert.equal(
      refusal(409, { code: "conflict", message: "a board needs at least one facilitator" }, "remove Ann"),
      "Could not remove Ann: a board needs at least one facilitator.",
    );
    assert.equal(refusal(400, { message: "role: not a valid choice." }, "change Ann's role"), "Could not change Ann's role: role: not a valid choice.");
  });

  it("say something useful without one", () => {
    assert.match(refusal(403, null, "remove Ann"), /only a facilitator/);
    assert.match(refusal(404, {}, "remove Ann"), /no longer a member/);
    assert.match(refusal(0, null, "remove Ann"), /cannot be reached/);
    assert.match(refusal(502, null, "remove Ann"), /502/);
  });
});

describe("a change of my role", () => {
  it("made viewer: read-only, and told so", () => {
    const change = membershipChange("participant", { role: "viewer", can_write: false });
    assert.deepEqual({ ...change, text: Boolean(change.text) }, { removed: false, role: "viewer", canWrite: false, text: true });
    assert.match(change.text, /viewer/);
  });

  it("made participant again: editable", () => {
    const change = membershipChange("viewer", { role: "participant", can_write: true });
    assert.equal(change.canWrite, true);
    assert.match(change.text, /change the board again/);
  });

  it("the same role again says nothing", () => {
    assert.equal(membershipChange("viewer", { role: "viewer", can_write: false }).text, null);
  });

  it("removed: no role, the server's words", () => {
    const change = membershipChange("participant", { role: null, message: "A facilitator removed you from this board." });
    assert.deepEqual(change, { removed: true, role: null, canWrite: false, text: "A facilitator removed you from this board." });
  });

  it("labels roles", () => {
    assert.equal(roleLabel("viewer"), "Viewer");
    assert.equal(roleLabel(null), "No longer a member");
  });
});
