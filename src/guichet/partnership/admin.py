from django.contrib import admin

from guichet.partnership.models import Agreement, Discount, TariffBracket, TariffGrid


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["commune", "reference", "offer", "status", "notified_on", "max_end_date"]
    list_filter = ["status", "offer"]
    search_fields = ["commune__name", "reference"]


class TariffBracketInline(admin.TabularInline):
    model = TariffBracket
    extra = 0


@admin.register(TariffGrid)
class TariffGridAdmin(admin.ModelAdmin):
    list_display = ["label", "valid_from", "valid_until"]
    inlines = [TariffBracketInline]


@admin.register(Discount)
class DiscountAdmin(admin.ModelAdmin):
    list_display = ["label", "year", "rate_percent", "partner_status", "commune"]
    list_filter = ["year"]
