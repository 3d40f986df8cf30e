from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "guichet.territory"
    label = "territory"
    verbose_name = _("Territoire")

    def ready(self):
        from guichet.territory import receivers  # noqa: F401 - cache generation on changes
