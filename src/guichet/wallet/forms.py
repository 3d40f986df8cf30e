from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.wallet.types import document_type_choices


class DocumentAddForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Type de document"))
    title = forms.CharField(
        label=_("Intitulé (facultatif)"),
        required=False,
        max_length=200,
        help_text=_("Par exemple : « Carte d'identité de Léa » ; à défaut, le type du document."),
    )
    issued_on = forms.DateField(
        label=_("Date d'émission"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Date d'expiration ou de fin (si le document en a une)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    dependant = forms.ChoiceField(label=_("Ce document concerne"), required=False)
    file = forms.FileField(label=_("Fichier (PDF, JPEG, PNG ou WebP)"))
    keep_health = forms.BooleanField(
        label=_(
            "Je choisis de garder ce document de santé dans mon espace (chiffré ; je peux le "
            "supprimer à tout moment)"
        ),
        required=False,
    )

    def __init__(self, *args, dependants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = [("", "—"), *document_type_choices()]
        self.fields["dependant"].choices = [
            ("", _("Moi-même")),
            *[(str(d.pk), d.full_name) for d in dependants],
        ]
        if not dependants:
            del self.fields["dependant"]
