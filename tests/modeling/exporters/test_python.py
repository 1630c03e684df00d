"""The Python package exporter as a pure function: what files it makes, what
they say, and how a re-export keeps names and notices changed shapes.

Running the generated package (its tests, ruff, mypy, the demo) is in
`test_python_package.py`."""

import json
import re
from pathlib import Path

import pytest

from modeling.exporters import python
from modeling.exporters.package_plan import check_package_name, package_name
from modeling.exporters.writer import MANIFEST, digest

from ..boards import BoardBuilder
from .sources import chinese_board, chinese_source, sample_source, source_of

EVENTSTORE = Path(python.__file__).parent.parent / "eventstore"
CONTEXT_MODULES = (
    "events",
    "commands",
    "aggregates",
    "handlers",
    "policies",
    "read_models",
    "queries",
)


@pytest.fixture(scope="module")
def sample():
    return python.export(sample_source())


@pytest.fixture(scope="module")
def chinese():
    return python.export(chinese_source())


def test_a_package_has_a_subpackage_per_context_with_the_contract_modules(sample):
    for context in ("ordering", "payments", "shipping"):
        for module in CONTEXT_MODULES:
            assert f"sample_online_shop/{context}/{module}.py" in sample
            assert f"sample_online_shop/{context}/_generated/{module}.py" in sample
    for path in (
        "pyproject.toml",
        "README.md",
        "tests/conftest.py",
        "tests/test_flow_generated.py",
        "tests/test_payments_generated.py",
        "sample_online_shop/__main__.py",
        "sample_online_shop/app.py",
        "sample_online_shop/demo.py",
        "sample_online_shop/py.typed",
        MANIFEST,
    ):
        assert path in sample


def test_the_event_store_is_copied_as_it_is(sample):
    copied = {
        path.removeprefix("sample_online_shop/eventstore/"): text
        for path, text in sample.items()
        if path.startswith("sample_online_shop/eventstore/")
    }
    originals = {
        path.relative_to(EVENTSTORE).as_posix(): path.read_text(encoding="utf-8")
        for path in EVENTSTORE.rglob("*.py")
    }
    assert originals
    assert {k: v for k, v in copied.items() if k.endswith(".py")} == originals


def test_the_same_model_exports_the_same_bytes():
    assert python.export(sample_source()) == python.export(sample_source())


def test_every_python_file_compiles(sample, chinese):
    for files in (sample, chinese):
        for path, text in files.items():
            if path.endswith(".py"):
                compile(text, path, "exec")


def test_user_modules_and_the_project_file_are_the_users(sample):
    expected = {
        f"sample_online_shop/{context}/{module}.py"
        for context in ("ordering", "payments", "shipping")
        for module in CONTEXT_MODULES
    } | {"pyproject.toml"}
    assert sample.user_owned == expected


def test_the_manifest_records_generated_files_by_hash_and_the_names(sample):
    manifest = json.loads(sample[MANIFEST])
    assert manifest["package"] == "sample_online_shop"
    assert set(manifest["files"]) == set(sample) - sample.user_owned - {MANIFEST}
    path = "sample_online_shop/ordering/_generated/events.py"
    assert manifest["files"][path] == digest(sample[path])
    classes = {entry.get("class") for entry in manifest["names"].values()}
    assert {"OrderPlaced", "PlaceOrder", "Order", "CartSummary"} <= classes


def test_events_are_frozen_dataclasses_with_typed_fields(sample):
    events = sample["sample_online_shop/payments/_generated/events.py"]
    assert "@dataclasses.dataclass(frozen=True, kw_only=True)" in events
    assert "class PaymentCaptured(messages.DomainEvent):" in events
    assert 'TYPE: ClassVar[str] = "payments.PaymentCaptured"' in events
    assert "SCHEMA_VERSION: ClassVar[int] = 1" in events
    for line in (
        "payment_id: UUID",
        "amount: Decimal",
        "captured_at: DateTime",
    ):
        assert f"    {line}\n" in events


def test_commands_get_the_id_of_the_aggregate_they_address(sample):
    commands = sample["sample_online_shop/ordering/_generated/commands.py"]
    place_order = commands[commands.index("class PlaceOrder(") :]
    assert "    order_id: UUID\n" in place_order
    assert "    cart_id: UUID\n" in place_order
    handlers = sample["sample_online_shop/ordering/_generated/handlers.py"]
    assert "return command.order_id" in handlers


def test_a_cross_context_policy_is_routed_through_the_outbox(sample):
    wiring = sample["sample_online_shop/payments/_generated/wiring.py"]
    assert 'app.integration.route("ordering.OrderPlaced", "payments")' in wiring
    policies = sample["sample_online_shop/payments/_generated/policies.py"]
    assert "class WheneverOrderPlacedThenCapturePayment(policies.Policy):" in policies
    assert "isinstance(message, ordering_events.OrderPlaced)" in policies


def test_chinese_stickies_keep_their_words_as_identifiers_and_in_docstrings(chinese):
    events = chinese["domain/订单/_generated/events.py"]
    assert "class 订单已创建(messages.DomainEvent):" in events
    assert '"""订单已创建' in events
    assert "    订单号: UUID\n" in events
    # Two stickies of the same name: the second gets a number.
    assert "class 商品已发货2(messages.DomainEvent):" in events
    assert 'TEXT: ClassVar[str] = "商品 已发货"' in events


def test_a_notification_event_sends_a_notice_and_its_context_answers_queries(
    chinese,
):
    events = chinese["domain/订单/_generated/events.py"]
    assert 'STYLE: ClassVar[str] = "notification"' in events
    assert "class 订单已支付Notice(messages.Notice):" in events
    assert "def notice(self, ref: str, version: int) -> 订单已支付Notice:" in events
    queries = chinese["domain/订单/_generated/queries.py"]
    assert "def 订单(" in queries
    assert "return app.state_of(aggregates.订单, 订单号, version)" in queries
    policies = chinese["domain/会员/_generated/policies.py"]
    assert "state = 订单_queries.订单(self.app, notice.订单号, notice.version)" in (
        policies
    )


def test_a_state_transfer_event_sends_itself(sample):
    events = sample["sample_online_shop/ordering/_generated/events.py"]
    assert 'STYLE: ClassVar[str] = "state"' in events
    assert "(messages.Notice)" not in events


def test_a_model_with_errors_is_exported_with_them_listed(chinese):
    readme = chinese["README.md"]
    assert "error(s)" in readme
    assert "商品已发货2" in readme
    assert chinese.notes and "error" in chinese.notes[0]


def test_a_model_without_errors_says_nothing_of_them(sample):
    assert "error(s)" not in sample["README.md"]
    assert not sample.notes


def test_the_readme_says_where_the_export_comes_from_and_outlines_the_model(
    sample,
):
    readme = sample["README.md"]
    assert "the live board at seq 120" in readme
    assert "python -m sample_online_shop demo" in readme
    assert "- context `Payments`" in readme
    assert "`OrderPlaced`" in readme


def test_a_frozen_version_is_named_as_such():
    source = source_of(sample_source().snapshot, name="Shop", seq=40, version=3)
    files = python.export(source)
    assert "version 3 (seq 40)" in files["README.md"]


def test_a_board_without_contexts_exports_one_core_context():
    b = BoardBuilder("attribute")
    b.chain(b.actor("Clerk"), b.command("Open Account", 200), b.event("Opened", 400))
    files = python.export(source_of(b.snapshot(), name="Bank"))
    assert "bank/core/_generated/events.py" in files
    assert (
        "class Opened(messages.DomainEvent):" in files["bank/core/_generated/events.py"]
    )


def test_package_names_come_from_the_board_and_must_be_ascii_identifiers():
    assert package_name("Sample: online shop") == "sample_online_shop"
    assert package_name("积分商城") == "domain"
    assert package_name("2026 plans") == "domain_2026_plans"
    assert check_package_name("shop_v2") == "shop_v2"
    for bad in ("订单", "my-shop", "class", "eventstore", "2shop"):
        with pytest.raises(ValueError):
            check_package_name(bad)
    files = python.export(sample_source(), package="shop")
    assert "shop/ordering/_generated/events.py" in files


def test_code_and_docstrings_survive_hostile_text():
    b = BoardBuilder("attribute")
    text = 'Paid """ \\ {x} $y\nend'
    b.chain(b.command("Pay"), b.event(text, 200, description='"""; import os'))
    files = python.export(source_of(b.snapshot(), name='Evil "board"'))
    for path, content in files.items():
        if path.endswith(".py"):
            compile(content, path, "exec")
    assert (
        'TEXT: ClassVar[str] = "Paid \\"\\"\\" \\\\ {x} $y\\nend"'
        in (files["evil_board/core/_generated/events.py"])
    )


# -- re-exports: names kept, shapes versioned -----


def reexport(board, previous_files, **kwargs):
    previous = json.loads(previous_files[MANIFEST])
    return python.export(
        source_of(board.snapshot(), name="积分商城"), previous=previous
    )


def test_a_renamed_sticky_keeps_its_class_and_module():
    b, s = chinese_board()
    first = python.export(source_of(b.snapshot(), name="积分商城"))
    b.update(s["订单已创建"], text="订单已提交")
    b.update(s["订单上下文"], text="交易")
    again = reexport(b, first)
    assert "domain/订单/_generated/events.py" in again  # the context's module
    events = again["domain/订单/_generated/events.py"]
    assert "class 订单已创建(messages.DomainEvent):" in events
    assert 'TEXT: ClassVar[str] = "订单已提交"' in events
    assert (
        "“订单已提交” would now be `订单已提交`; the code keeps `订单已创建`"
        in (again["README.md"])
    )


def test_a_new_sticky_gets_a_new_class_beside_the_kept_ones():
    b, s = chinese_board()
    first = python.export(source_of(b.snapshot(), name="积分商城"))
    b.update(s["订单已创建"], text="订单已提交")
    # Earlier on the timeline than the renamed sticky, which keeps the name.
    new = b.event("订单已创建", 100, 450, fields=["订单号: uuid"])
    again = reexport(b, first)
    events = again["domain/订单/_generated/events.py"]
    old_class = events[events.index("class 订单已创建(") :]
    assert 'TEXT: ClassVar[str] = "订单已提交"' in old_class.split("class ")[1]
    assert "class 订单已创建2(messages.DomainEvent):" in events  # the new one
    assert json.loads(again[MANIFEST])["names"][new]["class"] == "订单已创建2"


def test_an_event_that_changed_shape_gets_the_next_schema_version():
    b, s = chinese_board()
    first = python.export(source_of(b.snapshot(), name="积分商城"))
    b.update(
        s["积分已增加"],
        fields=[
            {"name": "会员号", "type": "uuid"},
            {"name": "积分", "type": "decimal"},
        ],
    )
    again = reexport(b, first)
    events = again["domain/会员/_generated/events.py"]
    added = events[events.index("class 积分已增加(") :]
    assert "SCHEMA_VERSION: ClassVar[int] = 2" in added
    assert "会员.积分已增加` (v1 -> v2)" in again["README.md"]
    # And it stays at 2 on the next export.
    third = reexport(b, again)["domain/会员/_generated/events.py"]
    assert (
        "SCHEMA_VERSION: ClassVar[int] = 2" in third[third.index("class 积分已增加(") :]
    )


def test_generated_python_is_free_of_trailing_whitespace_and_tabs(sample, chinese):
    for files in (sample, chinese):
        for path, content in files.items():
            if path.endswith(".py") and "/eventstore/" not in path:
                assert not re.search(r"[ \t]+$", content, re.MULTILINE), path
                assert "\t" not in content, path
