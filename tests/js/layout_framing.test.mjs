// Framing a selection: the box and the suggested name (static/js/board/framing.js).

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { cjkPieces, commonTerm, frameBox, frameKindFor, frameName, MARGIN, TITLE_ROOM } from "../../static/js/board/framing.js";

const s = (kind, text, x = 0, y = 0) => ({ id: text, kind, text, x, y, width: 160, height: 160 });

describe("commonTerm", () => {
  it("finds the noun the stickies share, not their verbs", () => {
    assert.equal(commonTerm(["Order placed", "Order paid", "Cancel order"]), "Order");
    assert.equal(commonTerm(["Payment received", "Refund payment", "Payment failed"]), "Payment");
    assert.equal(commonTerm(["Invoice sent", "Send invoice"]), "Invoice");
  });

  it("takes singular and plural as one term, shown in its shorter spelling", () => {
    assert.equal(commonTerm(["Orders shipped", "Order placed"]), "Order");
    assert.equal(commonTerm(["Policy issued", "Policies renewed"]), "Policy");
  });

  it("prefers a run of words to one of its words when it is as common", () => {
    assert.equal(commonTerm(["Shopping cart created", "Item added to shopping cart"]), "Shopping cart");
    assert.equal(commonTerm(["Cart checked out", "Shopping cart created", "Item added to cart"]), "Cart");
  });

  it("reads Chinese: the shared run of characters, cut at 已 and verbs", () => {
    assert.equal(commonTerm(["订单已创建", "订单已支付", "取消订单"]), "订单");
    assert.equal(commonTerm(["会员注册成功", "会员已登录"]), "会员");
    assert.equal(commonTerm(["库存已锁定", "库存已释放", "订单已创建"]), "库存");
    assert.equal(commonTerm(["订单明细已更新", "订单已创建"]), "订单");
    assert.deepEqual(cjkPieces("用户发起存款"), ["用户", "存款"]);
  });

  it("gives nothing for no words", () => {
    assert.equal(commonTerm([]), "");
    assert.equal(commonTerm(["!!", "?"]), "");
    assert.equal(commonTerm(["Placed", "Sent"]), "");
  });
});

describe("frameName", () => {
  it("reads an aggregate's name from its events and commands", () => {
    const stickies = [
      s("event", "Order placed"),
      s("command", "Cancel order"),
      s("actor", "Customer"),
      s("actor", "Customer"),
      s("hotspot", "Customer or buyer?"),
    ];
    assert.deepEqual(frameName(stickies, "aggregate"), { name: "Order", from: ["Order placed", "Cancel order"] });
  });

  it("reads a context's name from its aggregates first", () => {
    const stickies = [s("aggregate", "Shipment"), s("event", "Shipment dispatched"), s("event", "Parcel lost")];
    assert.equal(frameName(stickies, "context").name, "Shipment");
  });

  it("falls back to the other stickies, then to nothing", () => {
    assert.equal(frameName([s("policy", "Whenever stock runs low")], "aggregate").name, "Stock");
    assert.deepEqual(frameName([s("event", "")], "aggregate"), { name: "", from: [] });
  });
});

describe("frameBox", () => {
  it("surrounds the stickies with a margin and room for the title", () => {
    const box = frameBox([s("event", "a", 100, 100), s("command", "b", 400, 300)]);
    assert.deepEqual(box, {
      x: 100 - MARGIN,
      y: 100 - TITLE_ROOM,
      width: 460 + 2 * MARGIN,
      height: 360 + TITLE_ROOM + MARGIN,
    });
    assert.equal(frameBox([]), null);
  });

  it("draws aggregates in the aggregate phase and contexts in the bound phase", () => {
    assert.equal(frameKindFor("aggregate"), "aggregate");
    assert.equal(frameKindFor("bound"), "context");
  });
});
