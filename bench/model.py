"""Benchmark of the domain model: deriving and checking a large board.

    python bench/model.py [--quick] [--strict] [--runs N] [--seed N]

Builds, in memory, the snapshot of a realistic 2,000-sticky board (6 bounded
contexts, 25 aggregates, 900 events, 400 commands, policies, read models,
actors, external systems and hot spots, about 1,500 links, one context
written in Chinese, with duplicates, links outside the grammar and a few
policy loops), in the form `storming.state.snapshot` serves. Then times
`modeling.derive.derive` and `modeling.checks.run_checks` at the board's
last phase (every check runs): each separately and together, the median of
10 runs. Target: derive + checks under 200 ms.

Pure Python: no database, no Django. `--quick` uses a 200-sticky board and
3 runs; `--strict` exits 1 when the target is missed.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The checks speak the active language: Django's translations need settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "whiteboard.settings")

import django  # noqa: E402

django.setup()

from modeling.checks import run_checks, summary  # noqa: E402
from modeling.derive import derive  # noqa: E402

TARGET_MS = 200.0

# How many stickies of each kind a board of 2,000 holds.
FULL = {
    "context": 6,
    "aggregate": 25,
    "event": 900,
    "command": 400,
    "policy": 180,
    "read_model": 150,
    "actor": 200,
    "external_system": 60,
    "hotspot": 79,
}
SIZES = {
    "event": (160, 160),
    "command": (160, 160),
    "actor": (160, 80),
    "policy": (240, 160),
    "external_system": (240, 160),
    "read_model": (160, 160),
    "hotspot": (160, 160),
}

CONTEXTS = (
    ("Ordering", "en"),
    ("Payments", "en"),
    ("Shipping", "en"),
    ("Catalogue", "en"),
    ("Customer Care", "en"),
    ("会员中心", "zh"),
)
NOUNS = (
    *("Order", "Cart", "Item", "Payment", "Invoice", "Refund", "Shipment"),
    *("Parcel", "Return", "Product", "Price", "Stock", "Customer", "Address"),
    *("Coupon", "Review", "Ticket", "Subscription", "Voucher", "Delivery"),
    *("Label", "Carrier", "Warehouse", "Account", "Basket", "Discount"),
)
PAST = (
    *("Placed", "Paid", "Cancelled", "Shipped", "Received", "Approved"),
    *("Rejected", "Created", "Updated", "Archived", "Confirmed", "Sent"),
    *("Delivered", "Returned", "Refunded", "Reserved", "Released", "Opened"),
    *("Closed", "Scheduled", "Printed", "Assigned", "Expired", "Renewed"),
    *("Requested", "Registered", "Verified", "Failed", "Split", "Merged"),
)
IMPERATIVE = (
    *("Place", "Pay", "Cancel", "Ship", "Approve", "Reject", "Create"),
    *("Update", "Archive", "Confirm", "Send", "Deliver", "Return", "Refund"),
    *("Reserve", "Release", "Open", "Close", "Schedule", "Print", "Assign"),
)
ZH_NOUNS = (
    *("订单", "会员", "积分", "优惠券", "账户", "地址", "等级", "权益", "礼品卡"),
    *("签到", "邀请", "生日礼", "储值卡", "发票", "评价", "收藏", "消息", "黑名单"),
)
ZH_DONE = (
    *("已创建", "已提交", "已确认", "已取消", "注册成功", "升级完成", "已冻结"),
    *("已解冻", "已过期", "已发放", "已核销", "已兑换", "绑定成功", "已删除"),
)
ZH_DO = ("创建", "提交", "确认", "取消", "注册", "升级", "冻结", "发放", "兑换")
ROLES = (
    *("Customer", "Clerk", "Warehouse Worker", "Courier", "Accountant"),
    *("Support Agent", "Buyer", "Merchant", "Admin", "Auditor", "Driver"),
    *("Marketing Manager", "会员", "客服", "Reviewer"),
)
SYSTEMS = (
    *("Card Provider", "Bank", "Carrier API", "ERP", "Email Service"),
    *("Clock", "Tax Service", "Fraud Check", "CRM", "短信平台"),
)
QUESTIONS = (
    *("Who decides?", "What if it fails?", "Is this the same as before?"),
    *("How long may it take?", "Which team owns this?", "Partial refunds?"),
    *("这一步谁负责?", "What about returns after 30 days?"),
)
QUALIFIERS = (
    *("", "", "", "Express", "Partial", "Bulk", "Gift", "Digital", "Priority"),
    *("International", "Trial", "Manual", "Scheduled", "Backorder", "Draft"),
)
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Board:
    """A snapshot under construction, with seeded ids and creation times."""

    def __init__(self, rng):
        self.rng = rng
        self.stickies, self.links = [], []
        self.tick = 0

    def _id(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _now(self):
        self.tick += 1
        return (START + timedelta(milliseconds=self.tick)).isoformat()

    def add(self, kind, text, x, y, width=None, height=None, **extra):
        default = SIZES.get(kind, (0, 0))
        sticky = {
            "id": self._id(),
            "kind": kind,
            "text": text,
            "description": "",
            "fields": extra.pop("fields", []),
            "x": float(x),
            "y": float(y),
            "width": float(width or default[0]),
            "height": float(height or default[1]),
            "pivotal": extra.pop("pivotal", False),
            "code_name": "",
            "version": 1,
            "author": "bench",
            "created_at": self._now(),
            "updated_at": "",
        }
        self.stickies.append(sticky)
        return sticky

    def link(self, source, target):
        self.links.append(
            {
                "id": self._id(),
                "from": source["id"],
                "to": target["id"],
                "author": "bench",
                "created_at": self._now(),
            }
        )

    def snapshot(self, phase):
        return {
            "board": {"phase": phase, "locked": False, "timer": None},
            "stickies": self.stickies,
            "links": self.links,
            "votes": [
                {"sticky": s["id"], "member": f"m{i}"}
                for s in self.stickies
                if s["kind"] == "hotspot"
                for i in range(self.rng.randrange(4))
            ],
        }


def spread(total, parts):
    """`total` split into `parts` near-equal whole numbers."""
    return [total // parts + (i < total % parts) for i in range(parts)]


def build_board(counts, rng):
    """A board in the shape of a finished workshop, scaled to `counts`."""
    board = Board(rng)
    n_contexts = counts["context"]
    per_context = {
        kind: spread(counts[kind], n_contexts)
        for kind in ("aggregate", "event", "command", "policy", "read_model")
    }
    events_by_context, commands_by_context = [], []
    all_events, all_commands, policies, read_models = [], [], [], []
    width, height = 7000, 3600
    for c in range(n_contexts):
        name, language = CONTEXTS[c % len(CONTEXTS)]
        cx, cy = (c % 3) * (width + 400), (c // 3) * (height + 400)
        board.add("context", name, cx, cy, width, height)
        aggregates = []
        n_aggregates = per_context["aggregate"][c]
        slot = (width - 200) / max(n_aggregates, 1)
        for a in range(n_aggregates):
            text = rng.choice(ZH_NOUNS) if language == "zh" else NOUNS[(c * 5 + a) % 26]
            aggregates.append(
                board.add(
                    "aggregate", text, cx + 100 + a * slot, cy + 200, slot - 80, 2000
                )
            )

        def event_text(noun=None, language=language):
            if language == "zh":
                return rng.choice(ZH_NOUNS) + rng.choice(ZH_DONE)
            words = (
                rng.choice(QUALIFIERS),
                noun or rng.choice(NOUNS),
                rng.choice(PAST),
            )
            return " ".join(w for w in words if w)

        def command_text(language=language):
            if language == "zh":
                return rng.choice(ZH_DO) + rng.choice(ZH_NOUNS)
            return f"{rng.choice(IMPERATIVE)} {rng.choice(NOUNS)}"

        def in_aggregate(aggregate):
            return (
                aggregate["x"] + rng.uniform(0, aggregate["width"] - 160),
                aggregate["y"] + rng.uniform(0, aggregate["height"] - 160),
            )

        def in_context_below(cx=cx, cy=cy):
            return cx + rng.uniform(0, width - 240), cy + rng.uniform(2300, 3400)

        events = []
        for i in range(per_context["event"][c]):
            # Most events sit in an aggregate; some in the context only.
            if aggregates and rng.random() < 0.85:
                aggregate = rng.choice(aggregates)
                x, y = in_aggregate(aggregate)
                noun = aggregate["text"] if language == "en" else None
            else:
                (x, y), noun = in_context_below(), None
            text = event_text(noun)
            if rng.random() < 0.01:
                text = f"{rng.choice(IMPERATIVE)} {rng.choice(NOUNS)}"  # not past
            events.append(
                board.add(
                    "event",
                    text,
                    x,
                    y,
                    pivotal=i % 120 == 60,
                    fields=(
                        [{"name": "amount", "type": "decimal"}]
                        if rng.random() < 0.3
                        else []
                    ),
                )
            )
        commands = []
        for _ in range(per_context["command"][c]):
            aggregate = rng.choice(aggregates) if aggregates else None
            x, y = in_aggregate(aggregate) if aggregate else in_context_below()
            command = board.add("command", command_text(), x, y)
            commands.append(command)
            # Each command produces one to three events, mostly of its context.
            for _ in range(rng.choice((1, 1, 1, 1, 2))):
                board.link(command, rng.choice(events))
        for _ in range(per_context["policy"][c]):
            x, y = in_context_below()
            policies.append(
                (c, board.add("policy", f"Whenever {event_text()}, then act", x, y))
            )
        for _ in range(per_context["read_model"][c]):
            x, y = in_context_below()
            view = rng.choice(("Overview", "List", "Details", "Dashboard", "History"))
            read_models.append(
                board.add("read_model", f"{rng.choice(NOUNS)} {view}", x, y)
            )
        events_by_context.append(events)
        commands_by_context.append(commands)
        all_events.extend(events)
        all_commands.extend(commands)

    # Policies: an event in, a command out; one in eight integrates contexts.
    flows = []
    for c, policy in policies:
        event = rng.choice(events_by_context[c])
        other = rng.randrange(n_contexts) if rng.random() < 0.125 else c
        command = rng.choice(commands_by_context[other])
        board.link(event, policy)
        board.link(policy, command)
        flows.append((event, command))
    # Three loops of two policies, the kind G11 finds: each one's command
    # produces the event the other one reacts to.
    for i in range(0, min(6, len(flows) - 1), 2):
        (event_a, command_a), (event_b, command_b) = flows[i], flows[i + 1]
        board.link(command_a, event_b)
        board.link(command_b, event_a)
    # Read models: fed by events, consulted by actors.
    actors = []
    for i in range(counts["actor"]):
        command = all_commands[i % len(all_commands)]
        actor = board.add(
            "actor", ROLES[i % len(ROLES)], command["x"] - 180, command["y"]
        )
        actors.append(actor)
        board.link(actor, command)
    for i, read_model in enumerate(read_models):
        for _ in range(rng.choice((1, 1, 2))):
            board.link(rng.choice(all_events), read_model)
        if i % 2:
            board.link(read_model, rng.choice(actors))
    for i in range(counts["external_system"]):
        system = board.add(
            "external_system",
            SYSTEMS[i % len(SYSTEMS)],
            rng.uniform(0, 3 * width),
            2 * height + 1200 + rng.uniform(0, 400),
        )
        board.link(system, rng.choice(all_events))
        if i % 2:
            board.link(rng.choice(all_commands), system)
    # Hot spots: half linked, the rest dropped next to something (or nothing).
    for i in range(counts["hotspot"]):
        near = rng.choice(all_events)
        hotspot = board.add(
            "hotspot", QUESTIONS[i % len(QUESTIONS)], near["x"] + 40, near["y"] - 170
        )
        if i % 2:
            board.link(hotspot, near)
    # Links a facilitator would question: event -> command, actor -> event.
    for _ in range(max(1, counts["event"] // 50)):
        board.link(rng.choice(all_events), rng.choice(all_commands))
        board.link(rng.choice(actors), rng.choice(all_events))
    return board


def median_ms(function, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), max(times)


def verdict(ok):
    return "PASS" if ok else "MISS"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when the target is missed"
    )
    parser.add_argument("--runs", type=int, help="timed runs (default 10, quick 3)")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 10)
    counts = {kind: max(1, n // 10) for kind, n in FULL.items()} if args.quick else FULL
    rng = random.Random(args.seed)
    snapshot = build_board(counts, rng).snapshot("review")
    kinds = Counter(s["kind"] for s in snapshot["stickies"])
    print(
        f"model benchmark: {'quick' if args.quick else 'full'} run, "
        f"Python {sys.version.split()[0]}, median of {runs} runs"
    )
    print(
        f"  board: {len(snapshot['stickies']):,} stickies "
        f"({', '.join(f'{n} {kind}' for kind, n in kinds.most_common())}), "
        f"{len(snapshot['links']):,} links, {len(snapshot['votes'])} votes"
    )

    model = derive(snapshot, board_id="bench", name="bench", seq=1)
    findings = run_checks(model)
    by_check = Counter(f.check for f in findings)
    print(f"  model: {', '.join(f'{n} {name}' for name, n in model.counts().items())}")
    print(
        f"  findings: {len(findings)} {summary(findings)}; "
        f"{', '.join(f'{check} {n}' for check, n in sorted(by_check.items()))}"
    )

    derive_ms = median_ms(lambda: derive(snapshot, board_id="bench", seq=1), runs)
    checks_ms = median_ms(lambda: run_checks(model), runs)
    both_ms = median_ms(lambda: run_checks(derive(snapshot, board_id="bench")), runs)
    for label, (median, low, high) in (
        ("derive", derive_ms),
        ("run_checks", checks_ms),
        ("derive + run_checks", both_ms),
    ):
        print(f"  {label:<20} median {median:7.1f} ms  (min {low:.1f}, max {high:.1f})")
    ok = both_ms[0] < TARGET_MS
    print(
        f"derive + checks of {len(snapshot['stickies']):,} stickies: "
        f"{both_ms[0]:.1f} ms, target < {TARGET_MS:.0f} ms: {verdict(ok)}"
    )
    if args.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
