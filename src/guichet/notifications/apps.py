from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "guichet.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from guichet.core.gdpr import register_gdpr_part
        from guichet.notifications import gdpr, receivers, sweep  # noqa: F401 - sweep, receivers

        register_gdpr_part("notifications", export=gdpr.export, erase=gdpr.erase)
