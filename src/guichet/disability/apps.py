from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisabilityConfig(AppConfig):
    name = "guichet.disability"
    label = "disability"
    verbose_name = _("Dossiers MDMPH")

    def ready(self) -> None:
        from datetime import timedelta

        from django.urls import reverse

        from guichet.catalogue.registry import ServiceManifest, register_manifest
        from guichet.core.gdpr import register_gdpr_part
        from guichet.core.periodic import register_periodic
        from guichet.disability import gdpr, policies  # noqa: F401 (policies)
        from guichet.disability.filing import SERVICE_PREFIX, manifest_prepare
        from guichet.disability.instruction import silence_alerts_send
        from guichet.disability.retention import purge_run

        register_manifest(
            ServiceManifest(
                app_label="disability",
                key_prefix=SERVICE_PREFIX,
                prepare=manifest_prepare,
                filing_url="disability:filing",
                restricted=True,
                citizen_url=lambda case: reverse("disability:file", args=[case.reference]),
            )
        )
        register_gdpr_part("disability", export=gdpr.export, erase=gdpr.erase)
        register_periodic("disability.silence_alerts", every=timedelta(hours=6))(
            lambda: silence_alerts_send()
        )
        register_periodic("disability.purge", every=timedelta(hours=24))(lambda: purge_run())
