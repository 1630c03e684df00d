from django.apps import AppConfig


class StormingConfig(AppConfig):
    name = "storming"
    verbose_name = "Event storming"
