// Align, distribute and tidy the timeline (static/js/board/timeline.js).

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  alignMoves,
  carryContents,
  distributeMoves,
  GAP,
  laneAt,
  stackedOn,
  tidyTimeline,
} from "../../static/js/board/timeline.js";

const note = (id, x, y, extra = {}) => ({ id, kind: "event", x, y, width: 160, height: 160, ...extra });
const apply = (stickies, moves) => {
  const byId = new Map(moves.map((m) => [m.id, m]));
  return stickies.map((s) => ({ ...s, ...(byId.get(s.id) || {}) }));
};
const overlaps = (a, b) => a.x < b.x + b.width && a.x + a.width > b.x && a.y < b.y + b.height && a.y + a.height > b.y;

describe("alignMoves", () => {
  const boxes = [note("a", 0, 0), note("b", 300, 50, { width: 240 }), note("c", 100, 400, { height: 80 })];

  it("lines the selection up on its left, centre or right edge", () => {
    assert.deepEqual(alignMoves(boxes, "left"), [{ id: "b", x: 0, y: 50 }, { id: "c", x: 0, y: 400 }]);
    // The selection spans 0..540: centres at 270.
    assert.deepEqual(alignMoves(boxes, "centre"), [
      { id: "a", x: 190, y: 0 },
      { id: "b", x: 150, y: 50 },
      { id: "c", x: 190, y: 400 },
    ]);
    assert.deepEqual(alignMoves(boxes, "right"), [{ id: "a", x: 380, y: 0 }, { id: "c", x: 380, y: 400 }]);
  });

  it("lines it up on its top, middle or bottom", () => {
    assert.deepEqual(alignMoves(boxes, "top"), [{ id: "b", x: 300, y: 0 }, { id: "c", x: 100, y: 0 }]);
    assert.deepEqual(alignMoves(boxes, "bottom"), [
      { id: "a", x: 0, y: 320 },
      { id: "b", x: 300, y: 320 },
      { id: "c", x: 100, y: 400 },
    ].filter((m) => m.id !== "c"));
    const middle = alignMoves(boxes, "middle");
    const after = apply(boxes, middle);
    assert.ok(after.every((s) => s.y + s.height / 2 === 240));
  });

  it("needs two stickies and a known mode", () => {
    assert.deepEqual(alignMoves([note("a", 5, 5)], "left"), []);
    assert.throws(() => alignMoves(boxes, "diagonal"));
  });
});

describe("distributeMoves", () => {
  it("gives the stickies between the ends equal gaps, in their order", () => {
    const boxes = [note("a", 0, 0), note("c", 1000, 10), note("b", 200, 20, { width: 80 })];
    const after = apply(boxes, distributeMoves(boxes, "horizontal"));
    const [a, b, c] = ["a", "b", "c"].map((id) => after.find((s) => s.id === id));
    assert.equal(a.x, 0);
    assert.equal(c.x, 1000);
    assert.equal(b.x - (a.x + a.width), c.x - (b.x + b.width));
    // Only the axis changes.
    assert.deepEqual([a.y, b.y, c.y], [0, 20, 10]);
  });

  it("lays out stickies that do not fit GAP apart from the first", () => {
    const boxes = [note("a", 0, 0), note("b", 20, 0), note("c", 40, 0)];
    const after = apply(boxes, distributeMoves(boxes, "vertical"));
    assert.deepEqual(after.map((s) => s.y), [0, 160 + GAP, 2 * (160 + GAP)]);
  });

  it("moves nothing that is evenly spread already", () => {
    const boxes = [note("a", 0, 0), note("b", 200, 0), note("c", 400, 0)];
    assert.deepEqual(distributeMoves(boxes, "horizontal"), []);
  });
});

describe("carryContents", () => {
  it("moves what sits inside a moved frame with it", () => {
    const frame = { id: "f", kind: "aggregate", x: 0, y: 0, width: 600, height: 400 };
    const inside = note("in", 100, 100);
    const outside = note("out", 900, 100);
    const moves = carryContents([{ id: "f", x: 50, y: -20 }], [frame, inside, outside]);
    assert.deepEqual(moves, [{ id: "f", x: 50, y: -20 }, { id: "in", x: 150, y: 80 }]);
  });
});

describe("tidyTimeline", () => {
  it("puts events in one row, in their order by x, evenly spaced, without overlaps", () => {
    const events = [note("c", 900, 30), note("a", 0, 0), note("b", 120, 300), note("d", 1000, -200)];
    const after = apply(events, tidyTimeline(events, []));
    const byX = [...after].sort((p, q) => p.x - q.x).map((s) => s.id);
    assert.deepEqual(byX, ["a", "b", "c", "d"]);
    const xs = [...after].sort((p, q) => p.x - q.x).map((s) => s.x);
    assert.deepEqual(xs, [0, 200, 400, 600]);
    assert.equal(new Set(after.map((s) => s.y)).size, 1);
  });

  it("gives each swimlane its row, centred in the lane; the rest share the row of their median", () => {
    const lanes = [
      { id: "l1", name: "Buyer", y: 0, height: 240 },
      { id: "l2", name: "Seller", y: 240, height: 300 },
    ];
    const events = [
      note("a", 0, 10), // lane 1
      note("b", 500, 300), // lane 2
      note("c", 250, 60), // lane 1
      note("d", 10, 800), // no lane
      note("e", 700, 900), // no lane
      note("f", 400, 1000), // no lane
    ];
    const after = new Map(apply(events, tidyTimeline(events, lanes)).map((s) => [s.id, s]));
    assert.equal(after.get("a").y, 40);
    assert.equal(after.get("c").y, 40);
    assert.equal(after.get("b").y, 240 + 70);
    // Outside the lanes: centres 880, 980, 1080 -> median 980.
    assert.deepEqual(["d", "e", "f"].map((id) => after.get(id).y), [900, 900, 900]);
    assert.ok(laneAt(lanes, after.get("b").y + 80).id === "l2");
    const all = [...after.values()];
    for (const p of all) for (const q of all) if (p !== q) assert.ok(!overlaps(p, q), `${p.id} overlaps ${q.id}`);
    // Each row keeps its order by x.
    assert.ok(after.get("a").x < after.get("c").x);
    assert.ok(after.get("d").x < after.get("f").x && after.get("f").x < after.get("e").x);
  });

  it("keeps side-by-side events of parallel lanes in one column", () => {
    const lanes = [
      { id: "l1", name: "", y: 0, height: 200 },
      { id: "l2", name: "", y: 200, height: 200 },
    ];
    const events = [note("a", 0, 20), note("b", 30, 220), note("c", 400, 20)];
    const after = new Map(apply(events, tidyTimeline(events, lanes)).map((s) => [s.id, s]));
    assert.equal(after.get("a").x, after.get("b").x);
    assert.equal(after.get("c").x, 200);
  });

  it("puts the row of lane-less events below the lanes when their median falls in one", () => {
    const lanes = [{ id: "l1", name: "", y: 0, height: 200 }];
    const events = [note("a", 0, -400), note("b", 300, 500), note("c", 600, 20, { height: 160 })];
    // a is above, b below; c's centre (100) is in the lane.
    const after = new Map(apply(events, tidyTimeline(events, lanes)).map((s) => [s.id, s]));
    assert.equal(after.get("c").y, 20);
    assert.equal(after.get("a").y, 200 + GAP);
    assert.equal(after.get("b").y, 200 + GAP);
  });

  it("moves what is stacked on an event with it, and leaves the rest", () => {
    const events = [note("a", 0, 0), note("b", 600, 100)];
    const hot = { id: "h", kind: "hotspot", x: 620, y: 150, width: 160, height: 160 };
    const command = { id: "c", kind: "command", x: 600, y: -80, width: 160, height: 160 };
    const actor = { id: "p", kind: "actor", x: 600, y: -180, width: 160, height: 80 };
    const far = { id: "x", kind: "command", x: 2000, y: 2000, width: 160, height: 160 };
    const all = [...events, hot, command, actor, far];
    const moves = tidyTimeline(all, []);
    const after = new Map(apply(all, moves).map((s) => [s.id, s]));
    // b goes to x 200, y 50 (the median of centres 80 and 180, minus 80): moved by (-400, -50).
    assert.deepEqual([after.get("b").x, after.get("b").y], [200, 50]);
    assert.deepEqual([after.get("h").x, after.get("h").y], [220, 100]);
    assert.deepEqual([after.get("c").x, after.get("c").y], [200, -130]);
    assert.deepEqual([after.get("p").x, after.get("p").y], [200, -230]);
    assert.ok(!moves.some((m) => m.id === "x"));
  });

  it("tidies only the chosen events when asked", () => {
    const events = [note("a", 0, 0), note("b", 500, 40), note("c", 5000, 900)];
    const moves = tidyTimeline(events, [], { only: new Set(["a", "b"]) });
    assert.deepEqual(moves, [{ id: "a", x: 0, y: 20 }, { id: "b", x: 200, y: 20 }]);
  });

  it("moves nothing on a tidy timeline", () => {
    const events = [note("a", 0, 0), note("b", 200, 0), note("c", 400, 0)];
    assert.deepEqual(tidyTimeline(events, []), []);
    assert.deepEqual(tidyTimeline([], []), []);
  });
});

describe("stackedOn", () => {
  it("finds the column of each event through what is stacked on it", () => {
    const e = note("e", 0, 300);
    const c = { id: "c", kind: "command", x: 10, y: 120, width: 160, height: 160 };
    const a = { id: "a", kind: "actor", x: 0, y: 20, width: 160, height: 80 };
    const aside = { id: "s", kind: "policy", x: 400, y: 300, width: 240, height: 160 };
    assert.deepEqual([...stackedOn([e, c, a, aside], [e])], [["c", "e"], ["a", "e"]]);
  });
});
