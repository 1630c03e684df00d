"""The HTML pages: accounts, the board list, the board page and its share link."""

import re
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from storming import services
from storming.access import GUEST_SESSION_KEY
from storming.models import Board, BoardEvent, Member
from storming.vocabulary import Phase, Role

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-1"


def board_url(board, **query):
    url = reverse("board", args=[board.pk])
    return f"{url}?{urlencode(query)}" if query else url


def join_url(board, invite):
    return f"{reverse('board-join', args=[board.pk])}?{urlencode({'invite': invite})}"


def texts_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def signed_in(client):
    """`client`, signed in as `user`."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def participant(member_of):
    return member_of(Role.PARTICIPANT, "pat")


@pytest.fixture
def stranger(make_user):
    return make_user("stranger")


# -- accounts -------------------------------------------------------------------


def test_signup_creates_an_account_and_signs_it_in(client):
    response = client.post(
        reverse("signup"),
        {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("home")
    user = get_user_model().objects.get(username="newbie")
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "storming/board_list.html" in [
        t.name for t in client.get(reverse("home")).templates
    ]


def test_signup_with_mismatched_passwords_shows_the_error_and_creates_nobody(client):
    response = client.post(
        reverse("signup"),
        {"username": "newbie", "password1": PASSWORD, "password2": "something-else"},
    )

    assert response.status_code == HTTPStatus.OK
    assert "password2" in response.context["form"].errors
    assert "The two password fields didn" in response.content.decode()
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_signup_is_not_found_when_the_setting_turns_it_off(client, settings):
    settings.WHITEBOARD_ALLOW_SIGNUP = False

    assert client.get(reverse("signup")).status_code == HTTPStatus.NOT_FOUND
    response = client.post(
        reverse("signup"),
        {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_signup_links_are_hidden_when_signup_is_off(client, settings):
    settings.WHITEBOARD_ALLOW_SIGNUP = False
    signup = reverse("signup")

    for page in (reverse("login"), reverse("home")):
        response = client.get(page)
        assert response.status_code == HTTPStatus.OK
        assert signup not in response.content.decode()


def test_login_page_renders_with_a_signup_link(client):
    response = client.get(reverse("login"))

    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "Sign in" in content
    assert 'name="password"' in content
    assert reverse("signup") in content


def test_login_signs_in_and_lands_on_the_board_list(client, facilitator):
    response = client.post(
        reverse("login"), {"username": "facilitator", "password": PASSWORD}
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(facilitator.pk)


def test_sign_out_is_a_post_form_that_signs_out(signed_in, facilitator):
    client = signed_in(facilitator)
    home = client.get(reverse("home")).content.decode()
    assert f'method="post" action="{reverse("logout")}"' in home

    response = client.post(reverse("logout"))

    assert response.status_code == HTTPStatus.FOUND
    assert "_auth_user_id" not in client.session


def test_landing_page_explains_the_tool_to_anonymous_visitors(client):
    response = client.get(reverse("home"))

    assert response.status_code == HTTPStatus.OK
    assert "storming/landing.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "Event Storming Whiteboard" in content
    assert reverse("login") in content
    assert reverse("signup") in content


def test_stylesheet_and_share_script_are_served(client):
    expected = {
        "/static/css/app.css": b"--kind-event:",
        "/static/js/share.js": b"navigator.clipboard",
    }
    for path, excerpt in expected.items():
        response = client.get(path)
        assert response.status_code == HTTPStatus.OK
        assert excerpt in b"".join(response.streaming_content)


# -- the board list -------------------------------------------------------------


def test_board_list_shows_only_my_boards(signed_in, facilitator, board, stranger):
    services.create_board(stranger, "Stranger's secret board")
    mine_too = services.create_board(facilitator, "Warehouse")

    response = signed_in(facilitator).get(reverse("home"))

    assert response.status_code == HTTPStatus.OK
    assert {b.pk for b in response.context["active"]} == {board.pk, mine_too.pk}
    content = response.content.decode()
    assert "Online shop" in content
    assert "Warehouse" in content
    assert "secret board" not in content


def test_board_list_includes_boards_i_joined_without_manage_forms(
    signed_in, board, participant
):
    response = signed_in(participant.user).get(reverse("home"))

    assert [b.pk for b in response.context["active"]] == [board.pk]
    assert response.context["active"][0].my_role == Role.PARTICIPANT
    content = response.content.decode()
    assert "Online shop" in content
    assert reverse("board-delete", args=[board.pk]) not in content


def test_board_list_puts_archived_boards_in_their_own_section(
    signed_in, facilitator, board, lead
):
    services.update_board(board, lead, archived=True)
    active = services.create_board(facilitator, "Warehouse")

    response = signed_in(facilitator).get(reverse("home"))

    assert [b.pk for b in response.context["active"]] == [active.pk]
    assert [b.pk for b in response.context["archived"]] == [board.pk]
    assert "Unarchive" in response.content.decode()


def test_board_list_escapes_board_names(signed_in, facilitator):
    services.create_board(facilitator, "<script>alert(1)</script>")

    content = signed_in(facilitator).get(reverse("home")).content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_create_board_makes_me_its_facilitator(signed_in, facilitator):
    response = signed_in(facilitator).post(
        reverse("board-create"), {"name": "  Payments ", "description": "Refunds"}
    )

    board = Board.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == board_url(board)
    assert board.name == "Payments"
    assert board.description == "Refunds"
    assert board.members.get().user == facilitator
    assert board.members.get().role == Role.FACILITATOR


def test_create_board_with_a_blank_name_shows_an_error_and_creates_nothing(
    signed_in, facilitator
):
    response = signed_in(facilitator).post(
        reverse("board-create"), {"name": "   ", "description": "x"}, follow=True
    )

    assert response.status_code == HTTPStatus.OK
    assert Board.objects.count() == 0
    assert texts_of(response) == ["a name is required"]
    assert "a name is required" in response.content.decode()


def test_create_board_needs_a_signed_in_user(client):
    response = client.post(reverse("board-create"), {"name": "Payments"})

    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login"))
    assert Board.objects.count() == 0


# -- board settings -------------------------------------------------------------


def test_facilitator_renames_a_board_and_changes_its_description(
    signed_in, facilitator, board
):
    response = signed_in(facilitator).post(
        reverse("board-settings", args=[board.pk]),
        {"name": "Web shop", "description": "Checkout only", "next": reverse("home")},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("home")
    board.refresh_from_db()
    assert board.name == "Web shop"
    assert board.description == "Checkout only"


def test_renaming_to_a_blank_name_is_refused_and_keeps_the_name(
    signed_in, facilitator, board
):
    response = signed_in(facilitator).post(
        reverse("board-settings", args=[board.pk]),
        {"name": " ", "description": "changed"},
        follow=True,
    )

    assert texts_of(response) == ["a name is required"]
    board.refresh_from_db()
    assert board.name == "Online shop"
    assert board.description == "Orders and payments"


def test_facilitator_archives_and_unarchives_a_board(signed_in, facilitator, board):
    client = signed_in(facilitator)
    settings_url = reverse("board-settings", args=[board.pk])

    client.post(settings_url, {"archived": "1"})
    board.refresh_from_db()
    assert board.archived
    assert board.name == "Online shop"
    assert board.description == "Orders and payments"

    client.post(settings_url, {"archived": "0"})
    board.refresh_from_db()
    assert not board.archived


def test_settings_never_redirect_to_another_site(signed_in, facilitator, board):
    response = signed_in(facilitator).post(
        reverse("board-settings", args=[board.pk]),
        {"archived": "1", "next": "https://evil.example/"},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == board_url(board)


def test_participant_cannot_change_board_settings(signed_in, board, participant):
    response = signed_in(participant.user).post(
        reverse("board-settings", args=[board.pk]),
        {"name": "Hijacked", "archived": "1"},
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    board.refresh_from_db()
    assert board.name == "Online shop"
    assert not board.archived


def test_settings_of_a_board_i_am_not_on_are_not_found(signed_in, board, stranger):
    response = signed_in(stranger).post(
        reverse("board-settings", args=[board.pk]), {"name": "Hijacked"}
    )

    assert response.status_code == HTTPStatus.NOT_FOUND
    board.refresh_from_db()
    assert board.name == "Online shop"


def test_facilitator_sets_the_phase_through_the_board_log(
    signed_in, facilitator, board
):
    response = signed_in(facilitator).post(
        reverse("board-phase", args=[board.pk]), {"phase": Phase.ORDER}
    )

    assert response.status_code == HTTPStatus.FOUND
    board.refresh_from_db()
    assert board.phase == Phase.ORDER
    assert BoardEvent.objects.get(board=board).name == "phase.changed"


def test_an_unknown_phase_is_refused_with_a_message(signed_in, facilitator, board):
    response = signed_in(facilitator).post(
        reverse("board-phase", args=[board.pk]), {"phase": "party"}, follow=True
    )

    assert texts_of(response)[0].startswith("phase must be one of")
    board.refresh_from_db()
    assert board.phase == Phase.FIND
    assert not BoardEvent.objects.filter(board=board).exists()


def test_participant_cannot_set_the_phase(signed_in, board, participant):
    response = signed_in(participant.user).post(
        reverse("board-phase", args=[board.pk]), {"phase": Phase.ORDER}
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    board.refresh_from_db()
    assert board.phase == Phase.FIND


# -- deleting -------------------------------------------------------------------


def test_facilitator_deletes_a_board(signed_in, facilitator, board):
    response = signed_in(facilitator).post(
        reverse("board-delete", args=[board.pk]), follow=True
    )

    assert response.status_code == HTTPStatus.OK
    assert not Board.objects.filter(pk=board.pk).exists()
    assert not Member.objects.filter(board_id=board.pk).exists()
    assert texts_of(response) == ["Board “Online shop” deleted."]


def test_delete_asks_for_confirmation_without_script(signed_in, facilitator, board):
    content = signed_in(facilitator).get(reverse("home")).content.decode()

    delete_form = f'action="{reverse("board-delete", args=[board.pk])}"'
    assert delete_form in content
    # The delete button sits inside a <details> disclosure, closed by default.
    form_at = content.index(delete_form)
    details_at = content.rindex("<details", 0, form_at)
    disclosure = content[details_at:form_at]
    assert "</details>" not in disclosure
    assert "<summary>Delete</summary>" in disclosure
    assert " open" not in disclosure
    assert "onclick" not in content


def test_delete_needs_a_post(signed_in, facilitator, board):
    response = signed_in(facilitator).get(reverse("board-delete", args=[board.pk]))

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert Board.objects.filter(pk=board.pk).exists()


def test_participant_cannot_delete_a_board(signed_in, board, participant):
    response = signed_in(participant.user).post(
        reverse("board-delete", args=[board.pk])
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Board.objects.filter(pk=board.pk).exists()


def test_a_stranger_cannot_delete_a_board(signed_in, board, stranger):
    response = signed_in(stranger).post(reverse("board-delete", args=[board.pk]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert Board.objects.filter(pk=board.pk).exists()


# -- the board page -------------------------------------------------------------


def test_board_page_shows_the_board_to_a_member(
    signed_in, facilitator, board, participant, run
):
    run("sticky.create", {"kind": "event", "text": "Order Placed", "x": 0, "y": 0})
    run("sticky.create", {"kind": "command", "text": "Place Order", "x": 0, "y": 0})
    run("sticky.create", {"kind": "event", "text": "Order Paid", "x": 9, "y": 0})

    response = signed_in(participant.user).get(board_url(board))

    assert response.status_code == HTTPStatus.OK
    assert response.context["member"] == participant
    groups = {
        kind.value: [s.text for s in items] for kind, items in response.context["kinds"]
    }
    assert groups["event"] == ["Order Placed", "Order Paid"]
    assert groups["command"] == ["Place Order"]
    assert groups["policy"] == []
    content = response.content.decode()
    for text in ("Online shop", "Find events", "Participant", "facilitator", "pat"):
        assert text in content
    # The canvas is drawn by the board's script; the outline lists the
    # stickies for screen readers and pages without script.
    assert 'id="board-canvas"' in content
    assert 'class="outline__item kind-event' in content
    assert 'class="outline__item kind-command' in content


def test_board_page_carries_what_the_live_board_needs(
    signed_in, facilitator, board, lead, participant
):
    content = signed_in(participant.user).get(board_url(board)).content.decode()

    assert f'data-board-id="{board.pk}"' in content
    assert f'data-member-id="{participant.pk}"' in content
    assert 'data-role="participant"' in content
    assert 'data-can-write="true"' in content
    assert "js/board/main.js" in content
    assert "css/board.css" in content
    # The palette offers the nine kinds, each with a label and its shortcut.
    for number, kind in enumerate(
        [
            "event",
            "command",
            "actor",
            "policy",
            "external_system",
            "read_model",
            "hotspot",
            "aggregate",
            "context",
        ],
        start=1,
    ):
        assert f'data-kind="{kind}"' in content
        assert f"({number})" in content
    # Participants get no share dialog.
    assert 'id="share-dialog"' not in content


def test_board_page_is_read_only_for_a_viewer_and_on_a_locked_board(
    signed_in, board, lead, member_of, participant
):
    viewer = member_of(Role.VIEWER)
    content = signed_in(viewer.user).get(board_url(board)).content.decode()
    assert 'data-can-write="false"' in content
    assert "You can look at this board but not change it." in content

    services.execute(board.pk, lead, "board.lock", {})
    content = signed_in(participant.user).get(board_url(board)).content.decode()
    assert 'data-can-write="false"' in content
    assert "The facilitator has locked the board" in content


def test_board_page_escapes_text_from_users(signed_in, facilitator, board, lead, run):
    services.update_board(board, lead, name="<b>shop</b>")
    run(
        "sticky.create",
        {"kind": "event", "text": "<img src=x onerror=alert(1)>", "x": 0, "y": 0},
    )

    content = signed_in(facilitator).get(board_url(board)).content.decode()

    assert "<b>shop</b>" not in content
    assert "<img src=x" not in content
    assert "&lt;img src=x onerror=alert(1)&gt;" in content


def test_facilitator_sees_the_share_panel_with_the_invite_link(
    signed_in, facilitator, board
):
    response = signed_in(facilitator).get(board_url(board))

    content = response.content.decode()
    assert response.context["invite_url"] == (
        f"http://testserver{board_url(board, invite=board.invite_token)}"
    )
    assert 'id="invite-link"' in content
    assert "readonly" in content
    assert board.invite_token in content
    assert "Regenerate link" in content
    assert 'type="module"' in content
    assert "js/share.js" in content


def test_participant_does_not_see_the_invite_link(signed_in, board, participant):
    content = signed_in(participant.user).get(board_url(board)).content.decode()

    assert board.invite_token not in content
    assert "Regenerate link" not in content
    assert reverse("board-delete", args=[board.pk]) not in content


def test_pages_have_no_inline_script_style_or_handlers(
    client, signed_in, facilitator, board
):
    pages = [client.get(reverse("login")), client.get(reverse("home"))]
    client = signed_in(facilitator)
    pages += [client.get(reverse("home")), client.get(board_url(board))]

    for response in pages:
        content = response.content.decode()
        assert "<script>" not in content
        assert "style=" not in content
        assert " onclick=" not in content
        # Code comes from files only; a JSON data block (json_script) is not run.
        scripts = re.findall(r"<script[^>]*>", content)
        assert all(
            ' src="' in tag or 'type="application/json"' in tag for tag in scripts
        ), scripts


def test_board_page_is_not_found_for_a_signed_in_non_member(signed_in, board, stranger):
    response = signed_in(stranger).get(board_url(board))

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_board_page_of_an_unknown_board_is_not_found(signed_in, stranger):
    url = reverse("board", args=["00000000-0000-0000-0000-000000000000"])

    assert signed_in(stranger).get(url).status_code == HTTPStatus.NOT_FOUND


def test_anonymous_visitor_without_invite_is_sent_to_sign_in(client, board):
    response = client.get(board_url(board))

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == f"{reverse('login')}?{urlencode({'next': board_url(board)})}"


# -- joining by invite ------------------------------------------------------------


def test_guest_with_a_valid_invite_is_sent_to_the_join_page(client, board):
    response = client.get(board_url(board, invite=board.invite_token))

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == join_url(board, board.invite_token)
    page = client.get(response.url)
    assert page.status_code == HTTPStatus.OK
    assert "Online shop" in page.content.decode()
    assert 'name="display_name"' in page.content.decode()
    assert board.members.count() == 1


def test_guest_joins_with_a_display_name_and_keeps_access(client, board):
    response = client.post(
        reverse("board-join", args=[board.pk]),
        {"invite": board.invite_token, "display_name": "  Gina "},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == board_url(board)
    guest = board.members.get(display_name="Gina")
    assert guest.user is None
    assert guest.role == Role.PARTICIPANT
    assert client.session[GUEST_SESSION_KEY] == {str(board.pk): str(guest.pk)}
    # Later requests need no invite: the session remembers the guest.
    page = client.get(board_url(board))
    assert page.status_code == HTTPStatus.OK
    assert page.context["member"] == guest
    assert "Gina" in page.content.decode()
    assert "guest" in page.content.decode()


def test_guest_with_a_blank_display_name_is_refused(client, board):
    response = client.post(
        reverse("board-join", args=[board.pk]),
        {"invite": board.invite_token, "display_name": "   "},
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "A display name is required." in response.content.decode()
    assert board.members.count() == 1
    assert GUEST_SESSION_KEY not in client.session
    assert client.get(board_url(board)).status_code == HTTPStatus.FOUND


def test_an_invalid_invite_is_forbidden(client, board):
    response = client.get(board_url(board, invite="not-the-token"))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "storming/invite_invalid.html" in [t.name for t in response.templates]
    assert "Online shop" not in response.content.decode()
    assert client.get(join_url(board, "nope")).status_code == HTTPStatus.FORBIDDEN
    assert board.members.count() == 1


def test_a_regenerated_invite_makes_the_old_link_forbidden(client, board, lead):
    old = board.invite_token
    services.regenerate_invite(board, lead)

    assert client.get(board_url(board, invite=old)).status_code == HTTPStatus.FORBIDDEN
    response = client.post(
        reverse("board-join", args=[board.pk]),
        {"invite": old, "display_name": "Late Larry"},
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not board.members.filter(display_name="Late Larry").exists()


def test_a_signed_in_user_with_an_invite_becomes_a_participant_directly(
    signed_in, board, stranger
):
    client = signed_in(stranger)

    response = client.get(board_url(board, invite=board.invite_token))

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == board_url(board)
    member = board.members.get(user=stranger)
    assert member.role == Role.PARTICIPANT
    assert client.get(board_url(board)).context["member"] == member


def test_an_invite_does_not_change_an_existing_members_role(
    signed_in, facilitator, board, lead
):
    response = signed_in(facilitator).get(board_url(board, invite=board.invite_token))

    assert response.status_code == HTTPStatus.OK
    assert board.members.get(user=facilitator).role == Role.FACILITATOR
    assert board.members.count() == 1


# -- regenerating the share link --------------------------------------------------


def test_facilitator_regenerates_the_invite_link(signed_in, facilitator, board):
    old = board.invite_token

    response = signed_in(facilitator).post(
        reverse("board-invite", args=[board.pk]), follow=True
    )

    board.refresh_from_db()
    assert response.status_code == HTTPStatus.OK
    assert board.invite_token != old
    content = response.content.decode()
    assert board.invite_token in content
    assert old not in content


def test_participant_cannot_regenerate_the_invite_link(signed_in, board, participant):
    old = board.invite_token

    response = signed_in(participant.user).post(
        reverse("board-invite", args=[board.pk])
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    board.refresh_from_db()
    assert board.invite_token == old


def test_guest_cannot_regenerate_the_invite_link(client, board):
    client.post(
        reverse("board-join", args=[board.pk]),
        {"invite": board.invite_token, "display_name": "Gina"},
    )
    old = board.invite_token

    response = client.post(reverse("board-invite", args=[board.pk]))

    assert response.status_code == HTTPStatus.FORBIDDEN
    board.refresh_from_db()
    assert board.invite_token == old


# -- cost -------------------------------------------------------------------------


def test_board_list_costs_the_same_few_queries_for_many_boards(
    signed_in, facilitator, django_assert_max_num_queries
):
    for number in range(8):
        services.create_board(facilitator, f"Board {number}")
    client = signed_in(facilitator)

    # Session, user, then one query for the boards with their counts.
    with django_assert_max_num_queries(3):
        response = client.get(reverse("home"))

    assert len(response.context["active"]) == 8


def test_board_page_costs_the_same_few_queries_for_many_stickies(
    signed_in, facilitator, board, member_of, run, django_assert_max_num_queries
):
    for number in range(12):
        kind = ("event", "command", "policy")[number % 3]
        run("sticky.create", {"kind": kind, "text": f"#{number}", "x": 0, "y": 0})
    for role in (Role.PARTICIPANT, Role.VIEWER):
        member_of(role)
    client = signed_in(facilitator)

    # Board, session, user, my membership, the stickies, the members.
    with django_assert_max_num_queries(6):
        response = client.get(board_url(board))

    assert response.context["sticky_count"] == 12
    assert len(response.context["members"]) == 3
