from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from guichet.notifications import services
from guichet.notifications.models import Branding, Broadcast, Delivery, Notification


@admin.register(Branding)
class BrandingAdmin(admin.ModelAdmin):
    list_display = ["organisation", "display_name", "colour"]
    autocomplete_fields = ["organisation"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "to", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "channel"]
    search_fields = ["to", "message_id"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]
    list_select_related = ["notification"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Renvoyer les envois en échec"))
    def retry(self, request, queryset):
        count = services.delivery_retry(
            actor=request.user, delivery_ids=list(queryset.values_list("id", flat=True))
        )
        self.message_user(request, _("%(n)s envoi(s) remis en file.") % {"n": count}, messages.INFO)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "topic", "subject", "read_at"]
    list_filter = ["topic"]
    search_fields = ["recipient__email", "subject"]
    raw_id_fields = ["recipient", "broadcast"]
    # What was said to the person (bodies, summary, contact, link) is not shown: the platform
    # admin runs the delivery, they do not read people's messages (docs/security/read-audit.md).
    fields = [
        "public_id", "created_at", "recipient", "organisation", "topic", "template",
        "broadcast", "subject", "read_at",
    ]  # fmt: skip
    readonly_fields = ["public_id"]


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ["created_at", "title", "organisation", "commune", "status", "recipients_count"]
    list_filter = ["status", "topic"]
    readonly_fields = ["public_id", "cursor", "recipients_count"]
