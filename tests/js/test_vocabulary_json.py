"""tests/js/vocabulary.json is the vocabulary the board page renders.

The node tests of the board's scripts (tests/js/*.test.mjs) have no page to
read the vocabulary from; they read this file instead. It must be what
`storming.vocabulary.for_page()` gives in English, or the scripts would be
tested against a vocabulary the page never has. To write it again:
`.venv/bin/python -m tests.js.test_vocabulary_json`.
"""

import json
from pathlib import Path

from django.utils import translation

from storming.vocabulary import for_page

FILE = Path(__file__).with_name("vocabulary.json")


def render():
    with translation.override("en"):
        return json.dumps(for_page(), indent=2, ensure_ascii=False) + "\n"


def test_the_node_tests_vocabulary_is_the_one_the_page_renders():
    assert FILE.read_text(encoding="utf-8") == render(), (
        "tests/js/vocabulary.json is stale: "
        "run .venv/bin/python -m tests.js.test_vocabulary_json"
    )


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "whiteboard.settings")
    django.setup()
    FILE.write_text(render(), encoding="utf-8")
