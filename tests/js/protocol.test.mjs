// The messages the page sends, as protocol.js builds them: each has the shape
// storming/protocol.py's parse() reads (docs/protocol.md).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as protocol from "../../static/js/board/protocol.js";

describe("protocol builders", () => {
  it("a command carries its id, name and data, and empty data as {}", () => {
    assert.deepEqual(protocol.command("op1", "sticky.move", { id: "s", x: 1, y: 2 }), {
      type: "command",
      id: "op1",
      name: "sticky.move",
      data: { id: "s", x: 1, y: 2 },
    });
    assert.deepEqual(protocol.command("op2", "board.undo", undefined).data, {});
    assert.deepEqual(protocol.command("op3", "board.undo", null).data, {});
  });

  it("a cursor and a view carry exactly their coordinates", () => {
    assert.deepEqual(protocol.cursor(3, 4), { type: "cursor", x: 3, y: 4 });
    assert.deepEqual(protocol.view(3, 4, 1.5), { type: "view", x: 3, y: 4, zoom: 1.5 });
  });

  it("one dragged sticky is a plain drag, several a group, none nothing", () => {
    assert.deepEqual(protocol.drag([{ id: "a", x: 1, y: 2 }]), { type: "drag", id: "a", x: 1, y: 2 });
    assert.deepEqual(
      protocol.drag([
        { id: "a", x: 1, y: 2 },
        { id: "b", x: 3, y: 4 },
      ]),
      {
        type: "drag",
        drags: [
          { id: "a", x: 1, y: 2 },
          { id: "b", x: 3, y: 4 },
        ],
      },
    );
    assert.equal(protocol.drag([]), null);
  });

  it("a group drag holds at most MAX_GROUP_DRAG stickies, the first ones", () => {
    const many = Array.from({ length: protocol.MAX_GROUP_DRAG + 5 }, (_, i) => ({ id: `s${i}`, x: i, y: 0 }));
    const frame = protocol.drag(many);
    assert.equal(frame.drags.length, protocol.MAX_GROUP_DRAG);
    assert.equal(frame.drags.at(-1).id, `s${protocol.MAX_GROUP_DRAG - 1}`);
  });

  it("a drag item carries only id, x and y", () => {
    const frame = protocol.drag([{ id: "a", x: 1, y: 2, extra: true }]);
    assert.deepEqual(Object.keys(frame).sort(), ["id", "type", "x", "y"]);
  });

  it("a signal puts its kind's fields beside the kind", () => {
    assert.deepEqual(protocol.signal("summon", { x: 1, y: 2, zoom: 1 }), {
      type: "signal",
      kind: "summon",
      x: 1,
      y: 2,
      zoom: 1,
    });
    assert.deepEqual(protocol.signal("follow", { on: true }), { type: "signal", kind: "follow", on: true });
    assert.deepEqual(protocol.signal("spotlight", { id: null }), { type: "signal", kind: "spotlight", id: null });
  });

  it("a pong answers with the ping's nonce", () => {
    assert.deepEqual(protocol.pong("n1"), { type: "pong", nonce: "n1" });
  });

  it("a chunk names its message, its place and the count", () => {
    assert.deepEqual(protocol.chunk("c1", 0, 2, "ab"), { type: "chunk", id: "c1", n: 0, of: 2, data: "ab" });
  });

  it("pieces cut a frame into chunk frames that join back to it", () => {
    const frame = JSON.stringify(protocol.command("op", "batch", { commands: "x".repeat(25) }));
    const sent = protocol.pieces(frame, "c7", 10).map((text) => JSON.parse(text));
    assert.equal(sent.length, Math.ceil(frame.length / 10));
    assert.deepEqual(
      sent.map(({ n, of, id }) => [n, of, id]),
      sent.map((_, n) => [n, sent.length, "c7"]),
    );
    assert.ok(sent.every((piece) => piece.type === "chunk" && piece.data.length <= 10));
    assert.equal(sent.map((piece) => piece.data).join(""), frame);
  });

  it("names each server message type once", () => {
    assert.equal(new Set(protocol.SERVER_MESSAGES).size, protocol.SERVER_MESSAGES.length);
    assert.ok(Object.isFrozen(protocol.SERVER_MESSAGES));
  });
});
