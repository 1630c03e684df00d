"""Code identifiers from sticky text: `Order submitted` -> `OrderSubmitted`.

Pure and deterministic. Text in any script gives a valid Python identifier
(PEP 3131 admits letters of every script, so `订单已提交` stays as written);
what cannot form one falls back to the sticky's kind.
"""

import functools
import keyword
import re
import unicodedata

# Letters and digits of ASCII text; other text is split by `_word_char`.
_WORD = re.compile(r"[^\W_]+", re.ASCII)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@functools.lru_cache(maxsize=8192)
def _word_char(char):
    """Letters, their marks and digits that Python accepts inside a name.

    `re`'s word class leaves out combining marks (Hindi vowel signs, Japanese
    voicing marks) and lets in numbers that are no identifier characters
    (`௰`), so non-ASCII text is split character by character.
    """
    category = unicodedata.category(char)
    return (category[0] in "LM" or category in ("Nd", "Nl")) and (
        "a" + char
    ).isidentifier()


def words(text):
    """Split text into words, across spaces, punctuation and camelCase."""
    text = text or ""
    if text.isascii():
        # NFKC leaves ASCII as it is.
        return _WORD.findall(_CAMEL.sub(" ", text))
    normal = _CAMEL.sub(" ", unicodedata.normalize("NFKC", text))
    found, current = [], []
    for char in normal:
        if _word_char(char):
            current.append(char)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return found


@functools.lru_cache(maxsize=8192)
def _fold(char):
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if base and base.isascii() and base.isalnum() else char


def _ascii_fold(word):
    """`Café` -> `Cafe`; letters of other scripts are kept as they are.

    Only a letter whose decomposition is an ASCII letter plus marks is
    folded: Japanese `ダ` decomposes to `タ` plus a mark, and must stay `ダ`.
    """
    if word.isascii():
        return word
    return "".join(_fold(char) for char in word)


def _safe(identifier, fallback, separator=""):
    if not identifier.isascii():
        # Identifiers are compared after NFKC by Python itself.
        identifier = unicodedata.normalize("NFKC", identifier)
    if not identifier:
        identifier = fallback
    elif not identifier[0].isidentifier():
        # A digit or a mark cannot start a name.
        identifier = fallback + separator + identifier
    if keyword.iskeyword(identifier) or keyword.issoftkeyword(identifier):
        identifier += "_"
    if not identifier.isidentifier():
        # Not reachable from `words`; a guard rather than a crash on odd input.
        return fallback
    return identifier


def _class_of(parts, fallback):
    return _safe("".join(p[:1].upper() + p[1:] for p in parts), fallback)


def _snake_of(parts, fallback):
    return _safe("_".join(p.lower() for p in parts), fallback, "_")


def class_name(text, fallback="Element"):
    """PascalCase: `order submitted` -> `OrderSubmitted`."""
    return _class_of([_ascii_fold(w) for w in words(text)], fallback)


def snake_name(text, fallback="element"):
    """snake_case: `Order Submitted` -> `order_submitted`."""
    return _snake_of([_ascii_fold(w) for w in words(text)], fallback)


def names(text, class_fallback="Element", snake_fallback="element"):
    """(class_name(text), snake_name(text)), splitting the text once."""
    parts = [_ascii_fold(w) for w in words(text)]
    return _class_of(parts, class_fallback), _snake_of(parts, snake_fallback)


def from_code_name(code_name, style):
    """A user's explicit code name: verbatim for classes, snake_case otherwise."""
    code_name = code_name.strip()
    if style == "class":
        if unicodedata.normalize("NFKC", code_name).isidentifier():
            return _safe(code_name, "Element")
        # Code names from an import are not checked as the board's are.
        return class_name(code_name)
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
