from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "guichet.catalogue"
    label = "services"
    verbose_name = _("Téléservices")

    def ready(self):
        from guichet.catalogue import receivers  # noqa: F401 - catalogue cache generation
