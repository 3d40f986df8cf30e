"""Forms of the core pages: the auditor's filters of the access records."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.core.models import AccessRecord
from guichet.core.selectors import AccessFilters


class AccessFilterForm(forms.Form):
    """The auditor's filters: dates, door, agent, case reference (each optional)."""

    date_from = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    door = forms.ChoiceField(label=_("Accès"), required=False)
    # An id, not a choice among today's members: the link of a record of a former member
    # still filters (the records stay scoped to the auditor's organisations whatever the id).
    agent = forms.IntegerField(label=_("Agent"), required=False, min_value=1)
    reference = forms.CharField(label=_("Référence de la demande"), required=False, max_length=20)

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["door"].choices = [("", _("Tous"))] + list(AccessRecord.Door.choices)
        self.fields["agent"].widget = forms.Select(
            choices=[("", _("Tous"))]
            + [(a.pk, f"{a.get_full_name() or a.email} ({a.email})") for a in agents]
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("La date de fin précède la date de début."))
        return cleaned

    def filters(self) -> AccessFilters:
        data = self.cleaned_data
        return AccessFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            door=data.get("door") or "",
            actor_id=data.get("agent"),
            reference=(data.get("reference") or "").strip().upper(),  # references are upper case
        )
