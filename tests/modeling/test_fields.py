"""Fields an event or command carries (`modeling.fields`), and their defaults."""

import pytest

from modeling.fields import SCALAR_TYPES, Field, parse_fields, parse_type


@pytest.mark.parametrize("type_", SCALAR_TYPES)
def test_every_scalar_type_is_understood(type_):
    assert parse_type(type_) == (type_, False)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("UUID", ("uuid", False)),
        (" DateTime ", ("datetime", False)),
        ("int?", ("int", True)),
        ("decimal ?", ("decimal", True)),
        ("list[int]", ("list[int]", False)),
        ("List[ Str ]", ("list[str]", False)),
        ("list[date]?", ("list[date]", True)),
        ("list[list[uuid]]", ("list[list[uuid]]", False)),
        ("", ("str", False)),
        ("?", ("str", True)),
    ],
)
def test_types_are_normalised(text, parsed):
    assert parse_type(text) == parsed


@pytest.mark.parametrize(
    "text", ["money", "string", "list[money]", "list[int?]", "list[]", "dict[str]"]
)
def test_unknown_types_are_not_understood(text):
    assert parse_type(text) is None


def fields(*entries):
    return [
        {"name": name.strip(), "type": type_.strip()}
        for name, _, type_ in (entry.partition(":") for entry in entries)
    ]


def test_fields_get_snake_case_names_and_keep_the_text_as_a_label():
    parsed, problems = parse_fields(
        fields("Order ID: uuid", "total: decimal", "Note: str?", "lines: list[str]")
    )
    assert parsed == (
        Field("order_id", "uuid", False, "Order ID"),
        Field("total", "decimal"),
        Field("note", "str", True, "Note"),
        Field("lines", "list[str]"),
    )
    assert problems == []


def test_a_field_without_a_type_is_a_string():
    parsed, problems = parse_fields(fields("comment"))
    assert parsed == (Field("comment", "str"),)
    assert problems == []


def test_an_unknown_type_is_reported_and_the_field_becomes_a_string():
    parsed, problems = parse_fields(fields("amount: money", "rate: percent?"))
    assert parsed == (Field("amount", "str"), Field("rate", "str", True))
    assert [name for name, _ in problems] == ["amount", "rate"]
    assert "unknown type 'money'" in problems[0][1]


def test_a_duplicate_field_name_is_reported_and_only_the_first_is_kept():
    parsed, problems = parse_fields(fields("Order ID: uuid", "order_id: int"))
    assert parsed == (Field("order_id", "uuid", False, "Order ID"),)
    assert problems == [("order_id", "field order_id appears twice")]


def test_field_names_are_valid_identifiers_whatever_was_written():
    parsed, _ = parse_fields(fields("class: str", "金额: decimal", "2fa code: str"))
    assert [f.name for f in parsed] == ["class_", "金额", "field_2fa_code"]
    assert all(f.name.isidentifier() for f in parsed)


def test_odd_field_entries_do_not_break_parsing():
    """Imported boards may carry a missing type or the `name: type` text form."""
    parsed, problems = parse_fields(
        [{"name": "a", "type": None}, {"name": "b"}, "c: int", "d"]
    )
    assert parsed == (
        Field("a", "str"),
        Field("b", "str"),
        Field("c", "int"),
        Field("d", "str"),
    )
    assert problems == []


def test_no_fields_gives_nothing():
    assert parse_fields(None) == ((), [])
    assert parse_fields([]) == ((), [])


# -- fields in the derived model ---------------------------------------------------


def test_events_and_commands_without_fields_carry_their_aggregate_id(sketch):
    sketch.aggregate("Order", 0, 0)
    placed = sketch.event("Order Placed", 100, 100)
    place = sketch.command("Place Order", 300, 100)
    model = sketch.derive()
    assert model.element(placed).fields == (Field("order_id", "uuid"),)
    assert model.element(place).fields == (Field("order_id", "uuid"),)


def test_events_outside_an_aggregate_default_to_an_id_field(sketch):
    event = sketch.event("Order Placed")
    assert sketch.derive().element(event).fields == (Field("id", "uuid"),)


def test_given_fields_replace_the_default(sketch):
    sketch.aggregate("Order", 0, 0)
    placed = sketch.event("Order Placed", 100, 100, fields=["total: decimal"])
    assert sketch.derive().element(placed).fields == (Field("total", "decimal"),)


def test_read_models_get_no_default_fields(sketch):
    summary = sketch.read_model("Order Summary")
    assert sketch.derive().element(summary).fields == ()


def test_field_problems_are_kept_in_the_model_by_sticky(sketch):
    placed = sketch.event("Order Placed", fields=["total: money", "Total: int"])
    model = sketch.derive()
    assert [(p.sticky, p.field) for p in model.field_problems] == [
        (placed, "total"),
        (placed, "Total"),
    ]
