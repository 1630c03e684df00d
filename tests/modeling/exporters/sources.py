"""Boards to export, without a database.

`sample_snapshot()` plays the sample workshop (`storming.sample`) through the
pure command deciders and the fold, so it holds exactly what `load_sample`
puts in the database. `chinese_board()` is a workshop in Chinese with three
contexts, a cross-context policy, a notification-style event and names that
collide. `source_of()` makes an exporter's `Source` of a snapshot.
"""

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from modeling.checks import run_checks
from modeling.derive import derive
from modeling.exporters.base import Source
from storming import state
from storming.commands import Context, decide
from storming.sample import GUESTS, SAMPLE_NAME, Workshop

from ..boards import BoardBuilder

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class _MemoryWorkshop(Workshop):
    """The sample workshop, decided and folded in memory."""

    def __init__(self):
        self.state = state.empty()
        self.ids = {}
        self.members = {key: f"member-{key}" for key in ("owner", *GUESTS)}
        self._clock = itertools.count(1)
        self._ids = itertools.count(1)

    def run(self, name, data=None, by="owner"):
        if name in ("sticky.create", "link.create"):
            # Fixed ids, so that every call gives the same board.
            data = {"id": str(uuid.UUID(int=next(self._ids))), **data}
        ctx = Context(
            state.MemoryView(self.state),
            actor=self.members[by],
            now=START + timedelta(seconds=next(self._clock)),
            settings=dict(self.state["board"]),
        )
        change = decide(ctx, name, data)
        state.apply(self.state, change.name, change.data)
        return {"name": change.name, "data": change.data}


def sample_snapshot():
    workshop = _MemoryWorkshop()
    workshop.play()
    return state.snapshot(workshop.state)


def source_of(snapshot, name="Board", board_id="board-1", seq=1, version=None):
    model = derive(snapshot, board_id=board_id, name=name, seq=seq)
    return Source(
        model=model,
        findings=tuple(run_checks(model)),
        board_id=board_id,
        board_name=name,
        seq=seq,
        version=version,
        snapshot=snapshot,
    )


def sample_source():
    return source_of(sample_snapshot(), name=SAMPLE_NAME, seq=120)


def chinese_board(seed=0):
    """下单 -> 订单已创建 -> 支付 -> 订单已支付 -> (会员) 增加积分 -> 积分已增加.

    The seed's own example: an order paid, and the member system adds points.
    `订单已支付` leaves its context as a notification, for two contexts (会员
    and 物流); `商品已发货` and `商品 已发货` collide (the second becomes
    `商品已发货2`).
    """
    b = BoardBuilder("bound", seed)
    s = {}
    s["订单上下文"] = b.context("订单", 0, 0, 1500, 900)
    s["会员上下文"] = b.context("会员", 1600, 0, 1100, 900)
    s["物流上下文"] = b.context("物流", 2800, 0, 1100, 900)
    s["订单"] = b.aggregate("订单", 200, 150, 1100, 500)
    s["会员账户"] = b.aggregate("会员账户", 1800, 150, 800, 500)
    s["包裹"] = b.aggregate("包裹", 3000, 150, 800, 500)
    s["顾客"] = b.actor("顾客", 40, 300)
    s["下单"] = b.command(
        "下单", 240, 220, fields=["订单号: uuid", "商品: list[str]", "金额: decimal"]
    )
    s["订单已创建"] = b.event(
        "订单已创建",
        440,
        220,
        fields=["订单号: uuid", "商品: list[str]", "金额: decimal"],
    )
    s["支付"] = b.command(
        "支付订单", 640, 220, fields=["订单号: uuid", "金额: decimal"]
    )
    s["订单已支付"] = b.event(
        "订单已支付",
        840,
        220,
        pivotal=True,
        fields=["订单号: uuid", "会员号: uuid", "金额: decimal"],
        event_style="notification",
        description="付款完成：会员系统据此增加积分。",
    )
    s["发货"] = b.command("发货", 1040, 220, fields=["订单号: uuid"])
    s["商品已发货"] = b.event("商品已发货", 1080, 420, fields=["订单号: uuid"])
    s["商品已发货2"] = b.event("商品 已发货", 1200, 420, fields=["订单号: uuid"])
    s["积分政策"] = b.policy("每当订单已支付，就增加积分", 1640, 700)
    s["增加积分"] = b.command(
        "增加积分", 1840, 220, fields=["会员号: uuid", "积分: int"]
    )
    s["积分已增加"] = b.event(
        "积分已增加", 2100, 220, fields=["会员号: uuid", "积分: int"]
    )
    s["积分余额"] = b.read_model("积分余额", 2300, 700, fields=["会员号: uuid"])
    s["物流政策"] = b.policy("每当订单已支付，就安排配送", 2840, 700)
    s["安排配送"] = b.command("安排配送", 3040, 220, fields=["订单号: uuid"])
    s["配送已安排"] = b.event("配送已安排", 3300, 220, fields=["订单号: uuid"])
    s["支付网关"] = b.system("支付网关", 640, 700)
    b.chain(s["顾客"], s["下单"], s["订单已创建"])
    b.chain(s["支付"], s["订单已支付"], s["积分政策"], s["增加积分"], s["积分已增加"])
    b.chain(s["积分已增加"], s["积分余额"])
    b.chain(s["订单已支付"], s["物流政策"], s["安排配送"], s["配送已安排"])
    b.link(s["发货"], s["商品已发货"])
    b.link(s["发货"], s["商品已发货2"])
    b.link(s["支付"], s["支付网关"])
    return b, s


def chinese_source():
    b, _ = chinese_board()
    return source_of(b.snapshot(), name="积分商城", board_id="board-zh", seq=80)
