// Swimlane lists (static/js/board/lanes.js).

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { LIMITS } from "../../static/js/board/vocabulary.js";
import {
  changeLane,
  checkLane,
  DEFAULT_HEIGHT,
  forCommand,
  MAX_LANES,
  newLane,
  removeLane,
  resizeLane,
  sameLanes,
} from "../../static/js/board/lanes.js";

describe("the server's lane limits", () => {
  it("allows as many lanes, and names as long, as storming/commands.py lanes_set", () => {
    const full = Array.from({ length: LIMITS.lanes }, (_, i) => ({ id: `${i}`, name: "", y: i * 100, height: 100 }));
    assert.ok(newLane(full.slice(1), { id: "n" }));
    assert.equal(newLane(full, { id: "n" }), null);
    assert.ok(checkLane({ name: "x".repeat(LIMITS.lane_name), y: 0, height: 240 }).lane);
    assert.equal(checkLane({ name: "x".repeat(LIMITS.lane_name + 1), y: 0, height: 240 }).field, "name");
  });
});

describe("newLane", () => {
  it("puts the first lane around the events", () => {
    const events = [
      { kind: "event", x: 0, y: 100, width: 160, height: 160 },
      { kind: "event", x: 300, y: 140, width: 160, height: 160 },
      { kind: "command", x: 0, y: -500, width: 160, height: 160 },
    ];
    assert.deepEqual(newLane([], { id: "x", stickies: events }), { id: "x", name: "Lane 1", y: 60, height: DEFAULT_HEIGHT });
    assert.deepEqual(newLane([], { id: "x", fallbackY: 1000 }), { id: "x", name: "Lane 1", y: 880, height: DEFAULT_HEIGHT });
  });

  it("puts the next one under the lowest, as tall", () => {
    const lanes = [{ id: "a", name: "A", y: 0, height: 300 }, { id: "b", name: "B", y: -400, height: 200 }];
    assert.deepEqual(newLane(lanes, { id: "c" }), { id: "c", name: "Lane 3", y: 300, height: 300 });
  });

  it("adds no lane past the limit", () => {
    const lanes = Array.from({ length: MAX_LANES }, (_, i) => ({ id: `${i}`, name: "", y: i * 100, height: 100 }));
    assert.equal(newLane(lanes, { id: "x" }), null);
  });
});

describe("checkLane", () => {
  it("cleans what was typed", () => {
    assert.deepEqual(checkLane({ name: "  Buyer ", y: "-240", height: "300.4" }), {
      lane: { name: "Buyer", y: -240, height: 300 },
    });
  });

  it("says what is wrong", () => {
    assert.equal(checkLane({ name: "x".repeat(81), y: 0, height: 240 }).field, "name");
    assert.match(checkLane({ name: "", y: "top", height: 240 }).error, /top must be a number/);
    assert.match(checkLane({ name: "", y: 0, height: "10" }).error, /between 20 and 20000/);
    assert.match(checkLane({ name: "", y: 0, height: "" }).error, /height must be a number/);
    assert.equal(checkLane({ name: "", y: "1e9", height: 240 }).field, "y");
    assert.equal(checkLane({ name: "", y: 2e7, height: 240 }).field, "y");
  });
});

describe("editing the list", () => {
  const lanes = [{ id: "b", name: "B", y: 300, height: 200 }, { id: "a", name: "A", y: 0, height: 300 }];

  it("sends the lanes top-down, rounded", () => {
    assert.deepEqual(forCommand([{ id: "x", name: "X", y: 10.6, height: 99.5 }, ...lanes]).map((l) => l.id), ["a", "x", "b"]);
    assert.equal(forCommand([{ id: "x", name: "X", y: 10.6, height: 99.5 }])[0].y, 11);
  });

  it("changes, resizes and removes one lane", () => {
    assert.equal(changeLane(lanes, "a", { name: "Buyer" }).find((l) => l.id === "a").name, "Buyer");
    assert.equal(resizeLane(lanes, "b", 700).find((l) => l.id === "b").height, 400);
    assert.equal(resizeLane(lanes, "b", 290).find((l) => l.id === "b").height, 20);
    assert.deepEqual(removeLane(lanes, "a").map((l) => l.id), ["b"]);
  });

  it("compares lists whatever their order", () => {
    assert.ok(sameLanes(lanes, [...lanes].reverse()));
    assert.ok(!sameLanes(lanes, changeLane(lanes, "a", { y: 1 })));
  });
});
