// Suggested links from the layout (static/js/board/suggestions.js).

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { allowed, GRAMMAR, suggestLinks } from "../../static/js/board/suggestions.js";

const SIZE = {
  event: [160, 160], command: [160, 160], actor: [160, 80], policy: [240, 160],
  external_system: [240, 160], read_model: [160, 160], hotspot: [160, 160], aggregate: [640, 400],
};
const s = (id, kind, x, y) => ({ id, kind, text: id, x, y, width: SIZE[kind][0], height: SIZE[kind][1] });
const pairs = (suggestions) => suggestions.map((l) => `${l.from}>${l.to}`);

describe("suggestLinks", () => {
  it("suggests command -> event for a command just left of an event on its row", () => {
    const board = [s("place", "command", 0, 0), s("placed", "event", 200, 20)];
    assert.deepEqual(suggestLinks(board, []), [{ from: "place", to: "placed", meaning: "results in" }]);
  });

  it("leaves out a command too far from the event, or on another row", () => {
    assert.deepEqual(suggestLinks([s("c", "command", 0, 0), s("e", "event", 700, 0)], []), []);
    assert.deepEqual(suggestLinks([s("c", "command", 0, 0), s("e", "event", 200, 150)], []), []);
    // Right of the event is after it: the command does not lead back to it.
    assert.deepEqual(suggestLinks([s("e", "event", 0, 0), s("c", "command", 200, 0)], []), []);
  });

  it("suggests actor -> command for an actor above its command or left of it", () => {
    const above = [s("buyer", "actor", 0, 0), s("place", "command", 10, 100)];
    assert.deepEqual(pairs(suggestLinks(above, [])), ["buyer>place"]);
    const left = [s("buyer", "actor", 0, 40), s("place", "command", 180, 0)];
    assert.deepEqual(pairs(suggestLinks(left, [])), ["buyer>place"]);
  });

  it("puts a policy between an event and a command: event -> policy -> command", () => {
    const board = [s("paid", "event", 0, 0), s("ship", "policy", 200, 0), s("send", "command", 480, 0)];
    assert.deepEqual(suggestLinks(board, []), [
      { from: "paid", to: "ship", meaning: "activates" },
      { from: "ship", to: "send", meaning: "issues" },
    ]);
  });

  it("lets a read model inform the actor of the command beside it, or the command itself", () => {
    const withActor = [
      s("stock", "read_model", 0, 100),
      s("clerk", "actor", 200, 0),
      s("reserve", "command", 200, 100),
    ];
    assert.deepEqual(pairs(suggestLinks(withActor, [])), ["stock>clerk", "clerk>reserve"]);
    const alone = [s("stock", "read_model", 0, 0), s("reserve", "command", 200, 0)];
    assert.deepEqual(suggestLinks(alone, []), [{ from: "stock", to: "reserve", meaning: "informs" }]);
    // A read model that informs someone already is left alone.
    const informing = [...alone, s("clerk", "actor", 0, 400)];
    assert.deepEqual(suggestLinks(informing, [{ from: "stock", to: "clerk" }]), []);
  });

  it("reads a whole process row left to right", () => {
    const row = [
      s("placed", "event", 0, 0),
      s("list", "read_model", 200, 0),
      s("clerk", "actor", 400, 40),
      s("pack", "command", 600, 0),
      s("warehouse", "external_system", 800, 0),
      s("packed", "event", 1080, 0),
    ];
    assert.deepEqual(pairs(suggestLinks(row, [])), [
      "placed>list",
      "list>clerk",
      "clerk>pack",
      "pack>warehouse",
      "warehouse>packed",
    ]);
  });

  it("never suggests a link that exists, either way, nor one the grammar does not allow", () => {
    const board = [s("place", "command", 0, 0), s("placed", "event", 200, 0), s("next", "event", 400, 0)];
    assert.deepEqual(suggestLinks(board, [{ from: "place", to: "placed" }]), []);
    assert.deepEqual(suggestLinks(board, [{ from: "placed", to: "place" }]), []);
    // event -> event is allowed but never guessed; event -> command is not allowed.
    const backwards = [s("paid", "event", 0, 0), s("ship", "command", 200, 0)];
    assert.deepEqual(suggestLinks(backwards, []), []);
    for (const l of suggestLinks(
      [s("a", "actor", 0, 0), s("c", "command", 0, 100), s("e", "event", 200, 100), s("p", "policy", 400, 100)],
      [],
    )) {
      assert.ok(allowed(...[l.from, l.to].map((id) => ({ a: "actor", c: "command", e: "event", p: "policy" })[id])));
    }
  });

  it("skips hot spots and frames, which are not flow", () => {
    const board = [
      s("agg", "aggregate", -100, -100),
      s("place", "command", 0, 0),
      s("why", "hotspot", 180, 0),
      s("placed", "event", 200, 0),
    ];
    assert.deepEqual(pairs(suggestLinks(board, [])), ["place>placed"]);
  });

  it("only suggests pairs the grammar holds", () => {
    const kinds = Object.keys(SIZE);
    for (const from of kinds) {
      for (const to of kinds) {
        const board = [s("a", from, 0, 0), s("b", to, SIZE[from][0] + 20, 0)];
        const kindOf = { a: from, b: to };
        for (const l of suggestLinks(board, [])) {
          assert.ok(GRAMMAR.has(`${kindOf[l.from]}>${kindOf[l.to]}`), `${kindOf[l.from]} -> ${kindOf[l.to]} suggested`);
        }
      }
    }
  });
});
