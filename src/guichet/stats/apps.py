from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """Statistics, at the top layer: figures computed from the cases by periodic jobs. Pages of
    lower apps show them through this app's template tags (``{% load usual_time %}``)."""

    name = "guichet.stats"
    label = "stats"
    verbose_name = _("Statistiques")

    def ready(self) -> None:
        from guichet.stats import tasks  # noqa: F401 - registers the periodic job
