from django.contrib import admin

from guichet.cases.models import Case, PartnerApiKey, WebhookDelivery, WebhookEndpoint


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change through the back-office and the API (services, history)."""

    list_display = ["reference", "definition", "status", "organisation", "team", "created_at"]
    list_filter = ["channel", "is_closed", "organisation"]
    search_fields = ["reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "prefix", "is_active", "last_used_at"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]

    def has_add_permission(self, request):
        return False  # keys are created by `guichet partner_key` (shown once)


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
