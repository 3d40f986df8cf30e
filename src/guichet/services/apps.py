from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "guichet.services"
    label = "services"
    verbose_name = _("Téléservices")
