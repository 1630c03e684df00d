// @ts-check
// Framing a selection as an aggregate (aggregate phase) or a bounded context
// (bound phase): the frame's box around the stickies, and a name to start
// from, guessed from what the selection says.
//
// The guess is the term most of the selection's events and commands share:
// "Order placed", "Order paid", "Cancel order" -> "Order". Verbs (past
// participles, imperatives) and small words do not count; plural
// and singular are one term; a run of words ("Shopping cart") beats one of
// its words when it is as common. Chinese has no spaces: there the terms are
// the runs of characters the stickies share, cut at the marks of a finished
// or intended action (已, 被, 了, 请...) and never a common verb alone
// (订单已创建, 订单已支付, 取消订单 -> 订单). Pure: testable without a page.

import { bounds } from "./geometry.js";

// Board units around the framed stickies; more on top, for the frame's title.
export const MARGIN = 40;
export const TITLE_ROOM = 80;

/** The frame kind each phase draws. */
export function frameKindFor(phase) {
  return phase === "bound" ? "context" : "aggregate";
}

/** The frame's box: around `stickies` with a margin (and room for its title). */
export function frameBox(stickies, { margin = MARGIN, titleRoom = TITLE_ROOM } = {}) {
  const b = bounds(stickies);
  if (!b) return null;
  return {
    x: Math.round(b.x - margin),
    y: Math.round(b.y - titleRoom),
    width: Math.round(b.width + 2 * margin),
    height: Math.round(b.height + titleRoom + margin),
  };
}

// Which stickies a name is read from, best first: a frame is named after the
// behaviour inside it.
const NAMING_KINDS = {
  aggregate: [["event", "command"], ["policy", "read_model"]],
  context: [["aggregate", "event", "command"], ["policy", "read_model", "external_system"]],
};

const STOP = new Set(
  `a an the of to for in on at by from with and or but as is are was were be been being this that these those it its
   into onto via per not no all any each every some our their his her my your new old when whenever if then than
   so such also only just too very can will would should must may might shall has have had do does did done`.split(/\s+/),
);
// Imperative verbs that start commands (and a few nouns-as-verbs), and
// participles without -ed: never a frame's name on their own.
const VERBS = new Set(
  `place create send add update cancel approve submit pay book register open close start stop confirm reject accept
   remove delete change edit set get make check ship deliver order request assign schedule publish notify sign log
   validate verify issue refund charge reserve release return apply buy sell select choose enter save load run
   process handle complete finish begin receive raise lock unlock archive activate deactivate invite join leave
   sent paid built bought sold made given taken written chosen held kept left lost won found told shown known
   drawn broken frozen spent begun put cut read hit quit`.split(/\s+/),
);
// "Order" is a verb and a noun: it names things more often than not.
const NOUN_TOO = new Set(["order", "request", "return", "charge", "release", "issue", "check", "change", "process", "book"]);

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
// Characters that mark a finished or intended action, or join words: a term
// never spans them.
const CJK_BREAK = /[已被了的将请要需正在准备把给对向从在和与及或、，。！？；：（）“”《》\s\d\p{P}]+/u;
// Endings that say "done", cut off before counting.
const CJK_DONE = /(完成|成功|完毕|失败)$/;
// Common verbs: a term that is only verbs is no name.
const CJK_VERBS = [
  "创建", "提交", "取消", "支付", "付款", "确认", "发起", "发送", "发货", "更新", "删除", "添加", "修改", "下单",
  "注册", "登录", "审核", "批准", "拒绝", "生成", "申请", "处理", "查询", "锁定", "释放", "退款", "收到", "开始",
  "结束", "关闭", "打开", "预订", "预约", "分配", "通知", "检查", "验证", "完成", "成功", "购买", "退货", "签收",
];
const CJK_VERB = new RegExp(CJK_VERBS.join("|"));

/**
 * A name for a frame around `stickies`, of `kind` ("aggregate" or
 * "context"): {name, from: [the texts it was read from]}; name is "" when
 * nothing fits.
 */
export function frameName(stickies, kind = "aggregate") {
  const groups = NAMING_KINDS[kind] || NAMING_KINDS.aggregate;
  for (const kinds of [...groups, null]) {
    const texts = stickies
      .filter((s) => (kinds ? kinds.includes(s.kind) : s.kind !== "hotspot") && (s.text || "").trim())
      .map((s) => s.text.trim());
    if (!texts.length) continue;
    const name = commonTerm(texts);
    if (name) return { name, from: texts };
  }
  return { name: "", from: [] };
}

/** The term most of `texts` share (see the top of the module), or "". */
export function commonTerm(texts) {
  const counts = new Map();
  texts.forEach((text, index) => {
    for (const term of termsOf(text)) {
      const seen = counts.get(term.key);
      if (!seen) counts.set(term.key, { ...term, in: new Set([index]), first: index });
      else {
        seen.in.add(index);
        // Show the shortest spelling met ("Order" over "Orders").
        if (term.label.length < seen.label.length) seen.label = term.label;
      }
    }
  });
  let best = null;
  for (const term of counts.values()) {
    const better =
      !best ||
      term.in.size > best.in.size ||
      (term.in.size === best.in.size && term.length > best.length) ||
      (term.in.size === best.in.size && term.length === best.length && term.first < best.first) ||
      (term.in.size === best.in.size && term.length === best.length && term.first === best.first && term.at < best.at);
    if (better) best = term;
  }
  if (best && best.in.size === 1) {
    // Nothing shared: the first word (or run of characters) is the best guess.
    best = [...counts.values()].filter((t) => t.unit).sort((a, b) => a.first - b.first || a.at - b.at)[0] || best;
  }
  return best ? best.label : "";
}

/** Candidate terms of one text: {key, label, length, at}, each key once. */
function termsOf(text) {
  const terms = new Map();
  const put = (term) => {
    const had = terms.get(term.key);
    if (!had || term.at < had.at) terms.set(term.key, term);
  };
  // Words in spaced scripts: runs of content words, up to three long.
  const words = text.split(/[^\p{L}\p{N}'’-]+/u).filter((w) => w && !CJK.test(w));
  let run = [];
  const flush = () => {
    for (let i = 0; i < run.length; i++) {
      for (let n = 1; n <= 3 && i + n <= run.length; n++) {
        const part = run.slice(i, i + n);
        put({
          key: part.map((w) => stem(w.word.toLowerCase())).join(" "),
          label: capitalise(part.map((w) => w.word).join(" ")),
          length: n,
          at: part[0].at,
          unit: n === 1,
        });
      }
    }
    run = [];
  };
  words.forEach((word, at) => {
    if (isContentWord(word)) run.push({ word, at });
    else flush();
  });
  flush();
  // Chinese (and kanji): the runs of two to six characters between verbs
  // and marks, and the runs inside them, so that stickies share them.
  let at = 1000;
  for (const piece of cjkPieces(text)) {
    for (let i = 0; i < piece.length; i++) {
      for (let n = 2; n <= 6 && i + n <= piece.length; n++) {
        const term = piece.slice(i, i + n);
        put({ key: term, label: term, length: n, at: at + i, unit: i === 0 && n === Math.min(6, piece.length) });
      }
    }
    at += piece.length + 1;
  }
  return terms.values();
}

/** The runs of Han characters of `text`, cut at marks and common verbs. */
export function cjkPieces(text) {
  return text
    .split(/[^\u3400-\u9fff\uf900-\ufaff]+/u)
    .flatMap((run) => run.split(CJK_BREAK))
    .map((piece) => piece.replace(CJK_DONE, ""))
    .flatMap((piece) => piece.split(CJK_VERB))
    .filter((piece) => piece.length >= 2);
}

function isContentWord(word) {
  const w = String(word).toLowerCase();
  if (w.length < 2 || /^\d+$/.test(w) || STOP.has(w)) return false;
  if (NOUN_TOO.has(w)) return true;
  if (VERBS.has(w)) return false;
  // Past participles and -ing forms (need, feed, speed... are not).
  if (/[a-z]{2,}ed$/.test(w) && !/(need|feed|seed|speed|breed|bed|red|shed|hundred)$/.test(w)) return false;
  return true;
}

/** One key for singular and plural ("order", "orders"; "policy", "policies"). */
function stem(word) {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

function capitalise(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
