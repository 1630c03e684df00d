"""makemessages that also finds the board's JavaScript strings.

The board's modules translate with `t("...")` and `tn("...", "...", n)`
(static/js/board/i18n.js): short names in code full of strings, which
xgettext does not know. For the djangojs domain they are added as keywords;
the django domain is extracted as Django does it.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    def handle(self, *args, **options):
        if options.get("domain") == "djangojs":
            self.xgettext_options = [
                *makemessages.Command.xgettext_options,
                "--keyword=t",
                "--keyword=tn:1,2",
            ]
        return super().handle(*args, **options)
