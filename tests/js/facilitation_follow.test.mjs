// Following someone's view (static/js/board/follow.js): whom a page follows
// and why, what ends it, and the camera arithmetic.

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { NOT_FOLLOWING, cameraFor, follow, glide, movedAway, viewOf, viewOnSticky } from "../../static/js/board/follow.js";

const ME = "m-me";
const ANN = { member: "m-ann", name: "Ann", color: "#d9480f" };
const BOB = { member: "m-bob", name: "Bob", color: "#1971c2" };

function run(...actions) {
  return actions.reduce((state, action) => follow(state, action, ME), NOT_FOLLOWING);
}

describe("whom I follow", () => {
  it("follows whoever I click, and stops on a second click", () => {
    const on = run({ type: "choose", ...ANN });
    assert.equal(on.leader, ANN.member);
    assert.equal(on.name, "Ann");
    assert.equal(on.why, "chosen");
    assert.equal(run({ type: "choose", ...ANN }, { type: "choose", ...ANN }).leader, null);
  });

  it("never follows myself", () => {
    assert.equal(run({ type: "choose", member: ME, name: "Me" }).leader, null);
    assert.equal(run({ type: "signal", member: ME, on: true }).leader, null);
  });

  it("switches to someone else when I click them", () => {
    assert.equal(run({ type: "choose", ...ANN }, { type: "choose", ...BOB }).leader, BOB.member);
  });

  it("stops when I move the view myself or press Stop", () => {
    assert.equal(run({ type: "choose", ...ANN }, { type: "moved" }).leader, null);
    assert.equal(run({ type: "choose", ...ANN }, { type: "stop" }).leader, null);
  });

  it("stops when the person I follow leaves", () => {
    assert.equal(run({ type: "choose", ...ANN }, { type: "present", members: [ME, BOB.member] }).leader, null);
    assert.equal(run({ type: "choose", ...ANN }, { type: "present", members: [ME, ANN.member] }).leader, ANN.member);
  });
});

describe("a facilitator's Follow me", () => {
  it("makes me follow them until they stop", () => {
    const on = run({ type: "signal", ...ANN, on: true });
    assert.equal(on.leader, ANN.member);
    assert.equal(on.why, "asked");
    assert.equal(follow(on, { type: "signal", ...ANN, on: false }, ME).leader, null);
  });

  it("ends for me when I move, and a repeat of the same call does not pull me back", () => {
    const left = run({ type: "signal", ...ANN, on: true }, { type: "moved" });
    assert.equal(left.leader, null);
    assert.equal(follow(left, { type: "signal", ...ANN, on: true }, ME).leader, null);
  });

  it("choosing someone else leaves it too: a repeat of the call does not pull me back", () => {
    const elsewhere = run({ type: "signal", ...ANN, on: true }, { type: "choose", ...BOB }, { type: "signal", ...ANN, on: true });
    assert.equal(elsewhere.leader, BOB.member);
    assert.equal(elsewhere.why, "chosen");
  });

  it("a new call after a stop pulls me in again", () => {
    const again = run(
      { type: "signal", ...ANN, on: true }, { type: "moved" },
      { type: "signal", ...ANN, on: false }, { type: "signal", ...ANN, on: true },
    );
    assert.equal(again.leader, ANN.member);
  });

  it("a stop from someone I did not follow at their call changes nothing", () => {
    const chosen = run({ type: "choose", ...ANN }, { type: "signal", ...BOB, on: false });
    assert.equal(chosen.leader, ANN.member);
    // Someone I chose to follow stays followed when their own call stops.
    const mine = run({ type: "choose", ...ANN }, { type: "signal", ...ANN, on: false });
    assert.equal(mine.leader, ANN.member);
  });

  it("a summon from someone else ends my following; from my leader it does not", () => {
    assert.equal(run({ type: "choose", ...ANN }, { type: "summon", member: BOB.member }).leader, null);
    assert.equal(run({ type: "choose", ...ANN }, { type: "summon", member: ANN.member }).leader, ANN.member);
  });
});

describe("the camera", () => {
  const screen = { width: 1000, height: 600 };

  it("puts the leader's centre in the middle of my screen at their zoom", () => {
    const camera = cameraFor({ x: 500, y: 300, zoom: 2 }, screen.width, screen.height);
    assert.deepEqual(camera, { x: 250, y: 150, zoom: 2 });
    assert.deepEqual(viewOf({ ...camera, ...screen }), { x: 500, y: 300, zoom: 2 });
  });

  it("keeps the zoom within the board's limits", () => {
    assert.equal(cameraFor({ x: 0, y: 0, zoom: 50 }, 100, 100).zoom, 4);
    assert.equal(cameraFor({ x: 0, y: 0, zoom: 0 }, 100, 100).zoom, 0.05);
  });

  it("tells my own move from where the page put the camera (a resize is not a move)", () => {
    const placed = { x: 10, y: 20, zoom: 1 };
    assert.equal(movedAway(placed, { x: 10, y: 20, zoom: 1, width: 300, height: 200 }), false);
    assert.equal(movedAway(placed, { x: 12, y: 20, zoom: 1 }), true);
    assert.equal(movedAway(placed, { x: 10, y: 20, zoom: 1.25 }), true);
    assert.equal(movedAway(null, { x: 0, y: 0, zoom: 1 }), false);
  });

  it("glides towards the target and ends there", () => {
    let camera = { x: 0, y: 0, zoom: 1 };
    const target = cameraFor({ x: 2000, y: -500, zoom: 0.5 }, screen.width, screen.height);
    let steps = 0;
    for (let next; (next = glide(camera, target, screen.width, screen.height)); steps++) camera = next;
    assert.ok(steps > 3 && steps < 60, `${steps} steps`);
    const end = viewOf({ ...camera, ...screen });
    assert.ok(Math.abs(end.x - 2000) < 1 && Math.abs(end.y + 500) < 1 && Math.abs(end.zoom - 0.5) < 0.002);
  });

  it("brings a sticky to the middle at a zoom where it reads, and a big frame whole", () => {
    const note = { x: 100, y: 100, width: 160, height: 160 };
    assert.deepEqual(viewOnSticky(note, 0.2, screen), { x: 180, y: 180, zoom: 0.6 });
    assert.equal(viewOnSticky(note, 1.5, screen).zoom, 1.5);
    const frame = { x: 0, y: 0, width: 4000, height: 2000 };
    assert.equal(viewOnSticky(frame, 1, screen).zoom, 0.2);
  });
});
