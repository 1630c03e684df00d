"""A whole board as a JSON document: export, import as a new board, and back."""

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError as ManagementError
from django.core.management import call_command
from django.urls import reverse
from rest_framework import status

from storming import board_log, services, transfer
from storming.errors import CommandError
from storming.models import Board, BoardEvent, Link, Member, Sticky, Vote
from storming.projector import load_snapshot
from storming.vocabulary import MAX_TEXT, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Throttle counts live in the cache; no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def content(board, run, member_of):
    """A board with every kind of content, some of it changed or taken back."""
    voter = member_of(Role.PARTICIPANT, "pat")

    def create(**data):
        return run("sticky.create", data).event["data"]["id"]

    context = create(kind="context", text="Ordering", x=-100, y=-100)
    aggregate = create(kind="aggregate", text="Order", x=0, y=0, width=900, height=500)
    command = create(
        kind="command",
        text="Place order",
        x=40,
        y=40,
        fields=["cart_id: uuid", {"name": "total", "type": "decimal"}],
    )
    event = create(
        kind="event",
        text="Order placed",
        x=240,
        y=40,
        description="The customer has committed to buy.",
    )
    gone = create(kind="event", text="Order submitted", x=400, y=40)
    hotspot = create(kind="hotspot", text="What if payment fails?", x=240, y=260)
    actor = create(kind="actor", text="Customer", x=-80, y=40)
    run(
        "sticky.update",
        {
            "id": event,
            "pivotal": True,
            "code_name": "OrderPlaced",
            "event_style": "notification",
        },
    )
    run("sticky.move", {"id": command, "x": 44.5, "y": 41.25})
    run("sticky.delete", {"id": gone})
    run("link.create", {"from": actor, "to": command})
    run("link.create", {"from": command, "to": event})
    run("link.create", {"from": hotspot, "to": event})
    run("vote.cast", {"id": hotspot})
    run("vote.cast", {"id": hotspot}, member=voter)
    run("vote.cast", {"id": event}, member=voter)
    run("phase.set", {"phase": "bound"})
    run("board.lock")
    return {
        "context": context,
        "aggregate": aggregate,
        "command": command,
        "event": event,
        "hotspot": hotspot,
        "actor": actor,
        "gone": gone,
    }


def normalised(snapshot):
    """A board state without what an import changes: ids, authors, times.

    Stickies become their creation-order position, voters the order of their
    first vote; what is left is what the workshop said and where.
    """
    position = {s["id"]: i for i, s in enumerate(snapshot["stickies"])}
    voters = {}
    for vote in sorted(snapshot["votes"], key=lambda v: v["created_at"]):
        voters.setdefault(vote["member"], len(voters))
    dropped = ("id", "author", "created_at", "updated_at", "version")
    return {
        "board": {k: v for k, v in snapshot["board"].items() if k != "timer"},
        "stickies": [
            {k: v for k, v in s.items() if k not in dropped}
            for s in snapshot["stickies"]
        ],
        "links": [(position[x["from"]], position[x["to"]]) for x in snapshot["links"]],
        "votes": sorted(
            (position[v["sticky"]], voters[v["member"]]) for v in snapshot["votes"]
        ),
    }


def snapshot_of(board):
    return load_snapshot(Board.objects.get(pk=board.pk))


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Board, Member, Sticky, Link, Vote, BoardEvent)
    }


@pytest.fixture
def importer(make_user):
    return make_user("importer")


# -- export ----------------------------------------------------------------------


def test_export_has_every_sticky_link_and_vote_in_creation_order(board, content):
    document = transfer.export_board(board)
    snapshot = snapshot_of(board)

    assert document["format"] == "event-storming-board"
    assert document["version"] == 1
    assert document["exported_at"].endswith("Z")
    assert document["board"] == {
        "id": str(board.pk),
        "seq": board.events.count(),
        "name": "Online shop",
        "description": "Orders and payments",
        "phase": "bound",
        "locked": True,
        "language": "en",
    }
    assert [s["id"] for s in document["stickies"]] == [
        s["id"] for s in snapshot["stickies"]
    ]
    assert content["gone"] not in {s["id"] for s in document["stickies"]}
    command = next(s for s in document["stickies"] if s["id"] == content["command"])
    assert command == {
        "id": content["command"],
        "kind": "command",
        "text": "Place order",
        "description": "",
        "fields": [
            {"name": "cart_id", "type": "uuid"},
            {"name": "total", "type": "decimal"},
        ],
        "x": 44.5,
        "y": 41.25,
        "width": 160.0,
        "height": 160.0,
        "pivotal": False,
        "event_style": "state",
        "code_name": "",
    }
    event = next(s for s in document["stickies"] if s["id"] == content["event"])
    assert (event["event_style"], event["code_name"]) == ("notification", "OrderPlaced")
    assert [(x["from"], x["to"]) for x in document["links"]] == [
        (content["actor"], content["command"]),
        (content["command"], content["event"]),
        (content["hotspot"], content["event"]),
    ]
    assert document["votes"] == [
        {"sticky": content["hotspot"], "voter": "voter-1"},
        {"sticky": content["hotspot"], "voter": "voter-2"},
        {"sticky": content["event"], "voter": "voter-2"},
    ]
    # JSON as it is, nothing a JSON encoder would have to convert.
    assert json.loads(json.dumps(document)) == document


def test_exported_votes_name_no_member(board, content):
    text = json.dumps(transfer.export_board(board))

    for member in board.members.all():
        assert str(member.pk) not in text
        assert member.display_name not in text


# -- import ------------------------------------------------------------------------


def test_import_creates_a_new_board_of_the_importer_with_the_same_content(
    board, content, importer
):
    document = json.loads(json.dumps(transfer.export_board(board)))

    imported = transfer.import_board(document, importer)

    assert imported.pk != board.pk
    assert imported.name == board.name
    assert imported.description == board.description
    assert imported.created_by == importer
    assert [(m.user, m.role) for m in imported.members.all()] == [
        (importer, Role.FACILITATOR)
    ]
    assert normalised(snapshot_of(imported)) == normalised(snapshot_of(board))
    assert (imported.phase, imported.locked) == ("bound", True)


def test_import_tells_its_story_in_the_new_boards_log(board, content, importer):
    imported = transfer.import_board(transfer.export_board(board), importer)

    events = list(imported.events.order_by("seq"))
    names = [event.name for event in events]
    assert names == [
        *["sticky.created"] * 6,
        *["link.created"] * 3,
        *["vote.cast"] * 3,
        "phase.changed",
        "board.locked",
    ]
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    assert imported.head_seq == len(events)
    importer_member = imported.members.get()
    assert {event.actor for event in events} == {importer_member.pk}
    # The log folds to what the tables hold.
    assert board_log.state_at(imported) == snapshot_of(imported)


def test_imported_stickies_get_fresh_ids_in_the_same_order(board, content, importer):
    """Ties broken by id on the old board break the same way on the new one."""
    old = snapshot_of(board)
    new = load_snapshot(transfer.import_board(transfer.export_board(board), importer))

    old_ids = [s["id"] for s in old["stickies"]]
    new_ids = [s["id"] for s in new["stickies"]]
    assert not set(old_ids) & set(new_ids)
    assert sorted(range(len(old_ids)), key=old_ids.__getitem__) == sorted(
        range(len(new_ids)), key=new_ids.__getitem__
    )
    created = [s["created_at"] for s in new["stickies"]]
    assert created == sorted(created) and len(set(created)) == len(created)


def test_imported_votes_belong_to_voters_who_are_not_members(board, content, importer):
    imported = transfer.import_board(transfer.export_board(board), importer)

    voters = set(imported.votes.values_list("member", flat=True))
    assert len(voters) == 2
    assert not voters & set(imported.members.values_list("pk", flat=True))
    assert not voters & set(board.members.values_list("pk", flat=True))


def test_an_import_of_an_export_exports_the_same_document(board, content, importer):
    first = transfer.export_board(board)
    second = transfer.export_board(transfer.import_board(first, importer))

    def without_ids(document):
        position = {s["id"]: i for i, s in enumerate(document["stickies"])}
        return {
            "board": {
                k: v for k, v in document["board"].items() if k not in ("id", "seq")
            },
            "stickies": [
                {k: v for k, v in s.items() if k != "id"} for s in document["stickies"]
            ],
            "links": [
                (position[x["from"]], position[x["to"]]) for x in document["links"]
            ],
            "votes": [(position[v["sticky"]], v["voter"]) for v in document["votes"]],
        }

    assert without_ids(second) == without_ids(first)


def test_a_name_given_to_the_import_replaces_the_documents(board, content, importer):
    imported = transfer.import_board(
        transfer.export_board(board), importer, name="  Shop, again "
    )

    assert imported.name == "Shop, again"


def test_an_empty_board_imports_as_an_empty_board(board, importer):
    imported = transfer.import_board(transfer.export_board(board), importer)

    assert imported.head_seq == 0
    assert normalised(snapshot_of(imported)) == normalised(snapshot_of(board))


def test_a_hand_written_document_needs_only_the_essentials(importer):
    """Ids are any strings; text, size and the rest take the board's defaults."""
    document = {
        "format": "event-storming-board",
        "version": 1,
        "board": {"name": "Sketch"},
        "stickies": [
            {"id": "a", "kind": "command", "x": 0, "y": 0, "text": "Pay"},
            {"id": "b", "kind": "event", "x": 200, "y": 0, "text": "Paid"},
        ],
        "links": [{"from": "a", "to": "b"}],
    }

    imported = transfer.import_board(document, importer)

    snapshot = snapshot_of(imported)
    assert [(s["kind"], s["text"], s["width"]) for s in snapshot["stickies"]] == [
        ("command", "Pay", 160.0),
        ("event", "Paid", 160.0),
    ]
    assert len(snapshot["links"]) == 1
    assert imported.phase == "find" and not imported.locked


def document_with(**changes):
    """A small valid document with some parts replaced (None drops a key)."""
    document = {
        "format": "event-storming-board",
        "version": 1,
        "board": {"name": "Shop", "phase": "order"},
        "stickies": [
            {"id": "a", "kind": "event", "text": "Order placed", "x": 0, "y": 0},
            {"id": "b", "kind": "policy", "text": "Then ship", "x": 200, "y": 0},
            {"id": "c", "kind": "command", "text": "Ship", "x": 400, "y": 0},
        ],
        "links": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}],
        "votes": [{"sticky": "a", "voter": "v1"}],
    }
    for key, value in changes.items():
        if value is None:
            del document[key]
        else:
            document[key] = value
    return document


def sticky(id_, **extra):
    return {"id": id_, "kind": "event", "text": "Thing done", "x": 0, "y": 0, **extra}


INVALID = {
    "not an object": ([], "the document must be a JSON object"),
    "another format": (
        document_with(format="excalidraw"),
        "format must be 'event-storming-board', not 'excalidraw'",
    ),
    "no format": (document_with(format=None), "format must be"),
    "a newer version": (
        document_with(version=2),
        "version 2 of event-storming-board is not supported",
    ),
    "version true": (document_with(version=True), "version True"),
    "no stickies": (
        document_with(stickies=None),
        "the document is missing the key(s): stickies",
    ),
    "no board": (document_with(board=None), "missing the key(s): board"),
    "an unknown key": (document_with(sticky=[]), "unknown key(s): sticky"),
    "no board name": (
        document_with(board={"phase": "find"}),
        "board is missing the key(s): name",
    ),
    "an empty board name": (
        document_with(board={"name": "  "}),
        "board: a name is required",
    ),
    "a board name that is no string": (
        document_with(board={"name": 7}),
        "board.name must be a string",
    ),
    "an unknown phase": (
        document_with(board={"name": "Shop", "phase": "party"}),
        "board.phase must be one of",
    ),
    "stickies not a list": (document_with(stickies={}), "stickies must be a list"),
    "too many stickies": (
        document_with(
            stickies=[sticky(str(i)) for i in range(transfer.MAX_STICKIES + 1)],
            links=[],
            votes=[],
        ),
        "the document has 10,001 stickies; an import takes at most 10,000",
    ),
    "a sticky without an id": (
        document_with(stickies=[{"kind": "event", "x": 0, "y": 0}]),
        "stickies[0] is missing the key(s): id",
    ),
    "a sticky id twice": (
        document_with(stickies=[sticky("a"), sticky("a")], links=[], votes=[]),
        "stickies[1].id: 'a' is the id of stickies[0] too",
    ),
    "a sticky id that is no string": (
        document_with(stickies=[sticky(1)], links=[], votes=[]),
        "stickies[0].id must be a string",
    ),
    "an unknown sticky key": (
        document_with(stickies=[sticky("a", colour="red")], links=[], votes=[]),
        "stickies[0] has unknown key(s): colour",
    ),
    "an unknown kind": (
        document_with(stickies=[sticky("a", kind="note")], links=[], votes=[]),
        "stickies[0].kind must be one of",
    ),
    "a link to an unknown sticky": (
        document_with(links=[{"from": "a", "to": "nowhere"}]),
        "links[0].to: no sticky with the id 'nowhere' in the document",
    ),
    "a link without an end": (
        document_with(links=[{"from": "a"}]),
        "links[0] is missing the key(s): to",
    ),
    "a vote for an unknown sticky": (
        document_with(votes=[{"sticky": "z", "voter": "v1"}]),
        "votes[0].sticky: no sticky with the id 'z'",
    ),
    "a vote cast twice": (
        document_with(votes=[{"sticky": "a", "voter": "v1"}] * 2),
        "votes[1]: v1 votes for a twice",
    ),
    # These pass the document's checks; the write path refuses them.
    "a late sticky with too much text": (
        document_with(
            stickies=[sticky("a"), sticky("b"), sticky("c", text="x" * (MAX_TEXT + 1))]
        ),
        f"stickies[2] (id 'c'): text is {MAX_TEXT + 1} characters long",
    ),
    "a coordinate that is no number": (
        document_with(stickies=[sticky("a", x="10")], links=[], votes=[]),
        "stickies[0] (id 'a'): x must be a number",
    ),
    "a pivotal policy": (
        document_with(
            stickies=[sticky("a", kind="policy", pivotal=True)], links=[], votes=[]
        ),
        "stickies[0] (id 'a'): only events can be pivotal",
    ),
    "a sticky linked to itself": (
        document_with(links=[{"from": "a", "to": "a"}]),
        "links[0]: a sticky cannot link to itself",
    ),
    "a link made twice": (
        document_with(links=[{"from": "a", "to": "b"}, {"from": "a", "to": "b"}]),
        "links[1]: these stickies are already linked",
    ),
}


@pytest.mark.parametrize(
    ("document", "message"), list(INVALID.values()), ids=list(INVALID)
)
def test_an_invalid_document_is_refused_and_creates_nothing(
    importer, document, message
):
    before = counts()

    with pytest.raises(CommandError) as refused:
        transfer.import_board(document, importer)

    assert refused.value.code == "invalid"
    assert message in refused.value.message
    assert counts() == before


def test_the_small_document_of_the_invalid_cases_is_valid(importer):
    imported = transfer.import_board(document_with(), importer)

    assert imported.stickies.count() == 3
    assert imported.phase == "order"


def test_carried_over_votes_are_no_client_command(board, run, lead):
    data = run("sticky.create", {"kind": "hotspot", "x": 0, "y": 0}).event["data"]
    vote = {"id": data["id"], "member": "7b0d4a36-0a5c-4f0e-9d55-0ad2d1a4bd41"}

    with pytest.raises(CommandError) as refused:
        services.execute(board.pk, lead, "vote.import", vote)

    assert refused.value.code == "invalid"
    assert "unknown command 'vote.import'" in refused.value.message
    assert not board.votes.exists()


# -- REST ----------------------------------------------------------------------------


def export_url(board):
    return reverse("board-export", args=[board.pk])


IMPORT_URL = "/api/boards/import/"


def test_a_member_downloads_the_board_as_a_json_attachment(
    api, board, content, member_of
):
    viewer = member_of(Role.VIEWER, "vic")
    api.force_authenticate(viewer.user)

    response = api.get(export_url(board))

    assert response.status_code == status.HTTP_200_OK
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="online-shop.json"'
    document = json.loads(response.content)
    expected = transfer.export_board(board)
    assert {**document, "exported_at": None} == {**expected, "exported_at": None}


def test_an_export_of_a_chinese_board_gets_a_file_name_of_its_name(api, facilitator):
    board = services.create_board(facilitator, "订单 流程")
    api.force_authenticate(facilitator)

    response = api.get(export_url(board))

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E8%AE%A2%E5%8D%95-%E6%B5%81%E7%A8%8B.json"
    )


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_only_members_can_export(api, board, content, make_user, who):
    if who == "outsider":
        api.force_authenticate(make_user("olga"))

    response = api.get(export_url(board))

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_a_signed_in_user_imports_a_document_as_a_new_board(
    api, board, content, importer
):
    api.force_authenticate(importer)
    document = transfer.export_board(board)

    response = api.post(IMPORT_URL, document, format="json")

    assert response.status_code == status.HTTP_201_CREATED
    body = response.json()
    assert body["name"] == "Online shop"
    assert body["role"] == "facilitator"
    assert body["phase"] == "bound" and body["locked"] is True
    imported = Board.objects.get(pk=body["id"])
    assert imported.created_by == importer
    assert normalised(snapshot_of(imported)) == normalised(snapshot_of(board))
    assert body["page_url"] == reverse("board", args=[imported.pk])


def test_an_import_takes_a_name_from_the_query(api, board, content, importer):
    api.force_authenticate(importer)

    response = api.post(
        f"{IMPORT_URL}?name=Copy", transfer.export_board(board), format="json"
    )

    assert response.status_code == status.HTTP_201_CREATED
    assert response.json()["name"] == "Copy"


def test_anonymous_visitors_cannot_import(api, board, content):
    document = transfer.export_board(board)
    before = counts()

    response = api.post(IMPORT_URL, document, format="json")

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert response.json()["code"] == "forbidden"
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (document_with(version=3), "version 3 of event-storming-board"),
        (document_with(links=[{"from": "a", "to": "x"}]), "links[0].to: no sticky"),
        ([1, 2], "the document must be a JSON object"),
    ],
)
def test_an_invalid_import_answers_400_with_the_error_shape(
    api, importer, body, message
):
    api.force_authenticate(importer)
    before = counts()

    response = api.post(IMPORT_URL, body, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    error = response.json()
    assert error["type"] == "error" and error["code"] == "invalid"
    assert message in error["message"]
    assert counts() == before


def test_an_import_that_is_not_json_is_refused(api, importer):
    api.force_authenticate(importer)

    response = api.post(IMPORT_URL, "{not json", content_type="application/json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["code"] == "invalid"


def test_imports_are_throttled_per_account(api, importer, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "board_imports": "2/hour",
        },
    }
    api.force_authenticate(importer)

    answers = [
        api.post(IMPORT_URL, document_with(), format="json").status_code
        for _ in range(3)
    ]

    assert answers == [201, 201, status.HTTP_429_TOO_MANY_REQUESTS]


# -- management commands -----------------------------------------------------------


def command(*args, **options):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_export_board_writes_the_document_named_after_the_board(
    board, content, tmp_path
):
    out = command("export_board", str(board.pk), "--format", "json", "--out", tmp_path)

    path = tmp_path / "online-shop.json"
    assert out.strip() == str(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    expected = transfer.export_board(board)
    assert {**document, "exported_at": None} == {**expected, "exported_at": None}


def test_export_board_finds_a_board_by_its_name_and_makes_the_folder(
    board, content, tmp_path
):
    out = command(
        "export_board", "Online shop", "--format", "json", "--out", tmp_path / "new"
    )

    assert (tmp_path / "new" / "online-shop.json").exists()
    assert "online-shop.json" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "pdf"], "unknown format 'pdf'; one of: python, asyncapi"),
        (["--format", "json", "--package", "shop"], "--package is for --format"),
        (["--format", "json", "--version", "3"], "has no model version 3"),
    ],
)
def test_export_board_refuses_what_it_cannot_write(board, tmp_path, arguments, message):
    with pytest.raises(ManagementError, match=message):
        command("export_board", str(board.pk), *arguments, "--out", tmp_path)

    assert not list(tmp_path.iterdir())


def test_export_board_names_a_board_it_cannot_find(db, tmp_path):
    with pytest.raises(ManagementError, match="no board with the id or name 'Nope'"):
        command("export_board", "Nope", "--format", "json", "--out", tmp_path)


def test_import_board_reads_an_export_back_as_a_new_board(
    board, content, importer, tmp_path
):
    command("export_board", str(board.pk), "--format", "json", "--out", tmp_path)
    before = Board.objects.count()

    out = command("import_board", tmp_path / "online-shop.json", "--user", "importer")

    assert Board.objects.count() == before + 1
    imported = Board.objects.exclude(pk=board.pk).get()
    assert str(imported.pk) in out
    assert reverse("board", args=[imported.pk]) in out
    assert imported.created_by == importer
    assert normalised(snapshot_of(imported)) == normalised(snapshot_of(board))


def test_import_board_without_a_user_gives_the_board_to_an_import_account(
    board, content, tmp_path
):
    path = tmp_path / "board.json"
    path.write_text(json.dumps(transfer.export_board(board)), encoding="utf-8")

    out = command("import_board", path, "--name", "Imported shop")

    imported = Board.objects.get(name="Imported shop")
    owner = get_user_model().objects.get(username="import")
    assert imported.created_by == owner
    assert not owner.has_usable_password()
    assert f"?invite={imported.invite_token}" in out


def write(tmp_path, text):
    path = tmp_path / "board.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (lambda tmp: tmp / "missing.json", "no file .*missing.json"),
        (lambda tmp: write(tmp, "{oops"), "is not valid JSON: Expecting property"),
        (
            lambda tmp: write(tmp, json.dumps(document_with(version=9))),
            "cannot be imported: version 9 of event-storming-board",
        ),
        (
            lambda tmp: write(tmp, json.dumps({"stickies": []})),
            "cannot be imported: not a board export",
        ),
    ],
    ids=["missing file", "invalid JSON", "newer version", "not an export"],
)
def test_import_board_explains_what_it_cannot_import(
    importer, tmp_path, make_file, message
):
    before = counts()

    with pytest.raises(ManagementError, match=message):
        command("import_board", make_file(tmp_path), "--user", "importer")

    assert counts() == before


def test_import_board_names_an_unknown_user(tmp_path, db):
    path = write(tmp_path, json.dumps(document_with()))

    with pytest.raises(ManagementError, match="no user named 'nobody'"):
        command("import_board", path, "--user", "nobody")
