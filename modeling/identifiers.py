"""Code identifiers from sticky text: `Order submitted` -> `OrderSubmitted`.

Pure and deterministic. Text in any script gives a valid Python identifier
(PEP 3131 admits letters of every script, so `订单已提交` stays as written);
what cannot form one falls back to the sticky's kind.
"""

import keyword
import re
import unicodedata

# Letters and digits of any script, after NFKC; everything else separates words.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def words(text):
    """Split text into words, across spaces, punctuation and camelCase."""
    normal = unicodedata.normalize("NFKC", text or "")
    found = []
    for word in _WORD.findall(normal):
        found.extend(part for part in _CAMEL.split(word) if part)
    return found


def _ascii_fold(word):
    """`Café` -> `Cafe`; words of other scripts are kept as they are."""
    folded = unicodedata.normalize("NFKD", word)
    stripped = "".join(c for c in folded if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", stripped)


def _safe(identifier, fallback):
    if not identifier:
        identifier = fallback
    if identifier[0].isdigit():
        identifier = fallback + identifier
    if keyword.iskeyword(identifier) or keyword.issoftkeyword(identifier):
        identifier += "_"
    # Identifiers are compared after NFKC by Python itself.
    identifier = unicodedata.normalize("NFKC", identifier)
    assert identifier.isidentifier(), identifier
    return identifier


def class_name(text, fallback="Element"):
    """PascalCase: `order submitted` -> `OrderSubmitted`."""
    parts = [_ascii_fold(w) for w in words(text)]
    joined = "".join(p[:1].upper() + p[1:] for p in parts)
    return _safe(joined, fallback)


def snake_name(text, fallback="element"):
    """snake_case: `Order Submitted` -> `order_submitted`."""
    joined = "_".join(_ascii_fold(w).lower() for w in words(text))
    return _safe(joined, fallback)


def from_code_name(code_name, style):
    """A user's explicit code name: verbatim for classes, snake_case otherwise."""
    if style == "class":
        return _safe(code_name.strip(), "Element")
    return snake_name(code_name)


def unique(names):
    """Resolve collisions: the first keeps its name, later ones get 2, 3, ...

    `names` is a list of (key, identifier) in priority order; returns key ->
    identifier. Comparison is case-insensitive, because module files on some
    file systems are.
    """
    taken = set()
    result = {}
    for key, name in names:
        candidate, n = name, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{name}{n}"
        taken.add(candidate.casefold())
        result[key] = candidate
    return result
