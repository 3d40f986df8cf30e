from django.contrib import admin

from guichet.catalogue.models import FunctionMapping, ServiceDefinition, ServiceVersion


@admin.register(ServiceDefinition)
class ServiceDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "organisation", "is_active", "current_version"]
    search_fields = ["name", "key"]
    filter_horizontal = ["communes"]
    readonly_fields = ["current_version"]


@admin.register(ServiceVersion)
class ServiceVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are written by the editor and the import (validated there)."""

    list_display = ["definition", "number", "status", "published_at"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FunctionMapping)
class FunctionMappingAdmin(admin.ModelAdmin):
    list_display = ["definition", "organisation", "function", "team"]
