"""The docs stand on their own inside the repository, and say what the code has.

Every link in the project's Markdown resolves to a file of the repository
(and an anchor to a heading of that file, as GitHub makes them); nothing
points outside the repository. The workshop guide names every check the model
runs, the protocol reference every board command and event, and the
architecture's dependency rules hold in the imports.
"""

import ast
import re
from pathlib import Path

import pytest

from modeling import checks
from storming import commands

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted(
    [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        ROOT / "CHANGELOG.md",
        ROOT / "bench" / "RESULTS.md",
        ROOT / "modeling" / "eventstore" / "README.md",
        *(ROOT / "docs").glob("*.md"),
    ]
)
# The docs stand alone: no web address at all.
WEB_LINKS_ALLOWED: set[str] = set()

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
)
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
AUTOLINK = re.compile(r"<((?:https?|ftp|file|mailto):[^>\s]+)>")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def prose_lines(text):
    """The lines of `text` outside fenced code blocks."""
    fenced = None
    for line in text.splitlines():
        marker = FENCE.match(line)
        if marker:
            if fenced is None:
                fenced = marker.group(1)
            elif marker.group(1) == fenced:
                fenced = None
            continue
        if fenced is None:
            yield line


def links(text):
    """Every link target in `text`, outside code blocks and code spans."""
    found = []
    for line in prose_lines(text):
        line = CODE_SPAN.sub("", line)
        found += INLINE_LINK.findall(line)
        found += AUTOLINK.findall(line)
        reference = REFERENCE.match(line)
        if reference:
            found.append(reference.group(1))
    return found


def slug(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped
    (hyphens and underscores kept), spaces as hyphens."""
    text = CODE_SPAN.sub(lambda m: m.group(0).strip("`"), heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path):
    """The anchors of the headings of a Markdown file, duplicates numbered."""
    seen, result = {}, set()
    for line in prose_lines(path.read_text(encoding="utf-8")):
        heading = HEADING.match(line)
        if not heading:
            continue
        base = slug(heading.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def problems_of(doc, text=None):
    """What is wrong with the links of one doc (or of `text` as if `doc` held
    it), as readable lines."""
    problems = []
    text = doc.read_text(encoding="utf-8") if text is None else text
    for target in links(text):
        where = f"{doc.relative_to(ROOT)}: ({target})"
        if SCHEME.match(target):
            if target not in WEB_LINKS_ALLOWED:
                problems.append(f"{where} leaves the repository")
            continue
        path_part, _, anchor = target.partition("#")
        if path_part.startswith("/"):
            problems.append(f"{where} is an absolute path")
            continue
        resolved = (doc.parent / path_part).resolve() if path_part else doc
        if not resolved.is_relative_to(ROOT):
            problems.append(f"{where} points outside the repository")
            continue
        if not resolved.exists():
            problems.append(f"{where} names no file of the repository")
            continue
        if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            problems.append(f"{where} names no heading of {resolved.name}")
    return problems


def section(path, title):
    """The lines of the `## title` section of a Markdown file."""
    lines, inside = [], False
    for line in prose_lines(path.read_text(encoding="utf-8")):
        heading = HEADING.match(line)
        if heading and len(heading.group(1)) <= 2:
            inside = heading.group(2) == title
            continue
        if inside:
            lines.append(line)
    assert lines, f"{path.name} has no section {title!r}"
    return lines


def first_column(lines):
    """The code names in the first column of the Markdown tables in `lines`."""
    names = set()
    for line in lines:
        cell = re.match(r"^\|\s*`([^`]+)`\s*\|", line)
        if cell:
            names.add(cell.group(1))
    return names


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_link_resolves_inside_the_repository(doc):
    assert problems_of(doc) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_no_doc_mentions_the_reference_folder_outside_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    assert "../shared" not in text
    assert "shared/" not in text


def test_the_link_reader_finds_links_and_headings_as_github_does(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# Server -> client\n\n## The `batch` command\n\n## Limits\n\n## Limits\n\n"
        "```sh\n# not a heading: [no](link.md)\n```\n\n"
        'See [a](other.md#x), `[code](not.md)` and ![img](pic.png "title").\n'
        "[ref]: ref.md\n",
        encoding="utf-8",
    )
    assert links(page.read_text(encoding="utf-8")) == [
        "other.md#x",
        "pic.png",
        "ref.md",
    ]
    assert anchors(page) == {
        "server---client",
        "the-batch-command",
        "limits",
        "limits-1",
    }


def test_a_broken_link_an_unknown_anchor_and_a_way_out_are_reported():
    doc = ROOT / "docs" / "protocol.md"
    reported = problems_of(
        doc,
        "[gone](missing.md) [anchor](architecture.md#no-such-heading) "
        "[out](../../outside.md) [web](https://example.com/) [root](/etc/passwd) "
        "[fine](architecture.md#invariants) [here](#limits)",
    )
    assert len(reported) == 5, reported
    assert "names no file" in reported[0]
    assert "names no heading" in reported[1]
    assert "points outside the repository" in reported[2]
    assert "leaves the repository" in reported[3]
    assert "absolute path" in reported[4]


def test_the_workshop_guide_lists_exactly_the_checks_the_code_runs():
    listed = first_column(section(ROOT / "docs" / "event-storming.md", "Checks"))
    assert listed == set(checks.registered())
    assert set(checks.HELP) == set(checks.registered())


def test_the_protocol_reference_lists_every_board_command():
    listed = first_column(section(ROOT / "docs" / "protocol.md", "Board commands"))
    assert listed == set(commands.COMMAND_NAMES)
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    for name in (*commands.COMMAND_NAMES, *commands.SERVER_DECIDERS):
        assert f"`{name}`" in text


def test_the_protocol_reference_lists_every_board_event():
    listed = first_column(section(ROOT / "docs" / "protocol.md", "Board events"))
    assert listed == set(commands.EVENT_NAMES)


def imported_modules(path):
    """The absolute module names a Python file imports (relative ones resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.append(".".join([*base, node.module] if node.module else base))
            else:
                names.append(node.module)
    return names


def test_storming_never_imports_modeling():
    offending = [
        (str(path.relative_to(ROOT)), name)
        for path in (ROOT / "storming").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] == "modeling"
    ]
    assert offending == []


def test_the_event_store_imports_neither_the_apps_nor_django():
    project = {"storming", "modeling", "whiteboard", "django", "rest_framework"}
    offending = [
        (str(path.relative_to(ROOT)), name)
        for path in (ROOT / "modeling" / "eventstore").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in project | {"channels"}
        and not name.startswith("modeling.eventstore")
    ]
    assert offending == []
