from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicspaceConfig(AppConfig):
    name = "guichet.publicspace"
    label = "publicspace"
    verbose_name = _("Espace public")
