"""Migrate the database at DATABASE_URL and make a board on it, for a fault
test whose server runs on a database of its own. Prints the board's id and
its facilitator's API token as JSON.

    DATABASE_URL=postgresql://... python -m tests.faults.seed
"""

import json
import os

import django


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "whiteboard.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from storming import services

    call_command("migrate", verbosity=0, interactive=False)
    user = get_user_model().objects.create_user("facilitator", password=None)
    board = services.create_board(user, "Outage", "")
    token = Token.objects.create(user=user).key
    print(json.dumps({"board": str(board.pk), "token": token}))


if __name__ == "__main__":
    main()
