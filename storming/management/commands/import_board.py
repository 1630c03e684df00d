"""`manage.py import_board FILE.json`: a board export, imported as a new board."""

import json
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from storming import transfer
from storming.errors import CommandError as BoardError

# The owner when no --user is given: an account nobody signs in as.
IMPORT_USERNAME = "import"


def owner(username=None):
    User = get_user_model()
    if username is not None:
        try:
            return User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None
    user, created = User.objects.get_or_create(**{User.USERNAME_FIELD: IMPORT_USERNAME})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def read_document(path):
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except FileNotFoundError:
        raise CommandError(f"no file {path}") from None
    except IsADirectoryError:
        raise CommandError(f"{path} is a directory, not a board export") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise CommandError(f"{path} is not valid JSON: {error}") from None


class Command(BaseCommand):
    help = (
        "Import a board export (the JSON of `export_board --format json` or of "
        "GET /api/boards/<id>/export/) as a new board."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the exported board, a .json file")
        parser.add_argument(
            "--user",
            help="the username of the new board's facilitator (an existing "
            f"account); by default a user {IMPORT_USERNAME!r} who cannot sign in",
        )
        parser.add_argument(
            "--name", help="the new board's name, instead of the one exported"
        )

    def handle(self, *args, file, user, name, **options):
        document = read_document(file)
        account = owner(user)
        try:
            board = transfer.import_board(document, account, name=name)
        except BoardError as error:
            raise CommandError(f"{file} cannot be imported: {error.message}") from None
        path = reverse("board", args=[board.pk])
        self.stdout.write(
            f"Imported {file} as the board {board.name!r} ({board.pk}) of "
            f"{account.get_username()}: {board.stickies.count()} stickies, "
            f"{board.links.count()} links, {board.votes.count()} votes, "
            f"from {board.head_seq} events."
        )
        self.stdout.write(f"Board page: {path}")
        if user is None:
            share = f"{path}?{urlencode({'invite': board.invite_token})}"
            self.stdout.write(
                f"The user {account.get_username()!r} cannot sign in; open the "
                f"share link to join the board: {share}"
            )
