"""Administration of core's records: the access log, read-only; and `ReadOnlyAdmin`, the base
of the admin pages that only show (the access log, the cases).

The access records are reviewed by each organisation's auditor in the back-office
(/backoffice/audit/); the platform admin sees them here for technical checks, and no one,
not even a superuser, adds, changes or deletes one (append-only).
"""

from django.contrib import admin

from guichet.core.models import AccessRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """A model the admin shows and never adds, changes or deletes (it changes elsewhere):
    without the change permission Django shows every field read-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "door", "organisation_id", "case_reference"]
    list_filter = ["door"]
    search_fields = ["case_reference"]
    date_hierarchy = "at"
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page
