from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UrbanismConfig(AppConfig):
    name = "guichet.urbanism"
    label = "urbanism"
    verbose_name = _("Urbanisme")
