from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Webhooks of the workflow: a layer above ``cases``, which never imports it; the
    ``webhook`` action kind and the delivery sweep are registered here."""

    name = "guichet.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from guichet.webhooks import (  # noqa: F401 - registrations
            actions,  # the ``webhook`` workflow action
            tasks,  # the delivery sweep
        )
