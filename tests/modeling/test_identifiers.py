"""Code identifiers from sticky text (`modeling.identifiers`)."""

import keyword

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modeling.identifiers import (
    class_name,
    from_code_name,
    snake_name,
    unique,
    words,
)


def is_valid(identifier):
    return (
        identifier.isidentifier()
        and not keyword.iskeyword(identifier)
        and not keyword.issoftkeyword(identifier)
    )


@pytest.mark.parametrize(
    ("text", "cls", "func"),
    [
        ("Order submitted", "OrderSubmitted", "order_submitted"),
        ("order   submitted!", "OrderSubmitted", "order_submitted"),
        ("OrderSubmitted", "OrderSubmitted", "order_submitted"),
        ("order-submitted (online)", "OrderSubmittedOnline", "order_submitted_online"),
        ("Customer's order ID", "CustomerSOrderID", "customer_s_order_id"),
        ("HTTPServer started", "HTTPServerStarted", "http_server_started"),
    ],
)
def test_text_gives_a_class_name_and_a_snake_name(text, cls, func):
    assert class_name(text) == cls
    assert snake_name(text) == func


def test_words_split_on_spaces_punctuation_and_camel_case():
    assert words("placeOrder, now!") == ["place", "Order", "now"]


@pytest.mark.parametrize("word", keyword.kwlist + keyword.softkwlist)
def test_a_name_is_never_a_python_keyword(word):
    assert is_valid(class_name(word))
    assert is_valid(snake_name(word))


@pytest.mark.parametrize(
    ("text", "cls", "func"),
    [
        ("class", "Class", "class_"),
        ("None", "None_", "none"),
        ("match", "Match", "match_"),
        ("import", "Import", "import_"),
    ],
)
def test_a_keyword_gets_a_trailing_underscore(text, cls, func):
    assert class_name(text) == cls
    assert snake_name(text) == func


def test_a_name_starting_with_a_digit_is_prefixed_with_the_fallback():
    assert class_name("3D Secure passed", "Event") == "Event3DSecurePassed"
    assert snake_name("2fa enabled", "event") == "event_2fa_enabled"
    assert is_valid(class_name("42")) and is_valid(snake_name("42"))


@pytest.mark.parametrize("text", ["", "   ", "!!!", "→ ✓ ★", "___"])
def test_text_without_letters_falls_back_to_the_kind(text):
    assert class_name(text, "Event") == "Event"
    assert snake_name(text, "event") == "event"


@pytest.mark.parametrize(
    ("text", "cls", "func"),
    [
        ("Café opened", "CafeOpened", "cafe_opened"),
        ("Crème brûlée served", "CremeBruleeServed", "creme_brulee_served"),
        ("Ångström measured", "AngstromMeasured", "angstrom_measured"),
    ],
)
def test_accented_latin_letters_are_folded_to_ascii(text, cls, func):
    assert class_name(text) == cls
    assert snake_name(text) == func


def test_chinese_text_gives_a_valid_identifier_of_the_same_characters():
    assert class_name("订单已提交") == "订单已提交"
    assert snake_name("订单已提交") == "订单已提交"
    assert snake_name("订单 已提交") == "订单_已提交"
    assert is_valid(class_name("订单已提交"))


def test_letters_of_other_scripts_keep_their_marks():
    """Only Latin letters are folded: a Japanese ダ stays ダ, Hindi keeps its vowels."""
    assert class_name("データ更新") == "データ更新"
    assert class_name("भुगतान") == "भुगतान"
    assert snake_name("भुगतान हुआ") == "भुगतान_हुआ"
    assert class_name("Заказ оформлен") == "ЗаказОформлен"


def test_numbers_that_are_not_identifier_characters_are_separators():
    assert class_name("௰ items", "Event") == "Items"
    assert class_name("½ price", "Event") == "Event1" + "2Price"


@given(st.text(max_size=40))
def test_any_text_gives_valid_identifiers(text):
    assert is_valid(class_name(text, "Event"))
    assert is_valid(snake_name(text, "event"))
    assert is_valid(from_code_name(text, "class") if text.strip() else "Element")


def test_a_code_name_is_used_verbatim_for_classes_and_in_snake_case_for_functions():
    assert from_code_name("OrderPlacedV2", "class") == "OrderPlacedV2"
    assert from_code_name("OrderPlacedV2", "func") == "order_placed_v2"
    assert from_code_name(" order_placed ", "class") == "order_placed"


def test_a_code_name_that_is_not_an_identifier_is_made_one():
    assert from_code_name("order placed", "class") == "OrderPlaced"
    assert from_code_name("class", "class") == "class_"
    assert from_code_name("9lives", "func") == "element_9lives"


def test_unique_keeps_the_first_name_and_numbers_the_later_ones():
    names = [("a", "OrderPlaced"), ("b", "OrderPlaced"), ("c", "OrderPlaced")]
    assert unique(names) == {
        "a": "OrderPlaced",
        "b": "OrderPlaced2",
        "c": "OrderPlaced3",
    }


def test_unique_compares_names_case_insensitively():
    assert unique([("a", "orderplaced"), ("b", "OrderPlaced")]) == {
        "a": "orderplaced",
        "b": "OrderPlaced2",
    }


def test_unique_never_hands_out_a_name_that_is_taken():
    result = unique([("a", "Paid"), ("b", "Paid2"), ("c", "Paid")])
    assert len(set(result.values())) == 3
    assert result["a"] == "Paid" and result["b"] == "Paid2"


def test_unique_is_deterministic():
    names = [(str(i), "Same") for i in range(5)]
    assert unique(names) == unique(list(names))
