"""Partner services (OIDC clients), registered by platform admins."""

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.admin import ClientAdmin as AllauthClientAdmin
from allauth.idp.oidc.models import Client
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guichet.identity.claims import SCOPE_CLAIMS, SCOPE_LABELS
from guichet.identity.client_secrets import client_secret_set
from guichet.identity.models import ClaimConsent, TokenFamily


class ClientForm(forms.ModelForm):
    allowed_scopes = forms.MultipleChoiceField(
        label=_("Données que le service peut demander (scopes)"),
        choices=[(scope, f"{scope} — {SCOPE_LABELS[scope]}") for scope in SCOPE_CLAIMS],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("« openid » est obligatoire ; chaque donnée reste soumise au consentement."),
    )
    post_logout_redirect_uris = forms.CharField(
        label=_("Adresses de retour après déconnexion"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Une adresse par ligne, comparée à l'identique."),
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "type",
            "redirect_uris",
            "grant_types",
            "response_types",
            "skip_consent",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["allowed_scopes"].initial = self.instance.get_scopes()
            self.fields["post_logout_redirect_uris"].initial = "\n".join(
                self.instance.get_post_logout_redirect_uris()
            )
        else:
            self.fields["allowed_scopes"].initial = ["openid"]
            self.fields["grant_types"].initial = "authorization_code\nrefresh_token"
        self.fields["skip_consent"].help_text = _(
            "À réserver aux services de la Métropole elle-même : les usagers ne verront pas "
            "l'écran de consentement."
        )

    def clean_allowed_scopes(self):
        scopes = self.cleaned_data["allowed_scopes"]
        if "openid" not in scopes:
            raise ValidationError(_("Le scope « openid » est obligatoire."))
        return scopes

    def clean_response_types(self):
        values = [v.strip() for v in self.cleaned_data["response_types"].splitlines() if v.strip()]
        if values != ["code"]:
            raise ValidationError(_("Seul le flux « code » (avec PKCE) est autorisé."))
        return "code"

    def clean_grant_types(self):
        allowed = {"authorization_code", "refresh_token"}
        values = [v.strip() for v in self.cleaned_data["grant_types"].splitlines() if v.strip()]
        if not values or not set(values) <= allowed:
            raise ValidationError(_("Autorisés : authorization_code et refresh_token."))
        return "\n".join(values)

    def save(self, commit=True):
        client = super().save(commit=False)
        client.set_scopes(self.cleaned_data["allowed_scopes"])
        client.set_default_scopes(["openid"])
        uris = [
            u.strip()
            for u in self.cleaned_data["post_logout_redirect_uris"].splitlines()
            if u.strip()
        ]
        client.set_post_logout_redirect_uris(uris)
        if commit:
            client.save()
        return client


admin.site.unregister(Client)


@admin.register(Client)
class ClientAdmin(AllauthClientAdmin):
    form = ClientForm
    raw_id_fields = ()
    list_display = ("name", "id", "type", "skip_consent", "created_at")
    fieldsets = (
        (None, {"fields": ("id", "name", "type")}),
        (
            _("Adresses"),
            {"fields": ("redirect_uris", "post_logout_redirect_uris")},
        ),
        (
            _("Droits"),
            {"fields": ("allowed_scopes", "grant_types", "response_types", "skip_consent")},
        ),
        (_("Secret"), {"fields": ("secret", "created_at")}),
    )

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = (
        lambda self, request, obj=None: request.user.is_active and request.user.is_superuser
    )
    has_delete_permission = has_change_permission

    def save_model(self, request, obj, form, change):
        """allauth's (the secret generated and shown once), stored with our keyed hash."""
        if not change:
            secret = get_adapter().generate_client_secret()
            client_secret_set(obj, secret)
            self.message_user(
                request,
                format_html(
                    gettext("Le secret du client n'est affiché qu'une fois : {}"),
                    format_html(
                        '<input readonly size="{}" type="text" value="{}">', len(secret), secret
                    ),
                ),
                level=messages.WARNING,
            )
        return admin.ModelAdmin.save_model(self, request, obj, form, change)


@admin.register(ClaimConsent)
class ClaimConsentAdmin(admin.ModelAdmin):
    list_display = ("client", "claim", "granted_at")
    list_filter = ("client", "claim")
    raw_id_fields = ("user",)


@admin.register(TokenFamily)
class TokenFamilyAdmin(admin.ModelAdmin):
    list_display = ("id", "client", "created_at", "expires_at", "revoked_at", "revoked_reason")
    list_filter = ("client", "revoked_reason")
    raw_id_fields = ("user",)
