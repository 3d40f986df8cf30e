from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "guichet.support"
    label = "support"
    verbose_name = _("Assistance")

    def ready(self) -> None:
        from datetime import timedelta

        from guichet.catalogue.registry import ServiceManifest, register_manifest
        from guichet.core.periodic import register_periodic
        from guichet.support import (
            policies,  # noqa: F401  (registers the policies)
            satisfaction,
            tickets,
        )

        register_manifest(
            ServiceManifest(
                app_label="support",
                key_prefix=tickets.SERVICE_KEY,
                record=tickets.ticket_record,
                case_template="support/_ticket_extra.html",
            )
        )
        # Every service's case page (key prefix "" covers them all): the satisfaction survey
        # once the case is closed.
        register_manifest(
            ServiceManifest(
                app_label="support.satisfaction",
                key_prefix="",
                case_template="support/_satisfaction_case.html",
            )
        )
        register_periodic("support.satisfaction", every=timedelta(minutes=5))(
            lambda: satisfaction.survey_invitations_send()
        )
