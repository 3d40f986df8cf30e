from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from guichet.cases.models import Channel
from guichet.cases.selectors import QUEUES, SORTS, CaseFilters

QUEUE_LABELS = {
    "mine": _("Mes demandes"),
    "team": _("Mes équipes"),
    "unassigned": _("Non attribuées"),
    "overdue": _("En retard"),
    "all": _("Toutes"),
    "closed": _("Closes"),
}
AGENT_CHANNELS = [
    (Channel.PHONE, Channel.PHONE.label),
    (Channel.COUNTER, Channel.COUNTER.label),
    (Channel.EMAIL, Channel.EMAIL.label),
    (Channel.LETTER, Channel.LETTER.label),
]


class FastSelect(forms.Select):
    """A flat ``<select>`` rendered in Python: the template per option of Django's widget made
    the queue's filter form cost as much as the rest of the page."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in selected else "", label)  # noqa: S308 - constant
                for key, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), options)


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(
        label=_("File"),
        choices=[(q, QUEUE_LABELS[q]) for q in QUEUES],
        required=False,
        widget=FastSelect,
    )
    q = forms.CharField(label=_("Recherche"), required=False, max_length=200)
    service = forms.ChoiceField(label=_("Service"), required=False, widget=FastSelect)
    status = forms.CharField(label=_("Statut (clé)"), required=False, max_length=50)
    commune = forms.ChoiceField(label=_("Commune"), required=False, widget=FastSelect)
    channel = forms.ChoiceField(
        label=_("Canal"), required=False, choices=[("", "—"), *Channel.choices], widget=FastSelect
    )
    created_from = forms.DateField(
        label=_("Déposée à partir du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = forms.DateField(
        label=_("Déposée jusqu'au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        label=_("Tri"),
        required=False,
        widget=FastSelect,
        choices=[
            ("-created", _("Plus récentes")),
            ("created", _("Plus anciennes")),
            ("deadline", _("Échéance proche")),
            ("-updated", _("Dernière activité")),
            ("reference", _("Référence")),
        ],
    )

    def __init__(self, *args, services=(), communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "—"), *[(s.key, s.name) for s in services]]
        self.fields["commune"].choices = [("", "—"), *[(c.slug, c.name) for c in communes]]

    def filters(self) -> CaseFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return CaseFilters(
            queue=data.get("queue") or "team",
            service=data.get("service") or "",
            status=data.get("status") or "",
            commune=data.get("commune") or "",
            channel=data.get("channel") or "",
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") if data.get("sort") in SORTS else "-created",
        )


class TransitionForm(forms.Form):
    transition = forms.CharField(max_length=60)
    comment = forms.CharField(
        label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note interne"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        required=False,
    )


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Nom du filtre"), max_length=100)
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)


class TrackingForm(forms.Form):
    reference = forms.CharField(label=_("Référence de la demande"), max_length=20)
    code = forms.CharField(label=_("Code de suivi"), max_length=20)


class RequesterForm(forms.Form):
    """Who the agent files for: an existing account (by e-mail) or contact details."""

    channel = forms.ChoiceField(label=_("Canal"), choices=AGENT_CHANNELS)
    email = forms.EmailField(label=_("E-mail de l'usager"), required=False)
    name = forms.CharField(label=_("Nom"), required=False, max_length=200)
    phone = forms.CharField(
        label=_("Téléphone"),
        required=False,
        max_length=30,
        help_text=_("Par exemple 06 12 34 56 78 ou +33 6 12 34 56 78."),
    )
    sms_consent = forms.BooleanField(
        label=_("L'usager accepte d'être suivi par SMS sur ce numéro de mobile"),
        required=False,
    )
    commune = forms.ChoiceField(label=_("Commune"))

    def __init__(self, *args, communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [(c.slug, c.name) for c in communes]

    def clean_phone(self) -> str:
        """The number in E.164 (``+33478000000``); a number that is none is refused."""
        from guichet.notifications.sms import normalise_any_phone

        raw = self.cleaned_data.get("phone", "").strip()
        if not raw:
            return ""
        phone = normalise_any_phone(raw)
        if phone is None:
            raise forms.ValidationError(
                _("Numéro de téléphone invalide, par exemple 06 12 34 56 78.")
            )
        return phone

    def clean(self):
        from guichet.notifications.sms import mobile_number

        data = super().clean()
        if self.errors.get("phone"):
            return data
        if not (data.get("email") or data.get("phone")):
            raise forms.ValidationError(
                _("Indiquez l'e-mail ou le téléphone de l'usager pour qu'il soit recontacté.")
            )
        if data.get("sms_consent") and not mobile_number(data.get("phone", "")):
            self.add_error(
                "phone",
                _(
                    "Pour le suivi par SMS, indiquez un numéro de mobile, "
                    "par exemple 06 12 34 56 78."
                ),
            )
        return data


class PlaceForm(forms.Form):
    """Where the request is about, for a service whose form has no place of its own (a
    public-space report): a point, and the address as the caller says it."""

    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    address = forms.CharField(label=_("Adresse"), required=False, max_length=300)

    def clean(self):
        data = super().clean()
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            raise forms.ValidationError(_("Indiquez la latitude et la longitude, ou aucune."))
        data["location"] = (lat, lon) if lat is not None else None
        return data


class DeadlineForm(forms.Form):
    deadline = forms.DateField(
        label=_("Échéance"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
