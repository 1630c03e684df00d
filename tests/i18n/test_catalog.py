"""locale/zh_Hans/LC_MESSAGES/django.po: every string translated, the
placeholders kept, and django.mo compiled from it as it is now."""

import ast
import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"
PO, MO = LOCALE / "django.po", LOCALE / "django.mo"
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sd]|%%")
FIELD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')


def entries(path):
    """The .po's entries as dicts: msgid, msgid_plural, msgstr[n] / msgstr,
    flags; a tiny reader (no polib in the project)."""
    found = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key = {"flags": set()}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := FIELD.match(line):
                key = match.group(1)
                entry[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
        if entry.get("msgid"):
            found.append(entry)
    return found


def translations(entry):
    return [value for key, value in entry.items() if key.startswith("msgstr")]


CATALOG = entries(PO)


def test_the_catalog_holds_the_strings_of_the_pages_checks_and_exports():
    ids = {entry["msgid"] for entry in CATALOG}
    assert len(ids) > 400
    assert {"Your boards", "Events in the past tense", "Model outline"} <= ids


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e["msgid"][:50])
def test_every_string_is_translated_with_its_placeholders(entry):
    assert "fuzzy" not in entry["flags"]
    texts = translations(entry)
    assert texts and all(text.strip() for text in texts)
    wanted = sorted(PLACEHOLDER.findall(entry.get("msgid_plural", entry["msgid"])))
    for text in texts:
        # Chinese has one plural form: the plural's placeholders, all of them.
        assert sorted(PLACEHOLDER.findall(text)) == wanted


def test_the_compiled_catalog_is_the_po_as_it_is_now():
    with MO.open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    expected = {}
    for entry in CATALOG:
        key = entry["msgid"]
        if "msgctxt" in entry:
            key = f"{entry['msgctxt']}\x04{key}"
        if "msgid_plural" in entry:
            expected[(key, 0)] = entry["msgstr[0]"]
        else:
            expected[key] = entry["msgstr"]
    compiled_entries = {k: v for k, v in catalog.items() if k not in ("", ("", 0))}
    assert compiled_entries == expected
