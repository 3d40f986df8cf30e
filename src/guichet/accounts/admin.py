from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from guichet.accounts.forms import UserChangeAdminForm, UserCreationAdminForm
from guichet.accounts.models import Dependant, FranceConnectIdentity, Profile, User


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0
    readonly_fields = (
        "birth_last_name",
        "given_names",
        "gender",
        "birthdate",
        "birthplace",
        "birthcountry",
        "certified_at",
        "certified_by",
    )
    autocomplete_fields = ()
    raw_id_fields = ("residence",)


class FranceConnectInline(admin.TabularInline):
    model = FranceConnectIdentity
    can_delete = True
    extra = 0
    readonly_fields = ("sub", "linked_at", "last_login_at")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [ProfileInline, FranceConnectInline]
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name")}),
        (
            _("Droits"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(Dependant)
class DependantAdmin(admin.ModelAdmin):
    """Platform admins link a represented person's own account, on documentary proof."""

    list_display = ["__str__", "relationship", "owner", "account", "created_at"]
    list_filter = ["relationship"]
    search_fields = ["first_name", "last_name", "owner__email"]
    raw_id_fields = ["owner", "account"]
