from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "guichet.cases"
    label = "cases"
    verbose_name = _("Demandes")

    def ready(self) -> None:
        from guichet.cases import (
            actions,  # noqa: F401 - registers the generic workflow actions
            tasks,  # noqa: F401 - registers the periodic sweeps
        )
        from guichet.core.gdpr import register_gdpr_part

        from .gdpr import erase, export

        register_gdpr_part("cases", export=export, erase=erase)
