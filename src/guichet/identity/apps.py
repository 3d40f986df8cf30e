from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "guichet.identity"
    label = "identity"
    verbose_name = _("Fournisseur d'identité")

    def ready(self) -> None:
        from guichet.core.gdpr import register_gdpr_part
        from guichet.core.periodic import register_periodic
        from guichet.identity import services
        from guichet.identity.oauth import cache_signing_keys

        cache_signing_keys()

        register_gdpr_part(
            "services_connectes", export=services.identity_export, erase=services.identity_erase
        )
        register_periodic("identity.families_sweep_expired", every=timedelta(hours=6))(
            services.families_sweep_expired
        )
