from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.support.models import TermsDocument, Theme, Ticket


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    theme = forms.ChoiceField(label=_("Thème"), choices=Theme.choices)
    summary = forms.CharField(label=_("Résumé (facultatif)"), max_length=300, required=False)
    body = forms.CharField(
        label=_("Texte"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 12})
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services concernés (facultatif)"), queryset=None, required=False
    )

    def __init__(self, *args, services_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        from guichet.catalogue.models import ServiceDefinition

        self.fields["services"].queryset = services_queryset or ServiceDefinition.objects.none()


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Cet article vous a-t-il aidé ?"),
        choices=[("1", _("Oui")), ("0", _("Non"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Votre commentaire (facultatif)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ContactForm(forms.Form):
    topic = forms.ChoiceField(label=_("Votre demande concerne"), choices=Ticket.Topic.choices)
    service = forms.ModelChoiceField(
        label=_("Service concerné (facultatif)"), queryset=None, required=False
    )
    subject = forms.CharField(label=_("Objet"), max_length=150)
    message = forms.CharField(
        label=_("Votre message"),
        min_length=10,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    name = forms.CharField(label=_("Votre nom"), max_length=200, required=False)
    email = forms.EmailField(label=_("Adresse e-mail"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)

    channel = forms.ChoiceField(
        label=_("Canal"),
        choices=[("phone", _("Téléphone")), ("counter", _("Accueil physique"))],
        required=False,
    )

    def __init__(self, *args, signed_in: bool, services_queryset, on_behalf=False, **kwargs):
        """``signed_in``: the person writes for themselves (no contact fields);
        ``on_behalf``: a support agent files for a caller (contact fields and the channel)."""
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in and not on_behalf
        self.fields["service"].queryset = services_queryset
        if self.signed_in:
            for key in ("name", "email", "phone"):
                del self.fields[key]
        if not on_behalf:
            del self.fields["channel"]

    def clean(self):
        data = super().clean()
        if not self.signed_in and not (data.get("email") or data.get("phone")):
            raise forms.ValidationError(
                _("Sans compte, indiquez une adresse e-mail ou un téléphone pour être recontacté.")
            )
        return data


class SatisfactionForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Êtes-vous satisfait(e) du traitement de votre demande ?"),
        choices=[(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("De 1 (pas du tout satisfait) à 5 (très satisfait)."),
    )
    comment = forms.CharField(
        label=_("Un commentaire (facultatif)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class TermsPublishForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nature"), choices=TermsDocument.Kind.choices)
    version = forms.CharField(label=_("Version"), max_length=20)
    title = forms.CharField(label=_("Titre"), max_length=200)
    body = forms.CharField(label=_("Texte"), widget=forms.Textarea(attrs={"rows": 12}))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (enregistré et visible par la personne)"), min_length=5, max_length=500
    )


class SecondFactorResetForm(ReasonForm):
    CHECKS = [
        ("identity_document", _("Pièce d'identité vérifiée (accueil physique)")),
        ("case_questions", _("Questions sur ses demandes : réponses exactes")),
        ("callback", _("Rappel au numéro de téléphone de son profil")),
    ]
    checks = forms.MultipleChoiceField(
        label=_("Vérifications d'identité faites"),
        choices=CHECKS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une vérification d'identité faite.")},
    )


class EscalateForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Service concerné"), queryset=None, required=False)
    category = forms.ChoiceField(label=_("Ou catégorie de signalement"), required=False)
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=None, required=False)
    latitude = forms.FloatField(label=_("Latitude (signalement)"), required=False)
    longitude = forms.FloatField(label=_("Longitude (signalement)"), required=False)
    address = forms.CharField(label=_("Adresse"), max_length=300, required=False)

    def __init__(self, *args, services, categories, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["category"].choices = [("", "—"), *categories]
        self.fields["commune"].queryset = communes

    def clean(self):
        data = super().clean()
        if bool(data.get("service")) == bool(data.get("category")):
            raise forms.ValidationError(
                _("Choisissez soit un service, soit une catégorie de signalement.")
            )
        return data
