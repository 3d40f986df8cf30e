from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from guichet.core.outbound import validate_public_url
from guichet.localinfo.models import (
    Event,
    ExceptionalClosure,
    Feed,
    NewsItem,
    Place,
    WeeklyOpening,
)
from guichet.localinfo.services import feed_import


class FeedForm(forms.ModelForm):
    """A feed URL that points inside the server's network is refused when saved (and again
    at every fetch, by ``core.outbound``)."""

    url = forms.URLField(label=_("adresse du flux"), max_length=1000, assume_scheme="https")

    class Meta:
        model = Feed
        fields = [
            "organisation",
            "name",
            "url",
            "kind",
            "is_active",
            "refresh_minutes",
            "next_fetch_at",
        ]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        reason = validate_public_url(url)
        if reason:
            raise forms.ValidationError(
                _("Adresse de flux refusée : %(reason)s."), params={"reason": reason}
            )
        return url


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    form = FeedForm
    list_display = ["name", "organisation", "kind", "is_active", "last_fetched_at", "last_status"]
    list_filter = ["last_status", "kind", "is_active"]
    readonly_fields = ["last_fetched_at", "last_status", "last_error", "last_count"]
    actions = ["import_now"]

    @admin.action(description=_("Importer maintenant"))
    def import_now(self, request, queryset):
        for feed in queryset:
            report = feed_import(feed=feed)
            level = messages.ERROR if report.status == Feed.Status.ERROR else messages.INFO
            self.message_user(
                request,
                _("%(feed)s : %(status)s, %(n)s élément(s)")
                % {"feed": feed, "status": report.status, "n": report.created + report.updated},
                level,
            )


@admin.register(NewsItem)
class NewsItemAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "published_at", "is_published", "feed"]
    list_filter = ["organisation", "is_published"]
    search_fields = ["title"]
    date_hierarchy = "published_at"


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "starts_at", "all_day", "is_published"]
    list_filter = ["organisation", "is_published"]
    search_fields = ["title", "location"]


class WeeklyOpeningInline(admin.TabularInline):
    model = WeeklyOpening
    extra = 1


class ExceptionalClosureInline(admin.TabularInline):
    model = ExceptionalClosure
    extra = 0


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "kind"]
    list_filter = ["organisation", "kind"]
    search_fields = ["name", "address"]
    inlines = [WeeklyOpeningInline, ExceptionalClosureInline]
