"""Naming checks on Chinese stickies (N1, N4): pure, no server.

Chinese has no tenses: an event reads as done with 已 before its verb, a
passive 被, or an ending that says it is over (完成, 成功, 完毕); spoken 了
passes with a hint to write it with 已; a name that starts by asking or
planning is an intention. Commands are verb-object and must not read as done.
"""

import pytest
from django.utils import translation

from modeling.checks import HELP, past_tense, run_checks, spoken_chinese

from .boards import BoardBuilder


def findings(builder, check_id):
    return [f for f in run_checks(builder.derive()) if f.check == check_id]


@pytest.mark.parametrize(
    "text",
    [
        "订单已创建",
        "已下单",
        "库存已锁定",
        "订单被取消",
        "付款完成",
        "会员注册成功",
        "盘点完毕",
        "审核通过",
        "下单成功了",
        "订单提交了",
        "订单已创建。",
    ],
)
def test_chinese_events_that_read_as_done_pass(text):
    assert past_tense(text) == (True, "")


@pytest.mark.parametrize(
    "text", ["请付款", "要发货", "需要补货", "将发货", "准备出库", "正在发货"]
)
def test_chinese_names_that_start_by_asking_or_planning_are_intentions(text):
    verdict, reason = past_tense(text)
    assert verdict is False
    assert "intention" in reason


@pytest.mark.parametrize("text", ["订单即将发货", "仓库将要盘点"])
def test_what_is_about_to_happen_is_an_intention_too(text):
    verdict, reason = past_tense(text)
    assert verdict is False
    assert "intention" in reason


@pytest.mark.parametrize("text", ["订单提交", "创建订单", "完成付款", "成功页面"])
def test_chinese_without_a_done_marker_asks_for_yi_or_an_ending(text):
    verdict, reason = past_tense(text)
    assert verdict is False
    assert "已" in reason


def test_a_chinese_question_is_a_hot_spot_not_an_event():
    verdict, reason = past_tense("订单已取消？")  # noqa: RUF001
    assert verdict is False
    assert "hot spot" in reason


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("下单成功了", True),
        ("订单提交了。", True),
        ("订单已提交", False),
        ("付款完成", False),
        ("Order Placed", False),
    ],
)
def test_spoken_le_is_told_apart(text, spoken):
    assert spoken_chinese(text) is spoken


def test_an_event_with_spoken_le_passes_n1_with_a_hint_to_write_yi():
    b = BoardBuilder("order")
    spoken = b.event("下单成功了")
    b.event("订单已提交", 400)

    found = findings(b, "N1")

    assert [(f.severity, f.stickies) for f in found] == [("hint", (spoken,))]
    assert "已" in found[0].message


def test_a_chinese_intention_as_an_event_is_flagged_by_n1():
    b = BoardBuilder("order")
    intention = b.event("准备发货")

    found = findings(b, "N1")

    assert [(f.severity, f.stickies) for f in found] == [("warning", (intention,))]


@pytest.mark.parametrize("text", ["订单已提交", "付款完成", "订单被取消", "下单成功了"])
def test_a_chinese_command_that_reads_as_done_is_flagged_by_n4(text):
    b = BoardBuilder("attribute")
    command = b.command(text)

    found = findings(b, "N4")

    assert [f.stickies for f in found] == [(command,)]
    assert "提交订单" in found[0].message


@pytest.mark.parametrize("text", ["提交订单", "完成付款", "请付款", "取消订单"])
def test_a_chinese_verb_object_command_passes_n4(text):
    b = BoardBuilder("attribute")
    b.command(text)

    assert findings(b, "N4") == []


def test_chinese_messages_and_help_in_chinese_under_a_chinese_language():
    b = BoardBuilder("attribute")
    b.command("订单已提交")
    b.event("准备发货", 400)

    with translation.override("zh-hans"):
        found = {f.check: f.message for f in run_checks(b.derive())}
        title = HELP["N4"].title

    assert found["N4"].startswith("命令 “订单已提交” 读起来像事件")
    assert "读起来不像已经发生的事" in found["N1"]
    assert title == "命令表达意图"
