from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guichet.core"
    label = "core"
    verbose_name = _("Socle")

    def ready(self) -> None:
        from guichet.core.idempotency import idempotency_keys_expire
        from guichet.core.periodic import register_periodic

        register_periodic("core.idempotency_keys_expire", every=timedelta(hours=6))(
            idempotency_keys_expire
        )
