"""`manage.py load_sample`: the sample board of a finished workshop (see
`storming.sample`)."""

from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from storming import sample


class Command(BaseCommand):
    help = (
        f"Create the sample board {sample.SAMPLE_NAME!r}: a finished event storming "
        "workshop on a small online shop, played through the board's commands."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--user",
            help="the username of the board's owner (an existing account); by "
            f"default a user {sample.SAMPLE_USERNAME!r} who cannot sign in",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the owner's sample board and its log, then create it anew",
        )

    def handle(self, *args, user, replace, **options):
        try:
            owner = sample.sample_user(user)
        except LookupError as error:
            raise CommandError(str(error)) from None
        board, created = sample.load_sample(owner, replace=replace)
        path = reverse("board", args=[board.pk])
        share = f"{path}?{urlencode({'invite': board.invite_token})}"
        if created:
            self.stdout.write(
                f"Created the board {board.name!r} ({board.pk}) for "
                f"{owner.get_username()}: {board.stickies.count()} stickies, "
                f"{board.links.count()} links, {board.votes.count()} votes, "
                f"from {board.head_seq} events."
            )
        else:
            self.stdout.write(
                f"The board {board.name!r} of {owner.get_username()} exists already "
                "(use --replace to create it anew)."
            )
        self.stdout.write(f"Board page: {path}")
        self.stdout.write(f"Share link (joins you as a participant): {share}")
        if user is None:
            self.stdout.write(
                f"The user {owner.get_username()!r} cannot sign in. To see the board, "
                "create a superuser (python manage.py createsuperuser), sign in at "
                f"{reverse('login')} and open the share link above; the board, its "
                f"stickies and its log are also in the admin at "
                f"{reverse('admin:storming_board_change', args=[board.pk])}."
            )
