"""Access by default: no API endpoint is public unless it says so, and the
Django admin changes memberships only through the services' rules."""

import re
from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from storming import services
from storming.admin import MemberAdmin
from storming.models import BoardEvent, Member
from storming.vocabulary import Role

pytestmark = pytest.mark.django_db

# (URL name, method): the endpoints that are open on purpose, and why.
OPEN = {
    # The invite token in the body is the key; a guest has no account.
    ("board-join", "post"),
    # An index of links.
    ("api-root", "get"),
    # The API's description and its viewer.
    ("schema", "get"),
    ("api-docs", "get"),
}


def api_endpoints():
    """(name, kwargs names, view) of every URL pattern under /api/."""
    found = {}

    def walk(patterns, prefix, names):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            kwargs = (*names, *pattern.pattern.regex.groupindex)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, kwargs)
            # A format suffix variant is the same view again.
            elif (
                isinstance(pattern, URLPattern)
                and re.match(r"\^?api/", route)
                and "format" not in kwargs
            ):
                found[pattern.name] = (kwargs, pattern.callback)

    walk(get_resolver().url_patterns, "", ())
    return found


def methods_of(callback):
    # HEAD answers as GET does, and DRF adds it to a viewset's actions once
    # the view has served a GET; OPTIONS describes, and changes nothing.
    actions = getattr(callback, "actions", None)
    view = callback.cls
    methods = actions or [m for m in view.http_method_names if hasattr(view, m)]
    return sorted(set(methods) - {"options", "head"})


def test_every_api_endpoint_refuses_anonymous_callers_unless_allow_listed(board, lead):
    endpoints = api_endpoints()
    # The walk finds the API: the board's routes, the model's and the docs.
    assert {"board-list", "board-commands", "board-model", "schema"} <= set(endpoints)
    sample = {"pk": board.pk, "board_id": board.pk, "member_id": lead.pk, "number": 1}
    anonymous = APIClient()
    checked = []
    for name, (kwargs, callback) in sorted(endpoints.items()):
        url = reverse(name, kwargs={key: sample[key] for key in kwargs})
        for method in methods_of(callback):
            if (name, method) in OPEN:
                continue
            response = getattr(anonymous, method)(url, {}, format="json")
            checked.append((name, method))
            assert response.status_code in (403, 404), (name, method, response)
            assert response.json()["code"] in ("forbidden", "not_found"), (
                name,
                method,
                response.content[:200],
            )
    assert len(checked) >= 20
    # Nothing an anonymous caller sent was written.
    assert not BoardEvent.objects.exists()
    board.refresh_from_db()
    assert board.name == "Online shop"
    assert board.members.count() == 1


def test_the_allow_list_is_exactly_what_declares_itself_open(board, lead):
    endpoints = api_endpoints()
    for name, method in OPEN:
        _, callback = endpoints[name]
        view = callback.cls
        action = (getattr(callback, "actions", None) or {}).get(method)
        declared = (
            getattr(view, action).kwargs.get("permission_classes")
            if action
            else view.__dict__.get("permission_classes")
            or getattr(view, "permission_classes", None)
        )
        assert declared is not None and AllowAny in list(declared), name


def test_a_new_endpoint_without_permissions_is_not_public(make_user):
    assert "AllowAny" not in str(settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"])

    class Forgetful(APIView):
        def get(self, request):
            return Response({"secret": 1})

    factory = APIRequestFactory()
    refused = Forgetful.as_view()(factory.get("/api/forgetful/"))
    assert refused.status_code == HTTPStatus.FORBIDDEN

    request = factory.get("/api/forgetful/")
    from rest_framework.test import force_authenticate

    force_authenticate(request, user=make_user("someone"))
    assert Forgetful.as_view()(request).status_code == HTTPStatus.OK


def test_a_guest_keeps_the_api_of_their_board(board):
    guest = APIClient()
    joined = guest.post(
        f"/api/boards/{board.pk}/join/",
        {"invite": board.invite_token, "display_name": "Gus"},
        format="json",
    )
    assert joined.status_code == HTTPStatus.CREATED
    assert guest.get(f"/api/boards/{board.pk}/state/").status_code == HTTPStatus.OK
    assert guest.get("/api/boards/").status_code == HTTPStatus.OK


# -- the admin goes through the services ---------------------------------------------


@pytest.fixture
def admin_client(client):
    root = get_user_model().objects.create_superuser(
        username="root", password="a-long-password-1", email="root@example.com"
    )
    client.force_login(root)
    return client


def member_url(member, view="change"):
    return reverse(f"admin:storming_member_{view}", args=[member.pk])


def test_admin_cannot_remove_the_last_facilitator_and_says_why(admin_client, lead):
    response = admin_client.post(member_url(lead, "delete"), {"post": "yes"})

    assert Member.objects.filter(pk=lead.pk).exists()
    assert response.status_code == HTTPStatus.FOUND
    page = admin_client.get(response.url)
    assert "a board needs at least one facilitator" in page.content.decode()
    # Nor does the admin's history claim otherwise.
    assert not LogEntry.objects.filter(object_id=str(lead.pk)).exists()


def test_admin_removes_a_participant_through_the_services(
    admin_client, board, member_of
):
    member = member_of(Role.PARTICIPANT)
    response = admin_client.post(member_url(member, "delete"), {"post": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert not Member.objects.filter(pk=member.pk).exists()
    logged = LogEntry.objects.get(object_id=str(member.pk))
    assert logged.is_deletion()


def test_admin_cannot_demote_the_last_facilitator_even_when_a_race_outruns_the_form(
    admin_client, board, lead, member_of, monkeypatch
):
    """Two facilitators: the form's own check passes for demoting the lead,
    but the other one is demoted before the save (another admin, the app).
    Under the board's lock the services see it and refuse."""
    other = member_of(Role.FACILITATOR)
    real_set_role = services.set_role

    def outrun(board_, by, member, role):
        Member.objects.filter(pk=other.pk).update(role=Role.PARTICIPANT)
        return real_set_role(board_, by, member, role)

    monkeypatch.setattr(services, "set_role", outrun)
    response = admin_client.post(
        member_url(lead), {"display_name": "Lead", "role": Role.PARTICIPANT}
    )

    assert response.status_code == HTTPStatus.FOUND
    page = admin_client.get(response.url)
    assert "a board needs at least one facilitator" in page.content.decode()
    lead.refresh_from_db()
    # All or nothing: the rename in the same save is not kept either.
    assert (lead.role, lead.display_name) == (Role.FACILITATOR, "facilitator")
    assert not LogEntry.objects.filter(object_id=str(lead.pk)).exists()


def test_admin_renames_through_the_services_which_refuse_control_characters(
    admin_client, lead
):
    response = admin_client.post(
        member_url(lead), {"display_name": "Lead\x07", "role": Role.FACILITATOR}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "must not contain" in admin_client.get(response.url).content.decode()
    lead.refresh_from_db()
    assert lead.display_name == "facilitator"


def test_admin_offers_no_bulk_delete_that_would_skip_the_rules(admin_client, lead):
    request = admin_client.get(reverse("admin:storming_member_changelist")).wsgi_request
    from django.contrib.admin import site

    assert "delete_selected" not in MemberAdmin(Member, site).get_actions(request)
