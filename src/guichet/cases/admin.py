from django.contrib import admin

from guichet.cases.models import Case, PartnerApiKey, WebhookDelivery


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


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["case", "url", "state", "attempts", "next_attempt_at", "last_status"]
    list_filter = ["state"]
