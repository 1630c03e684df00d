// Sticky text wraps in Chinese too: Chinese has no spaces, so a line may
// break between two Han characters (not before a closing mark such as ，
// or 。), while Latin words still break only at spaces.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

// A canvas measuring like a typical font: a Han character or a full-width
// mark is 1em wide, anything else half an em.
const WIDE = /[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/u;
globalThis.document = {
  createElement: () => ({
    getContext: () => ({
      font: "500 22px sans-serif",
      measureText(text) {
        const em = Number(/(\d+(?:\.\d+)?)px/.exec(this.font)[1]);
        return { width: [...text].reduce((w, ch) => w + (WIDE.test(ch) ? em : em / 2), 0) };
      },
    }),
  }),
};
const { FONT_FAMILY, MONO_FAMILY, layout } = await import("../../static/js/board/textlayout.js");

describe("sticky text in Chinese", () => {
  it("wraps between Han characters, losing none", () => {
    const text = "客户已提交订单并完成支付，仓库已收到发货通知";
    const { size, lines } = layout(text, 140, 140);
    assert.ok(lines.length > 1, `one line: ${lines}`);
    assert.equal(lines.join(""), text);
    for (const line of lines) assert.ok([...line].length * size <= 140, `too wide at ${size}px: ${line}`);
  });

  it("does not start a line with a closing mark", () => {
    const text = "订单已创建，订单已支付，订单已发货，订单已签收。";
    for (const width of [60, 80, 100, 120, 140]) {
      const { lines } = layout(text, width, 400);
      for (const line of lines) assert.ok(!/^[，。]/u.test(line), `line starts with a mark at ${width}: ${line}`);
    }
  });

  it("keeps Latin words whole between the Chinese", () => {
    const { lines } = layout("用户 checkout 已完成", 120, 400);
    assert.ok(lines.some((line) => line.includes("checkout")), lines.join("|"));
  });

  it("draws with the Chinese system fonts after the Latin ones", () => {
    for (const family of [FONT_FAMILY, MONO_FAMILY]) {
      const cjk = family.indexOf('"Noto Sans CJK SC"');
      assert.ok(cjk > 0, family);
      assert.ok(cjk < family.lastIndexOf("sans-serif") || cjk < family.lastIndexOf("monospace"), family);
      assert.ok(family.includes('"Microsoft YaHei"') && family.includes('"PingFang SC"'), family);
    }
  });
});
