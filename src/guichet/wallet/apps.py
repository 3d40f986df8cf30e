from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    name = "guichet.wallet"
    label = "wallet"
    verbose_name = _("Porte-documents")

    def ready(self) -> None:
        from guichet.core.gdpr import register_gdpr_part
        from guichet.wallet import policies, tasks  # noqa: F401 - policy and periodic scan
        from guichet.wallet.gdpr import erase, export

        register_gdpr_part("wallet", export=export, erase=erase)
