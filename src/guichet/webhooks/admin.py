from django.contrib import admin

from guichet.webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Read-only here: the organisation's agents manage endpoints in the back-office, where the
    URL is checked and the secret shown once (never in the admin)."""

    list_display = ["key", "organisation", "url", "consecutive_failures", "disabled_at"]
    list_filter = ["organisation"]
    fields = ["organisation", "key", "url", "consecutive_failures", "disabled_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Delivery state only: the payload carries the case's content, not shown (running the
    platform is not reading citizens' files, see ``cases.admin``)."""

    list_display = [
        "case",
        "endpoint",
        "url",
        "state",
        "attempts",
        "next_attempt_at",
        "last_status",
    ]
    list_filter = ["state"]
    fields = [*list_display, "last_error"]
    readonly_fields = ["case", "endpoint", "url"]
