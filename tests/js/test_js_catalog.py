"""The board's scripts speak Chinese: djangojs.po has every string they
translate, each with a translation, and the compiled catalog is current.

The scripts translate with `t("...")` and `tn("...", "...", n)`
(static/js/board/i18n.js); makemessages finds them by those names
(storming/management/commands/makemessages.py).
"""

import json
import re
import subprocess
from pathlib import Path

from tests import needs

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "djangojs.po"
COMPILED = CATALOG.with_suffix(".mo")
STRING = r'"((?:[^"\\\n]|\\.)*)"'
CALLS = re.compile(rf"(?<![\w.$])(tn?)\(\s*{STRING}(?:\s*,\s*{STRING})?")


def js_string(body):
    return json.loads(f'"{body}"'.replace("\\'", "'"))


def po_string(lines):
    return "".join(json.loads(line) for line in lines)


def entries(path):
    """The catalog's entries: (msgid, msgid_plural or None, [msgstr, ...])."""
    found = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        parts = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            head = re.match(r"(msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line)
            if head:
                key = head.group(1)
                parts[key] = [head.group(2)]
            elif line.startswith('"') and key:
                parts[key].append(line)
        if "msgid" not in parts:
            continue
        texts = [
            po_string(v) for k, v in sorted(parts.items()) if k.startswith("msgstr")
        ]
        plural = po_string(parts["msgid_plural"]) if "msgid_plural" in parts else None
        found.append((po_string(parts["msgid"]), plural, texts))
    return [entry for entry in found if entry[0]]  # not the header


def script_strings():
    """Every (text, plural) the scripts pass to t() and tn()."""
    found = set()
    for path in sorted((ROOT / "static" / "js").rglob("*.js")):
        # Comments may show a call; makemessages reads only the code.
        source = re.sub(
            r"^\s*(//|\*|/\*).*$", "", path.read_text(encoding="utf-8"), flags=re.M
        )
        for call, one, many in CALLS.findall(source):
            found.add((js_string(one), js_string(many) if call == "tn" else None))
        # A translated text must be a literal, or makemessages misses it.
        bare = re.findall(r"(?<![\w.$])(?<!function )tn?\(\s*[^\s\")]", source)
        assert not bare, f"{path.name}: t()/tn() of something not a literal: {bare}"
    return found


def test_every_text_of_the_scripts_is_in_the_catalog():
    catalog = {(msgid, plural) for msgid, plural, _ in entries(CATALOG)}
    missing = sorted(script_strings() - catalog, key=str)
    assert not missing, f"not in djangojs.po (run makemessages -d djangojs): {missing}"


def test_every_text_in_the_catalog_has_a_chinese_translation():
    untranslated = [msgid for msgid, _, texts in entries(CATALOG) if not all(texts)]
    assert untranslated == []
    fuzzy = "#, fuzzy" in CATALOG.read_text(encoding="utf-8").split('msgstr ""', 1)[1]
    assert not fuzzy, "djangojs.po has fuzzy entries"


def test_the_compiled_catalog_is_the_one_of_the_po_file(tmp_path):
    msgfmt = needs.program("msgfmt", "compiling message catalogs")
    fresh = tmp_path / "djangojs.mo"
    subprocess.run(
        [msgfmt, "--check-format", "-o", fresh, CATALOG], check=True, cwd=tmp_path
    )
    assert COMPILED.read_bytes() == fresh.read_bytes(), (
        "djangojs.mo is stale: run compilemessages"
    )


def test_every_translation_fills_the_same_placeholders():
    def names(text):
        return set(re.findall(r"%\((\w+)\)s", text))

    wrong = [
        (msgid, text)
        for msgid, plural, texts in entries(CATALOG)
        for text in texts
        if names(text) != names(msgid) | names(plural or "")
    ]
    assert wrong == []
