from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "guichet.services"
    label = "services"
    verbose_name = _("Téléservices")

    def ready(self):
        from guichet.services import receivers  # noqa: F401 - catalogue cache generation
