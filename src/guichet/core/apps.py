from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guichet.core"
    label = "core"
    verbose_name = _("Socle")

    def ready(self) -> None:
        from guichet.core.gdpr import register_gdpr_part
        from guichet.core.idempotency import (
            idempotency_keys_erase,
            idempotency_keys_expire,
            idempotency_keys_export,
        )
        from guichet.core.periodic import register_periodic
        from guichet.core.uploads import configure_pillow

        configure_pillow()

        register_periodic("core.idempotency_keys_expire", every=timedelta(hours=6))(
            idempotency_keys_expire
        )
        register_gdpr_part(
            "idempotency_keys", export=idempotency_keys_export, erase=idempotency_keys_erase
        )
