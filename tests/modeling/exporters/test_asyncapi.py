"""AsyncAPI documents of the model (`modeling.exporters.asyncapi`).

Pure checks of what each context's document says, and the official parser
(`tools/asyncapi`, run under Node) on every document: no errors.
"""

import ast
import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from modeling.exporters import asyncapi
from modeling.model import model_from_dict

from .. import boards
from ..boards import BoardBuilder
from .sources import chinese_source, sample_source, source_of

ROOT = Path(__file__).resolve().parents[3]
TOOL = ROOT / "tools" / "asyncapi"
COMPONENT_KEY = re.compile(r"^[A-Za-z0-9._-]+$")


@pytest.fixture(scope="module")
def sample():
    return sample_source()


@pytest.fixture(scope="module")
def chinese():
    return chinese_source()


@pytest.fixture(scope="module")
def sample_docs(sample):
    return asyncapi.documents(sample)


@pytest.fixture(scope="module")
def chinese_docs(chinese):
    return asyncapi.documents(chinese)


def _typed_board():
    """No contexts: every field type, an optional field, a notification
    event, a policy and a read model."""
    b = BoardBuilder("bound")
    order = b.aggregate("Order", 0, 0, 900, 500)
    placed = b.event(
        "Order Placed",
        100,
        100,
        fields=[
            "order id: uuid",
            "note: str?",
            "count: int",
            "ratio: float",
            "gift: bool",
            "total: decimal",
            "due: date",
            "at: datetime",
            "tags: list[int]",
            "refs: list[uuid]?",
        ],
    )
    changed = b.event(
        "Order Changed", 300, 100, fields=["order id: uuid"], event_style="notification"
    )
    policy = b.policy("Whenever order placed, then notify", 100, 700)
    notify = b.command("Notify", 500, 700)
    board = b.read_model("Order Board", 700, 700)
    b.chain(placed, policy, notify)
    b.link(changed, board)
    assert order
    return source_of(b.snapshot(), name="Typed", seq=7)


def _message(doc, address):
    """The message of the channel at `address` in `doc`."""
    (channel,) = [c for c in doc["channels"].values() if c["address"] == address]
    (ref,) = channel["messages"].values()
    return doc["components"]["messages"][ref["$ref"].rsplit("/", 1)[1]]


def _leaving(doc):
    """What the context publishes to other contexts."""
    return {a for a, op in _operations(doc, "send") if not op.get("x-internal")}


def _operations(doc, action):
    return [
        (doc["channels"][op["channel"]["$ref"].rsplit("/", 1)[1]]["address"], op)
        for op in doc["operations"].values()
        if op["action"] == action
    ]


def _actions(doc, action):
    return {address for address, _ in _operations(doc, action)}


# -- documents and channels ------------------------------------------------------


def test_one_document_per_bounded_context(sample_docs, chinese_docs):
    assert list(sample_docs) == [
        "asyncapi/ordering.yaml",
        "asyncapi/payments.yaml",
        "asyncapi/shipping.yaml",
    ]
    assert list(chinese_docs) == [
        "asyncapi/订单.yaml",
        "asyncapi/会员.yaml",
        "asyncapi/物流.yaml",
    ]


def test_info_names_the_context_and_the_board_and_the_version(sample, sample_docs):
    info = sample_docs["asyncapi/payments.yaml"]["info"]
    assert info["title"] == "Payments — Sample: online shop"
    assert info["version"] == "live seq 120"
    assert info["description"].startswith(
        "Taking the money: authorisation, capture, declines."
    )
    frozen = source_of(sample.snapshot, name=sample.board_name, seq=120, version=3)
    assert (
        asyncapi.documents(frozen)["asyncapi/payments.yaml"]["info"]["version"] == "3"
    )


def test_events_consumed_by_another_context_are_the_integration_channels(
    sample_docs,
):
    """Order Placed feeds the payment policy, Payment Captured the shipping
    policy; every other event stays in its context, marked internal."""
    assert _leaving(sample_docs["asyncapi/ordering.yaml"]) == {"ordering.OrderPlaced"}
    payments = sample_docs["asyncapi/payments.yaml"]
    assert _actions(payments, "send") == {
        "payments.PaymentCaptured",
        "payments.PaymentDeclined",
    }
    declined = next(
        c
        for c in payments["channels"].values()
        if c["address"] == "payments.PaymentDeclined"
    )
    assert declined["x-internal"] is True
    assert _message(payments, "payments.PaymentDeclined")["tags"] == [
        {"name": "internal"}
    ]
    captured = _message(payments, "payments.PaymentCaptured")
    assert {"name": "integration"} in captured["tags"]
    shipping = sample_docs["asyncapi/shipping.yaml"]
    assert _leaving(shipping) == set()
    assert _actions(shipping, "send") == {
        "shipping.ShipmentScheduled",
        "shipping.ShipmentDispatched",
        "shipping.ParcelDelivered",
    }


def test_consumers_receive_the_events_of_other_contexts(sample_docs):
    assert _actions(sample_docs["asyncapi/ordering.yaml"], "receive") == set()
    payments = sample_docs["asyncapi/payments.yaml"]
    assert _actions(payments, "receive") == {"ordering.OrderPlaced"}
    (receive,) = [
        o for o in payments["operations"].values() if o["action"] == "receive"
    ]
    assert "Whenever order placed, then capture payment" in receive["description"]
    assert "Capture Payment" in receive["description"]
    assert _actions(sample_docs["asyncapi/shipping.yaml"], "receive") == {
        "payments.PaymentCaptured"
    }
    # The producer's and the consumer's documents describe the same message.
    assert _message(payments, "ordering.OrderPlaced") == _message(
        sample_docs["asyncapi/ordering.yaml"], "ordering.OrderPlaced"
    )


def test_a_read_model_in_another_context_makes_an_event_leave():
    b, _ = boards.ordering_board()
    docs = asyncapi.documents(source_of(b.snapshot()))
    # Payment Received feeds the Order Summary of Ordering.
    assert _leaving(docs["asyncapi/payments.yaml"]) == {"payments.PaymentReceived"}
    ordering = docs["asyncapi/ordering.yaml"]
    assert _actions(ordering, "receive") == {"payments.PaymentReceived"}
    (receive,) = [
        o for o in ordering["operations"].values() if o["action"] == "receive"
    ]
    assert "read model “Order Summary”" in receive["description"]


def test_operations_point_at_messages_of_their_channel(sample_docs, chinese_docs):
    for doc in [*sample_docs.values(), *chinese_docs.values()]:
        for operation in doc["operations"].values():
            channel = operation["channel"]["$ref"]
            (message,) = operation["messages"]
            assert message["$ref"].startswith(channel + "/messages/")


# -- payloads ------------------------------------------------------------------------


def test_field_types_become_json_schema():
    assert asyncapi.schema("str") == {"type": "string"}
    assert asyncapi.schema("int") == {"type": "integer"}
    assert asyncapi.schema("float") == {"type": "number"}
    assert asyncapi.schema("bool") == {"type": "boolean"}
    assert asyncapi.schema("uuid") == {"type": "string", "format": "uuid"}
    assert asyncapi.schema("date") == {"type": "string", "format": "date"}
    assert asyncapi.schema("datetime") == {"type": "string", "format": "date-time"}
    assert asyncapi.schema("list[decimal]") == {
        "type": "array",
        "items": {"type": "string", "pattern": asyncapi.DECIMAL_PATTERN},
    }


def test_decimals_travel_as_text_and_keep_every_digit():
    decimal = re.compile(asyncapi.DECIMAL_PATTERN)
    for text in ("0", "19.99", "-3.5", "12345678901234567890.000000000001"):
        assert decimal.match(text)
    for text in ("1e3", "1,5", ".5", "5.", "NaN", ""):
        assert not decimal.match(text)


def test_a_state_transfer_event_carries_its_fields_optional_ones_not_required():
    (doc,) = asyncapi.documents(_typed_board()).values()
    message = _message(doc, "core.OrderPlaced")
    payload = message["payload"]
    assert list(payload["properties"]) == [
        "order_id",
        "note",
        "count",
        "ratio",
        "gift",
        "total",
        "due",
        "at",
        "tags",
        "refs",
    ]
    assert payload["required"] == [
        "order_id",
        "count",
        "ratio",
        "gift",
        "total",
        "due",
        "at",
        "tags",
    ]
    props = payload["properties"]
    assert props["order_id"] == {
        "type": "string",
        "format": "uuid",
        "title": "order id",
    }
    assert props["total"] == {"type": "string", "pattern": asyncapi.DECIMAL_PATTERN}
    assert props["at"]["format"] == "date-time"
    assert props["tags"] == {"type": "array", "items": {"type": "integer"}}
    assert props["refs"] == {
        "type": "array",
        "items": {"type": "string", "format": "uuid"},
    }


def test_the_sample_payload_of_a_state_transfer_event(sample_docs):
    message = _message(sample_docs["asyncapi/ordering.yaml"], "ordering.OrderPlaced")
    assert message["x-event-style"] == "state-transfer"
    assert message["name"] == "OrderPlaced"
    assert message["title"] == "Order Placed"
    assert message["description"].startswith("From here on the order's lines")
    assert "needs no call back" in message["description"]
    props = message["payload"]["properties"]
    assert list(props) == ["order_id", "customer_id", "lines", "total", "currency"]
    assert props["lines"] == {"type": "array", "items": {"type": "string"}}
    assert props["total"]["type"] == "string"


def test_a_notification_carries_the_id_and_a_reference_to_call_back(
    chinese, chinese_docs
):
    """订单已支付 leaves 订单 as a notification: the payload is what the
    generated package's notice carries (the order's id under its field's
    name, where to read the order, and at which version), in every
    document that has it."""
    (paid,) = [e for e in chinese.model.events if e.name == "订单已支付"]
    assert paid.style == "notification" and paid.description
    for path in ("asyncapi/订单.yaml", "asyncapi/会员.yaml", "asyncapi/物流.yaml"):
        message = _message(chinese_docs[path], "订单.订单已支付")
        assert message["x-event-style"] == "notification"
        payload = message["payload"]
        assert payload["required"] == ["订单号", "ref", "version"]
        assert payload["properties"]["订单号"]["format"] == "uuid"
        assert payload["properties"]["version"]["type"] == "integer"
        assert payload["properties"]["ref"]["format"] == "uri-reference"
        assert (
            "订单/订单/{id}@{version}" in (payload["properties"]["ref"]["description"])
        )
        assert "calls back the 订单 context" in message["description"]
        assert message["description"].startswith(paid.description)
    receive = next(
        o
        for o in chinese_docs["asyncapi/会员.yaml"]["operations"].values()
        if o["action"] == "receive"
    )
    assert "call 订单 back" in receive["description"]


def test_the_id_of_a_notification_is_the_aggregate_id_field():
    (doc,) = asyncapi.documents(_typed_board()).values()
    # Order Changed feeds a read model in the same (no) context: internal,
    # so it carries its fields.
    internal = _message(doc, "core.OrderChanged")
    assert "x-event-style" not in internal
    assert list(internal["payload"]["properties"]) == ["order_id"]
    # Seen leaving a context, the same board gives {order_id, ref, version}.
    b = BoardBuilder("bound")
    b.context("Sales", 0, 0, 1000, 800)
    b.aggregate("Order", 50, 50, 900, 700)
    changed = b.event(
        "Order Changed",
        100,
        100,
        fields=["customer id: uuid", "order id: uuid"],
        event_style="notification",
    )
    b.link(changed, b.read_model("Orders", 2000, 100))
    docs = asyncapi.documents(source_of(b.snapshot()))
    message = _message(docs["asyncapi/sales.yaml"], "sales.OrderChanged")
    properties = message["payload"]["properties"]
    assert list(properties) == ["order_id", "ref", "version"]
    assert properties["order_id"]["description"] == "The id of the Order."
    assert message["examples"][0]["payload"]["ref"] == (
        "sales/Order/00000000-0000-4000-8000-000000000001@1"
    )
    # The read model in no context is in the core, which receives it.
    assert _actions(docs["asyncapi/core.yaml"], "receive") == {"sales.OrderChanged"}


def test_every_example_is_valid_against_its_payload(sample_docs, chinese_docs):
    docs = [*sample_docs.values(), *chinese_docs.values()]
    docs += list(asyncapi.documents(_typed_board()).values())
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    for doc in docs:
        for message in doc["components"]["messages"].values():
            validator = jsonschema.Draft7Validator(
                message["payload"], format_checker=checker
            )
            for sample in message["examples"]:
                validator.validate(sample["payload"])


# -- names ----------------------------------------------------------------------------


def test_chinese_names_are_kept_and_keys_are_ascii(chinese_docs):
    order = chinese_docs["asyncapi/订单.yaml"]
    assert order["info"]["title"] == "订单 — 积分商城"
    for doc in chinese_docs.values():
        for section in ("channels", "operations"):
            assert all(COMPONENT_KEY.match(key) for key in doc[section])
        assert all(COMPONENT_KEY.match(key) for key in doc["components"]["messages"])
    message = _message(order, "订单.订单已创建")
    assert message["name"] == message["title"] == "订单已创建"
    assert list(message["payload"]["properties"]) == ["订单号", "商品", "金额"]
    assert asyncapi.ascii_key("订单已支付") == "u-8ba2-5355-5df2-652f-4ed8"


def test_colliding_names_get_distinct_channels_with_the_text_as_written(
    chinese_docs,
):
    order = chinese_docs["asyncapi/订单.yaml"]
    first = _message(order, "订单.商品已发货")
    second = _message(order, "订单.商品已发货2")
    assert first["title"] == "商品已发货"
    assert second["title"] == "商品 已发货"
    assert second["name"] == "商品已发货2"


def test_a_board_without_contexts_is_one_core_document():
    docs = asyncapi.documents(_typed_board())
    assert list(docs) == ["asyncapi/core.yaml"]
    doc = docs["asyncapi/core.yaml"]
    assert doc["info"]["title"] == "Core — Typed"
    assert doc["info"]["version"] == "live seq 7"
    assert _leaving(doc) == set()
    assert _actions(doc, "send") == {"core.OrderPlaced", "core.OrderChanged"}
    assert _actions(doc, "receive") == set()


# -- the YAML ---------------------------------------------------------------------


def test_the_yaml_reads_back_as_the_document(
    sample, chinese, sample_docs, chinese_docs
):
    for source, docs in ((sample, sample_docs), (chinese, chinese_docs)):
        files = asyncapi.export(source)
        assert set(files) == set(docs)
        for path, text in files.items():
            assert yaml.safe_load(text) == docs[path]


def test_awkward_strings_survive_the_yaml():
    texts = [
        "yes",
        "No",
        "null",
        "~",
        "",
        " leading",
        "a: b",
        "# not a comment",
        "- not a list",
        "line\nbreak",
        'quote " and \\ backslash',
        "tab\there",
        "\u2028\u2029\x85\x7f\ufeff",
        "{[&*!|>'%@`]}",
        "3.0",
        "0x1F",
        "订单\uff1a已支付",
        "emoji 🚀",
    ]
    data = {
        "plain": texts,
        "keys": {text: text for text in texts},
        "numbers": [0, -1, 1.5, True, False, None],
        "empty": {"list": [], "map": {}},
        "nested": [[1, [2]], {"a": [{"b": {}}]}],
    }
    assert yaml.safe_load(asyncapi.dump_yaml(data)) == data


def test_the_same_source_gives_the_same_bytes(sample, chinese):
    for source in (sample, chinese):
        first = asyncapi.export(source)
        assert asyncapi.export(source) == first
        # A frozen version's model (read back from its JSON) exports alike.
        model = model_from_dict(json.loads(json.dumps(source.model.to_dict())))
        again = source.__class__(
            model=model, board_name=source.board_name, seq=source.seq
        )
        assert asyncapi.export(again) == first
    # The sample played again (its links get new ids) exports alike.
    assert asyncapi.export(sample_source()) == asyncapi.export(sample)


def test_the_exporter_imports_no_django():
    tree = ast.parse(Path(asyncapi.__file__).read_text())
    imported = [
        getattr(node, "module", None) or node.names[0].name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert not [name for name in imported if name and name.startswith("django")]


# -- the official parser ------------------------------------------------------------


@pytest.fixture(scope="module")
def validate(tmp_path_factory):
    """Run `tools/asyncapi/validate.mjs` on documents: path -> diagnostics."""
    node = needs_node()
    folder = tmp_path_factory.mktemp("asyncapi")

    def run(documents):
        paths = []
        for n, (name, text) in enumerate(sorted(documents.items())):
            path = folder / f"{n}-{Path(name).name}"
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        result = subprocess.run(
            [node, str(TOOL / "validate.mjs"), *paths],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode in (0, 1), result.stderr
        report = json.loads(result.stdout)
        assert report["parser"] == _pinned_parser()
        names = dict(zip(paths, sorted(documents), strict=True))
        return result.returncode, {
            names[path]: found for path, found in report["documents"].items()
        }

    return run


def needs_node():
    from tests import needs

    node = needs.program("node", "validating AsyncAPI documents")
    if not (TOOL / "node_modules" / "@asyncapi" / "parser").is_dir():
        needs.missing("validating AsyncAPI needs `npm ci --prefix tools/asyncapi`")
    return node


def _pinned_parser():
    return json.loads((TOOL / "package.json").read_text())["dependencies"][
        "@asyncapi/parser"
    ]


def _errors(diagnostics):
    return [d for d in diagnostics if d["severity"] == "error"]


def test_the_parser_is_pinned_exactly():
    assert re.fullmatch(r"\d+\.\d+\.\d+", _pinned_parser())
    lock = json.loads((TOOL / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@asyncapi/parser"]["version"] == (
        _pinned_parser()
    )


def test_the_official_parser_finds_no_errors(validate, sample, chinese):
    documents = {}
    for label, source in (
        ("sample", sample),
        ("chinese", chinese),
        ("typed", _typed_board()),
        ("two", source_of(boards.ordering_board()[0].snapshot())),
    ):
        for path, text in asyncapi.export(source).items():
            documents[f"{label}/{path}"] = text
    code, found = validate(documents)
    assert {name: _errors(d) for name, d in found.items() if _errors(d)} == {}
    assert code == 0
    assert set(found) == set(documents)


def test_the_official_parser_rejects_a_broken_document(validate, sample_docs):
    """The check can fail: a dangling reference and an unknown action."""
    doc = json.loads(json.dumps(sample_docs["asyncapi/payments.yaml"]))
    operation = doc["operations"]["receive.ordering.OrderPlaced"]
    operation["messages"] = [{"$ref": "#/channels/ordering.OrderPlaced/messages/Nope"}]
    doc["operations"]["send.payments.PaymentCaptured"]["action"] = "publish"
    del doc["info"]["version"]
    code, found = validate({"broken.yaml": asyncapi.dump_yaml(doc)})
    assert code == 1
    messages = " ".join(d["message"] for d in _errors(found["broken.yaml"]))
    assert "does not exist" in messages
    assert '"version"' in messages
    assert "send" in messages and "receive" in messages
