from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "guichet.accounts"
    label = "accounts"
    verbose_name = _("Comptes")

    def ready(self) -> None:
        from guichet.accounts import receivers  # noqa: F401 - connects the audit receivers
        from guichet.accounts.services import accounts_erase, accounts_export
        from guichet.core.gdpr import register_gdpr_part

        register_gdpr_part("compte", export=accounts_export, erase=accounts_erase)
