from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StormingConfig(AppConfig):
    name = "storming"
    verbose_name = _("Event storming")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from whiteboard import language

        # A person's stored language comes with the session they sign in to.
        user_logged_in.connect(language.on_login, dispatch_uid="language.on_login")
