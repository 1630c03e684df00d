"""The Django admin: boards, members, and a read-only view of log and projection."""

import uuid
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from storming import services
from storming.admin import EVENT_NAMES, EVENT_ROWS, STICKY_ROWS
from storming.models import Board, BoardEvent, Link, Member, Sticky, Vote
from storming.vocabulary import Role


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser(
        username="root", password="a-long-password-1", email="root@example.com"
    )
    client.force_login(user)
    return client


@pytest.fixture
def stickies(run):
    """An event, a command and a hot spot, linked, with a vote."""
    made = [
        run("sticky.create", {"kind": kind, "text": text, "x": x, "y": 0}).event[
            "data"
        ]["id"]
        for kind, text, x in (
            ("command", "Place Order", 0),
            ("event", "Order Placed", 200),
            ("hotspot", "What about refunds?", 400),
        )
    ]
    run("link.create", {"from": made[0], "to": made[1]})
    run("vote.cast", {"id": made[2]})
    return made


def admin_url(model, view="changelist", *args):
    return reverse(f"admin:storming_{model._meta.model_name}_{view}", args=args)


def listed(response):
    return set(response.context["cl"].result_list)


def test_the_admin_index_lists_the_storming_models(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == HTTPStatus.OK
    for model in (Board, Member, Sticky, Link, Vote, BoardEvent):
        assert admin_url(model) in response.content.decode()


def test_only_staff_get_into_the_admin(client, facilitator, board):
    client.force_login(facilitator)
    response = client.get(admin_url(Board))
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("admin:login") in response["Location"]


class TestBoardChangelist:
    @pytest.fixture
    def boards(self, board, make_user, lead, run):
        """`board` (phase order, locked) and an archived board by someone else."""
        run("phase.set", {"phase": "order"})
        run("board.lock")
        other = services.create_board(make_user("bob"), "Library loans")
        Member.objects.create(board=other, display_name="Zelda the librarian")
        other.archived = True
        other.save(update_fields=["archived"])
        return board, other

    def test_lists_boards_with_counts(self, admin_client, boards, stickies):
        board, other = boards
        response = admin_client.get(admin_url(Board))
        assert response.status_code == HTTPStatus.OK
        rows = {row.pk: row for row in response.context["cl"].result_list}
        assert rows[board.pk].sticky_count == 3
        assert rows[board.pk].member_count == 1
        assert rows[other.pk].sticky_count == 0
        assert rows[other.pk].member_count == 2

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("Online", {"board"}),
            ("payments", {"board"}),  # the description
            ("Zelda", {"other"}),  # a member's display name
            ("bob", {"other"}),  # the creator's username
            ("nothing-like-this", set()),
        ],
    )
    def test_search_finds_boards_by_name_description_member_and_creator(
        self, admin_client, boards, query, expected
    ):
        by_key = dict(zip(("board", "other"), boards, strict=True))
        response = admin_client.get(admin_url(Board), {"q": query})
        assert response.status_code == HTTPStatus.OK
        assert listed(response) == {by_key[key] for key in expected}

    def test_search_by_member_lists_a_board_once(self, admin_client, boards):
        board, _ = boards
        Member.objects.create(board=board, display_name="Ann one")
        Member.objects.create(board=board, display_name="Ann two")
        response = admin_client.get(admin_url(Board), {"q": "Ann"})
        assert list(response.context["cl"].result_list) == [board]

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"phase__exact": "order"}, {"board"}),
            ({"phase__exact": "find"}, {"other"}),
            ({"archived__exact": "1"}, {"other"}),
            ({"archived__exact": "0"}, {"board"}),
            ({"locked__exact": "1"}, {"board"}),
            ({"locked__exact": "0"}, {"other"}),
        ],
    )
    def test_filters_by_phase_archived_and_locked(
        self, admin_client, boards, params, expected
    ):
        by_key = dict(zip(("board", "other"), boards, strict=True))
        response = admin_client.get(admin_url(Board), params)
        assert response.status_code == HTTPStatus.OK
        assert listed(response) == {by_key[key] for key in expected}

    def test_filters_by_creation_date(self, admin_client, boards):
        board, other = boards
        Board.objects.filter(pk=other.pk).update(
            created_at=timezone.now() - timedelta(days=60)
        )
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        response = admin_client.get(
            admin_url(Board),
            {
                "created_at__gte": str(today - timedelta(days=7)),
                "created_at__lt": str(today + timedelta(days=1)),
            },
        )
        assert response.status_code == HTTPStatus.OK
        assert listed(response) == {board}

    def test_sorts_by_the_counts(self, admin_client, boards, stickies):
        board, other = boards
        response = admin_client.get(admin_url(Board))
        column = response.context["cl"].list_display.index("sticky_count")
        response = admin_client.get(admin_url(Board), {"o": f"-{column}"})
        assert response.status_code == HTTPStatus.OK
        assert list(response.context["cl"].result_list) == [board, other]

    def test_lists_many_boards_in_a_fixed_number_of_queries(
        self, admin_client, make_user, django_assert_max_num_queries
    ):
        owner = make_user("owner")
        for number in range(30):
            services.create_board(owner, f"Board {number}")
        # Session, user, count, the page of boards with their counts: no N+1.
        with django_assert_max_num_queries(7):
            response = admin_client.get(admin_url(Board))
        assert len(response.context["cl"].result_list) == 30


class TestBoardChangePage:
    def test_shows_the_board_with_members_stickies_and_log(
        self, admin_client, board, stickies
    ):
        response = admin_client.get(admin_url(Board, "change", board.pk))
        assert response.status_code == HTTPStatus.OK
        inlines = {
            formset.opts.model: formset
            for formset in response.context["inline_admin_formsets"]
        }
        assert set(inlines) == {Member, Sticky, BoardEvent}
        assert len(inlines[Sticky].formset.forms) == 3
        assert len(inlines[BoardEvent].formset.forms) == board.events.count()
        assert len(inlines[Member].formset.forms) == 1
        page = response.content.decode()
        assert "Order Placed" in page
        assert f"{admin_url(BoardEvent)}?board={board.pk}" in page
        assert f"{admin_url(Sticky)}?board={board.pk}" in page
        assert f"{admin_url(Member)}?board={board.pk}" in page
        assert reverse("board", args=[board.pk]) in page

    def test_a_large_board_shows_slices_of_stickies_and_log_in_bounded_queries(
        self, admin_client, board, run, django_assert_max_num_queries
    ):
        ids = [
            run(
                "sticky.create", {"kind": "event", "text": f"E{n}", "x": n, "y": 0}
            ).event["data"]["id"]
            for n in range(300)
        ]
        for n, sticky_id in enumerate(ids):
            run("sticky.move", {"id": sticky_id, "x": n, "y": 10})
        board.refresh_from_db()
        assert board.head_seq == 600

        # The same few queries as for an empty board: each inline is one slice.
        with django_assert_max_num_queries(10):
            response = admin_client.get(admin_url(Board, "change", board.pk))

        assert response.status_code == HTTPStatus.OK
        inlines = {
            formset.opts.model: formset.formset
            for formset in response.context["inline_admin_formsets"]
        }
        assert len(inlines[Sticky].forms) == STICKY_ROWS
        events = [form.instance.seq for form in inlines[BoardEvent].forms]
        assert events == list(range(600, 600 - EVENT_ROWS, -1))
        assert "all 600 events" in response.content.decode()
        assert "all 300 stickies" in response.content.decode()

    def test_saving_changes_name_and_archived_but_not_the_projection(
        self, admin_client, board, run
    ):
        run("phase.set", {"phase": "order"})
        board.refresh_from_db()
        response = admin_client.post(
            admin_url(Board, "change", board.pk),
            {"name": "Renamed", "description": "new words", "archived": "on"},
        )
        assert response.status_code == HTTPStatus.FOUND, response.context[
            "adminform"
        ].form.errors
        board.refresh_from_db()
        assert (board.name, board.description, board.archived) == (
            "Renamed",
            "new words",
            True,
        )
        assert (board.phase, board.head_seq) == ("order", 1)
        # The log still appends where it left off.
        assert run("phase.set", {"phase": "find"}).seq == 2

    def test_boards_are_neither_added_nor_deleted_here(self, admin_client, board):
        assert admin_client.get(admin_url(Board, "add")).status_code == (
            HTTPStatus.FORBIDDEN
        )
        response = admin_client.post(admin_url(Board, "delete", board.pk), {"post": 1})
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert Board.objects.filter(pk=board.pk).exists()


class TestStickies:
    def test_changelist_searches_text_and_filters_by_kind_and_board(
        self, admin_client, board, stickies, make_user
    ):
        other = services.create_board(make_user("bob"), "Other")
        services.execute(
            other.pk,
            other.members.get(),
            "sticky.create",
            {"kind": "event", "text": "Order Placed", "x": 0, "y": 0},
        )
        url = admin_url(Sticky)
        assert admin_client.get(url).status_code == HTTPStatus.OK
        assert {s.text for s in listed(admin_client.get(url, {"q": "refund"}))} == {
            "What about refunds?"
        }
        assert {
            s.kind for s in listed(admin_client.get(url, {"kind__exact": "event"}))
        } == {"event"}
        response = admin_client.get(url, {"kind__exact": "event", "board": board.pk})
        assert response.status_code == HTTPStatus.OK
        assert [s.board_id for s in listed(response)] == [board.pk]
        all_of_board = listed(admin_client.get(url, {"board": board.pk}))
        assert len(all_of_board) == 3

    def test_an_unknown_or_malformed_board_filter_lists_nothing_or_flags_an_error(
        self, admin_client, stickies
    ):
        url = admin_url(Sticky)
        response = admin_client.get(url, {"board": str(uuid.uuid4())})
        assert response.status_code == HTTPStatus.OK
        assert listed(response) == set()
        response = admin_client.get(url, {"board": "not-a-uuid"})
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].endswith("?e=1")

    def test_change_view_shows_a_sticky_with_its_links_read_only(
        self, admin_client, stickies
    ):
        response = admin_client.get(admin_url(Sticky, "change", stickies[0]))
        assert response.status_code == HTTPStatus.OK
        page = response.content.decode()
        assert "Place Order" in page
        assert admin_url(Sticky, "change", stickies[1]) in page
        assert 'name="text"' not in page  # no input: read-only

    def test_the_projection_cannot_be_added_changed_or_deleted(
        self, admin_client, board, stickies
    ):
        sticky = Sticky.objects.get(pk=stickies[0])
        assert admin_client.get(admin_url(Sticky, "add")).status_code == (
            HTTPStatus.FORBIDDEN
        )
        response = admin_client.post(
            admin_url(Sticky, "change", sticky.pk), {"text": "tampered"}
        )
        assert response.status_code == HTTPStatus.FORBIDDEN
        response = admin_client.post(
            admin_url(Sticky, "delete", sticky.pk), {"post": "yes"}
        )
        assert response.status_code == HTTPStatus.FORBIDDEN
        sticky.refresh_from_db()
        assert sticky.text == "Place Order"
        for model in (Link, Vote):
            assert admin_client.get(admin_url(model)).status_code == HTTPStatus.OK
            assert admin_client.get(admin_url(model, "add")).status_code == (
                HTTPStatus.FORBIDDEN
            )


class TestEventLog:
    def test_changelist_lists_seq_board_name_actor_and_command_id(
        self, admin_client, board, lead, run
    ):
        run("phase.set", {"phase": "order"}, command_id="op-42")
        response = admin_client.get(admin_url(BoardEvent))
        assert response.status_code == HTTPStatus.OK
        page = response.content.decode()
        assert "phase.changed" in page
        assert "op-42" in page
        assert lead.display_name in page

    def test_changelist_filters_by_name_and_board_and_searches(
        self, admin_client, board, stickies, make_user
    ):
        other = services.create_board(make_user("bob"), "Other")
        services.execute(other.pk, other.members.get(), "phase.set", {"phase": "order"})
        url = admin_url(BoardEvent)
        created = listed(admin_client.get(url, {"name": "sticky.created"}))
        assert {e.name for e in created} == {"sticky.created"}
        assert len(created) == 3
        of_board = listed(admin_client.get(url, {"board": board.pk}))
        assert {e.board_id for e in of_board} == {board.pk}
        assert len(of_board) == 5
        assert {e.board_id for e in listed(admin_client.get(url, {"q": "Other"}))} == {
            other.pk
        }

    def test_change_view_shows_the_event_read_only(self, admin_client, stickies):
        event = BoardEvent.objects.get(name="link.created")
        response = admin_client.get(admin_url(BoardEvent, "change", event.pk))
        assert response.status_code == HTTPStatus.OK
        assert stickies[1] in response.content.decode()

    def test_the_log_refuses_add_change_and_delete(self, admin_client, stickies):
        event = BoardEvent.objects.order_by("seq").first()
        assert admin_client.get(admin_url(BoardEvent, "add")).status_code == (
            HTTPStatus.FORBIDDEN
        )
        response = admin_client.post(
            admin_url(BoardEvent, "change", event.pk), {"name": "board.locked"}
        )
        assert response.status_code == HTTPStatus.FORBIDDEN
        response = admin_client.post(
            admin_url(BoardEvent, "delete", event.pk), {"post": "yes"}
        )
        assert response.status_code == HTTPStatus.FORBIDDEN
        response = admin_client.post(
            admin_url(BoardEvent),
            {"action": "delete_selected", "_selected_action": [event.pk]},
        )
        assert BoardEvent.objects.filter(pk=event.pk, name=event.name).exists()

    def test_the_name_filter_knows_every_event_the_write_path_appends(
        self, board, run, stickies
    ):
        run("vote.retract", {"id": stickies[2]})
        run("link.delete", {"id": str(Link.objects.get().pk)})
        run("sticky.update", {"id": stickies[0], "text": "Place an order"})
        run("sticky.move", {"id": stickies[0], "x": 5, "y": 5})
        run("undo")
        run("sticky.delete", {"id": stickies[1]})
        run("timer.start", {"seconds": 60})
        run("timer.stop")
        run("board.lock")
        run("board.unlock")
        run("phase.set", {"phase": "order"})
        run("vote.open", {"votes": 2, "kinds": ["event"]})
        run("vote.reveal")
        run("vote.close")
        run("lanes.set", {"lanes": [{"name": "Orders", "y": 0, "height": 300}]})
        names = set(board.events.values_list("name", flat=True))
        assert names == set(EVENT_NAMES)


class TestMembers:
    def test_changelist_searches_filters_and_change_view_loads(
        self, admin_client, board, lead, make_user
    ):
        other = services.create_board(make_user("bob"), "Other")
        response = admin_client.get(admin_url(Member), {"q": lead.display_name})
        assert response.status_code == HTTPStatus.OK
        assert listed(response) == {lead}
        response = admin_client.get(admin_url(Member), {"board": other.pk})
        assert listed(response) == {other.members.get()}
        response = admin_client.get(admin_url(Member), {"role__exact": "facilitator"})
        assert listed(response) == {lead, other.members.get()}
        response = admin_client.get(admin_url(Member, "change", lead.pk))
        assert response.status_code == HTTPStatus.OK

    def test_role_and_display_name_can_be_changed(
        self, admin_client, board, lead, member_of
    ):
        member = member_of(Role.PARTICIPANT)
        response = admin_client.post(
            admin_url(Member, "change", member.pk),
            {"display_name": "Pat", "role": Role.VIEWER},
        )
        assert response.status_code == HTTPStatus.FOUND
        member.refresh_from_db()
        assert (member.display_name, member.role) == ("Pat", Role.VIEWER)
        assert member.board_id == board.pk

    def test_the_last_facilitator_keeps_the_role(self, admin_client, lead):
        response = admin_client.post(
            admin_url(Member, "change", lead.pk),
            {"display_name": lead.display_name, "role": Role.PARTICIPANT},
        )
        assert response.status_code == HTTPStatus.OK
        assert "at least one facilitator" in response.content.decode()
        lead.refresh_from_db()
        assert lead.role == Role.FACILITATOR
