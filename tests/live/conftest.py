import pytest
from rest_framework.authtoken.models import Token

from storming.vocabulary import Role


@pytest.fixture
def token_for():
    """The DRF token key of a user, for `Authorization: Token <key>`."""

    def make(user):
        return Token.objects.get_or_create(user=user)[0].key

    return make


@pytest.fixture
def participant_token(member_of, token_for):
    def make(username):
        return token_for(member_of(Role.PARTICIPANT, username).user)

    return make
