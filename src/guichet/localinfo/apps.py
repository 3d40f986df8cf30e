from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LocalinfoConfig(AppConfig):
    name = "guichet.localinfo"
    label = "localinfo"
    verbose_name = _("Informations locales")

    def ready(self) -> None:
        from guichet.localinfo import tasks  # noqa: F401 - registers the periodic feed import
