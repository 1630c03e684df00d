"""What text the board accepts: one check for every string a person sends.

JSON can carry what no database stores the same way: a lone UTF-16
surrogate ("\\ud800") cannot be encoded as UTF-8 at all (the socket's reply,
the log's row and the REST answer all fail on it), and NUL is stored by
SQLite but refused by PostgreSQL. Other C0 controls are invisible and only
confuse. Refusing them all, once, where text comes in, keeps both databases
alike and every reply encodable.
"""

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .errors import invalid, message

# Any surrogate code point in a Python str is a lone one: json pairs escaped
# pairs into one character. C0 controls other than tab, newline and carriage
# return (a textarea sends CRLF); DEL too.
_BAD_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_BAD_LINE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _describe(char):
    if "\ud800" <= char <= "\udfff":
        return _("a lone UTF-16 surrogate")
    if char == "\x00":
        return _("a NUL character")
    return message(_("a control character (U+%(code)s)"), code=f"{ord(char):04X}")


def text_problem(value: str, *, multiline=True) -> str | Promise | None:
    """What is wrong with `value`, or None when it is clean text."""
    found = (_BAD_MULTILINE if multiline else _BAD_LINE).search(value)
    return None if found is None else _describe(found.group())


def check_text(value: str, name: str | Promise, *, multiline=True) -> str:
    """`value` if it is clean text; else `invalid` naming the field.

    `multiline` admits tab and line breaks (sticky text, descriptions);
    names, ids and other one-line values take none. `name` may be lazy (a
    refusal is put into words when it is sent: `errors.message`).
    """
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        raise invalid(
            _("%(name)s must not contain %(problem)s"), name=name, problem=problem
        )
    return value


def clean(value: str, *, multiline=True) -> bool:
    return text_problem(value, multiline=multiline) is None


def check_strings(value, name: str):
    """Every string in a JSON value (keys too) is clean text; else `invalid`
    naming where the first bad one is, as `data.fields[0].name`. Iterative,
    so that nesting depth costs no recursion."""
    pending = [(value, name)]
    while pending:
        item, where = pending.pop()
        if isinstance(item, str):
            check_text(item, where)
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str):
                    check_text(
                        key,
                        message(_("a key of %(where)s"), where=where),
                        multiline=False,
                    )
                pending.append((child, f"{where}.{key}"))
        elif isinstance(item, list):
            pending.extend(
                (child, f"{where}[{index}]") for index, child in enumerate(item)
            )
    return value


def check_members(message: dict):
    """`check_strings` over a JSON object, naming fields as the sender did
    (`id`, `data.text`), not under a made-up root."""
    for key, value in message.items():
        check_text(key, _("a key of the message"), multiline=False)
        check_strings(value, key)
    return message
