from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.notifications.models import Channel
from guichet.notifications.topics import subscribable_topics
from guichet.territory.models import Organisation
from guichet.territory.selectors import communes


def _topic_choices():
    return [(t.key, t.label) for t in subscribable_topics()]


class ContactForm(forms.Form):
    mobile_phone = forms.CharField(
        label=_("Téléphone mobile pour les SMS"),
        required=False,
        max_length=30,
        help_text=_("Facultatif. Par exemple 06 12 34 56 78. Il ne sert qu'aux notifications."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class SubscriptionForm(forms.Form):
    topic = forms.ChoiceField(label=_("Thème"), choices=_topic_choices)
    where = forms.ChoiceField(
        label=_("Zone"),
        choices=[("commune", _("Toute une commune")), ("circle", _("Autour d'un point"))],
        widget=forms.RadioSelect,
        initial="commune",
    )
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=None, required=False)
    label = forms.CharField(
        label=_("Nom du lieu (facultatif)"),
        required=False,
        max_length=200,
        help_text=_("Par exemple : domicile, école."),
    )
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    radius_m = forms.IntegerField(
        label=_("Rayon en mètres"), required=False, min_value=50, max_value=20_000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes()

    def clean(self):
        data = super().clean()
        if data.get("where") == "commune" and not data.get("commune"):
            self.add_error("commune", _("Choisissez une commune."))
        if data.get("where") == "circle":
            for name in ("lat", "lon", "radius_m"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Ce champ est obligatoire pour un point."))
        return data


class BroadcastForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Au nom de"), queryset=None)
    commune = forms.ModelChoiceField(label=_("Commune concernée"), queryset=None)
    topic = forms.ChoiceField(label=_("Thème"), choices=_topic_choices)
    title = forms.CharField(label=_("Titre"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))
    channels = forms.MultipleChoiceField(
        label=_("Canaux"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Channel.EMAIL, Channel.PUSH],
        help_text=_("L'alerte apparaît aussi dans l'espace de chaque abonné."),
    )
    lat = forms.FloatField(label=_("Latitude du secteur"), required=False)
    lon = forms.FloatField(label=_("Longitude du secteur"), required=False)
    radius_m = forms.IntegerField(
        label=_("Rayon du secteur en mètres"),
        required=False,
        min_value=50,
        max_value=20_000,
        help_text=_("Laissez vide pour alerter toute la commune."),
    )

    def __init__(self, *args, organisations: list[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in organisations]
        )
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].pk
        self.fields["commune"].queryset = communes()

    def clean(self):
        data = super().clean()
        if data.get("radius_m") and (data.get("lat") is None or data.get("lon") is None):
            self.add_error("lat", _("Indiquez le centre du secteur."))
        return data
