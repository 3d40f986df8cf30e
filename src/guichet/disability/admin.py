"""Only the grants are managed in the admin: files and pieces (health data) are not shown."""

from django.contrib import admin

from guichet.disability.models import HouseGrant


@admin.register(HouseGrant)
class HouseGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "granted_at")
    list_filter = ("role", "organisation")
    search_fields = ("user__email",)
    autocomplete_fields = ("user",)
    raw_id_fields = ("organisation",)
