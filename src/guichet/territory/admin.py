from django.contrib import admin

from guichet.territory.models import CompetenceRule, Membership, Organisation, Team


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "insee_code", "population", "partner_status", "offer"]
    list_filter = ["kind", "partner_status", "offer", "is_active"]
    search_fields = ["name", "insee_code", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    exclude = ["boundary"]
    inlines = [TeamInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "email"]
    list_filter = ["organisation"]
    search_fields = ["name", "organisation__name"]
    inlines = [MembershipInline]


@admin.register(CompetenceRule)
class CompetenceRuleAdmin(admin.ModelAdmin):
    list_display = ["subject", "commune", "organisation", "team"]
    list_filter = ["organisation", "commune"]
    search_fields = ["subject"]
