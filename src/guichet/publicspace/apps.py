from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicspaceConfig(AppConfig):
    name = "guichet.publicspace"
    label = "publicspace"
    verbose_name = _("Espace public")

    def ready(self) -> None:
        from datetime import timedelta

        from django.db.models.signals import post_save

        from guichet.cases.models import Case
        from guichet.catalogue.registry import ServiceManifest, register_manifest
        from guichet.core.edges import register_door
        from guichet.core.gdpr import register_gdpr_part
        from guichet.core.periodic import register_periodic
        from guichet.notifications.models import Channel
        from guichet.notifications.topics import Topic, register_topic
        from guichet.publicspace import (  # noqa: F401 - actions register
            actions,
            gdpr,
            open311_format,
            services,
        )

        register_manifest(
            ServiceManifest(
                app_label="publicspace",
                key_prefix=services.SERVICE_KEY,
                prepare=services.report_input,
                record=services.report_record,
                # the map, the category's questions and the reports nearby: its own form
                filing_url="publicspace:start",
            )
        )
        register_door("/open311/", open311_format.door_error)
        post_save.connect(services.report_case_follow, sender=Case, dispatch_uid="report_case")
        register_gdpr_part("publicspace", export=gdpr.export, erase=gdpr.erase)
        both = frozenset({Channel.EMAIL, Channel.PUSH})
        register_topic(Topic("publicspace.update", _("Suivi de mes signalements"), both))
        register_topic(
            Topic("publicspace.alert", _("Nouveaux signalements près de chez moi"), both)
        )
        register_periodic("publicspace.questionnaires", every=timedelta(hours=1))(
            lambda: services.questionnaires_send()
        )
