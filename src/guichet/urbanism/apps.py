from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UrbanismConfig(AppConfig):
    name = "guichet.urbanism"
    label = "urbanism"
    verbose_name = _("Urbanisme")

    def ready(self) -> None:
        from datetime import timedelta

        from django.db.models.signals import post_save

        from guichet.cases.models import Case
        from guichet.catalogue.registry import ServiceManifest, register_manifest
        from guichet.core.periodic import register_periodic
        from guichet.urbanism import filing, timers
        from guichet.urbanism.definitions import SERVICE_PREFIX
        from guichet.urbanism.procedures import catalogue

        catalogue()  # the procedures' data is checked at start-up
        post_save.connect(timers.application_team_follow, sender=Case, dispatch_uid="urbanism_team")
        register_manifest(
            ServiceManifest(
                app_label="urbanism",
                key_prefix=SERVICE_PREFIX,
                prepare=filing.manifest_prepare,
                record=filing.application_record,
                case_template="urbanism/case_extra.html",
                draft_collaborator_role="architect",  # the mandated architect (Cerfa's box)
            )
        )
        register_periodic("urbanism.tacit_decisions", every=timedelta(hours=1))(
            lambda: timers.tacit_sweep()
        )
        register_periodic("urbanism.alerts", every=timedelta(hours=6))(
            lambda: timers.alerts_sweep()
        )
