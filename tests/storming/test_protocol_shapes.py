"""The server's messages are made in one place (`storming.protocol`), named
in `SERVER_MESSAGES`, documented in docs/protocol.md and read by the browser
client (static/js/board/protocol.js names them, connection.js dispatches on
each): each list says the same."""

import json
import re
from pathlib import Path

from storming import protocol
from storming.errors import CommandError

ROOT = Path(__file__).resolve().parents[2]


def test_the_builders_make_the_documented_shapes():
    entry = {"member": "m", "name": "Ann", "color": "#d9480f"}
    made = [
        protocol.welcome("b", {"seq": 3, "state": {}}, {"member": "m"}, [], {}),
        protocol.event(4, "sticky.moved", {}, "m", "op", "2026-12-04T00:00:00Z"),
        json.loads(protocol.events_frame([{"type": "event"}] * 2)[0]),
        protocol.ack("op", 4),
        protocol.error(CommandError("invalid", "no"), "op"),
        protocol.presence([]),
        json.loads(protocol.ephemeral_frame("cursor", "cursors", ['{"x":1}'])),
        json.loads(protocol.ephemeral_frame("drag", "drags", [])),
        json.loads(protocol.ephemeral_frame("views", "views", [])),
        protocol.signal("summon", entry, {"x": 0, "y": 0, "zoom": 1}),
        protocol.membership("m", "viewer", can_write=False),
        protocol.ping("n"),
        protocol.status("live"),
        json.loads(protocol.pieces("x" * 70_000, 1)[0]),
    ]
    assert [m["type"] for m in made] == list(protocol.SERVER_MESSAGES)
    assert made[0]["protocol"] == protocol.VERSION


def test_an_ack_names_first_only_for_a_group():
    assert protocol.ack("op", 7) == {
        "type": "ack",
        "id": "op",
        "seq": 7,
        "replayed": False,
    }
    assert protocol.ack("op", 9, first=7, replayed=True)["first"] == 7


def test_every_server_message_is_documented_and_read_by_the_browser():
    docs = (ROOT / "docs/protocol.md").read_text(encoding="utf-8")
    board = ROOT / "static/js/board"
    client = (board / "connection.js").read_text(encoding="utf-8")
    handled = set(re.findall(r'case "([a-z]+)":', client))
    named = re.search(
        r"SERVER_MESSAGES = Object\.freeze\(\[(.*?)\]\)",
        (board / "protocol.js").read_text(encoding="utf-8"),
        re.S,
    )
    assert named, "protocol.js lists SERVER_MESSAGES"
    for kind in protocol.SERVER_MESSAGES:
        assert f'"type": "{kind}"' in docs, f"docs/protocol.md shows no {kind}"
    assert handled == set(protocol.SERVER_MESSAGES)
    assert re.findall(r'"([a-z]+)"', named.group(1)) == list(protocol.SERVER_MESSAGES)
